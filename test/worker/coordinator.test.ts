// The page coordinator end to end inside workerd: signed batches through /_sync, renders
// driven by runDurableObjectAlarm on a test clock, results read from KV and through the
// worker like a visitor would.

import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { KvWriter } from '../../worker/coordinator/kv-writer.ts';
import type { PageCoordinator } from '../../worker/coordinator/page-coordinator.ts';
import { RETAIN_MS } from '../../worker/coordinator/retired-documents.ts';
import { nextMidnight } from '../../worker/domain/time.ts';
import type { DocumentMeta, HostRecord } from '../../worker/store/keys.ts';
import {
  incidentDeleted,
  incidentEvent,
  maintenanceEvent,
  pageDeleted,
  pageEvent,
  serviceEvent,
  serviceStorm,
} from '../support/events.ts';
import { waitFor } from '../support/wait.ts';
import { contentKeyInKv } from './support/seed.ts';
import { TestPage } from './support/sync-client.ts';

const visit = (host: string, path = '/') =>
  exports.default.fetch(new Request(`http://${host}${path}`));

async function kvKeys(prefix: string): Promise<string[]> {
  return (await env.PAGES_KV.list({ prefix })).keys.map((k) => k.name);
}

async function hostOwner(host: string): Promise<string | null> {
  return (await env.PAGES_KV.get<HostRecord>(`host:${host}`, 'json'))?.pageId ?? null;
}

describe('a burst of updates', () => {
  it('renders the first change after a quiet period at once', async () => {
    const p = new TestPage('page_leading');
    await p.setClock();
    await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['leading.example'], serviceIds: ['api'] }, 1),
    ]);
    expect((await p.status()).alarmAt).toBe(p.now);
    expect(await p.runAlarm()).toBe(true);
    // Quiet for 3 s: an incident posted now is not held back by the debounce.
    await p.advance(3000);
    await p.sync([incidentEvent({ id: 'i1', name: 'Sudden outage', serviceIds: ['api'] }, 1)]);
    expect((await p.status()).alarmAt).toBe(p.now);
    expect(await p.runAlarm()).toBe(true);
    expect((await p.status()).renders).toBe(2);
    expect(await (await visit('leading.example')).text()).toContain('Sudden outage');
  });

  it('renders a leading-edge change without waiting for its alarm, and only once', async () => {
    const p = new TestPage('page_at_once');
    await p.setClock();
    await runInDurableObject(p.stub, (instance: PageCoordinator) => {
      instance.renderAtOnce = true;
    });
    await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['at-once.example'], serviceIds: ['api'] }, 1),
    ]);
    // The alarm is due at the test clock's now, which the runtime's clock has not reached
    // (TEST_EPOCH is in the future): only the at-once render can have rendered.
    await waitFor(async () => (await p.status()).renders === 1, { what: 'the render' });
    expect((await visit('at-once.example')).status).toBe(200);
    // The alarm, when it comes, finds the change rendered.
    await p.runAlarm();
    expect((await p.status()).renders).toBe(1);
  });

  it('turns 1,000 events in ten batches right after a render into one more render, one KV write per changed document', async () => {
    const p = new TestPage('page_burst');
    await p.setClock();
    const services = Array.from({ length: 10 }, (_, i) => `s${i}`);
    await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['burst.example'], serviceIds: services }, 1),
    ]);
    // The page's first change renders at once (the leading edge)…
    expect(await p.runAlarm()).toBe(true);
    const first = await p.status();
    await p.advance(1000);
    const storm = serviceStorm(1000, 10, 100);
    for (let b = 0; b < 10; b++) {
      const result = await p.sync(storm.slice(b * 100, b * 100 + 100));
      expect(result.results.every((r) => r.outcome === 'applied')).toBe(true);
      expect(result.renderVersion).toBe(2);
      await p.advance(50);
    }
    // …what follows within the quiet period is debounced: the alarm waits for a quiet moment
    // after the last batch.
    const pending = await p.status();
    expect(pending.renders).toBe(1);
    expect(pending.alarmAt).toBe(p.now - 50 + 250);

    await p.advance(250);
    expect(await p.runAlarm()).toBe(true);
    const done = await p.status();
    expect(done.renders).toBe(2);
    expect(done.dirty).toBe(false);
    // Every changed document and the pointer: each written exactly once.
    expect(done.lastPublish!.rendered.length).toBeGreaterThan(0);
    expect(done.kvPuts - first.kvPuts).toBe(done.lastPublish!.rendered.length + 1);

    // The last event of each service is what the page shows.
    const html = await (await visit('burst.example')).text();
    expect(html).toContain('Service s9');
    const last = storm.at(-1)!;
    expect(last.type === 'service.upserted' && last.data.status).toBe('major_outage');
    expect(html).toMatch(/Service s9<\/bdi><\/span><span class="st st-major_outage">/);

    // A second alarm run (at-least-once delivery) renders nothing more.
    await p.runAlarm();
    expect((await p.status()).renders).toBe(2);
  });
});

