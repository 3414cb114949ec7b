import { describe, expect, it } from 'vitest';
import {
  dayInZone,
  formatDateTime,
  formatDay,
  formatDuration,
  formatRelative,
  nextMidnight,
} from '../../worker/domain/time.ts';

describe('times in the page zone', () => {
  it('formats absolute times with the zone named', () => {
    expect(formatDateTime('2026-11-21T10:00:00Z', 'Europe/Paris', 'en-GB')).toBe(
      '21 Nov 2026, 11:00 CET',
    );
    expect(formatDateTime('2026-07-01T10:00:00Z', 'America/New_York', 'en-US')).toBe(
      'Jul 1, 2026, 6:00 AM EDT',
    );
  });

  it('knows which calendar day an instant is in each zone', () => {
    const at = new Date('2026-11-21T23:30:00Z');
    expect(dayInZone(at, 'UTC')).toBe('2026-11-21');
    expect(dayInZone(at, 'Asia/Tokyo')).toBe('2026-11-22');
    expect(dayInZone(at, 'America/Los_Angeles')).toBe('2026-11-21');
  });

  it('finds the next local midnight, across DST changes', () => {
    expect(new Date(nextMidnight(new Date('2026-11-21T12:00:00Z'), 'UTC')).toISOString()).toBe(
      '2026-11-22T00:00:00.000Z',
    );
    expect(
      new Date(nextMidnight(new Date('2026-11-21T12:00:00Z'), 'Asia/Tokyo')).toISOString(),
    ).toBe('2026-11-21T15:00:00.000Z');
    // Europe/Paris leaves summer time on 2026-10-25 at 03:00 local.
    expect(
      new Date(nextMidnight(new Date('2026-10-24T12:00:00Z'), 'Europe/Paris')).toISOString(),
    ).toBe('2026-10-24T22:00:00.000Z');
    expect(
      new Date(nextMidnight(new Date('2026-10-25T12:00:00Z'), 'Europe/Paris')).toISOString(),
    ).toBe('2026-10-25T23:00:00.000Z');
  });

  it('formats days, durations and relative times', () => {
    expect(formatDay('2026-11-03', 'en-US')).toBe('Nov 3, 2026');
    expect(formatDuration(125 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(20_000)).toBe('less than a minute');
    expect(formatDuration(26 * 3_600_000)).toBe('1 d 2 h');
    const now = new Date('2026-11-21T12:00:00Z');
    expect(formatRelative('2026-11-21T11:55:00Z', now, 'en')).toBe('5 minutes ago');
    expect(formatRelative('2026-11-20T12:00:00Z', now, 'en')).toBe('yesterday');
  });
});
