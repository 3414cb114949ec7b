// What the machine-readable documents (JSON API, feeds, badge) say about times and links,
// derived once from a variant's slice so that they agree with each other and with the HTML.
// The core sends no "last changed" time for a service or a maintenance window, so these are
// the latest facts the slice proves; `snapshot.times` (when its keeper knows) takes precedence.
import { latestOf } from '../../domain/chronology.ts';
import type { Incident, Maintenance } from '../../domain/schema.ts';
import { type PageSnapshot, zoneOf } from '../../domain/snapshot.ts';
import { dayInZone } from '../../domain/time.ts';
import { incidentEndedAt, isUnresolved, maintenancePhase } from '../../domain/timeline.ts';

/** The page's canonical origin: its first hostname, over https. */
export function pageUrl(snapshot: PageSnapshot): string {
  const host = snapshot.page.hostnames[0];
  return host ? `https://${host}` : '';
}

/** `prefix`: a language version's path prefix (`/de`), `''` for the page's own language. */
export function incidentUrl(snapshot: PageSnapshot, incidentId: string, prefix = ''): string {
  return `${pageUrl(snapshot)}${prefix}/incidents/${incidentId}`;
}

function earliest(isos: Iterable<string | undefined | null>): string | null {
  let best: string | null = null;
  let bestMs = Number.POSITIVE_INFINITY;
  for (const iso of isos) {
    if (!iso) continue;
    const ms = Date.parse(iso);
    if (ms < bestMs) {
      best = iso;
      bestMs = ms;
    }
  }
  return best;
}

export interface IncidentTimes {
  createdAt: string;
  updatedAt: string;
  monitoringAt: string | null;
  resolvedAt: string | null;
}

export function incidentTimes(incident: Incident): IncidentTimes {
  const resolvedAt = isUnresolved(incident) ? null : incidentEndedAt(incident);
  const monitoringAt = earliest(
    incident.updates.filter((u) => u.status === 'monitoring').map((u) => u.createdAt),
  );
  return {
    createdAt: incident.createdAt,
    updatedAt:
      latestOf([incident.createdAt, resolvedAt, ...incident.updates.map((u) => u.createdAt)]) ??
      incident.createdAt,
    monitoringAt,
    resolvedAt,
  };
}

export interface MaintenanceFacts {
  /** The phase visitors see now (the clock opens and closes windows the core left alone). */
  phase: Maintenance['status'];
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

/**
 * A window has no creation time of its own: its first update is the earliest proof of it,
 * else its start. The clock's own transitions (opening at `scheduledFor`, closing at
 * `scheduledUntil`) count as changes, as they change what the page says.
 */
export function maintenanceFacts(m: Maintenance, now: Date): MaintenanceFacts {
  const phase = maintenancePhase(m, now);
  const opened = m.status === 'scheduled' && phase !== 'scheduled' ? m.scheduledFor : null;
  const closedByClock = phase === 'completed' && m.status !== 'completed' ? m.scheduledUntil : null;
  const updateTimes = m.updates.map((u) => u.createdAt);
  const createdAt = earliest(updateTimes) ?? m.scheduledFor;
  const updatedAt = latestOf([createdAt, ...updateTimes, opened, closedByClock]) ?? createdAt;
  let resolvedAt: string | null = null;
  if (phase === 'completed') {
    resolvedAt =
      closedByClock ??
      earliest(m.updates.filter((u) => u.status === 'completed').map((u) => u.createdAt)) ??
      latestOf([...updateTimes, m.scheduledUntil]);
  }
  return { phase, createdAt, updatedAt, resolvedAt };
}

export interface ServiceTimes {
  createdAt: string;
  updatedAt: string;
  /** Statuspage's `start_date`: the first day of uptime the page has, else the creation day. */
  startDate: string | null;
}

export interface PageFacts {
  url: string;
  timeZone: string;
  /** The latest change the slice shows: what `page.updated_at` and the feeds' dates say. */
  updatedAt: string;
  incidents: Map<string, IncidentTimes>;
  maintenances: Map<string, MaintenanceFacts>;
  services: Map<string, ServiceTimes>;
}

/**
 * Everything time-related the documents of one variant report, in one pass over the slice.
 * A service is created at the earliest of its known creation, the incidents and windows that
 * name it and its first uptime day; without `snapshot.times` it is updated at the latest
 * incident or window change naming it (a component's status changes with its incidents), and
 * with no such fact at all, at the page's time.
 */
export function pageFacts(snapshot: PageSnapshot, now: Date): PageFacts {
  const incidents = new Map(snapshot.incidents.map((i) => [i.id, incidentTimes(i)]));
  const maintenances = new Map(snapshot.maintenances.map((m) => [m.id, maintenanceFacts(m, now)]));

  // Each kept with its instant: a huge page notes hundreds of times, each parsed once.
  const first = new Map<string, { iso: string; ms: number }>();
  const last = new Map<string, { iso: string; ms: number }>();
  const firstDay = new Map<string, string>();
  const note = (serviceId: string, from: string, to: string) => {
    const fromMs = Date.parse(from);
    const f = first.get(serviceId);
    if (f === undefined || fromMs < f.ms) first.set(serviceId, { iso: from, ms: fromMs });
    const toMs = Date.parse(to);
    const l = last.get(serviceId);
    if (l === undefined || toMs > l.ms) last.set(serviceId, { iso: to, ms: toMs });
  };
  for (const i of snapshot.incidents) {
    const t = incidents.get(i.id)!;
    for (const id of i.serviceIds) note(id, t.createdAt, t.updatedAt);
  }
  for (const m of snapshot.maintenances) {
    const t = maintenances.get(m.id)!;
    for (const id of m.serviceIds) note(id, t.createdAt, t.updatedAt);
  }
  for (const u of snapshot.uptime) {
    const d = firstDay.get(u.serviceId);
    if (d === undefined || u.date < d) firstDay.set(u.serviceId, u.date);
  }

  const known = snapshot.times?.services ?? {};
  const updatedAt =
    latestOf([
      snapshot.times?.page?.updatedAt,
      ...snapshot.page.serviceIds.map((id) => known[id]?.updatedAt),
      ...[...incidents.values()].map((t) => t.updatedAt),
      ...[...maintenances.values()].map((t) => t.updatedAt),
    ]) ??
    // Nothing at all is known (a new, quiet page without times): the render is the change.
    now.toISOString();

  const services = new Map<string, ServiceTimes>();
  for (const id of snapshot.page.serviceIds) {
    const k = known[id];
    const day = firstDay.get(id);
    // An uptime day or an incident naming the service proves it existed by then.
    const createdAt =
      earliest([k?.createdAt, first.get(id)?.iso, day ? `${day}T00:00:00Z` : null]) ?? updatedAt;
    const updated = k?.updatedAt ?? last.get(id)?.iso ?? createdAt;
    services.set(id, {
      createdAt,
      updatedAt: Date.parse(updated) < Date.parse(createdAt) ? createdAt : updated,
      startDate: day ?? (k ? dayInZone(new Date(k.createdAt), zoneOf(snapshot)) : null),
    });
  }
  return {
    url: pageUrl(snapshot),
    timeZone: zoneOf(snapshot),
    updatedAt,
    incidents,
    maintenances,
    services,
  };
}
