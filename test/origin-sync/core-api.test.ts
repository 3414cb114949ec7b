import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../origin-sync/http/signature.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import type { FakeEdge } from '../support/fake-edge.ts';
import {
  AS_OPERATOR,
  type FakeEdgeRig,
  fakeEdgeRig,
  type RunningOriginSync,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';
import { waitFor } from '../support/wait.ts';

let edge: FakeEdge;
let origin: RunningOriginSync;
let rig: FakeEdgeRig;
const core = () => ({ url: origin.url, secret: TEST_SECRET });

beforeAll(async () => {
  rig = await fakeEdgeRig();
  edge = rig.edge;
  origin = await rig.start();
  const res = await postCoreEvents(core(), [
    pageEvent({ id: 'p1', serviceIds: ['api', 'db'] }),
    pageEvent({ id: 'p2', serviceIds: ['db'] }),
  ]);
  expect(res.status).toBe(202);
});

afterAll(() => rig?.close());

async function health(): Promise<{
  outbox: { depth: number };
  catalogue: { entities: number };
  explorer: { events: number };
}> {
  return (await fetch(`${origin.url}/healthz`)).json() as never;
}

async function post(body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${origin.url}/v1/events`, { method: 'POST', body, headers });
}

function signed(body: string, t?: number): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'X-Signature': signatureHeader(TEST_SECRET, body, t),
  };
}

async function expectNothingChanged(eventIds: string[], action: () => Promise<Response>) {
  const before = await health();
  const res = await action();
  expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  const after = await health();
  // Not the journal's record count: acknowledgements and render confirmations of earlier
  // tests' events are journaled in the background. Accepting any event grows these.
  expect(after.explorer.events).toBe(before.explorer.events);
  expect(after.catalogue.entities).toBe(before.catalogue.entities);
  expect(after.outbox.depth).toBe(before.outbox.depth);
  for (const id of eventIds) {
    expect((await fetch(`${origin.url}/v1/events/${id}`, AS_OPERATOR)).status).toBe(404);
  }
  return res;
}

describe('POST /v1/events', () => {
  it('accepts a signed batch with 202 once journaled, and counts duplicates by id', async () => {
    const events = [serviceEvent({ id: 'api' }), serviceEvent({ id: 'db' })];
    const res = await postCoreEvents(core(), events);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    const again = await postCoreEvents(core(), [events[0] as CoreEvent, serviceEvent({ id: 'x' })]);
    expect(await again.json()).toEqual({ accepted: 1, duplicates: 1 });
  });

  it('delivers each event to the pages that show it, and shows it all in the explorer', async () => {
    const inc = incidentEvent({ id: 'i1', serviceIds: ['db'] });
    expect((await postCoreEvents(core(), [inc])).status).toBe(202);
    const trace = await waitFor(
      async () => {
        const t = (await (
          await fetch(`${origin.url}/v1/events/${inc.id}`, AS_OPERATOR)
        ).json()) as {
          steps: { step: string; pageId?: string; renderVersion?: number }[];
        };
        return t.steps.filter((s) => s.step === 'applied').length === 2 ? t : null;
      },
      { what: 'the incident applied on both pages' },
    );
    expect(trace).toMatchObject({ id: inc.id, type: 'incident.upserted' });
    expect(trace.steps.slice(0, 3).map((s) => s.step)).toEqual([
      'received',
      'validated',
      'journaled',
    ]);
    const fanned = trace.steps.filter((s) => s.step === 'fanned_out').map((s) => s.pageId);
    expect(fanned.sort()).toEqual(['p1', 'p2']);
    for (const s of trace.steps.filter((x) => x.step === 'applied')) {
      expect(s.renderVersion).toBeGreaterThan(0);
    }
    expect(edge.pages.get('p2')?.get('incident:i1')?.id).toBe(inc.id);

    const page = (await (await fetch(`${origin.url}/v1/pages/p2/events`, AS_OPERATOR)).json()) as {
      events: { id: string }[];
    };
    expect(page.events[0]?.id).toBe(inc.id);
    const one = (await (
      await fetch(`${origin.url}/v1/pages/p2/events?limit=1`, AS_OPERATOR)
    ).json()) as {
      events: unknown[];
    };
    expect(one.events).toHaveLength(1);
    expect((await fetch(`${origin.url}/v1/pages/p2/events?limit=0`, AS_OPERATOR)).status).toBe(400);
  });

  it('answers an unknown event id with 404 problem+json', async () => {
    const res = await fetch(`${origin.url}/v1/events/evt_nope`, AS_OPERATOR);
    expect(res.status).toBe(404);
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  });

  it('refuses a missing, malformed or wrong signature with 401 and changes nothing', async () => {
    const event = serviceEvent({ id: 'api', name: 'Signed by nobody' });
    const body = JSON.stringify({ events: [event] });
    for (const headers of [
      { 'Content-Type': 'application/json' },
      { 'Content-Type': 'application/json', 'X-Signature': 'nonsense' },
      { 'Content-Type': 'application/json', 'X-Signature': signatureHeader('wrong', body) },
      // Signed, then the body changed.
      signed(JSON.stringify({ events: [{ ...event, version: 99 }] })),
    ]) {
      const res = await expectNothingChanged([event.id], () => post(body, headers));
      expect(res.status).toBe(401);
    }
  });

  it('refuses a timestamp outside the 300 s replay window with 401', async () => {
    const event = serviceEvent({ id: 'api' });
    const body = JSON.stringify({ events: [event] });
    // Whole seconds, rounded away from now: floor(now) + 301 came within 300 s of the
    // server's clock whenever the second turned between here and its check.
    const now = Date.now() / 1000;
    for (const t of [Math.floor(now) - 301, Math.ceil(now) + 301]) {
      const res = await expectNothingChanged([event.id], () => post(body, signed(body, t)));
      expect(res.status).toBe(401);
      expect(((await res.json()) as { title: string }).title).toMatch(/replay window/);
    }
  });

  it('refuses a body over 1 MiB with 413, declared or streamed', async () => {
    const big = serviceEvent({ id: 'api', description: 'x'.repeat(1024 * 1024) });
    const body = JSON.stringify({ events: [big] });
    const res = await expectNothingChanged([big.id], () => post(body, signed(body)));
    expect(res.status).toBe(413);

    // Chunked, with no Content-Length: refused while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL('/v1/events', origin.url);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: signed(body),
        },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      req.end();
    });
    expect(status).toBe(413);
    expect((await fetch(`${origin.url}/v1/events/${big.id}`, AS_OPERATOR)).status).toBe(404);
  });

  it('refuses malformed JSON and a wrong content type', async () => {
    const res = await expectNothingChanged([], () => post('{"events": [', signed('{"events": [')));
    expect(res.status).toBe(400);
    const body = JSON.stringify({ events: [serviceEvent({ id: 'api' })] });
    const typed = await expectNothingChanged([], () =>
      post(body, { ...signed(body), 'Content-Type': 'text/plain' }),
    );
    expect(typed.status).toBe(415);
  });

  it('rejects a whole batch with any bad event, naming each by index and field path', async () => {
    const good = serviceEvent({ id: 'api', name: 'Good' });
    const badStatus = {
      ...serviceEvent({ id: 'db' }),
      data: { id: 'db', name: 'DB', status: 'on_fire' },
    };
    const badType = { ...serviceEvent({ id: 'db' }), type: 'service.exploded' };
    const body = JSON.stringify({ events: [good, badStatus, good, badType] });
    const res = await expectNothingChanged([good.id], () => post(body, signed(body)));
    expect(res.status).toBe(400);
    const problem = (await res.json()) as {
      errors: { index?: number; path: string; pointer: string }[];
      detail: string;
    };
    expect(problem.errors).toContainEqual(
      expect.objectContaining({ index: 1, path: 'data.status', pointer: '/events/1/data/status' }),
    );
    expect(problem.errors).toContainEqual(expect.objectContaining({ index: 3, path: 'type' }));
    expect(problem.errors.some((e) => e.index === 0 || e.index === 2)).toBe(false);
    expect(problem.detail).toContain('nothing changed');

    for (const events of [
      [],
      Array.from({ length: 501 }, (_, i) => serviceEvent({ id: `s${i}` })),
    ]) {
      const text = JSON.stringify({ events });
      expect((await post(text, signed(text))).status).toBe(400);
    }
  });
});
