// Pure: which notifications an applied change makes (docs/subscriptions.md "Who is told what").
// The page coordinator runs this inside the transaction that applies the change and stores
// each draft under its key, once: a key says what was told (an incident's update, a window's
// phase, a component's new status at a version), so the same event again, a replay or another
// origin-sync replica finds the key taken, and an edit that tells nothing new (a typo fixed
// in an old update) makes no new key.
import type { Incident, Maintenance, Service } from '../domain/schema.ts';
import { type MaintenancePhase, maintenancePhase } from '../domain/timeline.ts';
import type { NotificationDraft } from './model.ts';

/** What happened longer ago than this is history being filled in (a page gaining a service,
 * a first sync), not news: nobody is told of it. */
export const NEWS_WINDOW_MS = 24 * 60 * 60 * 1000;

const isNews = (iso: string, now: number) => now - Date.parse(iso) <= NEWS_WINDOW_MS;

function byTime<T extends { createdAt: string; id: string }>(list: readonly T[]): T[] {
  return [...list].sort(
    (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id),
  );
}

export function incidentNotifications(
  before: Incident | null,
  after: Incident | null,
  now: number,
): NotificationDraft[] {
  if (after === null) return [];
  const base = { serviceIds: after.serviceIds };
  if (before === null) {
    // Created: one notification with its first update(s), unless it is already over or old.
    if (after.status === 'resolved' || after.status === 'postmortem') return [];
    const latest = byTime(after.updates).at(-1);
    if (!isNews(latest?.createdAt ?? after.createdAt, now)) return [];
    return [
      {
        ...base,
        key: `incident:${after.id}:created`,
        kind: 'incident_created',
        subject: { type: 'incident', incident: after, updateId: latest?.id ?? null },
      },
    ];
  }
  const told = new Set(before.updates.map((u) => u.id));
  const fresh = byTime(after.updates).filter((u) => !told.has(u.id) && isNews(u.createdAt, now));
  const drafts: NotificationDraft[] = fresh.map((u) => ({
    ...base,
    key: `incident:${after.id}:update:${u.id}`,
    kind:
      u.status === 'resolved'
        ? 'incident_resolved'
        : u.status === 'postmortem'
          ? 'incident_postmortem'
          : 'incident_updated',
    subject: { type: 'incident', incident: after, updateId: u.id },
  }));
  // Resolved (or a postmortem) without an update saying so: told once, by status.
  const ended = after.status === 'resolved' || after.status === 'postmortem';
  if (drafts.length === 0 && ended && before.status !== after.status) {
    drafts.push({
      ...base,
      key: `incident:${after.id}:${after.status}`,
      kind: after.status === 'resolved' ? 'incident_resolved' : 'incident_postmortem',
      subject: { type: 'incident', incident: after, updateId: null },
    });
  }
  return drafts;
}

type Told = 'scheduled' | 'started' | 'completed';

function toldOf(phase: MaintenancePhase): Told {
  if (phase === 'scheduled') return 'scheduled';
  if (phase === 'completed') return 'completed';
  return 'started';
}

const MAINTENANCE_KIND = {
  scheduled: 'maintenance_scheduled',
  started: 'maintenance_started',
  completed: 'maintenance_completed',
} as const;

function maintenanceDraft(m: Maintenance, told: Told): NotificationDraft {
  return {
    key: `maintenance:${m.id}:${told}`,
    kind: MAINTENANCE_KIND[told],
    subject: { type: 'maintenance', maintenance: m },
    serviceIds: m.serviceIds,
  };
}

/** Whether a window's phase is news: its boundary, or the update that moved it, is recent. */
function phaseIsNews(m: Maintenance, told: Told, now: number): boolean {
  if (told === 'scheduled') return true;
  const boundary = told === 'started' ? m.scheduledFor : m.scheduledUntil;
  const update = byTime(m.updates).at(-1);
  return (
    (Date.parse(boundary) <= now && isNews(boundary, now)) ||
    (update !== undefined && isNews(update.createdAt, now))
  );
}

/** A window's phase moving by an event: scheduled, started (in progress), completed. */
export function maintenanceNotifications(
  before: Maintenance | null,
  after: Maintenance | null,
  now: number,
): NotificationDraft[] {
  if (after === null) return [];
  const at = new Date(now);
  const told = toldOf(maintenancePhase(after, at));
  if (before !== null && toldOf(maintenancePhase(before, at)) === told) return [];
  if (!phaseIsNews(after, told, now)) return [];
  // A window first heard of when it is already running is announced as started, not scheduled.
  return [maintenanceDraft(after, told)];
}

/**
 * A window's phase moving with the clock alone (it opens at scheduledFor, closes at
 * scheduledUntil): the alarm at that boundary asks this of every window. The keys are the
 * event path's, so the clock and the core moving it together tell it once.
 */
export function clockMaintenanceNotifications(
  maintenances: readonly Maintenance[],
  now: number,
): NotificationDraft[] {
  const at = new Date(now);
  return maintenances.flatMap((m) => {
    const told = toldOf(maintenancePhase(m, at));
    if (told === 'scheduled') return [];
    const boundary = told === 'started' ? m.scheduledFor : m.scheduledUntil;
    // Only boundaries the clock crossed lately (a window closed by the core is the event's).
    if (Date.parse(boundary) > now || !isNews(boundary, now)) return [];
    return [maintenanceDraft(m, told)];
  });
}

/** A component's status changing (webhooks only): keyed by the version that changed it. */
export function componentNotifications(
  before: Service | null,
  after: Service | null,
  version: number,
  occurredAt: string,
  shown: ReadonlySet<string>,
): NotificationDraft[] {
  if (before === null || after === null || before.status === after.status) return [];
  if (!shown.has(after.id)) return [];
  return [
    {
      key: `component:${after.id}:${version}:${after.status}`,
      kind: 'component_updated',
      subject: { type: 'component', service: after, oldStatus: before.status, at: occurredAt },
      serviceIds: [after.id],
    },
  ];
}
