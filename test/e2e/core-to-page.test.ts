// End to end, real processes over HTTP: the core's signed events reach the page through
// origin-sync and the worker; refused requests change nothing; a worker outage loses nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../origin-sync/http/signature.ts';
import { postCoreEvents, sendAllCoreEvents } from '../../scripts/lib/core-client.ts';
import { type System, startSystem } from '../../scripts/lib/system.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import { waitFor } from '../support/wait.ts';
import { eventTrace, health, outcomes, pageTraces } from './support/operator.ts';

const HOST = 'status.e2e.test';
const PAGE = `http://${HOST}/`;
let system: System;

async function pageHtml(): Promise<string> {
  const res = await system.worker.visit(PAGE);
  return res.status === 200 ? res.text() : '';
}

beforeAll(async () => {
  system = await startSystem();
  await sendAllCoreEvents(system.core, [
    serviceEvent({ id: 'api', name: 'Public API' }),
    serviceEvent({ id: 'db', name: 'Database' }),
    pageEvent({ id: 'e2e_page', name: 'E2E Cloud', hostnames: [HOST], serviceIds: ['api', 'db'] }),
  ]);
  await waitFor(async () => (await pageHtml()).includes('Public API'), {
    timeoutMs: 60_000,
    what: 'the page to be served',
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

describe('core event → page', () => {
  it('shows a signed incident event on the page, and in the explorer with its render version', async () => {
    const incident = incidentEvent({
      id: 'inc_e2e',
      name: 'Elevated latency on the API',
      impact: 'major',
      serviceIds: ['api'],
    });
    const res = await postCoreEvents(system.core, [incident]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });

    await waitFor(async () => (await pageHtml()).includes('Elevated latency on the API'), {
      what: 'the incident on the page',
    });
    const trace = await waitFor(
      async () => {
        const t = await eventTrace(system, incident.id);
        return outcomes(t).get('e2e_page') ? t : null;
      },
      { what: 'the applied step' },
    );
    expect(trace.steps.map((s) => s.step).slice(0, 6)).toEqual([
      'received',
      'validated',
      'journaled',
      'fanned_out',
      'pushed',
      'applied',
    ]);
    const applied = trace.steps[5];
    expect(applied).toMatchObject({ pageId: 'e2e_page' });
    expect(applied?.renderVersion).toBeGreaterThan(0);
    // The worker answered when the batch was stored; origin-sync then asks until the render
    // that contains it is published, and says so.
    const rendered = await waitFor(
      async () => (await eventTrace(system, incident.id))?.steps.find((s) => s.step === 'rendered'),
      { what: 'the rendered step' },
    );
    expect(rendered).toMatchObject({ pageId: 'e2e_page' });
    expect(rendered.renderVersion).toBeGreaterThanOrEqual(applied?.renderVersion ?? Infinity);
    const final = (await eventTrace(system, incident.id))?.steps.map((s) => s.step);
    expect(final?.slice(5)).toEqual(['applied', 'rendered']);
    const recent = await pageTraces(system, 'e2e_page', 1);
    expect(recent[0]?.id).toBe(incident.id);
    const asOperator = { headers: { Authorization: `Bearer ${system.originSync.operatorToken}` } };
    expect((await fetch(`${system.syncUrl}/v1/events/evt_unknown`, asOperator)).status).toBe(404);
  });

  it('refuses a bad signature, a stale timestamp, an oversized or malformed body, changing nothing', async () => {
    const before = await health(system);
    const htmlBefore = await pageHtml();
    const evil = serviceEvent({ id: 'api', name: 'Hijacked API', status: 'major_outage' }, 1e9);
    const body = JSON.stringify({ events: [evil] });
    const t = Math.floor(Date.now() / 1000);
    const signed = (text: string, ts?: number) => signatureHeader(system.core.secret, text, ts);
    const oversized = JSON.stringify({
      events: [{ ...evil, data: { ...evil.data, description: 'x'.repeat(1 << 20) } }],
    });
    const invalid = JSON.stringify({ events: [{ ...evil, type: 'service.nuked' }] });
    // [what, expected status, body, X-Signature (null: none)]
    const attempts: [string, number, string, string | null][] = [
      ['no signature', 401, body, null],
      ['wrong secret', 401, body, signatureHeader('not-the-secret', body)],
      ['stale timestamp', 401, body, signed(body, t - 600)],
      ['oversized', 413, oversized, signed(oversized)],
      ['malformed JSON', 400, '{"events":[{', signed('{"events":[{')],
      ['invalid event', 400, invalid, signed(invalid)],
    ];
    for (const [what, status, text, signature] of attempts) {
      const res = await fetch(`${system.syncUrl}/v1/events`, {
        method: 'POST',
        body: text,
        headers: {
          'Content-Type': 'application/json',
          ...(signature === null ? {} : { 'X-Signature': signature }),
        },
      });
      expect(res.status, what).toBe(status);
      expect(res.headers.get('Content-Type'), what).toBe('application/problem+json');
    }
    const after = await health(system);
    // Not the journal's record count: render confirmations are journaled in the background.
    expect(after.explorer.events).toBe(before.explorer.events);
    expect(after.catalogue.entities).toBe(before.catalogue.entities);
    expect(after.outbox.depth).toBe(before.outbox.depth);
    expect(await eventTrace(system, evil.id)).toBeNull();
    const html = await pageHtml();
    expect(html).toBe(htmlBefore);
    expect(html).not.toContain('Hijacked API');
  });

  it('catches up after the worker was down for 30 s, losing nothing', async () => {
    await system.stopWorker();
    const sent: CoreEvent[] = [];
    const started = Date.now();
    // The core keeps sending while the edge is down: every batch is accepted (journaled).
    for (let i = 1; i <= 5; i++) {
      const batch = [
        serviceEvent({ id: 'db', name: `Database v${i}`, status: 'partial_outage' }, 10 + i),
        incidentEvent(
          {
            id: 'inc_db',
            name: `Database replication lag (update ${i})`,
            serviceIds: ['db'],
            impact: 'minor',
          },
          i,
        ),
      ];
      const res = await postCoreEvents(system.core, batch);
      expect(res.status).toBe(202);
      sent.push(...batch);
    }
    const down = await waitFor(
      async () => {
        const h = await health(system);
        return h.push.breaker !== 'closed' ? h : null;
      },
      { what: 'origin-sync to notice the outage' },
    );
    expect(down.outbox.depth).toBeGreaterThan(0);
    expect(down.status).toBe('degraded');
    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - started))));

    await system.startWorker();
    await waitFor(async () => (await health(system)).outbox.depth === 0, {
      timeoutMs: 30_000,
      what: 'the outbox to drain',
    });
    const html = await waitFor(
      async () => {
        const h = await pageHtml();
        return h.includes('Database v5') && h.includes('Database replication lag (update 5)')
          ? h
          : null;
      },
      { what: 'the latest state on the page' },
    );
    expect(html).not.toContain('(update 4)');
    for (const event of sent) {
      expect(outcomes(await eventTrace(system, event.id)).get('e2e_page'), event.id).toBeDefined();
    }
    const after = await health(system);
    expect(after.push.breaker).toBe('closed');
    expect(after.status).toBe('ok');
  }, 90_000);
});
