// The coordinator's own location does not wait for KV (coordinator/publish.ts): a public page's
// new render is served there as soon as it is rendered, while its KV writes are still going;
// a private page's never enters a shared cache, so its readers wait for KV as everywhere.
import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { kvWriter } from '../../worker/coordinator/kv-writer.ts';
import type { PageCoordinator } from '../../worker/coordinator/page-coordinator.ts';
import worker from '../../worker/index.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
import { TestPage } from './support/sync-client.ts';

async function visit(host: string): Promise<string> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://${host}/`), env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return text;
}

/** KV writes of documents take `ms` each from now on (a slow KV, far away). */
async function slowKv(p: TestPage, ms: number): Promise<void> {
  await runInDurableObject(p.stub, (instance: PageCoordinator) => {
    const kv = kvWriter(env.PAGES_KV);
    instance.kv = {
      ...kv,
      put: async (key, value, meta) => {
        await new Promise((r) => setTimeout(r, ms));
        await kv.put(key, value, meta);
      },
    };
  });
}

describe("the coordinator's own location", () => {
  it('serves a public page’s new render before KV has it', async () => {
    const p = new TestPage('page_own');
    await p.setClock();
    await p.sync([
      pageEvent({ id: 'page_own', hostnames: ['own.example'], serviceIds: ['api'] }, 1),
      serviceEvent({ id: 'api', name: 'Before API' }, 1),
    ]);
    await p.render();
    expect(await visit('own.example')).toContain('Before API');
    const before = (await p.status()).publishedVersion;

    await slowKv(p, 1500);
    await p.advance(60_000);
    await p.sync([serviceEvent({ id: 'api', name: 'After API' }, 2)]);
    await p.advance(2000);
    const rendering = p.runAlarm();
    let seen = '';
    const deadline = Date.now() + 1200;
    while (Date.now() < deadline && !seen.includes('After API')) {
      seen = await visit('own.example');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toContain('After API');
    // KV's pointer still names the render before: other locations wait for KV.
    expect(await env.PAGES_KV.get('ptr:page_own')).not.toBeNull();
    expect((await p.status()).publishedVersion).toBe(before);
    await rendering;
    expect((await p.status()).publishedVersion).toBeGreaterThan(before);
    expect(await visit('own.example')).toContain('After API');
  });

  it('leaves a private page to KV', async () => {
    const p = new TestPage('page_own_private');
    await p.setClock();
    await p.sync([
      pageEvent(
        {
          id: 'page_own_private',
          hostnames: ['own-private.example'],
          serviceIds: ['api'],
          visibility: 'private',
        },
        1,
      ),
      serviceEvent({ id: 'api', name: 'Secret API' }, 1),
    ]);
    await p.render();
    expect((await p.status()).publishedVersion).toBeGreaterThan(0);
    const cached = await caches.default.match(
      new Request('https://own-private.example/__edge/pointer?page=page_own_private'),
    );
    expect(cached).toBeUndefined();
  });
});