describe('idempotence', () => {
  it('ignores an older version that arrives after a newer one', async () => {
    const p = new TestPage('page_order');
    await p.setClock();
    await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['order.example'], serviceIds: ['api'] }, 1),
      serviceEvent({ id: 'api', name: 'API', status: 'degraded_performance' }, 3),
    ]);
    const late = await p.sync([
      serviceEvent({ id: 'api', name: 'API', status: 'major_outage' }, 2),
    ]);
    expect(late.results[0]!.outcome).toBe('stale');
    await p.render();
    const html = await (await visit('order.example')).text();
    expect(html).toMatch(/API<\/bdi><\/span><span class="st st-degraded_performance">/);
    expect(html).not.toMatch(/<span class="st st-major_outage">/);
  });

  it('reports the same batch sent twice as duplicates and does not render again', async () => {
    const p = new TestPage('page_twice');
    await p.setClock();
    const batch = [
      pageEvent({ id: p.pageId, hostnames: ['twice.example'], serviceIds: ['api'] }, 1),
      serviceEvent({ id: 'api', status: 'partial_outage' }, 1),
    ];
    const first = await p.sync(batch);
    expect(first.results.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    await p.render();
    const before = await p.status();

    const again = await p.sync(batch);
    expect(again.results.map((r) => r.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(again.renderVersion).toBe(before.publishedVersion);
    const after = await p.status();
    expect(after.dirty).toBe(false);
    await p.render();
    expect((await p.status()).renders).toBe(before.renders);
  });
});

describe('failures', () => {
  it('keeps the change through a failed KV write and publishes it on the retry', async () => {
    const p = new TestPage('page_flaky');
    await p.setClock();
    await runInDurableObject(p.stub, (instance: PageCoordinator) => {
      const real = instance.kv;
      let failed = false;
      const flaky: KvWriter = {
        ...real,
        put: async (key, value, metadata) => {
          if (!failed) {
            failed = true;
            throw new Error('KV is unavailable');
          }
          return real.put(key, value, metadata);
        },
      };
      instance.kv = flaky;
    });
    const sent = await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['flaky.example'], serviceIds: ['api'] }, 1),
      serviceEvent({ id: 'api', name: 'Flaky API', status: 'major_outage' }, 1),
    ]);
    await p.render();
    const failed = await p.status();
    expect(failed.failures).toBe(1);
    expect(failed.dirty).toBe(true);
    expect(failed.lastError).toContain('KV is unavailable');
    expect(await env.PAGES_KV.get('ptr:page_flaky')).toBeNull();
    // Retried with backoff (a second later), not dropped.
    expect(failed.alarmAt).toBe(p.now + 1000);

    await p.advance(1000);
    expect(await p.runAlarm()).toBe(true);
    const ok = await p.status();
    expect(ok.failures).toBe(0);
    expect(ok.dirty).toBe(false);
    expect(ok.publishedVersion).toBeGreaterThanOrEqual(sent.renderVersion);
    const key = await contentKeyInKv('page_flaky', 'public', '/');
    const { value, metadata } = await env.PAGES_KV.getWithMetadata<DocumentMeta>(key as string);
    expect(value).toContain('Flaky API');
    expect(metadata!.version).toBe(ok.publishedVersion);
    expect(metadata!.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });
  it('keeps a second after the last write that landed, even when another write of the render failed first', async () => {
    const p = new TestPage('page_inflight');
    await p.setClock();
    // The first put fails at once; the others of its batch are still on their way to KV and
    // land later (each moving the coordinator's clock on by 100 ms).
    const landed: number[] = [];
    await runInDurableObject(p.stub, (instance: PageCoordinator) => {
      const real = instance.kv;
      let calls = 0;
      instance.kv = {
        ...real,
        put: async (key, value, metadata) => {
          if (calls++ === 0) throw new Error('KV is unavailable');
          await new Promise((r) => setTimeout(r, 10));
          await real.put(key, value, metadata);
          const now = instance.clock() + 100;
          instance.clock = () => now;
          landed.push(now);
        },
      };
    });
    await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['inflight.example'], serviceIds: ['api'] }, 1),
      serviceEvent({ id: 'api', name: 'API' }, 1),
    ]);
    await p.render();
    await new Promise((r) => setTimeout(r, 50));
    const failed = await p.status();
    expect(failed.failures).toBe(1);
    expect(landed.length).toBeGreaterThan(0);
    expect(failed.alarmAt).toBeGreaterThanOrEqual(Math.max(...landed) + 1000);
  });
});

