import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Health } from '../../origin-sync/service.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { deletedEvent, incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import type { FakeEdge } from '../support/fake-edge.ts';
import {
  AS_OPERATOR,
  type FakeEdgeRig,
  fakeEdgeRig,
  type RunningOriginSync,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';
import { waitFor } from '../support/wait.ts';

let rig: FakeEdgeRig;
let edge: FakeEdge;

const start = (): Promise<RunningOriginSync> => rig.start();

async function send(origin: RunningOriginSync, events: Parameters<typeof postCoreEvents>[1]) {
  const res = await postCoreEvents({ url: origin.url, secret: TEST_SECRET }, events);
  expect(res.status).toBe(202);
}

const health = async (o: RunningOriginSync) =>
  (await (await fetch(`${o.url}/healthz`)).json()) as Health;

beforeEach(async () => {
  rig = await fakeEdgeRig();
  edge = rig.edge;
});

afterEach(() => rig.close());

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

  it('dead-letters the one event the worker refuses and delivers its batch-mates', async () => {
    const origin = await start();
    const hold = edge.hold();
    const page = pageEvent({ id: 'p', serviceIds: ['a', 'b', 'c'] });
    const [a, b, c] = ['a', 'b', 'c'].map((id) => serviceEvent({ id })) as [
      CoreEvent,
      CoreEvent,
      CoreEvent,
    ];
    const poison = incidentEvent({ id: 'i-poison', serviceIds: ['a'] });
    edge.refuseIds.add(poison.id);
    // Held, so everything is queued and goes out as one merged batch first.
    await send(origin, [page, a, poison]);
    await send(origin, [b, c]);
    hold();
    const h = await waitFor(async () => {
      const now = await health(origin);
      return now.outbox.depth === 0 && now.deadLetters.count === 1 ? now : null;
    });
    expect(h.deadLetters).toEqual({ count: 1, pages: 1 });
    for (const id of ['a', 'b', 'c'])
      expect(edge.pages.get('p')?.get(`service:${id}`)).toBeDefined();
    expect(edge.pages.get('p')?.get('incident:i-poison')).toBeUndefined();
    const trace = (await (
      await fetch(`${origin.url}/v1/events/${poison.id}`, AS_OPERATOR)
    ).json()) as {
      steps: { step: string; error?: string; detail?: string }[];
    };
    expect(trace.steps.at(-1)).toMatchObject({
      step: 'failed',
      error: expect.stringContaining('400'),
      detail: expect.stringContaining('dead-lettered'),
    });
    const listed = (await (await fetch(`${origin.url}/v1/dead-letters`, AS_OPERATOR)).json()) as {
      deadLetters: { pageId: string; eventId: string }[];
    };
    expect(listed.deadLetters).toMatchObject([{ pageId: 'p', eventId: poison.id }]);

    // The operator fixes the edge and retries: it is delivered and leaves the dead letters.
    edge.refuseIds.clear();
    const retry = await fetch(`${origin.url}/v1/dead-letters/p/${poison.id}/retry`, {
      ...AS_OPERATOR,
      method: 'POST',
    });
    expect(retry.status).toBe(200);
    await waitFor(async () => ((await health(origin)).deadLetters.count === 0 ? true : null));
    await waitFor(async () => edge.pages.get('p')?.get('incident:i-poison') ?? null);
    const again = await fetch(`${origin.url}/v1/dead-letters/p/${poison.id}/discard`, {
      ...AS_OPERATOR,
      method: 'POST',
    });
    expect(again.status).toBe(404);
  });

  it('backs off one failing page without pausing the others, then dead-letters it', async () => {
    const origin = await rig.start({ push: { deadLetterAfterMs: 1_500 } });
    edge.failPages.set('broken', 500);
    await send(origin, [
      pageEvent({ id: 'broken', serviceIds: ['a'] }),
      pageEvent({ id: 'fine', serviceIds: ['a'] }),
    ]);
    for (let v = 1; v <= 5; v++) {
      await send(origin, [serviceEvent({ id: 'a', name: `A v${v}` }, v)]);
      await waitFor(async () =>
        edge.pages.get('fine')?.get('service:a')?.version === v ? true : null,
      );
    }
    expect((await health(origin)).push.breaker).toBe('closed');
    const h = await waitFor(async () => {
      const now = await health(origin);
      return now.deadLetters.count > 0 && now.outbox.depth === 0 ? now : null;
    });
    expect(h.deadLetters.pages).toBe(1);
    const listed = (await (await fetch(`${origin.url}/v1/dead-letters`, AS_OPERATOR)).json()) as {
      deadLetters: { pageId: string }[];
    };
    expect(new Set(listed.deadLetters.map((d) => d.pageId))).toEqual(new Set(['broken']));
  });

  it('never shows a page an incident deleted while the page did not show its service', async () => {
    const origin = await start();
    await send(origin, [
      pageEvent({ id: 'P', serviceIds: ['S'] }),
      serviceEvent({ id: 'S' }),
      incidentEvent({ id: 'I', serviceIds: ['S'] }),
    ]);
    await waitFor(async () => edge.pages.get('P')?.get('incident:I') ?? null);
    await send(origin, [pageEvent({ id: 'P', serviceIds: [] }, 2)]);
    await send(origin, [deletedEvent('incident.deleted', 'I', 2)]);
    await send(origin, [pageEvent({ id: 'P', serviceIds: ['S'] }, 3)]);
    await waitFor(async () => ((await health(origin)).outbox.depth === 0 ? true : null));
    // What the page holds for I is its deletion: re-adding S brings back nothing deleted.
    expect(edge.pages.get('P')?.get('incident:I')?.type).toBe('incident.deleted');
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
