// End to end: origin-sync is killed with SIGKILL in the middle of a 10,000-event stream. After
// the restart, every event that got a 202 reaches its page and shows in the explorer, and
// what the edge had acknowledged before the crash is not sent again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCoreEvents, sendAllCoreEvents } from '../../scripts/lib/core-client.ts';
import { type System, startSystem } from '../../scripts/lib/system.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { MAX_SYNC_EVENTS } from '../../worker/sync/contract.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
import { waitFor } from '../support/wait.ts';
import { health, outcomes, pageTraces } from './support/operator.ts';

const PAGES = 4;
const SERVICES_PER_PAGE = 25;
const VERSIONS = 100; // 4 × 25 services × 100 versions = 10,000 events
const BATCH = 100;

const serviceId = (n: number) => `svc_${String(n).padStart(3, '0')}`;
const pageOf = (n: number) => `crash_p${Math.floor(n / SERVICES_PER_PAGE)}`;
const nameAt = (n: number, v: number) => `Service ${n} at v${v}`;

let system: System;

beforeAll(async () => {
  system = await startSystem();
  const pages: CoreEvent[] = [];
  for (let p = 0; p < PAGES; p++) {
    const ids = Array.from({ length: SERVICES_PER_PAGE }, (_, i) =>
      serviceId(p * SERVICES_PER_PAGE + i),
    );
    pages.push(
      pageEvent({ id: `crash_p${p}`, hostnames: [`crash${p}.e2e.test`], serviceIds: ids }),
    );
  }
  await sendAllCoreEvents(system.core, pages);
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

describe('origin-sync crash in the middle of a stream', () => {
  it('reflects every event that got a 202 on the pages and in the explorer after a SIGKILL', async () => {
    const batches: CoreEvent[][] = [];
    const pageOfEvent = new Map<string, string>();
    for (let v = 1; v <= VERSIONS; v++) {
      const events = Array.from({ length: PAGES * SERVICES_PER_PAGE }, (_, n) => {
        const event = serviceEvent({ id: serviceId(n), name: nameAt(n, v) }, v);
        pageOfEvent.set(event.id, pageOf(n));
        return event;
      });
      for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
    }
    const acknowledged: CoreEvent[] = [];
    let refusedWhileDown = 0;

    // The core: sends in order, and retries a batch until it gets its 202 (as it must).
    const core = (async () => {
      for (const batch of batches) {
        for (;;) {
          const res = await postCoreEvents(system.core, batch).catch(() => null);
          if (res?.status === 202) {
            acknowledged.push(...batch);
            break;
          }
          refusedWhileDown++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();

    await waitFor(() => acknowledged.length >= 5_000, {
      timeoutMs: 60_000,
      what: 'half the stream',
    });
    await system.killOriginSync();
    const acknowledgedBeforeCrash = acknowledged.length;
    expect(acknowledgedBeforeCrash).toBeLessThan(10_000);
    await system.startOriginSync();
    await core;
    expect(refusedWhileDown).toBeGreaterThan(0);
    expect(acknowledged).toHaveLength(10_000);

    await waitFor(async () => (await health(system)).outbox.depth === 0, {
      timeoutMs: 90_000,
      what: 'the outbox to drain',
    });
    for (let p = 0; p < PAGES; p++) {
      await waitFor(
        async () => {
          const res = await system.worker.visit(`http://crash${p}.e2e.test/`);
          const html = await res.text();
          const missing = Array.from(
            { length: SERVICES_PER_PAGE },
            (_, i) => p * SERVICES_PER_PAGE + i,
          ).filter((n) => !html.includes(nameAt(n, VERSIONS)));
          return missing.length === 0;
        },
        { timeoutMs: 30_000, what: `page ${p} to show every service at v${VERSIONS}` },
      );
    }

    let pushedTwice = 0;
    for (let p = 0; p < PAGES; p++) {
      const traces = await pageTraces(system, `crash_p${p}`, 10_000);
      const byId = new Map(traces.map((t) => [t.id, t]));
      for (const event of acknowledged.filter((e) => pageOfEvent.get(e.id) === `crash_p${p}`)) {
        const trace = byId.get(event.id);
        expect(trace, event.id).toBeDefined();
        expect(outcomes(trace ?? null).get(`crash_p${p}`), event.id).toBeDefined();
        if ((trace?.steps.filter((s) => s.step === 'pushed').length ?? 0) > 1) pushedTwice++;
      }
    }
    // Only what was in flight or not yet recorded as acknowledged at the crash went again:
    // at most one batch per page, never the whole stream.
    expect(pushedTwice).toBeLessThanOrEqual(PAGES * MAX_SYNC_EVENTS);
  }, 240_000);
});
