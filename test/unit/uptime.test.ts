import { describe, expect, it } from 'vitest';
import {
  barLevel,
  dayUptime,
  formatPercent,
  indexUptime,
  serviceUptime,
  windowDays,
} from '../../worker/domain/uptime.ts';

describe('uptime', () => {
  it('weighs major outage fully and partial outage at 30%', () => {
    expect(dayUptime(0, 0)).toBe(1);
    expect(dayUptime(0, 86_400)).toBe(0);
    expect(dayUptime(86_400, 0)).toBeCloseTo(0.7);
    expect(dayUptime(0, 8_640)).toBeCloseTo(0.9);
  });

  it('colours a day by its worst outage', () => {
    expect(barLevel(0, 0)).toBe('ok');
    expect(barLevel(10, 0)).toBe('partial');
    expect(barLevel(10, 1)).toBe('major');
  });

  it('spans 90 calendar days ending today, oldest first, across month ends', () => {
    const days = windowDays('2026-03-01');
    expect(days).toHaveLength(90);
    expect(days.at(-1)).toBe('2026-03-01');
    expect(days.at(-2)).toBe('2026-02-28');
    expect(days[0]).toBe('2025-12-02');
  });

  it('averages the window and counts days without records as up', () => {
    const days = windowDays('2026-11-21', 10);
    const index = indexUptime([
      { serviceId: 's', date: '2026-11-20', partialOutageSeconds: 0, majorOutageSeconds: 86_400 },
    ]);
    const up = serviceUptime(index.get('s'), days);
    expect(up.uptime).toBeCloseTo(0.9);
    expect(up.bars[8]).toEqual({ date: '2026-11-20', level: 'major', uptime: 0 });
    expect(serviceUptime(undefined, days).uptime).toBe(1);
  });

  it('indexes one record a day per service, a repeated day read from its last record', () => {
    const rec = (serviceId: string, date: string, major: number) => ({
      serviceId,
      date,
      partialOutageSeconds: 0,
      majorOutageSeconds: major,
    });
    // As page storage reads them (by service, then day), with one day recorded twice.
    const sorted = indexUptime([
      rec('a', '2026-11-01', 1),
      rec('a', '2026-11-02', 2),
      rec('a', '2026-11-02', 3),
      rec('a', '2026-11-05', 4),
      rec('b', '2026-11-01', 5),
    ]);
    expect(sorted.get('a')?.map((d) => [d.date, d.majorOutageSeconds])).toEqual([
      ['2026-11-01', 1],
      ['2026-11-02', 3],
      ['2026-11-05', 4],
    ]);
    expect(sorted.get('b')?.map((d) => d.majorOutageSeconds)).toEqual([5]);
    expect(sorted.get('c')).toBeUndefined();
    // Out of order, a service's days interleaved with another's: what a map by day holds,
    // each day where it first appeared and from its last record.
    const unsorted = indexUptime([
      rec('a', '2026-11-05', 1),
      rec('b', '2026-11-01', 2),
      rec('a', '2026-11-01', 3),
      rec('a', '2026-11-05', 4),
      rec('b', '2026-11-03', 5),
      rec('a', '2026-11-02', 6),
      rec('a', '2026-11-01', 7),
    ]);
    expect(unsorted.get('a')?.map((d) => [d.date, d.majorOutageSeconds])).toEqual([
      ['2026-11-05', 4],
      ['2026-11-01', 7],
      ['2026-11-02', 6],
    ]);
    expect(unsorted.get('b')?.map((d) => d.majorOutageSeconds)).toEqual([2, 5]);
  });

  it('never rounds an outage up to 100%', () => {
    expect(formatPercent(0.99999)).toBe('99.99%');
    expect(formatPercent(1)).toBe('100.00%');
    expect(formatPercent(0.5)).toBe('50.00%');
  });
});
