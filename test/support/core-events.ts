// Small builders for core events in tests.
import type {
  CoreEvent,
  Incident,
  Maintenance,
  Service,
  StatusPage,
} from '../../worker/domain/schema.ts';

const AT = '2026-11-21T10:00:00Z';
let counter = 0;

function id(prefix: string): string {
  counter++;
  return `${prefix}_${counter}`;
}

export function pageEvent(
  page: Partial<StatusPage> & { id: string; serviceIds: string[] },
  version = 1,
): CoreEvent {
  return {
    id: id('evt_page'),
    type: 'status_page.upserted',
    occurredAt: AT,
    version,
    data: {
      name: `Page ${page.id}`,
      hostnames: [`${page.id.replaceAll('_', '-')}.example.com`],
      visibility: 'public',
      ...page,
    },
  };
}

export function serviceEvent(service: Partial<Service> & { id: string }, version = 1): CoreEvent {
  return {
    id: id('evt_svc'),
    type: 'service.upserted',
    occurredAt: AT,
    version,
    data: { name: `Service ${service.id}`, status: 'operational', ...service },
  };
}

export function incidentEvent(
  incident: Partial<Incident> & { id: string; serviceIds: string[] },
  version = 1,
): CoreEvent {
  return {
    id: id('evt_inc'),
    type: 'incident.upserted',
    occurredAt: AT,
    version,
    data: {
      name: `Incident ${incident.id}`,
      status: 'investigating',
      impact: 'minor',
      createdAt: AT,
      updates: [{ id: 'u1', status: 'investigating', body: 'Looking into it.', createdAt: AT }],
      ...incident,
    },
  };
}

export function maintenanceEvent(
  m: Partial<Maintenance> & { id: string; serviceIds: string[] },
  version = 1,
): CoreEvent {
  return {
    id: id('evt_mnt'),
    type: 'maintenance.upserted',
    occurredAt: AT,
    version,
    data: {
      name: `Maintenance ${m.id}`,
      status: 'scheduled',
      scheduledFor: '2026-11-22T10:00:00Z',
      scheduledUntil: '2026-11-22T12:00:00Z',
      updates: [],
      ...m,
    },
  };
}

export function uptimeEvent(serviceId: string, date: string, version = 1): CoreEvent {
  return {
    id: id('evt_up'),
    type: 'uptime.recorded',
    occurredAt: AT,
    version,
    data: { serviceId, date, partialOutageSeconds: 60, majorOutageSeconds: 0 },
  };
}

export function deletedEvent(
  type: 'service.deleted' | 'incident.deleted' | 'maintenance.deleted' | 'status_page.deleted',
  entityId: string,
  version: number,
): CoreEvent {
  return { id: id('evt_del'), type, occurredAt: AT, version, data: { id: entityId } } as CoreEvent;
}
