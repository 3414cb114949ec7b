// Hostnames belong to one live page (docs/contract.md §1; issue 12): a page cannot take another
// page's hostname, a move is a release then a claim in one batch or two, whichever page's
// batch reaches the edge first, and a page that lost a hostname never deletes the new owner's
// record, even when its clean-up reads a stale KV value.

import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PageCoordinator } from '../../worker/coordinator/page-coordinator.ts';
import type { HostRecord } from '../../worker/store/keys.ts';
import {
  HOSTNAMES_PATH,
  type HostnameClaimOp,
  type HostnameClaimsResult,
} from '../../worker/sync/contract.ts';
import { signSyncToken } from '../../worker/sync/token.ts';
import { pageDeleted, pageEvent } from '../support/events.ts';
import { SYNC_ORIGIN, syncPrivateKey, TestPage } from './support/sync-client.ts';

const visit = (host: string) => exports.default.fetch(new Request(`http://${host}/`));

async function hostOwner(host: string): Promise<string | null> {
  return (await env.PAGES_KV.get<HostRecord>(`host:${host}`, 'json'))?.pageId ?? null;
}

/** What origin-sync asks before it answers the core (signed as it signs them). */
async function reserve(ops: Omit<HostnameClaimOp, 'event' | 'path'>[]): Promise<Response> {
  const body = JSON.stringify({
    ops: ops.map((op, i) => ({ ...op, event: i, path: `/events/${i}/data/hostnames/0` })),
  });
  const token = await signSyncToken(await syncPrivateKey(), HOSTNAMES_PATH, body);
  return exports.default.fetch(
    new Request(`${SYNC_ORIGIN}${HOSTNAMES_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body,
    }),
  );
}

async function conflicts(ops: Omit<HostnameClaimOp, 'event' | 'path'>[]) {
  const res = await reserve(ops);
  expect(res.status).toBe(200);
  return ((await res.json()) as HostnameClaimsResult).conflicts;
}

async function ownedPage(pageId: string, name: string, hostnames: string[]): Promise<TestPage> {
  const p = new TestPage(pageId);
  await p.setClock();
  await p.sync([pageEvent({ id: pageId, name, hostnames }, 1)]);
  await p.render();
  return p;
}

describe('a takeover', () => {
  it('is refused before it is accepted, naming the holder, and reserves nothing', async () => {
    await ownedPage('page_victim', 'Acme', ['victim.example']);
    const found = await conflicts([
      { op: 'claim', hostname: 'fresh.example', pageId: 'page_evil' },
      { op: 'claim', hostname: 'victim.example', pageId: 'page_evil' },
    ]);
    expect(found).toEqual([
      {
        hostname: 'victim.example',
        holder: 'page_victim',
        event: 1,
        path: '/events/1/data/hostnames/0',
      },
    ]);
    // The batch changed nothing: its other hostname is still free for anyone.
    expect(await conflicts([{ op: 'claim', hostname: 'fresh.example', pageId: 'page_x' }])).toEqual(
      [],
    );
  });

  it('that reaches the edge anyway is answered refused and the page is unchanged', async () => {
    await ownedPage('page_demo_t', 'Acme', ['demo-t.example']);
    const evil = new TestPage('page_evil_t');
    await evil.setClock();
    const upsert = pageEvent(
      { id: evil.pageId, name: 'Totally Acme', hostnames: ['other-t.example', 'demo-t.example'] },
      1,
    );
    const result = await evil.sync([upsert]);
    expect(result.results).toEqual([
      {
        id: upsert.id,
        outcome: 'refused',
        detail: 'hostname demo-t.example is held by page page_demo_t',
      },
    ]);
    await evil.render();
    expect(await hostOwner('demo-t.example')).toBe('page_demo_t');
    const html = await (await visit('demo-t.example')).text();
    expect(html).toContain('<title>Acme status</title>');
    expect(html).not.toContain('Totally Acme');
    // The refused upsert kept none of its claims.
    expect(await hostOwner('other-t.example')).toBeNull();
    expect(await conflicts([{ op: 'claim', hostname: 'other-t.example', pageId: 'p' }])).toEqual(
      [],
    );
  });

  it('loses to the first of two claims that both passed the check', async () => {
    const host = 'both.example';
    // Two replicas checked at once and both saw the hostname free: both batches reach the edge.
    const a = new TestPage('page_both_a');
    const b = new TestPage('page_both_b');
    await a.setClock();
    await b.setClock();
    const [ra, rb] = await Promise.all([
      a.sync([pageEvent({ id: a.pageId, name: 'First', hostnames: [host] }, 1)]),
      b.sync([pageEvent({ id: b.pageId, name: 'Second', hostnames: [host] }, 1)]),
    ]);
    const outcomes = [ra.results[0]?.outcome, rb.results[0]?.outcome].sort();
    expect(outcomes).toEqual(['applied', 'refused']);
    const winner = ra.results[0]?.outcome === 'applied' ? a : b;
    await a.render();
    await b.render();
    expect(await hostOwner(host)).toBe(winner.pageId);
  });
});

describe('a move', () => {
  for (const batches of ['one batch', 'two batches'] as const) {
    for (const order of ['new owner first', 'old owner first'] as const) {
      it(`in ${batches}, ${order} at the edge`, async () => {
        const host = `${batches === 'one batch' ? 'one' : 'two'}-${order.split(' ')[0]}.example`;
        const a = await ownedPage(`page_a_${host}`, 'Old owner', [host]);
        const b = new TestPage(`page_b_${host}`);
        await b.setClock();
        const release = { op: 'release', hostname: host, pageId: a.pageId } as const;
        const claim = { op: 'claim', hostname: host, pageId: b.pageId } as const;
        if (batches === 'one batch') {
          expect(await conflicts([release, claim])).toEqual([]);
        } else {
          // The claim alone, before the release: refused.
          expect((await conflicts([claim]))[0]?.holder).toBe(a.pageId);
          expect(await conflicts([release])).toEqual([]);
          expect(await conflicts([claim])).toEqual([]);
        }
        const dropA = () => a.sync([pageEvent({ id: a.pageId, name: 'Old owner' }, 2)]);
        const takeB = () =>
          b.sync([pageEvent({ id: b.pageId, name: 'New owner', hostnames: [host] }, 1)]);
        if (order === 'new owner first') {
          expect((await takeB()).results[0]?.outcome).toBe('applied');
          await b.render();
          await dropA();
          await a.render();
        } else {
          await dropA();
          await a.render();
          expect((await takeB()).results[0]?.outcome).toBe('applied');
          await b.render();
        }
        expect(await hostOwner(host)).toBe(b.pageId);
        expect(await (await visit(host)).text()).toContain('New owner');
      });
    }
  }

  it('by deleting the old page frees the hostname', async () => {
    const a = await ownedPage('page_del_a', 'Old', ['freed.example']);
    expect(
      await conflicts([{ op: 'release', hostname: 'freed.example', pageId: a.pageId }]),
    ).toEqual([]);
    await a.sync([pageDeleted(a.pageId, 2)]);
    await a.render();
    expect(await hostOwner('freed.example')).toBeNull();
    await ownedPage('page_del_b', 'New', ['freed.example']);
    expect(await hostOwner('freed.example')).toBe('page_del_b');
  });
});

describe('a late clean-up', () => {
  it('never deletes the new owner’s record, even when it reads a stale KV value', async () => {
    const host = 'stale.example';
    const a = await ownedPage('page_stale_a', 'Old owner', [host]);
    const oldRecord = await env.PAGES_KV.get(`host:${host}`);
    expect(
      await conflicts([
        { op: 'release', hostname: host, pageId: a.pageId },
        { op: 'claim', hostname: 'stale.example', pageId: 'page_stale_b' },
      ]),
    ).toEqual([]);
    await ownedPage('page_stale_b', 'New owner', [host]);
    expect(await hostOwner(host)).toBe('page_stale_b');
    // The old owner's clean-up runs late, and its KV reads still see its own old record.
    await runInDurableObject(a.stub, (instance: PageCoordinator) => {
      const real = instance.kv;
      instance.kv = {
        ...real,
        get: async (key) => (key === `host:${host}` ? oldRecord : real.get(key)),
      };
    });
    await a.sync([pageEvent({ id: a.pageId, name: 'Old owner' }, 2)]);
    await a.render();
    expect(await hostOwner(host)).toBe('page_stale_b');
    expect(await (await visit(host)).text()).toContain('New owner');
  });
});
