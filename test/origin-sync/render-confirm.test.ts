// origin-sync learns when the render the worker promised is published (the fake edge's
// GET /_sync/pages/:id/status) and shows it in the explorer as a `rendered` step.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RenderConfirmTiming } from '../../origin-sync/push/render-confirmer.ts';
import type { Health } from '../../origin-sync/service.ts';
import type { EventTrace, TraceStep } from '../../origin-sync/store/trace.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
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

const start = (timing: Partial<RenderConfirmTiming> = {}) => rig.start({ confirm: { timing } });

async function send(origin: RunningOriginSync, events: CoreEvent[]): Promise<void> {
  const res = await postCoreEvents({ url: origin.url, secret: TEST_SECRET }, events);
  expect(res.status).toBe(202);
}

async function trace(origin: RunningOriginSync, id: string): Promise<EventTrace> {
  return (await (await fetch(`${origin.url}/v1/events/${id}`, AS_OPERATOR)).json()) as EventTrace;
}

const health = async (o: RunningOriginSync) =>
  (await (await fetch(`${o.url}/healthz`)).json()) as Health;

const stepOf = (t: EventTrace, step: TraceStep['step']) => t.steps.find((s) => s.step === step);

/** The event's trace once it has the step (for the page). */
function traceWith(origin: RunningOriginSync, id: string, step: TraceStep['step']) {
  return waitFor(
    async () => {
      const t = await trace(origin, id);
      return stepOf(t, step) ? t : null;
    },
    { what: `the ${step} step of ${id}` },
  );
}

beforeEach(async () => {
  rig = await fakeEdgeRig();
  edge = rig.edge;
});

afterEach(() => rig.close());

describe('confirming renders', () => {
  it('records `rendered` only once the promised version is published, then stops asking', async () => {
    edge.autoPublish = false;
    const origin = await start();
    const page = pageEvent({ id: 'p', serviceIds: ['a'] });
    const svc = serviceEvent({ id: 'a' });
    await send(origin, [page, svc]);
    const applied = await traceWith(origin, svc.id, 'applied');
    const promised = stepOf(applied, 'applied')?.renderVersion ?? 0;
    expect(promised).toBeGreaterThan(0);

    // The edge stored the batch but has not rendered it: origin-sync keeps asking.
    await waitFor(() => edge.statusRequests >= 3, { what: 'a few status checks' });
    expect(stepOf(await trace(origin, svc.id), 'rendered')).toBeUndefined();
    const waiting = await health(origin);
    expect(waiting.renders).toMatchObject({ waiting: 2, pages: 1 });

    edge.publish('p');
    const rendered = stepOf(await traceWith(origin, svc.id, 'rendered'), 'rendered');
    expect(rendered).toMatchObject({ pageId: 'p', at: edge.status('p')?.renderedAt });
    expect(rendered?.renderVersion).toBeGreaterThanOrEqual(promised);
    expect(stepOf(await trace(origin, page.id), 'rendered')?.renderVersion).toBe(
      rendered?.renderVersion,
    );
    const steps = (await trace(origin, svc.id)).steps.map((s) => s.step);
    expect(steps.slice(-3)).toEqual(['pushed', 'applied', 'rendered']);

    // Nothing left to wait for: no more questions to the edge.
    await waitFor(async () => (await health(origin)).renders.pagesChecking === 0);
    const asked = edge.statusRequests;
    await new Promise((r) => setTimeout(r, 300));
    expect(edge.statusRequests).toBe(asked);
    expect((await health(origin)).renders).toMatchObject({ waiting: 0, oldestAgeS: null });
  });

  it('reports a render that stays unpublished as failed with the edge error, then rendered', async () => {
    edge.autoPublish = false;
    edge.renderError = 'Error: KV is unavailable';
    const origin = await start({ failAfterMs: 200 });
    const page = pageEvent({ id: 'p', serviceIds: [] });
    await send(origin, [page]);
    const failed = stepOf(await traceWith(origin, page.id, 'failed'), 'failed');
    expect(failed).toMatchObject({
      pageId: 'p',
      error: 'Error: KV is unavailable',
      detail: expect.stringContaining('still waiting'),
    });

    edge.renderError = null;
    edge.publish('p');
    const t = await traceWith(origin, page.id, 'rendered');
    expect(t.steps.map((s) => s.step).slice(-3)).toEqual(['applied', 'failed', 'rendered']);
  });

  it('gives up on a render the edge never confirms, saying why', async () => {
    edge.autoPublish = false;
    const origin = await start({ failAfterMs: 100, giveUpMs: 300 });
    const page = pageEvent({ id: 'p', serviceIds: [] });
    await send(origin, [page]);
    const t = await waitFor(
      async () => {
        const x = await trace(origin, page.id);
        return x.steps.at(-1)?.detail?.includes('stopped waiting') ? x : null;
      },
      { what: 'the give-up' },
    );
    expect(t.steps.at(-1)).toMatchObject({
      step: 'failed',
      error: expect.stringContaining('not published'),
    });
    await waitFor(async () => (await health(origin)).renders.pagesChecking === 0);
    expect((await health(origin)).renders.waiting).toBe(0);
  });

  it('asks again after a restart for renders still unconfirmed', async () => {
    edge.autoPublish = false;
    const first = await start();
    const page = pageEvent({ id: 'p', serviceIds: [] });
    await send(first, [page]);
    await traceWith(first, page.id, 'applied');
    await first.stop();

    edge.publish('p');
    const second = await start();
    const rendered = stepOf(await traceWith(second, page.id, 'rendered'), 'rendered');
    expect(rendered).toMatchObject({ pageId: 'p', renderVersion: 1 });
  });
});
