// What a planned fan-out (fan-out-plan.ts) needs to know of the catalogue, read for a whole
// run of events in four statements over JSON arrays instead of three or four per event. A
// lookup that was not prefetched (an entity forgotten after a wide event went the
// event-at-a-time way) reads its one row. Lives for one apply transaction, so it never
// outgrows the run it was made for.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { entityKey, isPageEvent, servicesOf } from './entities.ts';
import { type FanOutFacts, type FanOutPlan, TRACKED_KINDS } from './fan-out-plan.ts';

/** The one-key lookups of a list, for what was not prefetched. */
type ListLookup = 'service' | 'page' | 'delivery';

/** The keys given, one lookup each (not `IN (…)`, which first builds and sorts a temp index). */
const EACH = 'json_each(?1) j';

export class FactsReader {
  readonly #q: Record<
    'versions' | 'services' | 'pages' | 'delivered' | 'version' | 'service' | 'page' | 'delivery',
    StatementSync
  >;

  constructor(db: DatabaseSync) {
    const p = (sql: string) => db.prepare(sql);
    this.#q = {
      versions: p(
        `SELECT j.value AS key, en.version FROM ${EACH} JOIN entities en ON en.key = j.value`,
      ),
      services: p(
        `SELECT j.value AS key, es.service_id FROM ${EACH} JOIN entity_services es ON es.key = j.value`,
      ),
      pages: p(
        `SELECT j.value AS service_id, ps.page_id FROM ${EACH} JOIN page_services ps ON ps.service_id = j.value`,
      ),
      delivered: p(
        `SELECT j.value AS key, d.page_id FROM ${EACH} JOIN deliveries d ON d.key = j.value`,
      ),
      version: p('SELECT version FROM entities WHERE key = ?'),
      service: p('SELECT service_id FROM entity_services WHERE key = ?'),
      page: p('SELECT page_id FROM page_services WHERE service_id = ?'),
      delivery: p('SELECT page_id FROM deliveries WHERE key = ?'),
    };
  }

  /** The facts for `events` from `from` up to the next page event. */
  prefetch(events: readonly { event: CoreEvent }[], from: number): PrefetchedFacts {
    const keys = new Set<string>();
    const tracked = new Set<string>();
    const services = new Set<string>();
    for (let i = from; i < events.length; i++) {
      const { event } = events[i] as { event: CoreEvent };
      if (isPageEvent(event)) break;
      const key = entityKey(event);
      keys.add(key);
      if (TRACKED_KINDS.has(key.slice(0, key.indexOf(':')))) tracked.add(key);
      for (const id of servicesOf(event)) services.add(id);
    }
    const facts = new PrefetchedFacts(this.#q);
    for (const key of keys) facts.versions.set(key, undefined);
    for (const r of this.#q.versions.all(JSON.stringify([...keys])) as {
      key: string;
      version: number;
    }[]) {
      facts.versions.set(r.key, r.version);
    }
    for (const key of keys) facts.servicesOf.set(key, []);
    for (const r of this.#q.services.all(JSON.stringify([...keys])) as {
      key: string;
      service_id: string;
    }[]) {
      (facts.servicesOf.get(r.key) as string[]).push(r.service_id);
      services.add(r.service_id);
    }
    for (const id of services) facts.pagesOf.set(id, []);
    for (const r of this.#q.pages.all(JSON.stringify([...services])) as {
      service_id: string;
      page_id: string;
    }[]) {
      (facts.pagesOf.get(r.service_id) as string[]).push(r.page_id);
    }
    for (const key of tracked) facts.deliveredTo.set(key, []);
    for (const r of this.#q.delivered.all(JSON.stringify([...tracked])) as {
      key: string;
      page_id: string;
    }[]) {
      (facts.deliveredTo.get(r.key) as string[]).push(r.page_id);
    }
    return facts;
  }
}

export class PrefetchedFacts implements FanOutFacts {
  readonly versions = new Map<string, number | undefined>();
  readonly servicesOf = new Map<string, string[]>();
  readonly pagesOf = new Map<string, string[]>();
  readonly deliveredTo = new Map<string, string[]>();
  readonly #q: Record<'version' | ListLookup, StatementSync>;

  constructor(q: Record<'version' | ListLookup, StatementSync>) {
    this.#q = q;
  }

  version(key: string): number | undefined {
    if (this.versions.has(key)) return this.versions.get(key);
    const row = this.#q.version.get(key) as { version: number } | undefined;
    this.versions.set(key, row?.version);
    return row?.version;
  }

  services(key: string): readonly string[] {
    return this.#cached(this.servicesOf, key, 'service', 'service_id');
  }

  pages(serviceId: string): readonly string[] {
    return this.#cached(this.pagesOf, serviceId, 'page', 'page_id');
  }

  delivered(key: string): readonly string[] {
    return this.#cached(this.deliveredTo, key, 'delivery', 'page_id');
  }

  /** What a planned run wrote is what the database now holds. */
  absorb(plan: FanOutPlan): void {
    for (const e of plan.entities) this.versions.set(e.key, e.version);
    for (const [key, services] of plan.services) this.servicesOf.set(key, services);
    for (const [key, pageId] of plan.deliveries) this.deliveredTo.get(key)?.push(pageId);
  }

  /** The entity changed behind these facts' back (the event-at-a-time path): read it again. */
  forget(key: string): void {
    this.versions.delete(key);
    this.servicesOf.delete(key);
    this.deliveredTo.delete(key);
  }

  #cached(map: Map<string, string[]>, key: string, stmt: ListLookup, column: string): string[] {
    let list = map.get(key);
    if (list === undefined) {
      list = (this.#q[stmt].all(key) as Record<string, string>[]).map((r) => r[column] as string);
      map.set(key, list);
    }
    return list;
  }
}
