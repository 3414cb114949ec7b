import { afterEach, describe, expect, it } from 'vitest';
import {
  deletedEvent,
  incidentEvent,
  maintenanceEvent,
  pageEvent,
  serviceEvent,
  uptimeEvent,
} from '../support/events.ts';
import { type StoreHarness, storeHarness } from '../support/store-harness.ts';

const open: StoreHarness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.close();
});

function emptyStore(): StoreHarness {
  const h = storeHarness();
  open.push(h);
  return h;
}

function catalogueWithPages(): StoreHarness {
  const c = emptyStore();
  c.admit(pageEvent({ id: 'p1', serviceIds: ['a', 'b'] }));
  c.admit(pageEvent({ id: 'p2', serviceIds: ['b', 'c'] }));
  c.admit(pageEvent({ id: 'p3', serviceIds: ['d'] }));
  return c;
}

describe('fan-out of core events to pages', () => {
  it('sends a service change to every page that shows it, and to no other', () => {
    const c = catalogueWithPages();
    expect(c.admit(serviceEvent({ id: 'b' })).targets).toEqual(['p1', 'p2']);
    expect(c.admit(serviceEvent({ id: 'a' })).targets).toEqual(['p1']);
    expect(c.admit(serviceEvent({ id: 'zzz' })).targets).toEqual([]);
    expect(c.admit(uptimeEvent('c', '2026-11-20')).targets).toEqual(['p2']);
    expect(c.admit(deletedEvent('service.deleted', 'd', 2)).targets).toEqual(['p3']);
  });

  it('sends an incident or maintenance to every page showing at least one of its services', () => {
    const c = catalogueWithPages();
    expect(c.admit(incidentEvent({ id: 'i1', serviceIds: ['a', 'd'] })).targets).toEqual([
      'p1',
      'p3',
    ]);
    expect(c.admit(maintenanceEvent({ id: 'm1', serviceIds: ['c'] })).targets).toEqual(['p2']);
  });

  it('still reaches the pages an incident leaves, and sends a deletion everywhere it was sent', () => {
    const c = catalogueWithPages();
    c.admit(incidentEvent({ id: 'i1', serviceIds: ['a'] }, 1));
    // It moved from a (p1) to c (p2): p1 must learn that it no longer concerns it.
    expect(c.admit(incidentEvent({ id: 'i1', serviceIds: ['c'] }, 2)).targets).toEqual([
      'p1',
      'p2',
    ]);
    // p1 was sent it once: the deletion goes there too, or p1 would keep it for ever.
    expect(c.admit(deletedEvent('incident.deleted', 'i1', 3)).targets).toEqual(['p1', 'p2']);
    expect(c.admit(deletedEvent('incident.deleted', 'never-seen', 1)).targets).toEqual([]);
  });

  it('sends a page its own upserts and deletion, and nothing after it stops showing a service', () => {
    const c = catalogueWithPages();
    expect(c.admit(pageEvent({ id: 'p1', serviceIds: ['a'] }, 2)).targets).toEqual(['p1']);
    expect(c.admit(serviceEvent({ id: 'b' })).targets).toEqual(['p2']);
    expect(c.admit(deletedEvent('status_page.deleted', 'p2', 2)).targets).toEqual(['p2']);
    expect(c.admit(serviceEvent({ id: 'b' }, 2)).targets).toEqual([]);
    expect(c.store.pages().map((p) => p.id)).toEqual(['p1', 'p3']);
  });

  it('gives a page that starts showing a service its current state, incidents, maintenance and uptime', () => {
    const c = catalogueWithPages();
    const svc = serviceEvent({ id: 'e', status: 'major_outage' });
    const old = serviceEvent({ id: 'e', status: 'operational' }, 0);
    const inc = incidentEvent({ id: 'i1', serviceIds: ['e', 'x'] });
    const gone = incidentEvent({ id: 'i2', serviceIds: ['e'] });
    const mnt = maintenanceEvent({ id: 'm1', serviceIds: ['e'] });
    const up = uptimeEvent('e', '2026-11-20');
    const other = incidentEvent({ id: 'i3', serviceIds: ['a'] });
    for (const e of [svc, old, inc, gone, mnt, up, other]) c.admit(e);
    c.admit(deletedEvent('incident.deleted', 'i2', 2));

    const admission = c.admit(pageEvent({ id: 'p1', serviceIds: ['a', 'b', 'e'] }, 2));
    expect(admission.targets).toEqual(['p1']);
    expect([...admission.catchUp.keys()]).toEqual(['p1']);
    // The latest state only (not the stale version 0), the service first; not the deleted one.
    expect(admission.catchUp.get('p1')).toEqual([svc.id, inc.id, mnt.id, up.id]);
    expect(c.admit(serviceEvent({ id: 'e' }, 5)).targets).toEqual(['p1']);
  });

  it('gives a new page everything it shows, whatever order the core sent things in', () => {
    const c = emptyStore();
    const svc = serviceEvent({ id: 'a' });
    const inc = incidentEvent({ id: 'i', serviceIds: ['a'] });
    c.admit(inc);
    c.admit(svc);
    const admission = c.admit(pageEvent({ id: 'p', serviceIds: ['a'] }));
    expect(admission.catchUp.get('p')).toEqual([svc.id, inc.id]);
  });

  it('ignores an older page definition for the index, but still sends it (the edge skips it)', () => {
    const c = catalogueWithPages();
    c.admit(pageEvent({ id: 'p1', serviceIds: ['a', 'b'] }, 5));
    const stale = c.admit(pageEvent({ id: 'p1', serviceIds: ['z'] }, 4));
    expect(c.admit(pageEvent({ id: 'p1', serviceIds: ['z'] }, 5)).newer).toBe(false);
    expect(stale).toMatchObject({
      targets: ['p1'],
      newer: false,
      catchUp: new Map(),
      hostnames: null,
    });
    expect(c.admit(serviceEvent({ id: 'a' })).targets).toEqual(['p1']);
    expect(c.admit(serviceEvent({ id: 'z' })).targets).toEqual([]);
  });

  it('reports every newer page event with its hostnames for the certificate updater', () => {
    const c = emptyStore();
    const first = pageEvent({ id: 'p', serviceIds: [], hostnames: ['a.example.com'] });
    expect(c.admit(first).hostnames).toEqual({
      pageId: 'p',
      before: [],
      after: ['a.example.com'],
      eventId: first.id,
      version: 1,
    });
    expect(
      c.admit(pageEvent({ id: 'p', serviceIds: ['x'], hostnames: ['a.example.com'] }, 2)).hostnames,
    ).toMatchObject({ before: ['a.example.com'], after: ['a.example.com'], version: 2 });
    expect(
      c.admit(pageEvent({ id: 'p', serviceIds: [], hostnames: ['b.example.com'] }, 1)).hostnames,
    ).toBeNull(); // stale
    expect(c.admit(deletedEvent('status_page.deleted', 'p', 3)).hostnames).toMatchObject({
      pageId: 'p',
      before: ['a.example.com'],
      after: [],
      version: 3,
    });
  });

  it('keeps the catalogue and its index across a restart', () => {
    const c = catalogueWithPages();
    c.admit(deletedEvent('status_page.deleted', 'p3', 2));
    c.reopen();
    expect(c.admit(serviceEvent({ id: 'b' })).targets).toEqual(['p1', 'p2']);
    expect(c.admit(serviceEvent({ id: 'd' })).targets).toEqual([]);
    expect(c.store.pages().map((p) => p.id)).toEqual(['p1', 'p2']);
  });

  it('does not resurrect an incident deleted while its page did not show its service', () => {
    const c = emptyStore();
    c.admit(pageEvent({ id: 'P', serviceIds: ['S'] }));
    c.admit(serviceEvent({ id: 'S' }));
    const incident = incidentEvent({ id: 'I', serviceIds: ['S'] });
    c.admit(incident);
    c.admit(pageEvent({ id: 'P', serviceIds: [] }, 2));
    // P no longer shows S, but was sent I: the deletion must reach it.
    expect(c.admit(deletedEvent('incident.deleted', 'I', 2)).targets).toEqual(['P']);
    const readded = c.admit(pageEvent({ id: 'P', serviceIds: ['S'] }, 3));
    expect(readded.catchUp.get('P') ?? []).not.toContain(incident.id);
  });
});
