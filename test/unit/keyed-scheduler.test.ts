// The one scheduler of origin-sync (origin-sync/schedule/keyed-scheduler.ts), driven by a
// hand-moved clock: due times, the concurrency limit, one wake timer, a global hold, a key
// scheduled while it runs, abort and drain.
import { describe, expect, it } from 'vitest';
import {
  type Clock,
  DueTimes,
  KeyedScheduler,
  type KeyedSchedulerOptions,
} from '../../origin-sync/schedule/keyed-scheduler.ts';

/** Time moves only when a test says so; `live` counts the timers armed and not yet fired. */
class ManualClock implements Clock {
  t = 1_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #seq = 0;
  armed = 0;

  get live(): number {
    return this.#timers.size;
  }

  now = (): number => this.t;

  timer(fn: () => void, ms: number): () => void {
    const id = this.#seq++;
    this.armed++;
    this.#timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return () => this.#timers.delete(id);
  }

  /** Moves time on by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    // A scheduler that re-arms forever fails the test instead of hanging it.
    for (let fired = 0; ; fired++) {
      if (fired > 10_000) throw new Error('timers keep firing: a wake loop');
      await settle();
      const next = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.#timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
    await settle();
  }
}

/** Lets promise callbacks (a run's end) happen. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A run per key that ends when the test says so. */
function harness(options: Partial<KeyedSchedulerOptions<string>> = {}) {
  const clock = new ManualClock();
  const started: Array<{ key: string; at: number }> = [];
  const open = new Map<string, { end: () => void; signal: AbortSignal }>();
  let running = 0;
  let peak = 0;
  const scheduler = new KeyedScheduler<string>({
    concurrency: 2,
    clock,
    run: (key, signal) => {
      started.push({ key, at: clock.now() });
      running++;
      peak = Math.max(peak, running);
      return new Promise<void>((resolve) => {
        const end = () => {
          open.delete(key);
          running--;
          resolve();
        };
        open.set(key, { end, signal });
        signal.addEventListener('abort', end);
      });
    },
    ...options,
  });
  const finish = async (key: string) => {
    const run = open.get(key);
    if (!run) throw new Error(`${key} is not running`);
    run.end();
    await settle();
  };
  return {
    clock,
    scheduler,
    started,
    finish,
    open,
    peak: () => peak,
    keys: () => started.map((s) => s.key),
  };
}

describe('DueTimes (the pure part)', () => {
  it('takes what is due in scheduling order and says when the next one is', () => {
    const due = new DueTimes<string>();
    due.set('a', 50);
    due.set('b', 10);
    due.set('c', 200);
    expect(due.take(100, 10, () => false)).toEqual({ keys: ['a', 'b'], wakeAt: 200 });
    expect(due.size).toBe(1);
  });

  it('fills only the free slots, and then needs no timer (a run ending looks again)', () => {
    const due = new DueTimes<string>();
    for (const k of ['a', 'b', 'c']) due.set(k, 0);
    expect(due.take(0, 2, () => false)).toEqual({ keys: ['a', 'b'], wakeAt: null });
    expect(due.keys()).toEqual(['c']);
  });

  it('skips busy keys, and holds everything until a global hold ends', () => {
    const due = new DueTimes<string>();
    due.set('a', 0);
    due.set('b', 5);
    expect(due.take(10, 5, (k) => k === 'a')).toEqual({ keys: ['b'], wakeAt: null });
    due.set('c', 0);
    due.set('d', 500);
    expect(due.take(10, 5, () => false, 300)).toEqual({ keys: [], wakeAt: 300 });
    expect(due.take(10, 5, () => false, Number.POSITIVE_INFINITY).wakeAt).toBeNull();
  });

  it('replaces a due time with set, keeps the earlier one with expedite', () => {
    const due = new DueTimes<string>();
    due.set('a', 100);
    due.set('b', 100);
    due.expedite('a', 500);
    expect(due.at('a')).toBe(100);
    due.expedite('a', 20);
    expect(due.at('a')).toBe(20);
    expect(due.keys()).toEqual(['b', 'a']); // moved behind: it was changed
    due.set('b', 900);
    expect(due.at('b')).toBe(900);
    expect(due.later(100)).toBe(1);
  });
});

describe('KeyedScheduler', () => {
  it('runs each key at its due time, not before', async () => {
    const h = harness();
    h.scheduler.schedule('late', h.clock.t + 500);
    h.scheduler.schedule('soon', h.clock.t + 100);
    await h.clock.advance(99);
    expect(h.started).toEqual([]);
    await h.clock.advance(1);
    expect(h.started).toEqual([{ key: 'soon', at: 1_100 }]);
    await h.clock.advance(400);
    expect(h.started).toEqual([
      { key: 'soon', at: 1_100 },
      { key: 'late', at: 1_500 },
    ]);
  });

  it('never runs more keys at once than the limit, and starts the next as one ends', async () => {
    const h = harness({ concurrency: 3 });
    for (let i = 0; i < 10; i++) h.scheduler.schedule(`k${i}`, h.clock.t);
    await h.clock.advance(0);
    expect(h.scheduler.running).toBe(3);
    for (let i = 0; i < 10; i++) {
      const key = [...h.open.keys()][0];
      if (key) await h.finish(key);
      expect(h.scheduler.running).toBeLessThanOrEqual(3);
    }
    await h.clock.advance(10);
    expect(h.peak()).toBe(3);
    expect(h.keys()).toEqual([...Array(10).keys()].map((i) => `k${i}`)); // in scheduling order
  });

  it('reads an adaptive limit before each start', async () => {
    let limit = 1;
    const h = harness({ concurrency: () => limit });
    for (const k of ['a', 'b', 'c']) h.scheduler.schedule(k, h.clock.t);
    await h.clock.advance(0);
    expect(h.keys()).toEqual(['a']);
    limit = 3;
    // The next look (here: another key scheduled) starts as many as the limit says now.
    h.scheduler.schedule('d', h.clock.t);
    await h.clock.advance(0);
    expect(h.keys()).toEqual(['a', 'b', 'c']);
  });

  it('keeps one wake timer, however many keys wait', async () => {
    const h = harness();
    for (let i = 0; i < 100; i++) h.scheduler.schedule(`k${i}`, h.clock.t + 1_000 - i);
    expect(h.clock.live).toBe(1);
    // Later due times re-arm nothing.
    const armed = h.clock.armed;
    for (let i = 0; i < 100; i++) h.scheduler.schedule(`x${i}`, h.clock.t + 5_000 + i);
    expect(h.clock.armed).toBe(armed);
    expect(h.clock.live).toBe(1);
    await h.clock.advance(950);
    expect(h.clock.live).toBeLessThanOrEqual(1);
  });

  it('runs a key once at a time; scheduled while running, it runs again after', async () => {
    const h = harness();
    h.scheduler.schedule('a', h.clock.t);
    await h.clock.advance(0);
    h.scheduler.schedule('a', h.clock.t); // due now, but running
    await h.clock.advance(50);
    expect(h.keys()).toEqual(['a']);
    expect(h.scheduler.has('a')).toBe(true);
    await h.finish('a');
    expect(h.keys()).toEqual(['a', 'a']);
    await h.finish('a');
    expect(h.scheduler.has('a')).toBe(false);
  });

  it('lets a run schedule its own next time (a retry, the next poll)', async () => {
    const clock = new ManualClock();
    const runs: number[] = [];
    const scheduler: KeyedScheduler<string> = new KeyedScheduler<string>({
      concurrency: 1,
      clock,
      run: async (key) => {
        runs.push(clock.now());
        if (runs.length < 3) scheduler.schedule(key, clock.now() + 100);
      },
    });
    scheduler.schedule('poll', clock.t);
    await clock.advance(1_000);
    expect(runs).toEqual([1_000, 1_100, 1_200]);
  });

  it('starts nothing while held, and starts when the hold ends', async () => {
    let heldUntil = 1_300;
    const h = harness({ holdUntil: () => heldUntil });
    h.scheduler.schedule('a', h.clock.t);
    await h.clock.advance(299);
    expect(h.started).toEqual([]);
    await h.clock.advance(1);
    expect(h.started).toEqual([{ key: 'a', at: 1_300 }]);
    heldUntil = Number.POSITIVE_INFINITY; // e.g. a breaker's probe in flight
    h.scheduler.schedule('b', h.clock.t);
    await h.clock.advance(1_000);
    expect(h.keys()).toEqual(['a']);
    heldUntil = 0;
    await h.finish('a'); // the probe's end looks again
    expect(h.keys()).toEqual(['a', 'b']);
  });

  it('cancel forgets a due time; expedite only brings one forward', async () => {
    const h = harness();
    h.scheduler.schedule('a', h.clock.t + 100);
    h.scheduler.cancel('a');
    h.scheduler.schedule('b', h.clock.t + 500);
    h.scheduler.expedite('b', h.clock.t + 900);
    expect(h.scheduler.dueAt('b')).toBe(1_500);
    h.scheduler.expedite('b', h.clock.t + 200);
    await h.clock.advance(1_000);
    expect(h.started).toEqual([{ key: 'b', at: 1_200 }]);
  });

  it('stop aborts the runs in flight, waits for them, and starts nothing after', async () => {
    const h = harness();
    h.scheduler.schedule('a', h.clock.t);
    h.scheduler.schedule('later', h.clock.t + 10);
    await h.clock.advance(0);
    const signal = h.open.get('a')?.signal;
    await h.scheduler.stop();
    expect(signal?.aborted).toBe(true);
    expect(h.scheduler.running).toBe(0);
    h.scheduler.schedule('b', h.clock.t);
    await h.clock.advance(100);
    expect(h.keys()).toEqual(['a']);
    expect(h.clock.live).toBe(0);
  });

  it('drain resolves once nothing is due or running, or says false at its timeout', async () => {
    const h = harness();
    expect(await h.scheduler.drain(10)).toBe(true);
    h.scheduler.schedule('a', h.clock.t);
    h.scheduler.schedule('b', h.clock.t + 50);
    const drained = h.scheduler.drain(1_000);
    await h.clock.advance(100);
    await h.finish('a');
    await h.finish('b');
    expect(await drained).toBe(true);

    h.scheduler.schedule('stuck', h.clock.t);
    const timedOut = h.scheduler.drain(200);
    await h.clock.advance(200);
    expect(await timedOut).toBe(false);
    expect(h.scheduler.running).toBe(1);
  });

  it('reports a run that rejects and goes on with the others', async () => {
    const clock = new ManualClock();
    const errors: string[] = [];
    const ran: string[] = [];
    const scheduler = new KeyedScheduler<string>({
      concurrency: 1,
      clock,
      onError: (key, err) => errors.push(`${key}: ${(err as Error).message}`),
      run: async (key) => {
        ran.push(key);
        if (key === 'bad') throw new Error('disk full');
      },
    });
    scheduler.schedule('bad', clock.t);
    scheduler.schedule('good', clock.t);
    await clock.advance(10);
    expect(errors).toEqual(['bad: disk full']);
    expect(ran).toEqual(['bad', 'good']);
  });
});
