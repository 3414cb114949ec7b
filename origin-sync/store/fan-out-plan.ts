// The fan-out of a run of entity events (services, incidents, maintenance, uptime: anything but
// a page's own event) planned in memory, so the store writes each table once per run with a
// set-based statement instead of five or six statements per event (store.ts, #applyRun).
// Measured: a statement per row costs 2-4 µs on these tables, the same rows given as one JSON
// array under 1 µs each.
//
// The plan decides exactly what the store's event-at-a-time path (#admit) decides, in the same
// order: the property test (test/origin-sync/fan-out-plan.test.ts) runs both on random event
// sequences and compares every table. It reads the catalogue through `FanOutFacts` (what the
// database held when the run began) and keeps what the run itself changed on top.
import { type EventRoute, isPageType, sameMembers } from './entities.ts';

/** What the catalogue held before the run, by lookup (the store prefetches it in bulk). */
export interface FanOutFacts {
  /** The entity's version, or undefined when it is not known. */
  version(key: string): number | undefined;
  /** The services the entity last touched (its tombstone keeps them). */
  services(key: string): readonly string[];
  /** The live pages showing the service. */
  pages(serviceId: string): readonly string[];
  /** The pages this entity was ever sent to. */
  delivered(key: string): readonly string[];
}

export interface PlannedEntity {
  key: string;
  kind: string;
  version: number;
  seq: number;
  deleted: number;
  /** The row existed before the run (an UPDATE), or not (an INSERT). */
  known: boolean;
}

export interface FanOutPlan {
  /** Events planned, from the start: the run stops before a page event or a wide one. */
  planned: number;
  /** Outbox rows in order: [page, event seq]. */
  outbox: [string, number][];
  /** `fanned_out` steps in order: [event id, page or null, detail or null]. */
  steps: [string, string | null, string | null][];
  /** Pages newly sent a tracked entity: [key, page]. */
  deliveries: [string, string][];
  /** Each entity's last state in the run, in first-touched order. */
  entities: PlannedEntity[];
  /** Entities whose services changed: their services now. */
  services: Map<string, string[]>;
  /** Pages that got something to send. */
  pages: Set<string>;
}

export const STALE_NOTE =
  'an event at least as new is known for this entity: the edge will skip it';
export const NO_PAGE_NOTE = 'no page shows it yet: kept for pages that start showing it';
/** Entities whose deletion or move must reach every page that was ever sent them. */
export const TRACKED_KINDS: ReadonlySet<string> = new Set(['incident', 'maintenance', 'service']);

/** SQLite's BINARY order (page ids sorted as the event-at-a-time path's reads give them). */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Plans events from the start of `events` until one that the set-based path does not take: a
 * page event (it changes which pages show what, and may catch a page up), or one going to more
 * than `maxTargets` pages (the store's temp-table path keeps those linear inside SQLite).
 */
export function planFanOut(
  events: readonly { route: EventRoute; seq: number }[],
  facts: FanOutFacts,
  maxTargets: number,
): FanOutPlan {
  const plan: FanOutPlan = {
    planned: 0,
    outbox: [],
    steps: [],
    deliveries: [],
    entities: [],
    services: new Map(),
    pages: new Set(),
  };
  // What the run changed, over the facts.
  const versions = new Map<string, number>();
  const entityAt = new Map<string, number>();
  const delivered = new Map<string, Set<string>>();
  const deliveredTo = (key: string): Set<string> => {
    let set = delivered.get(key);
    if (!set) {
      set = new Set(facts.delivered(key));
      delivered.set(key, set);
    }
    return set;
  };

  for (const { route: event, seq } of events) {
    if (isPageType(event.type)) break;
    const key = event.key;
    const kind = key.slice(0, key.indexOf(':'));
    const tracked = TRACKED_KINDS.has(kind);
    const before = plan.services.get(key) ?? facts.services(key);
    const own = event.services;
    // The pages of what it concerns now and last touched, then every page it was sent to.
    const targets = new Map<string, boolean>();
    for (const id of new Set([...own, ...before])) {
      for (const pageId of facts.pages(id)) targets.set(pageId, false);
    }
    if (tracked) for (const pageId of deliveredTo(key)) targets.set(pageId, true);
    if (targets.size > maxTargets) break;

    const known = versions.has(key) ? versions.get(key) : facts.version(key);
    const newer = known === undefined || event.version > known;
    const detail = newer ? null : STALE_NOTE;
    const pages =
      targets.size <= 1 ? [...targets] : [...targets].sort(([a], [b]) => byCodeUnit(a, b));
    for (const [pageId, wasDelivered] of pages) {
      plan.outbox.push([pageId, seq]);
      plan.pages.add(pageId);
      if (tracked && !wasDelivered) {
        deliveredTo(key).add(pageId);
        plan.deliveries.push([key, pageId]);
      }
      plan.steps.push([event.id, pageId, detail]);
    }
    if (pages.length === 0) plan.steps.push([event.id, null, NO_PAGE_NOTE]);
    plan.planned++;
    if (!newer) continue;

    versions.set(key, event.version);
    const deleted = event.type.endsWith('.deleted') ? 1 : 0;
    const at = entityAt.get(key);
    if (at === undefined) {
      entityAt.set(key, plan.entities.length);
      plan.entities.push({
        key,
        kind,
        version: event.version,
        seq,
        deleted,
        known: known !== undefined,
      });
    } else {
      const entity = plan.entities[at] as PlannedEntity;
      entity.version = event.version;
      entity.seq = seq;
      entity.deleted = deleted;
    }
    // A tombstone keeps the services its entity last touched.
    if (!deleted && !sameMembers(before, own)) plan.services.set(key, [...own]);
  }
  return plan;
}
