// A page's pushes start at least `minIntervalMs` apart (origin-sync/push/pusher.ts): what
// arrives in between goes in one push; a page quiet for longer is pushed at once.
import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { Pusher } from '../../origin-sync/push/pusher.ts';
import type { AckRecord, OutboxItem } from '../../origin-sync/store/outcomes.ts';
import type { SyncOutcome, SyncResult } from '../../worker/sync/contract.ts';
import { serviceEvent } from '../support/events.ts';

interface Push {
  at: number;
  ids: string[];
}

async function rig(minIntervalMs: number, outcome: (i: number) => SyncOutcome = () => 'applied') {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const queued: OutboxItem[] = [];
  const pushes: Push[] = [];
  const acks: AckRecord[] = [];
  let seq = 0;
  const pusher = new Pusher({
    workerUrl: 'http://edge.invalid',
    privateKey,
    minIntervalMs,
    queue: {
      pages: () => (queued.length > 0 ? ['p'] : []),
      peek: (_pageId, max) => queued.slice(0, max),
    },
    record: async (record) => {
      if (record.kind !== 'ack') return;
      acks.push(record);
      const done = new Set(record.eventIds);
      for (let i = queued.length - 1; i >= 0; i--) {
        if (done.has(queued[i]?.eventId ?? '')) queued.splice(i, 1);
      }
    },
    fetch: async (_url, init) => {
      const batch = JSON.parse(Buffer.from(init?.body as Uint8Array).toString()) as {
        events: { id: string }[];
      };
      pushes.push({ at: performance.now(), ids: batch.events.map((e) => e.id) });
      const result: SyncResult = {
        pageId: 'p',
        renderVersion: pushes.length,
        results: batch.events.map((e, i) => ({ id: e.id, outcome: outcome(i) })),
      };
      return new Response(JSON.stringify(result), { status: 200 });
    },
  });
  const add = (n: number) => {
    for (let i = 0; i < n; i++) {
      const event = serviceEvent({ id: 'svc' }, ++seq);
      queued.push({ eventSeq: seq, eventId: event.id, body: JSON.stringify(event) });
    }
    pusher.kick();
  };
  return { pusher, pushes, acks, add, queued };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the pusher under sustained traffic', () => {
  it('starts a page’s pushes at least the interval apart and merges what came between', async () => {
    const { pusher, pushes, add, queued } = await rig(300);
    try {
      add(1);
      // 10 more events, one every 20 ms, while the first push's interval runs.
      for (let i = 0; i < 10; i++) {
        await sleep(20);
        add(1);
      }
      expect(await pusher.drain(5_000)).toBe(true);
      expect(queued).toHaveLength(0);
      expect(pushes.flatMap((p) => p.ids)).toHaveLength(11);
      // Back to back (interval 0) this would be a push per event or so; here: the first alone,
      // then the rest together once the interval has passed.
      expect(pushes.length).toBeLessThanOrEqual(3);
      for (let i = 1; i < pushes.length; i++) {
        const gap = (pushes[i]?.at ?? 0) - (pushes[i - 1]?.at ?? 0);
        expect(gap).toBeGreaterThanOrEqual(290);
      }
    } finally {
      await pusher.stop();
    }
  });

  it('pushes a page quiet for longer than the interval at once', async () => {
    const { pusher, pushes, add } = await rig(300);
    try {
      add(1);
      expect(await pusher.drain(5_000)).toBe(true);
      await sleep(350);
      const before = performance.now();
      add(1);
      expect(await pusher.drain(5_000)).toBe(true);
      expect(pushes).toHaveLength(2);
      expect((pushes[1]?.at ?? 0) - before).toBeLessThan(150);
    } finally {
      await pusher.stop();
    }
  });

  it('with an interval of 0 pushes again as soon as the ack is in', async () => {
    const { pusher, pushes, add } = await rig(0);
    try {
      add(1);
      await sleep(30);
      add(1);
      expect(await pusher.drain(5_000)).toBe(true);
      expect(pushes).toHaveLength(2);
      expect((pushes[1]?.at ?? 0) - (pushes[0]?.at ?? 0)).toBeLessThan(200);
    } finally {
      await pusher.stop();
    }
  });
});

describe('what the pusher hands the store for an acknowledged push', () => {
  it('leaves the per-event results out when the edge applied every event, and only then', async () => {
    const all = await rig(0);
    const one = await rig(0, (i) => (i === 1 ? 'duplicate' : 'applied'));
    try {
      all.add(3);
      one.add(3);
      expect(await all.pusher.drain(5_000)).toBe(true);
      expect(await one.pusher.drain(5_000)).toBe(true);
      expect(all.acks).toMatchObject([
        { allApplied: true, results: [], eventIds: expect.any(Array) },
      ]);
      expect(all.acks[0]?.eventIds).toHaveLength(3);
      expect(one.acks[0]?.allApplied).toBeUndefined();
      expect(one.acks[0]?.results.map((r) => r.outcome)).toEqual([
        'applied',
        'duplicate',
        'applied',
      ]);
    } finally {
      await all.pusher.stop();
      await one.pusher.stop();
    }
  });
});
