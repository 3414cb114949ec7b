// The latest known state of every entity (as the core event that carries it) and the
// service → pages index, and from them: which pages one core event must reach. The edge
// never calls the core, so when a page starts showing a service, the page also needs the
// events that carry that service's current state, its incidents, maintenance and uptime.
import type { CoreEvent, StatusPage } from '../../worker/domain/schema.ts';

export interface CatchUp {
  pageId: string;
  serviceIds: string[];
  events: CoreEvent[];
}

/** A page event that won (a new page, an edit, a deletion), with its hostnames before and after. */
export interface HostnamesChange {
  pageId: string;
  before: string[];
  after: string[];
  /** The page event that carried the change, and its version. */
  eventId: string;
  version: number;
}

export interface Admission {
  /** Pages the event itself goes to. */
  targets: string[];
  /** False when an event at least as new was already known: the edge will skip it as stale. */
  newer: boolean;
  catchUp: CatchUp[];
  hostnames: HostnamesChange | null;
}

export function entityKey(event: CoreEvent): string {
  if (event.type === 'uptime.recorded') {
    return `uptime:${event.data.serviceId}:${event.data.date}`;
  }
  const kind = event.type.slice(0, event.type.indexOf('.'));
  return `${kind}:${event.data.id}`;
}

/** The services an entity event concerns (what decides which pages show it). */
export function servicesOf(event: CoreEvent): string[] {
  switch (event.type) {
    case 'incident.upserted':
    case 'maintenance.upserted':
      return event.data.serviceIds;
    case 'service.upserted':
    case 'service.deleted':
      return [event.data.id];
    case 'uptime.recorded':
      return [event.data.serviceId];
    default:
      return [];
  }
}

/**
 * Only a strictly newer version replaces what is known, as on the edge: versions are per
 * entity and monotonic, so an equal one is the same state again (docs/contract.md §1).
 */
export function supersedes(event: CoreEvent, known: CoreEvent | undefined): boolean {
  return known === undefined || event.version > known.version;
}

function livePage(event: CoreEvent | undefined): StatusPage | null {
  return event?.type === 'status_page.upserted' ? event.data : null;
}

export class Catalogue {
  readonly #entities = new Map<string, CoreEvent>();
  readonly #servicePages = new Map<string, Set<string>>();

  /** Decides where `event` goes and takes it into the catalogue if it is the newest. */
  admit(event: CoreEvent): Admission {
    const key = entityKey(event);
    const known = this.#entities.get(key);
    const newer = supersedes(event, known);
    const admission: Admission = { targets: [], newer, catchUp: [], hostnames: null };

    switch (event.type) {
      case 'status_page.upserted':
      case 'status_page.deleted': {
        admission.targets = [event.data.id];
        if (newer) {
          const before = livePage(known);
          const after = livePage(event);
          this.#entities.set(key, event);
          this.#reindex(event.data.id, before, after);
          if (after) {
            const shown = new Set(before?.serviceIds ?? []);
            const added = after.serviceIds.filter((id) => !shown.has(id));
            if (added.length > 0) admission.catchUp.push(this.#catchUp(after.id, added));
          }
          // Every newer page event, even with the same hostnames: saving a page again is how
          // an operator asks the certificate updater to look at a stalled hostname anew.
          admission.hostnames = {
            pageId: event.data.id,
            before: before?.hostnames ?? [],
            after: after?.hostnames ?? [],
            eventId: event.id,
            version: event.version,
          };
        }
        return admission;
      }
      default: {
        // An incident that moves off a service must still reach the pages that showed it.
        const services = new Set([...servicesOf(event), ...(known ? servicesOf(known) : [])]);
        admission.targets = this.pagesShowing(services);
        if (newer) this.#entities.set(key, event);
        return admission;
      }
    }
  }

  pagesShowing(serviceIds: Iterable<string>): string[] {
    const pages = new Set<string>();
    for (const id of serviceIds) for (const p of this.#servicePages.get(id) ?? []) pages.add(p);
    return [...pages].sort();
  }

  page(pageId: string): StatusPage | null {
    return livePage(this.#entities.get(`status_page:${pageId}`));
  }

  pages(): StatusPage[] {
    const out: StatusPage[] = [];
    for (const e of this.#entities.values())
      if (e.type === 'status_page.upserted') out.push(e.data);
    return out;
  }

  /** Every entity event known, for snapshots. */
  events(): CoreEvent[] {
    return [...this.#entities.values()];
  }

  get size(): number {
    return this.#entities.size;
  }

  /** Uptime days before `date` (YYYY-MM-DD) are no longer shown anywhere: forget them. */
  pruneUptimeBefore(date: string): number {
    let pruned = 0;
    for (const [key, e] of this.#entities) {
      if (e.type === 'uptime.recorded' && e.data.date < date) {
        this.#entities.delete(key);
        pruned++;
      }
    }
    return pruned;
  }

  /** Rebuilds from a snapshot's events (the index is derived, never stored). */
  static from(events: Iterable<CoreEvent>): Catalogue {
    const catalogue = new Catalogue();
    for (const e of events) {
      catalogue.#entities.set(entityKey(e), e);
      const page = livePage(e);
      if (page) catalogue.#reindex(page.id, null, page);
    }
    return catalogue;
  }

  #reindex(pageId: string, before: StatusPage | null, after: StatusPage | null): void {
    for (const id of before?.serviceIds ?? []) this.#servicePages.get(id)?.delete(pageId);
    for (const id of after?.serviceIds ?? []) {
      let pages = this.#servicePages.get(id);
      if (!pages) {
        pages = new Set();
        this.#servicePages.set(id, pages);
      }
      pages.add(pageId);
    }
  }

  #catchUp(pageId: string, added: string[]): CatchUp {
    const wanted = new Set(added);
    const events: CoreEvent[] = [];
    for (const e of this.#entities.values()) {
      // A deletion concerns nothing a page that never showed the entity has to forget.
      if (e.type.endsWith('.deleted') || e.type.startsWith('status_page.')) continue;
      if (servicesOf(e).some((id) => wanted.has(id))) events.push(e);
    }
    // Services first, so the page knows them before the incidents that reference them.
    events.sort((a, b) => rank(a) - rank(b));
    return { pageId, serviceIds: added, events };
  }
}

function rank(e: CoreEvent): number {
  return e.type === 'service.upserted' ? 0 : e.type === 'uptime.recorded' ? 2 : 1;
}
