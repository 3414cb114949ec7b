// Test helper: fold core events into one page's snapshot (latest version wins). The real
// coordinator does this durably and idempotently; tests only need the resulting picture.
import type { CoreEvent } from '../../worker/domain/schema.ts';
import type { PageSnapshot, ResourceTimes } from '../../worker/domain/snapshot.ts';

export function snapshotFromEvents(events: readonly CoreEvent[], pageId: string): PageSnapshot {
  let page: PageSnapshot['page'] | undefined;
  const services = new Map<string, PageSnapshot['services'][number]>();
  const incidents = new Map<string, PageSnapshot['incidents'][number]>();
  const maintenances = new Map<string, PageSnapshot['maintenances'][number]>();
  const uptime = new Map<string, PageSnapshot['uptime'][number]>();
  // First and last `occurredAt` per page and service, as a coordinator can keep them.
  const times = new Map<string, ResourceTimes>();
  const touch = (key: string, at: string) => {
    const t = times.get(key);
    times.set(key, { createdAt: t?.createdAt ?? at, updatedAt: at });
  };
  for (const e of events) {
    if (e.type === 'status_page.upserted' && e.data.id === pageId) touch('page', e.occurredAt);
    if (e.type === 'service.upserted') touch(`service:${e.data.id}`, e.occurredAt);
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
    times: {
      ...(times.has('page') ? { page: times.get('page')! } : {}),
      services: Object.fromEntries(
        [...services.keys()].flatMap((id) => {
          const t = times.get(`service:${id}`);
          return t ? [[id, t]] : [];
        }),
      ),
    },
  };
}