describe('hostnames', () => {
  it('adds new hostnames and removes old ones', async () => {
    const p = new TestPage('page_hosts');
    await p.setClock();
    await p.sync([
      pageEvent({ id: p.pageId, name: 'Hosts', hostnames: ['h1.example', 'h2.example'] }, 1),
    ]);
    await p.render();
    expect(await hostOwner('h1.example')).toBe(p.pageId);
    expect(await hostOwner('h2.example')).toBe(p.pageId);

    await p.sync([
      pageEvent({ id: p.pageId, name: 'Hosts', hostnames: ['h2.example', 'h3.example'] }, 2),
    ]);
    await p.render();
    expect(await hostOwner('h1.example')).toBeNull();
    expect(await hostOwner('h2.example')).toBe(p.pageId);
    expect(await hostOwner('h3.example')).toBe(p.pageId);
    expect((await visit('h1.example')).status).toBe(404);
    expect(await (await visit('h3.example')).text()).toContain('<title>Hosts status</title>');
  });

  it('moves a hostname to another page whichever page renders first', async () => {
    for (const order of ['new owner first', 'old owner first'] as const) {
      const host = order === 'new owner first' ? 'moved1.example' : 'moved2.example';
      const a = new TestPage(`page_from_${host}`);
      const b = new TestPage(`page_to_${host}`);
      await a.setClock();
      await b.setClock();
      await a.sync([pageEvent({ id: a.pageId, name: 'Old owner', hostnames: [host] }, 1)]);
      await a.render();
      expect(await hostOwner(host)).toBe(a.pageId);

      await a.sync([pageEvent({ id: a.pageId, name: 'Old owner', hostnames: [] }, 2)]);
      await b.sync([pageEvent({ id: b.pageId, name: 'New owner', hostnames: [host] }, 1)]);
      const first = order === 'new owner first' ? b : a;
      const second = order === 'new owner first' ? a : b;
      await first.render();
      await second.render();
      expect(await hostOwner(host), order).toBe(b.pageId);
      expect(await (await visit(host)).text(), order).toContain('New owner');
    }
  });
});

