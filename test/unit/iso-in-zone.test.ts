import { describe, expect, it } from 'vitest';
import { isoInZone } from '../../worker/domain/time.ts';

describe('isoInZone', () => {
  it('writes the same instant with the zone’s offset at that instant, across DST', () => {
    const cases: [string, string, string][] = [
      ['2026-11-21T10:00:00Z', 'Europe/Paris', '2026-11-21T11:00:00.000+01:00'],
      ['2026-07-01T10:00:00.123Z', 'America/New_York', '2026-07-01T06:00:00.123-04:00'],
      // 01:30 UTC on the spring-forward night is 03:30 in Paris, already summer time.
      ['2026-03-29T01:30:00Z', 'Europe/Paris', '2026-03-29T03:30:00.000+02:00'],
      ['2026-03-29T00:59:59Z', 'Europe/Paris', '2026-03-29T01:59:59.000+01:00'],
      ['2026-11-21T10:00:00Z', 'Asia/Kolkata', '2026-11-21T15:30:00.000+05:30'],
      ['2026-11-21T10:00:00+05:00', 'UTC', '2026-11-21T05:00:00.000Z'],
      ['2026-11-21T23:30:00Z', 'Pacific/Auckland', '2026-11-22T12:30:00.000+13:00'],
    ];
    for (const [input, zone, expected] of cases) {
      expect(isoInZone(input, zone), `${input} in ${zone}`).toBe(expected);
      expect(Date.parse(expected)).toBe(Date.parse(input));
    }
  });
});
