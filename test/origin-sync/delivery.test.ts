import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CryptoKey } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Health } from '../../origin-sync/service.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import { type FakeEdge, startFakeEdge } from '../support/fake-edge.ts';
import {
  AS_OPERATOR,
  type RunningOriginSync,
  startOriginSync,
  syncKeyPair,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';
import { waitFor } from '../support/wait.ts';

let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
let edge: FakeEdge;
let dir: string;
const running: RunningOriginSync[] = [];

async function start(): Promise<RunningOriginSync> {
  const origin = await startOriginSync({
    dir,
    workerUrl: edge.url,
    syncPrivateKey: keys.privateKey,
  });
  running.push(origin);
  return origin;
}

async function send(origin: RunningOriginSync, events: Parameters<typeof postCoreEvents>[1]) {
  const res = await postCoreEvents({ url: origin.url, secret: TEST_SECRET }, events);
  expect(res.status).toBe(202);
}

const health = async (o: RunningOriginSync) =>
  (await (await fetch(`${o.url}/healthz`)).json()) as Health;

beforeEach(async () => {
  keys = await syncKeyPair();
  edge = await startFakeEdge(keys.publicKey);
  dir = await mkdtemp(join(tmpdir(), 'esp-delivery-'));
});

afterEach(async () => {
  for (const o of running.splice(0)) await o.stop().catch(() => {});
  await edge.close();
  await rm(dir, { recursive: true, force: true });
});

describe('delivery to the edge', () => {
  it('merges what is queued for a page into one batch', async () => {
    const origin = await start();
    const release = edge.hold();
    await send(origin, [pageEvent({ id: 'p', serviceIds: ['a'] })]);
    await waitFor(() => origin.sync.health().push.inFlight === 1, { what: 'the first push' });
    // While the page's first batch is in flight, three requests queue four more events.
    await send(origin, [serviceEvent({ id: 'a' }), serviceEvent({ id: 'a' }, 2)]);
    await send(origin, [incidentEvent({ id: 'i', serviceIds: ['a'] })]);
    await send(origin, [serviceEvent({ id: 'a' }, 3)]);
    release();
    await waitFor(async () => (await health(origin)).outbox.depth === 0, { what: 'delivery' });
    expect(edge.batches.map((b) => b.events.length)).toEqual([1, 4]);
  });

  it('holds everything while the worker is down, says so in /healthz, then catches up', async () => {
    const origin = await start();
    edge.failWith = 503;
    await send(origin, [pageEvent({ id: 'p', serviceIds: ['a'] }), serviceEvent({ id: 'a' })]);
    const down = await waitFor(
      async () => {
        const h = await health(origin);
        return h.push.breaker !== 'closed' ? h : null;
      },
      { what: 'the breaker to open' },
    );
    expect(down.status).toBe('degraded');
    expect(down.outbox.depth).toBe(2);
    expect(down.push.lastError).toContain('503');
    const requestsWhileDown = edge.requests;
    await new Promise((r) => setTimeout(r, 300));
    // The breaker probes, it does not hammer: a handful of requests at most.
    expect(edge.requests - requestsWhileDown).toBeLessThan(10);

    edge.failWith = null;
    const up = await waitFor(
      async () => {
        const h = await health(origin);
        return h.outbox.depth === 0 ? h : null;
      },
      { what: 'catch-up' },
    );
    expect(up.push.breaker).toBe('closed');
    expect(up.status).toBe('ok');
    expect(edge.pages.get('p')?.get('service:a')).toBeDefined();
  });

  it('drops a batch the worker refuses as invalid, recording why', async () => {
    const origin = await start();
    edge.failWith = 400;
    const page = pageEvent({ id: 'p', serviceIds: [] });
    await send(origin, [page]);
    const trace = await waitFor(async () => {
      const t = (await (await fetch(`${origin.url}/v1/events/${page.id}`, AS_OPERATOR)).json()) as {
        steps: { step: string; error?: string; detail?: string }[];
      };
      return t.steps.some((s) => s.step === 'failed') ? t : null;
    });
    expect(trace.steps.at(-1)).toMatchObject({
      step: 'failed',
      error: expect.stringContaining('400'),
      detail: expect.stringContaining('dropped'),
    });
    expect((await health(origin)).outbox.depth).toBe(0);
  });

  it('keeps the outbox across a restart and never re-sends what the edge acknowledged', async () => {
    const first = await start();
    const page = pageEvent({ id: 'p', serviceIds: ['a'] });
    await send(first, [page, serviceEvent({ id: 'a' })]);
    await waitFor(async () => (await health(first)).outbox.depth === 0);
    const delivered = edge.batches.length;
    edge.failWith = 503;
    const late = serviceEvent({ id: 'a', status: 'major_outage' }, 2);
    await send(first, [late]);
    await first.stop();
    running.length = 0;

    edge.failWith = null;
    const requestsBefore = edge.requests;
    const second = await start();
    await waitFor(async () => (await health(second)).outbox.depth === 0, { what: 'redelivery' });
    // Only the one unacknowledged event went out again.
    expect(edge.batches.slice(delivered).flatMap((b) => b.events.map((e) => e.id))).toEqual([
      late.id,
    ]);
    expect(edge.requests - requestsBefore).toBe(1);
    // The explorer survived the restart, outcome included.
    const trace = (await (
      await fetch(`${second.url}/v1/events/${page.id}`, AS_OPERATOR)
    ).json()) as {
      steps: { step: string }[];
    };
    expect(trace.steps.map((s) => s.step)).toContain('applied');
    // A duplicate after the restart is still a duplicate.
    const again = await postCoreEvents({ url: second.url, secret: TEST_SECRET }, [page]);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1 });
  });

  it('gives a page that starts showing a service everything it needs', async () => {
    const origin = await start();
    const svc = serviceEvent({ id: 'b', status: 'partial_outage' });
    const inc = incidentEvent({ id: 'i', serviceIds: ['b'] });
    await send(origin, [pageEvent({ id: 'p', serviceIds: ['a'] }), svc, inc]);
    await send(origin, [pageEvent({ id: 'p', serviceIds: ['a', 'b'] }, 2)]);
    await waitFor(async () => (await health(origin)).outbox.depth === 0);
    expect(edge.pages.get('p')?.get('service:b')?.id).toBe(svc.id);
    expect(edge.pages.get('p')?.get('incident:i')?.id).toBe(inc.id);
  });
});
