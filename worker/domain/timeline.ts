// Which incidents and maintenance windows a page shows where, and when the clock alone will
// change that (the coordinator schedules an alarm at the next such boundary).
import type { Incident, Maintenance, MaintenanceStatus } from './schema.ts';

const DAY_MS = 86_400_000;

/** Statuspage's "unresolved": investigating, identified or monitoring. */
export function isUnresolved(incident: Incident): boolean {
  return (
    incident.status === 'investigating' ||
    incident.status === 'identified' ||
    incident.status === 'monitoring'
  );
}

/** Newest first by creation time; ties broken by id so renders are deterministic. */
function newestFirst<T extends { id: string }>(items: readonly T[], at: (t: T) => string): T[] {
  // Each time parsed once, not once per comparison (a huge page sorts 100 incidents often).
  const keyed = items.map((item) => ({ item, ms: Date.parse(at(item)) }));
  keyed.sort((a, b) => b.ms - a.ms || a.item.id.localeCompare(b.item.id));
  return keyed.map((k) => k.item);
}

export function activeIncidents(incidents: readonly Incident[]): Incident[] {
  return newestFirst(incidents.filter(isUnresolved), (i) => i.createdAt);
}

export function incidentEndedAt(incident: Incident): string {
  if (incident.resolvedAt) return incident.resolvedAt;
  const resolving = incident.updates.find((u) => u.status === 'resolved');
  return resolving?.createdAt ?? latestUpdateAt(incident);
}

export function latestUpdateAt(incident: Incident | Maintenance): string {
  let latest = 'createdAt' in incident ? incident.createdAt : incident.scheduledFor;
  for (const u of incident.updates)
    if (Date.parse(u.createdAt) > Date.parse(latest)) latest = u.createdAt;
  return latest;
}

/** Resolved incidents whose end falls within the last `days` days, newest first. */
/** The status page shows the incidents of this many past days (and re-renders as they age out). */
export const PAST_INCIDENT_DAYS = 14;

export function pastIncidents(incidents: readonly Incident[], now: Date, days: number): Incident[] {
  const since = now.getTime() - days * DAY_MS;
  return newestFirst(
    incidents.filter((i) => !isUnresolved(i) && Date.parse(incidentEndedAt(i)) >= since),
    incidentEndedAt,
  );
}

/** Every incident, newest first: the history page and the feeds. */
export function allIncidentsNewestFirst(incidents: readonly Incident[]): Incident[] {
  return newestFirst(incidents, (i) => i.createdAt);
}

export type MaintenancePhase = MaintenanceStatus;

/**
 * A window's phase as visitors should see it now. The core moves the status by hand, but a
 * page must not say "scheduled" while the window is open, nor keep a window open after its
 * end with nobody there to close it.
 */
export function maintenancePhase(m: Maintenance, now: Date): MaintenancePhase {
  if (m.status === 'completed') return 'completed';
  const t = now.getTime();
  if (t >= Date.parse(m.scheduledUntil)) return 'completed';
  if (m.status === 'scheduled' && t >= Date.parse(m.scheduledFor)) return 'in_progress';
  return m.status;
}

export function upcomingMaintenances(ms: readonly Maintenance[], now: Date): Maintenance[] {
  return ms
    .filter((m) => maintenancePhase(m, now) === 'scheduled')
    .sort(
      (a, b) => Date.parse(a.scheduledFor) - Date.parse(b.scheduledFor) || a.id.localeCompare(b.id),
    );
}

export function activeMaintenances(ms: readonly Maintenance[], now: Date): Maintenance[] {
  return ms
    .filter((m) => {
      const phase = maintenancePhase(m, now);
      return phase === 'in_progress' || phase === 'verifying';
    })
    .sort(
      (a, b) => Date.parse(a.scheduledFor) - Date.parse(b.scheduledFor) || a.id.localeCompare(b.id),
    );
}

/**
 * The next instant after `now` at which the clock alone changes what the page shows: a
 * maintenance window opening or closing, or a past incident leaving the 14-day list.
 * (Day roll-over in the page's time zone is added by the caller, which knows the zone.)
 */
export function nextTimelineBoundary(
  incidents: readonly Incident[],
  maintenances: readonly Maintenance[],
  now: Date,
  pastDays: number,
): number | null {
  const t = now.getTime();
  let next = Number.POSITIVE_INFINITY;
  const consider = (at: number) => {
    if (at > t && at < next) next = at;
  };
  for (const m of maintenances) {
    if (m.status === 'completed') continue;
    consider(Date.parse(m.scheduledFor));
    consider(Date.parse(m.scheduledUntil));
  }
  for (const i of incidents) {
    if (!isUnresolved(i)) consider(Date.parse(incidentEndedAt(i)) + pastDays * DAY_MS);
  }
  return Number.isFinite(next) ? next : null;
}
