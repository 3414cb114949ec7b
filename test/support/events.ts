// Core events for tests and benchmarks, built small: one page, a few services, whatever the
// test needs. Ids are unique per call unless given.
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
  version: number,
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
  return {
    id: nextId('evt_pdel'),
    type: 'status_page.deleted',
    occurredAt: at(now),
    version,
    data: { id },
  };
}

export function serviceEvent(
  service: Partial<Service> & Pick<Service, 'id'>,
  version: number,
  now = Date.now(),
  eventId = nextId('evt_svc'),
): CoreEvent {
  const data: Service = { name: `Service ${service.id}`, status: 'operational', ...service };
  return { id: eventId, type: 'service.upserted', occurredAt: at(now), version, data };
}

export function incidentEvent(
  incident: Partial<Incident> & Pick<Incident, 'id' | 'serviceIds'>,
  version: number,
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
  return {
    id: nextId('evt_idel'),
    type: 'incident.deleted',
    occurredAt: at(now),
    version,
    data: { id },
  };
}

export function maintenanceEvent(
  m: Partial<Maintenance> &
    Pick<Maintenance, 'id' | 'serviceIds' | 'scheduledFor' | 'scheduledUntil'>,
  version: number,
  now = Date.now(),
): CoreEvent {
  const data: Maintenance = { name: `Maintenance ${m.id}`, status: 'scheduled', updates: [], ...m };
  return {
    id: nextId('evt_mnt'),
    type: 'maintenance.upserted',
    occurredAt: at(now),
    version,
    data,
  };
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
