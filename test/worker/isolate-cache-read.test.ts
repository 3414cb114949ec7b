// The read path's L0: a public page viewed again in the same isolate costs no storage read.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import { readDocument } from '../../worker/routes/read-document.ts';
import type { HostRecord } from '../../worker/store/keys.ts';
import { forgetVersions } from '../../worker/store/page-version.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { seedPage } from './support/seed.ts';

const now = new Date();

async function read(record: HostRecord, variant: string) {
  const ctx = createExecutionContext();
  const doc = await readDocument({
    env,
    ctx,
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
    forgetVersions('page_demo');
    const record: HostRecord = { pageId: 'page_demo', visibility: 'public' };
    const first = await read(record, 'public');
    expect(first.kind === 'document' && first.source).toBe('kv');
    const second = await read(record, 'public');
    expect(second.kind === 'document' && second.source).toBe('memory');

    await seedPage(snapshotFromEvents(demoEvents({ now }), 'page_demo'), now, 6);
    forgetVersions('page_demo'); // the version memo expires after a second
    const third = await read(record, 'public');
    expect(third.kind === 'document' && third.source).toBe('kv');
    expect(third.kind === 'document' && third.meta.version).toBe(6);
  });

  it('never holds a private page', async () => {
    const record: HostRecord = { pageId: 'page_demo', visibility: 'private' };
    await env.PAGES_KV.put('doc:page_demo:private:/', '<p>private</p>', {
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
