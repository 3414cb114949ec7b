// The render pointer on the read path (routes/current-pointer.ts): a location asks the page's
// coordinator at most about once a second however many requests it serves, and when the
// coordinator is slow or unreachable the page is served anyway, from what is known.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type DocumentRead, readDocument } from '../../worker/routes/read-document.ts';
import { locationOf, type ReadLocation } from '../../worker/routes/read-location.ts';
import { DocumentMemory } from '../../worker/store/isolate-cache.ts';
import type { HostRecord } from '../../worker/store/keys.ts';
import { PointerMemo } from '../../worker/store/pointer-memo.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
import { TestPage } from './support/sync-client.ts';

async function publicPage(id: string, serviceName: string): Promise<TestPage> {
  const p = new TestPage(id);
  await p.setClock();
  // Readers here are in another location than the coordinator: they learn through KV.
  await p.elsewhere();
  await p.sync([
    pageEvent(
      {
        id,
        name: `Page ${id}`,
        hostnames: [`${id.replace('_', '-')}.example`],
        serviceIds: ['api'],
      },
      1,
    ),
    serviceEvent({ id: 'api', name: serviceName }, 1),
  ]);
  await p.render();
  return p;
}

/** A fresh isolate in a location whose clock and coordinator the test holds. */
function isolate() {
  return { pointers: new PointerMemo(), documents: new DocumentMemory() };
}

/** `count` requests at once in one location, each as a visitor's would be. */
async function readMany(
  pageId: string,
  location: ReadLocation,
  memory: ReturnType<typeof isolate>,
  count: number,
): Promise<DocumentRead[]> {
  const ctx = createExecutionContext();
  const record: HostRecord = { pageId, visibility: 'public' };
  const docs = await Promise.all(
    Array.from({ length: count }, () =>
      readDocument({
        env,
        ctx,
        hostname: `${pageId.replace('_', '-')}.example`,
        record,
        variant: 'public',
        path: '/',
        location,
        isolate: memory,
      }),
    ),
  );
  await waitOnExecutionContext(ctx);
  return docs;
}

async function read(
  pageId: string,
  location: ReadLocation,
  memory: ReturnType<typeof isolate>,
): Promise<DocumentRead> {
  return (await readMany(pageId, location, memory, 1))[0]!;
}

const bodyOf = (doc: DocumentRead) =>
  doc.kind === 'document' && typeof doc.body === 'string' ? doc.body : '';

describe('the render pointer', () => {
  it('costs at most 2 coordinator reads for 10,000 requests in one location within a second', async () => {
    await publicPage('page_hot', 'Hot API');
    const base = locationOf(env);
    let now = Date.now();
    let reads = 0;
    const location: ReadLocation = {
      ...base,
      now: () => now,
      coordinator: {
        ...base.coordinator,
        pointer: (pageId) => {
          reads += 1;
          return base.coordinator.pointer(pageId);
        },
      },
    };
    const memory = isolate();
    const start = now;
    // 100 waves of 100 concurrent requests, 10 ms apart: 10,000 within one second.
    for (let wave = 0; wave < 100; wave++) {
      now = start + wave * 10;
      const docs = await readMany('page_hot', location, memory, 100);
      expect(docs.every((d) => bodyOf(d).includes('Hot API'))).toBe(true);
    }
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(2);
  });

  it('shows a new render once the second is over', async () => {
    const p = await publicPage('page_next', 'Old name');
    const base = locationOf(env);
    let now = Date.now();
    const location: ReadLocation = { ...base, now: () => now };
    const memory = isolate();
    expect(bodyOf(await read('page_next', location, memory))).toContain('Old name');
    await p.advance(60_000);
    await p.sync([serviceEvent({ id: 'api', name: 'New name' }, 2)]);
    await p.render();
    now += 1000;
    expect(bodyOf(await read('page_next', location, memory))).toContain('New name');
  });

  it('serves the page when the coordinator is unreachable or too slow to answer', async () => {
    await publicPage('page_cut', 'Resilient API');
    const base = locationOf(env);
    let now = Date.now();
    const unreachable: ReadLocation = {
      ...base,
      now: () => now,
      coordinator: {
        pointer: () => Promise.reject(new Error('unreachable')),
        documentOnMiss: () => Promise.reject(new Error('unreachable')),
      },
    };
    const slow: ReadLocation = {
      ...unreachable,
      coordinator: {
        pointer: () =>
          new Promise((_, reject) => setTimeout(() => reject(new Error('too slow')), 1500)),
        documentOnMiss: () => Promise.reject(new Error('unreachable')),
      },
    };
    // A fresh isolate: KV's copy of the pointer names the document.
    for (const location of [unreachable, slow]) {
      const doc = await read('page_cut', location, isolate());
      // From KV, or from the location's cache which the first of these filled.
      expect(doc.kind === 'document' && ['kv', 'cache'].includes(doc.source)).toBe(true);
      expect(bodyOf(doc)).toContain('Resilient API');
    }
    // An isolate that knew the pointer keeps serving it when it can no longer confirm it.
    const memory = isolate();
    expect(bodyOf(await read('page_cut', { ...base, now: () => now }, memory))).toContain(
      'Resilient API',
    );
    now += 5000;
    expect(bodyOf(await read('page_cut', slow, memory))).toContain('Resilient API');
    expect(bodyOf(await read('page_cut', unreachable, memory))).toContain('Resilient API');
  });
});
