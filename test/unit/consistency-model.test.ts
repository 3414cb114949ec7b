// Freshness worldwide, against a model of KV's and the Cache API's consistency
// (test/support/consistency-model.ts, docs/freshness.md): after a publish every location serves
// the new render within 2 s, and no location ever goes back to an older one. The design before
// the render pointer (the version from `ver:<pageId>` in KV) is run through the same schedules
// to show that it does not.
import { describe, expect, it, vi } from 'vitest';
import {
  type Design,
  quantile,
  runSchedule,
  type ScheduleOptions,
} from '../support/consistency-model.ts';

const SCHEDULES = 20;

async function over(design: Design, options: ScheduleOptions = {}, schedules = SCHEDULES) {
  const freshness: number[] = [];
  let flaps = 0;
  let unanswered = 0;
  let requests = 0;
  for (let seed = 1; seed <= schedules; seed++) {
    const r = await runSchedule(seed, design, options);
    freshness.push(...r.freshnessMs);
    flaps += r.flaps;
    unanswered += r.unanswered;
    requests += r.requests;
  }
  const figures = {
    p50: Math.round(quantile(freshness, 0.5)),
    p99: Math.round(quantile(freshness, 0.99)),
    worst: Math.round(Math.max(...freshness)),
    flaps,
    unanswered,
    requests,
  };
  console.log(JSON.stringify({ design, ...options, ...figures }));
  return figures;
}

describe('freshness in every location (consistency model)', () => {
  it('serves a new render everywhere within 2 s (p99), and never an older one after a newer', async () => {
    const f = await over('pointer');
    expect(f.p99).toBeLessThanOrEqual(2000);
    expect(f.flaps).toBe(0);
    expect(f.unanswered).toBe(0);
  });

  it('is what the version read from KV could not do: up to two minutes stale', async () => {
    const f = await over('kv-version');
    expect(f.p99).toBeGreaterThan(2000);
    expect(f.worst).toBeGreaterThan(30_000);
  });

  it('still serves every page while the coordinator is unreachable a third of the time', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const f = await over('pointer', { unreachableShare: 1 / 3 }, 8);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
    expect(f.flaps).toBe(0);
    expect(f.unanswered).toBe(0);
  });
});
