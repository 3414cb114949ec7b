import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  DEFAULT_TIMING,
  renderDueAt,
  type ScheduleState,
  shouldRender,
  timingFromEnv,
} from '../../worker/coordinator/schedule.ts';

/** The debounce and maximum wait alone, as everything after a leading-edge render sees them. */
const t = { ...DEFAULT_TIMING, quietMs: null };
const clean: ScheduleState = {
  dirty: false,
  firstDirtyAt: null,
  lastChangeAt: null,
  lastFlushAt: null,
  retryAt: null,
  nextBoundary: null,
  hostRecheckAt: null,
};
const T0 = 1_800_000_000_000;

describe('renderDueAt', () => {
  it('has nothing to do for a clean page with no boundary ahead', () => {
    expect(renderDueAt(clean, t)).toBeNull();
  });

  it('renders a debounce window after a single change', () => {
    const s = { ...clean, dirty: true, firstDirtyAt: T0, lastChangeAt: T0 };
    expect(renderDueAt(s, t)).toBe(T0 + 250);
  });

  it('never waits longer than the maximum after the first unrendered change', () => {
    const s = { ...clean, dirty: true, firstDirtyAt: T0, lastChangeAt: T0 + 1900 };
    expect(renderDueAt(s, t)).toBe(T0 + 2000);
  });

  it('keeps a second between two renders (one KV write per key per second)', () => {
    const s = { ...clean, dirty: true, firstDirtyAt: T0, lastChangeAt: T0, lastFlushAt: T0 - 100 };
    expect(renderDueAt(s, t)).toBe(T0 + 900);
  });

  it('waits for the backoff after a failure', () => {
    const s = { ...clean, dirty: true, firstDirtyAt: T0, lastChangeAt: T0, retryAt: T0 + 4000 };
    expect(renderDueAt(s, t)).toBe(T0 + 4000);
  });

  it('wakes a clean page at the next clock boundary', () => {
    expect(renderDueAt({ ...clean, nextBoundary: T0 + 3_600_000 }, t)).toBe(T0 + 3_600_000);
  });
});

describe('shouldRender', () => {
  it('refuses an alarm that fires before the render is due', () => {
    const s = { ...clean, dirty: true, firstDirtyAt: T0, lastChangeAt: T0 };
    expect(shouldRender(s, t, T0 + 100)).toBe(false);
    expect(shouldRender(s, t, T0 + 250)).toBe(true);
    expect(shouldRender(clean, t, T0)).toBe(false);
  });

  it('turns 1,000 events spread over one second into a single render', () => {
    // Batches of 50 every 50 ms for one second; an alarm loop that renders when due.
    let s: ScheduleState = clean;
    let renders = 0;
    const arrivals = Array.from({ length: 20 }, (_, i) => T0 + i * 50);
    for (let now = T0; now <= T0 + 5000; now += 10) {
      if (arrivals.includes(now)) {
        s = { ...s, dirty: true, firstDirtyAt: s.firstDirtyAt ?? now, lastChangeAt: now };
      }
      if (shouldRender(s, t, now)) {
        renders += 1;
        s = { ...s, dirty: false, firstDirtyAt: null, lastFlushAt: now };
      }
    }
    expect(renders).toBe(1);
  });

  it('renders a steady stream at most every maximum wait, never twice within a second', () => {
    let s: ScheduleState = clean;
    const renderTimes: number[] = [];
    for (let now = T0; now <= T0 + 10_000; now += 10) {
      if ((now - T0) % 100 === 0) {
        s = { ...s, dirty: true, firstDirtyAt: s.firstDirtyAt ?? now, lastChangeAt: now };
      }
      if (shouldRender(s, t, now)) {
        renderTimes.push(now);
        s = { ...s, dirty: false, firstDirtyAt: null, lastFlushAt: now };
      }
    }
    expect(renderTimes[0]).toBe(T0 + 2000);
    expect(renderTimes.length).toBe(4);
    for (let i = 1; i < renderTimes.length; i++) {
      expect(renderTimes[i]! - renderTimes[i - 1]!).toBeGreaterThanOrEqual(1000);
      expect(renderTimes[i]! - renderTimes[i - 1]!).toBeLessThanOrEqual(2100);
    }
  });

  it('turns 10,000 events over 10 s into at most 10 renders (11 with the leading edge), each a second after the last write', () => {
    // The coalescing benchmark's storm: a batch of 50 every 50 ms for 10 s. Each render spends
    // 80 ms writing KV while batches keep arriving; like the coordinator, a render marks its
    // start as the last flush and clears the first unrendered change, and marks its end again.
    const RENDER_MS = 80;
    for (const timing of [t, DEFAULT_TIMING]) {
      let s: ScheduleState = clean;
      const renders: { start: number; end: number }[] = [];
      const arrivals: number[] = [];
      for (let now = T0; now <= T0 + 15_000; now += 10) {
        if (now - T0 < 10_000 && (now - T0) % 50 === 0) {
          s = { ...s, dirty: true, firstDirtyAt: s.firstDirtyAt ?? now, lastChangeAt: now };
          arrivals.push(now);
        }
        const current = renders.at(-1);
        if (current && now === current.end) s = { ...s, lastFlushAt: now };
        const busy = current !== undefined && now < current.end;
        if (!busy && shouldRender(s, timing, now)) {
          renders.push({ start: now, end: now + RENDER_MS });
          s = { ...s, dirty: false, firstDirtyAt: null, lastFlushAt: now };
        }
      }
      expect(renders.length).toBeLessThanOrEqual(timing.quietMs === null ? 10 : 11);
      // With the leading edge the storm's first batch renders at once.
      if (timing.quietMs !== null) expect(renders[0]!.start).toBe(T0);
      for (let i = 1; i < renders.length; i++) {
        expect(renders[i]!.start - renders[i - 1]!.end).toBeGreaterThanOrEqual(1000);
      }
      // Coalescing never starves the page: every batch is in a render that starts within the
      // maximum wait (a render includes what arrived up to its start).
      for (const at of arrivals) {
        const next = renders.find((r) => r.start >= at);
        expect(next).toBeDefined();
        expect(next!.start - at).toBeLessThanOrEqual(t.maxWaitMs);
      }
    }
  });
});

