// Test helper: fold core events into one page's snapshot (latest version wins). The real
// coordinator does this durably and idempotently; tests only need the resulting picture.
import type { CoreEvent } from '../../worker/domain/schema.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';

export function snapshotFromEvents(events: readonly CoreEvent[], pageId: string): PageSnapshot {
  let page: PageSnapshot['page'] | undefined;
  const services = new Map<string, PageSnapshot['services'][number]>();
  const incidents = new Map<string, PageSnapshot['incidents'][number]>();
  const maintenances = new Map<string, PageSnapshot['maintenances'][number]>();
  const uptime = new Map<string, PageSnapshot['uptime'][number]>();
  for (const e of events) {
    switch (e.type) {
      case 'status_page.upserted':
        if (e.data.id === pageId) page = e.data;
        break;
      case 'service.upserted':
        services.set(e.data.id, e.data);
        break;
      case 'incident.upserted':
        incidents.set(e.data.id, e.data);
        break;
      case 'maintenance.upserted':
        maintenances.set(e.data.id, e.data);
        break;
      case 'uptime.recorded':
        uptime.set(`${e.data.serviceId}|${e.data.date}`, e.data);
        break;
      case 'service.deleted':
        services.delete(e.data.id);
        break;
      case 'incident.deleted':
        incidents.delete(e.data.id);
        break;
      case 'maintenance.deleted':
        maintenances.delete(e.data.id);
        break;
      case 'status_page.deleted':
        if (e.data.id === pageId) page = undefined;
        break;
    }
  }
  if (!page) throw new Error(`no page ${pageId} in events`);
  return {
    page,
    services: [...services.values()],
    incidents: [...incidents.values()],
    maintenances: [...maintenances.values()],
    uptime: [...uptime.values()],
  };
}
