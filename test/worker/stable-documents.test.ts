// A render rewrites only the documents whose content changed: nothing in an incident page,
// the history or the JSON API depends on when it was rendered, so KV is not rewritten by the
// clock and a visitor's ETag stays valid. The API's times are the core's event times, kept by
// the coordinator in its SQLite, which older databases gain on start.
import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PageCoordinator } from '../../worker/coordinator/page-coordinator.ts';
import { PageStorage } from '../../worker/coordinator/page-storage.ts';
import { nextMidnight } from '../../worker/domain/time.ts';
import type { DocumentMeta } from '../../worker/store/keys.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import { contentKeyInKv } from './support/seed.ts';
import { TestPage } from './support/sync-client.ts';

const HOUR = 3_600_000;

async function stored(pageId: string, path: string): Promise<{ body: string; meta: DocumentMeta }> {
  const key = await contentKeyInKv(pageId, 'public', path);
  if (key === null) throw new Error(`no document ${path} in the pointer`);
  const { value, metadata } = await env.PAGES_KV.getWithMetadata<DocumentMeta>(key);
  if (value === null || metadata === null) throw new Error(`no document ${path}`);
  return { body: value, meta: metadata };
}

describe('a change to one service', () => {
  it('rewrites the status page but not unrelated incident pages or the history', async () => {
    const p = new TestPage('page_churn');
    await p.setClock();
    await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['churn.example'], serviceIds: ['api', 'db'] }, 1),
      serviceEvent({ id: 'api', name: 'API' }, 1),
      serviceEvent({ id: 'db', name: 'Database', status: 'partial_outage' }, 1),
      incidentEvent({ id: 'i1', name: 'Replication lag', serviceIds: ['db'] }, 1, p.now - HOUR),
    ]);
    await p.render();
    const first = (await p.status()).publishedVersion;
    const incidentBefore = await stored(p.pageId, '/incidents/i1');
    const historyBefore = await stored(p.pageId, '/history');

    // Minutes later (a render time in the footer would differ), the API goes down.
    await p.advance(10 * 60_000);
    await p.sync([serviceEvent({ id: 'api', name: 'API', status: 'major_outage' }, 2)]);
    await p.render();
    const second = (await p.status()).publishedVersion;
    expect(second).toBeGreaterThan(first);

    const home = await stored(p.pageId, '/');
    expect(home.meta.version).toBe(second);
    expect(home.body).toMatch(/API<\/bdi><\/span><span class="st st-major_outage">/);
    expect(home.body).toContain(`datetime="${new Date(p.now).toISOString()}"`);
    const incident = await stored(p.pageId, '/incidents/i1');
    expect(incident.meta).toEqual(incidentBefore.meta);
    expect(incident.body).toBe(incidentBefore.body);
    expect((await stored(p.pageId, '/history')).meta).toEqual(historyBefore.meta);

    // A visitor holding the incident page's ETag still gets a 304.
    const res = await exports.default.fetch(
      new Request('http://churn.example/incidents/i1', {
        headers: { 'If-None-Match': incidentBefore.meta.etag },
      }),
    );
    expect(res.status).toBe(304);
  });
});

