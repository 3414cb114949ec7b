// The explorer's hour of charts: minute buckets (counts summed, levels at their highest), the
// hour before dropped, and the `notified` step as notification delivery will write it.
import { describe, expect, it } from 'vitest';
import { MinuteSeries } from '../../origin-sync/minute-series.ts';
import { notifiedStep } from '../../origin-sync/store/trace.ts';

const T0 = Date.parse('2026-12-02T10:00:00Z');
const MIN = 60_000;

describe('MinuteSeries', () => {
  it('sums counts per minute and lines them up with the chart, zero where nothing happened', () => {
    const s = new MinuteSeries(['pushed', 'failed'] as const, 'sum');
    s.add(T0 + 5_000, { pushed: 1 });
    s.add(T0 + 50_000, { pushed: 2, failed: 1 });
    s.add(T0 + 2 * MIN + 1, { failed: 3 });
    expect(s.series(T0, T0 + 4 * MIN)).toEqual({ pushed: [3, 0, 0, 0], failed: [1, 0, 3, 0] });
  });

  it('keeps a level at its highest in the minute, and forgets minutes past the window', () => {
    const s = new MinuteSeries(['depth'] as const, 'max', 3);
    s.add(T0, { depth: 7 });
    s.add(T0 + 10_000, { depth: 2 });
    expect(s.series(T0, T0 + MIN).depth).toEqual([7]);
    s.add(T0 + 3 * MIN, { depth: 1 });
    // T0's minute is 3 minutes old: gone, though it is asked for.
    expect(s.series(T0, T0 + 4 * MIN).depth).toEqual([0, 0, 0, 1]);
  });
});

describe('notifiedStep', () => {
  it('says what a notification came to, with the error only when a delivery failed', () => {
    const base = { pageId: 'p', notificationId: 'n1', kind: 'incident_created', at: 'x' };
    expect(notifiedStep({ ...base, sent: 4, failed: 0, queued: 2, error: 'ignored' })).toEqual({
      step: 'notified',
      at: 'x',
      pageId: 'p',
      detail: 'incident_created n1: 4 sent, 2 queued',
    });
    expect(notifiedStep({ ...base, sent: 1, failed: 1, queued: 0, error: '550' })).toMatchObject({
      detail: 'incident_created n1: 1 sent, 1 failed',
      error: '550',
    });
  });
});
