// The read path's L0: a public page viewed again in the same isolate costs no storage read.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import { readDocument } from '../../worker/routes/read-document.ts';
import { locationOf } from '../../worker/routes/read-location.ts';
import type { HostRecord } from '../../worker/store/keys.ts';
import { contentKey, pointerKey, type RenderPointer, slotOf } from '../../worker/store/pointer.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { forgetIsolate, seedPage } from './support/seed.ts';

const now = new Date();

/** `later`: this many ms from now, as the location's clock sees it. */
async function read(record: HostRecord, variant: string, later = 0) {
  const ctx = createExecutionContext();
  const doc = await readDocument({
    env,
    ctx,
    location: { ...locationOf(env), now: () => Date.now() + later },
    hostname: 'demo.localhost',
    record,
    variant,
    path: '/',
  });
  await waitOnExecutionContext(ctx);
  return doc;
}

describe('isolate memory (L0)', () => {
  it('answers a public page again from memory, and a new render from storage', async () => {
    await seedPage(snapshotFromEvents(demoEvents({ now }), 'page_demo'), now, 5);
    forgetIsolate('page_demo');
    const record: HostRecord = { pageId: 'page_demo', visibility: 'public' };
    const first = await read(record, 'public');
    expect(first.kind === 'document' && first.source).toBe('kv');
    const second = await read(record, 'public');
    expect(second.kind === 'document' && second.source).toBe('memory');

    // A new render with a renamed service: new content, under a new key.
    const changed = snapshotFromEvents(demoEvents({ now }), 'page_demo');
    changed.services = changed.services.map((s, i) => (i === 0 ? { ...s, name: 'Renamed' } : s));
    await seedPage(changed, now, 6);
    // Two seconds on, in a fresh isolate: neither its memo nor the location's pointer is fresh.
    forgetIsolate('page_demo');
    const third = await read(record, 'public', 2000);
    expect(third.kind === 'document' && third.source).toBe('kv');
    expect(third.kind === 'document' && third.meta.version).toBe(6);
    expect(third.kind === 'document' && third.body).toContain('Renamed');
  });

  it('never holds a private page', async () => {
    const record: HostRecord = { pageId: 'page_private_l0', visibility: 'private' };
    const pointer: RenderPointer = { version: 6, docs: { [slotOf('private', '/')]: '"p"' } };
    await env.PAGES_KV.put(pointerKey('page_private_l0'), JSON.stringify(pointer));
    await env.PAGES_KV.put(contentKey('page_private_l0', 'private', '/', '"p"'), '<p>private</p>', {
      metadata: {
        etag: '"p"',
        contentType: 'text/html; charset=utf-8',
        version: 6,
        renderedAt: now.toISOString(),
      },
    });
    for (let i = 0; i < 2; i++) {
      const doc = await read(record, 'private');
      expect(doc.kind === 'document' && doc.source).toBe('kv');
    }
  });
});
