// What a planned fan-out (fan-out-plan.ts) needs to know of the catalogue — entity versions,
// the services each last touched, the pages of each service, the pages a tracked entity was
// sent to — kept between apply transactions and read in bulk for what a run of events needs
// and the cache lacks: four statements over JSON arrays for a whole run, instead of three or
// four point reads per event (most events are about entities a recent event touched).
//
// The store is the database's only writer and every write of these tables goes through it:
// a planned run's writes are absorbed here, the event-at-a-time path forgets what it touched
// (a page event: everything), and a rolled-back transaction clears it all (store.ts). Bounded:
// past `maxKeys` entries in any map it starts again empty.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { type EventRoute, isPageType } from './entities.ts';
import { type FanOutFacts, type FanOutPlan, TRACKED_KINDS } from './fan-out-plan.ts';

/** The keys given, one lookup each (not `IN (…)`, which first builds and sorts a temp index). */
const EACH = 'json_each(?1) j';
export const DEFAULT_MAX_CACHED = 10_000;

type Lookup = 'version' | 'service' | 'page' | 'delivery';
type Bulk = 'versions' | 'services' | 'pages' | 'delivered';

export class CatalogueCache implements FanOutFacts {
  readonly #versions = new Map<string, number | undefined>();
  readonly #services = new Map<string, string[]>();
  readonly #pages = new Map<string, string[]>();
  readonly #delivered = new Map<string, string[]>();
  readonly #q: Record<Lookup | Bulk, StatementSync>;
  readonly #max: number;

  constructor(db: DatabaseSync, maxKeys = DEFAULT_MAX_CACHED) {
    const p = (sql: string) => db.prepare(sql);
    this.#max = maxKeys;
    this.#q = {
      versions: p(
        `SELECT j.value AS k, en.version AS v FROM ${EACH} JOIN entities en ON en.key = j.value`,
      ),
      services: p(
        `SELECT j.value AS k, es.service_id AS v FROM ${EACH} JOIN entity_services es ON es.key = j.value`,
      ),
      pages: p(
        `SELECT j.value AS k, ps.page_id AS v FROM ${EACH} JOIN page_services ps ON ps.service_id = j.value`,
      ),
      delivered: p(
        `SELECT j.value AS k, d.page_id AS v FROM ${EACH} JOIN deliveries d ON d.key = j.value`,
      ),
      version: p('SELECT version FROM entities WHERE key = ?'),
      service: p('SELECT service_id AS v FROM entity_services WHERE key = ?'),
      page: p('SELECT page_id AS v FROM page_services WHERE service_id = ?'),
      delivery: p('SELECT page_id AS v FROM deliveries WHERE key = ?'),
    };
  }

  /** Reads what the events from `from` up to the next page event need and is not cached. */
  prefetch(events: readonly { route: EventRoute }[], from: number): void {
    if (this.#size() > this.#max) this.clear();
    const keys = new Set<string>();
    const untouched = new Set<string>();
    const tracked = new Set<string>();
    const services = new Set<string>();
    for (let i = from; i < events.length; i++) {
      const { route } = events[i] as { route: EventRoute };
      if (isPageType(route.type)) break;
      const key = route.key;
      if (!this.#versions.has(key)) keys.add(key);
      if (!this.#services.has(key)) untouched.add(key);
      if (!this.#delivered.has(key) && TRACKED_KINDS.has(key.slice(0, key.indexOf(':')))) {
        tracked.add(key);
      }
      for (const id of route.services) services.add(id);
      for (const id of this.#services.get(key) ?? []) services.add(id);
    }
    if (keys.size > 0) {
      for (const key of keys) this.#versions.set(key, undefined);
      for (const r of this.#rows('versions', keys)) this.#versions.set(r.k, Number(r.v));
    }
    if (untouched.size > 0) {
      for (const key of untouched) this.#services.set(key, []);
      for (const r of this.#rows('services', untouched)) {
        this.#services.get(r.k)?.push(r.v);
        services.add(r.v);
      }
    }
    const unknownServices = new Set([...services].filter((id) => !this.#pages.has(id)));
    if (unknownServices.size > 0) {
      for (const id of unknownServices) this.#pages.set(id, []);
      for (const r of this.#rows('pages', unknownServices)) this.#pages.get(r.k)?.push(r.v);
    }
    if (tracked.size > 0) {
      for (const key of tracked) this.#delivered.set(key, []);
      for (const r of this.#rows('delivered', tracked)) this.#delivered.get(r.k)?.push(r.v);
    }
  }

  version(key: string): number | undefined {
    if (this.#versions.has(key)) return this.#versions.get(key);
    const row = this.#q.version.get(key) as { version: number } | undefined;
    this.#versions.set(key, row?.version);
    return row?.version;
  }

  services(key: string): readonly string[] {
    return this.#list(this.#services, key, 'service');
  }

  pages(serviceId: string): readonly string[] {
    return this.#list(this.#pages, serviceId, 'page');
  }

  delivered(key: string): readonly string[] {
    return this.#list(this.#delivered, key, 'delivery');
  }

  /** What a planned run wrote is what the database now holds. */
  absorb(plan: FanOutPlan): void {
    for (const e of plan.entities) this.#versions.set(e.key, e.version);
    for (const [key, services] of plan.services) this.#services.set(key, services);
    for (const [key, pageId] of plan.deliveries) this.#delivered.get(key)?.push(pageId);
  }

  /** The entity changed behind the cache's back (the event-at-a-time path): read it again. */
  forget(key: string): void {
    this.#versions.delete(key);
    this.#services.delete(key);
    this.#delivered.delete(key);
  }

  /** Which pages show what changed, or a transaction rolled back: read everything again. */
  clear(): void {
    this.#versions.clear();
    this.#services.clear();
    this.#pages.clear();
    this.#delivered.clear();
  }

  #size(): number {
    return Math.max(
      this.#versions.size,
      this.#services.size,
      this.#pages.size,
      this.#delivered.size,
    );
  }

  #rows(q: Bulk, keys: Set<string>): { k: string; v: string }[] {
    return this.#q[q].all(JSON.stringify([...keys])) as { k: string; v: string }[];
  }

  #list(map: Map<string, string[]>, key: string, q: Exclude<Lookup, 'version'>): string[] {
    let list = map.get(key);
    if (list === undefined) {
      list = (this.#q[q].all(key) as { v: string }[]).map((r) => r.v);
      map.set(key, list);
    }
    return list;
  }
}
