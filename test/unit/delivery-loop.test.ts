// The delivery loop's timing on the one scheduler (origin-sync/schedule/keyed-scheduler.ts):
// one lease at a time, a poll when nothing was due, a kick that asks at once but never
// inside a backoff, the receipts' retention on its own schedule, and nothing after stop().
// The wire and the receipts are stand-ins here; test/origin-sync/notify.test.ts drives the
// real ones.
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryLoop, type ReceiptBook } from '../../origin-sync/notify/delivery-loop.ts';
import type { DeliveryEdge } from '../../origin-sync/notify/edge-client.ts';
import type { LeasedDelivery } from '../../worker/sync/deliveries-contract.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function webhook(id: string, leaseMs = 60_000): LeasedDelivery {
  return {
    id,
    pageId: 'page_1',
    notificationId: `n_${id}`,
    kind: 'incident_created',
    attempt: 1,
    leaseId: `lease_${id}`,
    leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
    channel: 'webhook',
    webhook: { url: 'https://hooks.example.com/x', secret: 'a-secret-of-16-chars', body: '{}' },
  };
}

interface Rig {
  loop: DeliveryLoop;
  leases: number[];
  /** Most leases in flight at once. */
  overlap: number;
  prunes: number;
  reported: string[];
}

let running: DeliveryLoop[] = [];
afterEach(async () => {
  for (const loop of running) await loop.stop(0);
  running = [];
});

function rig(opts: {
  pollMs?: number;
  pruneEveryMs?: number;
  /** What each lease answers (its index); throws to fail it. */
  answer?: (n: number) => LeasedDelivery[];
}): Rig {
  const r: Omit<Rig, 'loop'> = { leases: [], overlap: 0, prunes: 0, reported: [] };
  let inLease = 0;
  const edge: DeliveryEdge = {
    async lease() {
      r.leases.push(Date.now());
      inLease++;
      r.overlap = Math.max(r.overlap, inLease);
      try {
        await sleep(5);
        return { deliveries: opts.answer?.(r.leases.length) ?? [] };
      } finally {
        inLease--;
      }
    },
    async report({ reports }) {
      r.reported.push(...reports.map((x) => x.id));
      return { recorded: reports.length, lapsed: [] };
    },
  };
  const receipts: ReceiptBook = {
    get: () => null,
    record: async () => {},
    markReported: async () => {},
    unreported: () => [],
    prune: async () => {
      r.prunes++;
    },
  };
  const loop = new DeliveryLoop({
    edge,
    receipts,
    send: async () => ({ outcome: 'delivered', status: 200 }),
    consumer: 'test',
    concurrency: 2,
    pollMs: opts.pollMs ?? 40,
    leaseMs: 60_000,
    retry: { initialMs: 200, maxMs: 200 },
    random: () => 1,
    ...(opts.pruneEveryMs !== undefined ? { pruneEveryMs: opts.pruneEveryMs } : {}),
  });
  running.push(loop);
  return Object.assign(r, { loop });
}

describe('the delivery loop on the scheduler', () => {
  it('polls every pollMs while nothing is due, one lease at a time', async () => {
    const r = rig({ pollMs: 40 });
    r.loop.start();
    await sleep(250);
    // About one lease per 45 ms (40 ms poll + 5 ms answer): not a busy loop, not stalled.
    expect(r.leases.length).toBeGreaterThanOrEqual(2);
    expect(r.leases.length).toBeLessThanOrEqual(8);
    expect(r.overlap).toBe(1);
  });

  it('leases at once when kicked, however often, and once', async () => {
    const r = rig({ pollMs: 10_000 });
    r.loop.start();
    await expect.poll(() => r.leases.length).toBe(1);
    for (let i = 0; i < 10; i++) r.loop.kick();
    await expect.poll(() => r.leases.length).toBe(2);
    await sleep(50);
    expect(r.leases.length).toBe(2);
  });

  it('sends what a lease brought and reports it, leasing again at once after a full lease', async () => {
    const r = rig({
      pollMs: 10_000,
      answer: (n) => (n <= 2 ? Array.from({ length: 16 }, (_, i) => webhook(`d${n}_${i}`)) : []),
    });
    r.loop.start();
    await expect.poll(() => r.reported.length).toBe(32);
    // Two full leases, then one that found nothing; the 10 s poll has not come round.
    expect(r.leases.length).toBe(3);
    expect(new Set(r.reported).size).toBe(32);
  });

  it('leaves a delivery with too little lease left to lapse, and sends the rest', async () => {
    const r = rig({
      pollMs: 10_000,
      answer: (n) => (n === 1 ? [webhook('late', 1_000), webhook('fine')] : []),
    });
    r.loop.start();
    await expect.poll(() => r.reported).toEqual(['fine']);
    expect(r.loop.health()).toMatchObject({ leftToLapse: 1, sent: { delivered: 1 } });
  });

  it('does not lease inside a backoff, however often it is kicked', async () => {
    const r = rig({
      pollMs: 10,
      answer: () => {
        throw new Error('worker down');
      },
    });
    r.loop.start();
    await expect.poll(() => r.leases.length).toBe(1);
    for (let i = 0; i < 5; i++) {
      r.loop.kick();
      await sleep(20);
    }
    // The 200 ms backoff holds every kick back.
    expect(r.leases.length).toBe(1);
    await expect.poll(() => r.leases.length, { timeout: 2_000 }).toBe(2);
    expect(r.leases[1]! - r.leases[0]!).toBeGreaterThanOrEqual(190);
    expect(r.loop.health().state).toBe('backing_off');
  });

  it('runs the receipts retention every pruneEveryMs, and nothing after stop', async () => {
    const r = rig({ pollMs: 10_000, pruneEveryMs: 30 });
    r.loop.start();
    await expect.poll(() => r.prunes).toBeGreaterThanOrEqual(3);
    await r.loop.stop(0);
    const leases = r.leases.length;
    const prunes = r.prunes;
    r.loop.kick();
    await sleep(100);
    expect(r.leases.length).toBe(leases);
    expect(r.prunes).toBe(prunes);
    expect(r.loop.health().state).toBe('stopped');
  });
});