describe('the leading edge', () => {
  it('renders the first change after 2 s without a render at once', () => {
    const first = { ...clean, dirty: true, firstDirtyAt: T0, lastChangeAt: T0 };
    expect(renderDueAt(first, DEFAULT_TIMING)).toBe(T0);
    const quiet = { ...first, lastFlushAt: T0 - 2000 };
    expect(renderDueAt(quiet, DEFAULT_TIMING)).toBe(T0);
  });

  it('debounces a change that comes within 2 s of the last render, a second after it at the earliest', () => {
    const s = { ...clean, dirty: true, firstDirtyAt: T0, lastChangeAt: T0, lastFlushAt: T0 - 1999 };
    expect(renderDueAt(s, DEFAULT_TIMING)).toBe(T0 + 250);
    const soon = { ...s, lastFlushAt: T0 - 100 };
    expect(renderDueAt(soon, DEFAULT_TIMING)).toBe(T0 + 900);
  });

  it('is off with RENDER_LEADING_EDGE=off', () => {
    const timing = timingFromEnv({ RENDER_LEADING_EDGE: 'off' });
    expect(timing.quietMs).toBeNull();
    const first = { ...clean, dirty: true, firstDirtyAt: T0, lastChangeAt: T0 };
    expect(renderDueAt(first, timing)).toBe(T0 + 250);
  });
});

describe('backoff and configuration', () => {
  it('backs off 1 s, 2 s, 4 s … up to a minute', () => {
    expect([1, 2, 3, 4, 10].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 60_000]);
  });

  it('reads timing from the environment, ignoring nonsense', () => {
    expect(timingFromEnv({})).toEqual(DEFAULT_TIMING);
    expect(timingFromEnv({ RENDER_DEBOUNCE_MS: '100', RENDER_MAX_WAIT_MS: '900' })).toMatchObject({
      debounceMs: 100,
      maxWaitMs: 900,
    });
    expect(timingFromEnv({ RENDER_DEBOUNCE_MS: 'soon', RENDER_MAX_WAIT_MS: '-1' })).toEqual(
      DEFAULT_TIMING,
    );
  });
});
