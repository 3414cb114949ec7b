// Pure facts about core events that decide where they go: the entity an event is about, the
// services it concerns, whether it replaces what is known. The store (store.ts) keeps the
// entities and the service → pages index; this is the part that needs no database.
import type { CoreEvent, StatusPage } from '../../worker/domain/schema.ts';

/** A page event that won (a new page, an edit, a deletion), with its hostnames before and after. */
export interface HostnamesChange {
  pageId: string;
  before: string[];
  after: string[];
  /** The page event that carried the change, and its version. */
  eventId: string;
  version: number;
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

/** What decides where an event goes, without its body (fan-out-plan.ts plans from these). */
export interface EventRoute {
  id: string;
  type: CoreEvent['type'];
  version: number;
  key: string;
  services: string[];
}

export function routeOf(event: CoreEvent): EventRoute {
  return {
    id: event.id,
    type: event.type,
    version: event.version,
    key: entityKey(event),
    services: servicesOf(event),
  };
}

/**
 * Only a strictly newer version replaces what is known, as on the edge: versions are per
 * entity and monotonic, so an equal one is the same state again (docs/contract.md §1).
 */
export function supersedes(event: CoreEvent, known: CoreEvent | undefined): boolean {
  return known === undefined || event.version > known.version;
}

/** A page's own event type (an edit or a deletion), as opposed to one about what a page shows. */
export function isPageType(type: CoreEvent['type']): boolean {
  return type === 'status_page.upserted' || type === 'status_page.deleted';
}

/** A page's own event (an edit or a deletion), as opposed to one about what a page shows. */
export function isPageEvent(
  event: CoreEvent,
): event is Extract<CoreEvent, { type: 'status_page.upserted' | 'status_page.deleted' }> {
  return isPageType(event.type);
}

export function livePage(event: CoreEvent | undefined): StatusPage | null {
  return event?.type === 'status_page.upserted' ? event.data : null;
}

/** The same set of ids, whatever the order (duplicates in `b` count once). */
export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== new Set(b).size) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

/** Catch-up order: services first, so a page knows them before what references them. */
export function catchUpRank(type: CoreEvent['type']): number {
  return type === 'service.upserted' ? 0 : type === 'uptime.recorded' ? 2 : 1;
}