describe('the JSON API across renders', () => {
  it('keeps its documents and reports the latest event time when only the clock moved', async () => {
    const p = new TestPage('page_times');
    await p.setClock();
    const t0 = p.now;
    await p.sync([
      pageEvent(
        { id: p.pageId, hostnames: ['times.example'], serviceIds: ['api', 'db'], timeZone: 'UTC' },
        1,
        t0 - 5 * HOUR,
      ),
      serviceEvent({ id: 'api', name: 'API' }, 1, t0 - 4 * HOUR),
      serviceEvent({ id: 'db', name: 'Database' }, 1, t0 - 4 * HOUR),
    ]);
    await p.sync([serviceEvent({ id: 'api', name: 'API', status: 'major_outage' }, 2, t0 - HOUR)]);
    await p.render();
    const paths = ['/api/v2/summary.json', '/api/v2/components.json', '/api/v2/status.json'];
    const before = await Promise.all(paths.map((path) => stored(p.pageId, path)));

    const summary = JSON.parse(before[0]!.body) as {
      page: { updated_at: string };
      components: { id: string; created_at: string; updated_at: string }[];
    };
    expect(Date.parse(summary.page.updated_at)).toBe(t0 - HOUR);
    const api = summary.components.find((c) => c.id === 'api')!;
    expect(Date.parse(api.created_at)).toBe(t0 - 4 * HOUR);
    expect(Date.parse(api.updated_at)).toBe(t0 - HOUR);
    const db = summary.components.find((c) => c.id === 'db')!;
    expect(Date.parse(db.updated_at)).toBe(t0 - 4 * HOUR);

    // Midnight: the page re-renders (the uptime bars move on a day), the API says the same.
    const rendersBefore = (await p.status()).renders;
    await p.setClock(nextMidnight(new Date(t0), 'UTC'));
    expect(await p.runAlarm()).toBe(true);
    const after = await p.status();
    expect(after.renders).toBe(rendersBefore + 1);
    expect((await stored(p.pageId, '/')).meta.version).toBe(after.publishedVersion);
    for (const [i, path] of paths.entries()) {
      const doc = await stored(p.pageId, path);
      expect(doc.meta.etag, path).toBe(before[i]!.meta.etag);
      expect(doc.meta.version, path).toBe(before[i]!.meta.version);
    }
  });
});

describe('a coordinator database from before event times were kept', () => {
  it('gains the columns on start, keeps its rows, and dates them from their next change', async () => {
    const p = new TestPage('page_migrated');
    await p.setClock();
    await runInDurableObject(p.stub, (_instance: PageCoordinator, state) => {
      const sql = state.storage.sql;
      // The tables as the first release created them, with a page and a service in them.
      sql.exec('DROP TABLE entities');
      sql.exec(`CREATE TABLE entities (
        kind TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
        deleted INTEGER NOT NULL, data TEXT, PRIMARY KEY (kind, id))`);
      sql.exec('ALTER TABLE coordinator_state DROP COLUMN published_at');
      const page = pageEvent(
        { id: p.pageId, hostnames: ['migrated.example'], serviceIds: ['api'] },
        1,
      );
      const svc = serviceEvent({ id: 'api', name: 'API' }, 1);
      sql.exec(
        'INSERT INTO entities (kind, id, version, deleted, data) VALUES (?, ?, 1, 0, ?), (?, ?, 1, 0, ?)',
        'page',
        p.pageId,
        JSON.stringify(page.data),
        'service',
        'api',
        JSON.stringify(svc.data),
      );
      sql.exec('UPDATE coordinator_state SET page_id = ?', p.pageId);

      const storage = new PageStorage(sql);
      expect(sql.exec('SELECT * FROM entities LIMIT 0').columnNames).toEqual(
        expect.arrayContaining(['created_at', 'updated_at']),
      );
      expect(storage.state().publishedAt).toBeNull();
      const snapshot = storage.snapshot(p.pageId, new Date(p.now));
      expect(snapshot?.services.map((s) => s.name)).toEqual(['API']);
      expect(snapshot?.times).toEqual({ services: {} });
      // A second start finds the columns there and changes nothing.
      new PageStorage(sql);
    });

    const changedAt = p.now - HOUR;
    await p.sync([serviceEvent({ id: 'api', name: 'API v2' }, 2, changedAt)]);
    await p.render();
    expect((await p.status()).publishedVersion).toBe(1);
    const times = await runInDurableObject(
      p.stub,
      (instance: PageCoordinator) => instance.storage.snapshot(p.pageId, new Date(p.now))?.times,
    );
    const iso = new Date(changedAt).toISOString();
    expect(times).toEqual({ services: { api: { createdAt: iso, updatedAt: iso } } });
  });
});
