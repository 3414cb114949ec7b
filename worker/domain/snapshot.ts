// What one status page needs to render, with nothing fetched from the core: the Durable
// Object keeps this for its page, and the renderer is a pure function of it and the clock.
import type { Incident, Maintenance, Service, StatusPage, UptimeDay } from './schema.ts';

/** When the core first and last changed a resource (its events' `occurredAt`). */
export interface ResourceTimes {
  createdAt: string;
  updatedAt: string;
}

export interface PageSnapshot {
  page: StatusPage;
  /** Every service the page's coordinator knows; the page shows those in `page.serviceIds`. */
  services: Service[];
  incidents: Incident[];
  maintenances: Maintenance[];
  uptime: UptimeDay[];
  /**
   * Optional, for whoever keeps the snapshot and knows it (the coordinator, from the events it
   * applies): the JSON API reports these as `created_at`/`updated_at`, and without them derives
   * what it can from incidents, maintenance and uptime (see render/api/statuspage.ts).
   */
  times?: { page?: ResourceTimes; services?: Record<string, ResourceTimes> };
}

/** The services a page shows, in its display order, skipping ids it has not heard of yet. */
/** The time zone a page's dates are told in (UTC unless the page names one). */
export function zoneOf(snapshot: PageSnapshot): string {
  return snapshot.page.timeZone ?? 'UTC';
}

export function shownServices(snapshot: PageSnapshot): Service[] {
  const byId = new Map(snapshot.services.map((s) => [s.id, s]));
  return snapshot.page.serviceIds.flatMap((id) => byId.get(id) ?? []);
}

function touches(serviceIds: readonly string[], shown: ReadonlySet<string>): boolean {
  return serviceIds.some((id) => shown.has(id));
}

/**
 * The slice of a snapshot one variant may show. `null` is the whole page (public and private
 * pages); an audience id narrows services to that audience's and incidents and maintenance to
 * those touching them. An unknown audience yields nothing at all, never the whole page.
 */
export function sliceForAudience(snapshot: PageSnapshot, audienceId: string | null): PageSnapshot {
  let allowed: Set<string>;
  if (audienceId === null) {
    allowed = new Set(snapshot.page.serviceIds);
  } else {
    const audience = snapshot.page.audiences?.find((a) => a.id === audienceId);
    allowed = new Set(audience?.serviceIds.filter((id) => snapshot.page.serviceIds.includes(id)));
  }
  return {
    page: {
      ...snapshot.page,
      serviceIds: snapshot.page.serviceIds.filter((id) => allowed.has(id)),
      groups: snapshot.page.groups?.map((g) => ({
        ...g,
        serviceIds: g.serviceIds.filter((id) => allowed.has(id)),
      })),
    },
    services: snapshot.services.filter((s) => allowed.has(s.id)),
    incidents: snapshot.incidents.filter((i) => touches(i.serviceIds, allowed)),
    maintenances: snapshot.maintenances.filter((m) => touches(m.serviceIds, allowed)),
    uptime: snapshot.uptime.filter((u) => allowed.has(u.serviceId)),
    ...(snapshot.times ? { times: sliceTimes(snapshot.times, allowed) } : {}),
  };
}

function sliceTimes(
  times: NonNullable<PageSnapshot['times']>,
  allowed: ReadonlySet<string>,
): NonNullable<PageSnapshot['times']> {
  const services = times.services
    ? Object.fromEntries(Object.entries(times.services).filter(([id]) => allowed.has(id)))
    : undefined;
  return { ...(times.page ? { page: times.page } : {}), ...(services ? { services } : {}) };
}

/** The variants rendered ahead of time for a page: `public`, `private`, or one per audience. */
export function variantIds(page: StatusPage): string[] {
  if (page.visibility === 'public') return ['public'];
  if (page.visibility === 'private') return ['private'];
  return (page.audiences ?? []).map((a) => `audience:${a.id}`);
}

export function audienceOfVariant(variant: string): string | null {
  return variant.startsWith('audience:') ? variant.slice('audience:'.length) : null;
}
