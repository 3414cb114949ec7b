// The one builder of core events for every test and benchmark, built small: one page, a few
// services, whatever the test needs, everything else defaulted (a public page with no hostname,
// operational services, a major investigating incident). Ids are unique per call unless given;
// times are `now` (default: the real clock), so pass a fixed `now` where a test compares them.
import type {
  CoreEvent,
  Incident,
  Maintenance,
  Service,
  StatusPage,
} from '../../worker/domain/schema.ts';

let counter = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${++counter}`;
const at = (now: number) => new Date(now).toISOString();

export function pageEvent(
  page: Partial<StatusPage> & Pick<StatusPage, 'id'>,
  version = 1,
  now = Date.now(),
): CoreEvent {
  const data: StatusPage = {
    name: `Page ${page.id}`,
    hostnames: [],
    visibility: 'public',
    serviceIds: [],
    ...page,
  };
  return {
    id: nextId('evt_page'),
    type: 'status_page.upserted',
    occurredAt: at(now),
    version,
    data,
  };
}

export function pageDeleted(id: string, version: number, now = Date.now()): CoreEvent {
  return deletedEvent('status_page.deleted', id, version, now);
}

export function serviceEvent(
  service: Partial<Service> & Pick<Service, 'id'>,
  version = 1,
  now = Date.now(),
  eventId = nextId('evt_svc'),
): CoreEvent {
  const data: Service = { name: `Service ${service.id}`, status: 'operational', ...service };
  return { id: eventId, type: 'service.upserted', occurredAt: at(now), version, data };
}

export function incidentEvent(
  incident: Partial<Incident> & Pick<Incident, 'id' | 'serviceIds'>,
  version = 1,
  now = Date.now(),
): CoreEvent {
  const data: Incident = {
    name: `Incident ${incident.id}`,
    status: 'investigating',
    impact: 'major',
    createdAt: at(now),
    updates: [
      {
        id: `${incident.id}_u1`,
        status: 'investigating',
        body: 'Looking into it.',
        createdAt: at(now),
      },
    ],
    ...incident,
  };
  return { id: nextId('evt_inc'), type: 'incident.upserted', occurredAt: at(now), version, data };
}

export function incidentDeleted(id: string, version: number, now = Date.now()): CoreEvent {
  return deletedEvent('incident.deleted', id, version, now);
}

export function maintenanceEvent(
  m: Partial<Maintenance> & Pick<Maintenance, 'id' | 'serviceIds'>,
  version = 1,
  now = Date.now(),
): CoreEvent {
  const data: Maintenance = {
    name: `Maintenance ${m.id}`,
    status: 'scheduled',
    // A day from now, for two hours.
    scheduledFor: at(now + 86_400_000),
    scheduledUntil: at(now + 86_400_000 + 7_200_000),
    updates: [],
    ...m,
  };
  return {
    id: nextId('evt_mnt'),
    type: 'maintenance.upserted',
    occurredAt: at(now),
    version,
    data,
  };
}

/** One whole day of uptime for a service: a minute of partial outage unless given. */
export function uptimeEvent(
  serviceId: string,
  date: string,
  version = 1,
  seconds: { partialOutageSeconds?: number; majorOutageSeconds?: number } = {},
  now = Date.now(),
): CoreEvent {
  return {
    id: nextId('evt_up'),
    type: 'uptime.recorded',
    occurredAt: at(now),
    version,
    data: { serviceId, date, partialOutageSeconds: 60, majorOutageSeconds: 0, ...seconds },
  };
}

/** A deletion of any kind of resource (`pageDeleted` and `incidentDeleted` are the same). */
export function deletedEvent(
  type: 'service.deleted' | 'incident.deleted' | 'maintenance.deleted' | 'status_page.deleted',
  entityId: string,
  version: number,
  now = Date.now(),
): CoreEvent {
  return { id: nextId('evt_del'), type, occurredAt: at(now), version, data: { id: entityId } };
}

const STATUSES: Service['status'][] = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
];

/**
 * `count` service updates cycling through statuses, as an incident storm produces them:
 * services s0..s{services-1}, versions rising from `firstVersion`.
 */
export function serviceStorm(count: number, services: number, firstVersion: number): CoreEvent[] {
  return Array.from({ length: count }, (_, i) =>
    serviceEvent(
      { id: `s${i % services}`, status: STATUSES[i % STATUSES.length]! },
      firstVersion + i,
    ),
  );
}
