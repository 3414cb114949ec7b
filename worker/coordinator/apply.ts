// Pure: which events of a batch change the page, decided from what is stored. The coordinator
// runs this inside one SQL transaction and then writes `changes`; nothing here touches storage.
//
// Every core event names one entity (the page, a service, an incident, a maintenance window
// or one service-day of uptime) and carries that entity's version. An event changes the page
// only if it is new (its id not seen recently) and newer than what is stored for its entity,
// deletes included: a delete leaves a tombstone with its version, so an older upsert arriving
// late cannot bring the entity back.
import type { CoreEvent } from '../domain/schema.ts';
import type { SyncOutcome } from '../sync/contract.ts';

export type EntityKind = 'page' | 'service' | 'incident' | 'maintenance' | 'uptime';

export interface EntityRef {
  kind: EntityKind;
  id: string;
}

export interface StoredVersion {
  version: number;
  deleted: boolean;
}

/** What the coordinator writes for an applied event. `data` is null for a tombstone. */
export interface EntityChange extends EntityRef {
  version: number;
  deleted: boolean;
  data: unknown;
  /** The applied event's `occurredAt`: when the core changed the entity. */
  occurredAt: string;
  /** The `occurredAt` of the first event of this batch that applied to the entity since it
   * last existed: its creation time, if it is new. */
  firstOccurredAt: string;
}

export interface StoredState {
  /** The stored version (or tombstone) of an entity, null if never seen. */
  stored(ref: EntityRef): StoredVersion | null;
  /** Whether an event id is among the recently applied or skipped ones. */
  seen(eventId: string): boolean;
}

export interface BatchPlan {
  results: { id: string; outcome: SyncOutcome }[];
  /** Applied changes in batch order; a later change to the same entity supersedes an earlier one. */
  changes: EntityChange[];
  /** Ids to remember as seen (applied or stale, each once). */
  newEventIds: string[];
}

/** Uptime is one entity per service and day: `uptime.recorded` replaces that day. */
export function uptimeId(serviceId: string, date: string): string {
  return `${serviceId}/${date}`;
}

// One case per event type, spelled out: the switch is exhaustive, so a new type of event fails
// to compile here until it names its entity.
export function entityOf(event: CoreEvent): EntityRef & { deleted: boolean } {
  switch (event.type) {
    case 'status_page.upserted':
      return { kind: 'page', id: event.data.id, deleted: false };
    case 'status_page.deleted':
      return { kind: 'page', id: event.data.id, deleted: true };
    case 'service.upserted':
      return { kind: 'service', id: event.data.id, deleted: false };
    case 'service.deleted':
      return { kind: 'service', id: event.data.id, deleted: true };
    case 'incident.upserted':
      return { kind: 'incident', id: event.data.id, deleted: false };
    case 'incident.deleted':
      return { kind: 'incident', id: event.data.id, deleted: true };
    case 'maintenance.upserted':
      return { kind: 'maintenance', id: event.data.id, deleted: false };
    case 'maintenance.deleted':
      return { kind: 'maintenance', id: event.data.id, deleted: true };
    case 'uptime.recorded':
      return {
        kind: 'uptime',
        id: uptimeId(event.data.serviceId, event.data.date),
        deleted: false,
      };
  }
}

/**
 * One event against what is stored for its entity. Only a strictly newer version applies: the
 * core's versions are per entity and monotonic, so an equal version is the same state again
 * (or, for an upsert against a tombstone of the same version, a resurrection we refuse).
 */
export function decide(
  stored: StoredVersion | null,
  version: number,
  alreadySeen: boolean,
): SyncOutcome {
  if (alreadySeen) return 'duplicate';
  if (stored !== null && version <= stored.version) return 'stale';
  return 'applied';
}

function refKey(ref: EntityRef): string {
  return `${ref.kind}\u0000${ref.id}`;
}

export function planBatch(events: readonly CoreEvent[], state: StoredState): BatchPlan {
  const results: BatchPlan['results'] = [];
  const newEventIds: string[] = [];
  const inBatchIds = new Set<string>();
  // Changes made earlier in this batch count as stored for later events of the same batch.
  const overlay = new Map<string, EntityChange>();

  for (const event of events) {
    const ref = entityOf(event);
    const key = refKey(ref);
    const seen = inBatchIds.has(event.id) || state.seen(event.id);
    const stored = overlay.get(key) ?? state.stored(ref);
    const outcome = decide(stored, event.version, seen);
    results.push({ id: event.id, outcome });
    if (outcome === 'duplicate') continue;
    inBatchIds.add(event.id);
    newEventIds.push(event.id);
    if (outcome === 'applied') {
      const earlier = overlay.get(key);
      overlay.set(key, {
        ...ref,
        version: event.version,
        data: ref.deleted ? null : event.data,
        occurredAt: event.occurredAt,
        firstOccurredAt: earlier && !earlier.deleted ? earlier.firstOccurredAt : event.occurredAt,
      });
    }
  }
  return { results, changes: [...overlay.values()], newEventIds };
}