describe('time moves pages', () => {
  it('opens a maintenance window when its start time comes, with no event', async () => {
    const p = new TestPage('page_clock');
    await p.setClock();
    const start = p.now + 3_600_000;
    const end = start + 2 * 3_600_000;
    await p.sync([
      pageEvent(
        { id: p.pageId, hostnames: ['clock.example'], serviceIds: ['db'], timeZone: 'UTC' },
        1,
      ),
      serviceEvent({ id: 'db', name: 'Database' }, 1),
      maintenanceEvent(
        {
          id: 'm1',
          name: 'Engine upgrade',
          serviceIds: ['db'],
          scheduledFor: new Date(start).toISOString(),
          scheduledUntil: new Date(end).toISOString(),
        },
        1,
      ),
    ]);
    await p.render();
    let html = await (await visit('clock.example')).text();
    expect(html).toContain('All Systems Operational');
    expect(html).toMatch(/Engine upgrade<\/bdi><span class="tag">Scheduled</);
    expect((await p.status()).alarmAt).toBe(start);

    await p.setClock(start);
    await p.runAlarm();
    html = await (await visit('clock.example')).text();
    expect(html).toContain('Service Under Maintenance');
    expect(html).toMatch(/Engine upgrade<\/bdi><span class="tag">In progress</);
    // The documents the window replaced are deleted once nobody can ask for them any more.
    expect((await p.status()).alarmAt).toBe(start + RETAIN_MS);
    await p.setClock(start + RETAIN_MS);
    await p.runAlarm();
    expect((await p.status()).alarmAt).toBe(end);

    await p.setClock(end);
    await p.runAlarm();
    html = await (await visit('clock.example')).text();
    expect(html).toContain('All Systems Operational');
    expect(html).not.toContain('Engine upgrade');
  });

  it('wakes up when the day rolls over in the page time zone', async () => {
    const p = new TestPage('page_midnight');
    await p.setClock();
    await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['midnight.example'], timeZone: 'Asia/Tokyo' }, 1),
    ]);
    await p.render();
    const midnight = nextMidnight(new Date(p.now), 'Asia/Tokyo');
    expect((await p.status()).alarmAt).toBe(midnight);
    expect(new Date(midnight).toISOString()).toBe('2027-01-15T15:00:00.000Z');
  });
});

describe('deletes', () => {
  it('removes a deleted incident page, and a late upsert cannot bring it back', async () => {
    const p = new TestPage('page_inc');
    await p.setClock();
    await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['inc.example'], serviceIds: ['api'] }, 1),
      serviceEvent({ id: 'api' }, 1),
      incidentEvent({ id: 'i1', name: 'Outage one', serviceIds: ['api'] }, 5),
    ]);
    await p.render();
    expect((await visit('inc.example', '/incidents/i1')).status).toBe(200);

    await p.sync([incidentDeleted('i1', 6)]);
    const late = await p.sync([
      incidentEvent({ id: 'i1', name: 'Outage one', serviceIds: ['api'] }, 5),
    ]);
    expect(late.results[0]!.outcome).toBe('stale');
    await p.render();
    expect(await env.PAGES_KV.get('doc:page_inc:public:/incidents/i1')).toBeNull();
    expect((await visit('inc.example', '/incidents/i1')).status).toBe(404);
    expect(await (await visit('inc.example')).text()).not.toContain('Outage one');
  });

  it('removes every key and hostname of a deleted page', async () => {
    const p = new TestPage('page_gone');
    await p.setClock();
    await p.sync([
      pageEvent(
        { id: p.pageId, hostnames: ['gone.example', 'gone2.example'], serviceIds: ['api'] },
        3,
      ),
      serviceEvent({ id: 'api' }, 1),
      incidentEvent({ id: 'i9', serviceIds: ['api'] }, 1),
    ]);
    await p.render();
    expect((await kvKeys('doc:page_gone:')).length).toBeGreaterThan(2);

    await p.sync([pageDeleted(p.pageId, 4)]);
    await p.render();
    expect(await env.PAGES_KV.get('ptr:page_gone')).toBeNull();
    expect(await hostOwner('gone.example')).toBeNull();
    expect(await hostOwner('gone2.example')).toBeNull();
    expect((await visit('gone.example')).status).toBe(404);
    // Its documents stay until no location can still be serving an older pointer to them.
    expect((await kvKeys('doc:page_gone:')).length).toBeGreaterThan(2);
    await p.advance(RETAIN_MS);
    expect(await p.runAlarm()).toBe(true);
    expect(await kvKeys('doc:page_gone:')).toEqual([]);

    const late = await p.sync([pageEvent({ id: p.pageId, hostnames: ['gone.example'] }, 3)]);
    expect(late.results[0]!.outcome).toBe('stale');
    expect((await p.status()).dirty).toBe(false);
  });
});
