// The delivery queue under load, inside workerd: a notification to many subscribers is one row
// when it is decided and becomes delivery rows in bounded chunks as it is leased; leases go
// round-robin over pages, so one page's backlog never holds up another's.
import { describe, expect, it } from 'vitest';
import { incidentEvent } from '../support/events.ts';
import {
  confirmedSubscribers,
  lease,
  report,
  subscribablePage,
  T0,
} from './support/subscriptions.ts';

describe('1,000 subscribers on two pages', () => {
  it('are leased in chunks, round-robin over the pages, each exactly once', async () => {
    const big = await subscribablePage('page_scale_big', 'scale-big.example');
    const small = await subscribablePage('page_scale_small', 'scale-small.example');
    await confirmedSubscribers(big, 'scale-big.example', 600, 'big');
    await confirmedSubscribers(small, 'scale-small.example', 400, 'small');
    await big.sync([incidentEvent({ id: 'inc_big', serviceIds: ['api'] }, 1, T0)]);
    await small.sync([incidentEvent({ id: 'inc_small', serviceIds: ['api'] }, 1, T0)]);

    const seen = new Map<string, string>();
    const perLease: { big: number; small: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const leased = await lease(100);
      if (leased.length === 0) break;
      expect(leased.length).toBeLessThanOrEqual(100);
      perLease.push({
        big: leased.filter((d) => d.pageId === 'page_scale_big').length,
        small: leased.filter((d) => d.pageId === 'page_scale_small').length,
      });
      for (const d of leased) {
        expect(seen.has(d.id), `${d.id} leased twice`).toBe(false);
        if (d.channel !== 'email') throw new Error('expected emails');
        seen.set(d.id, d.email.to);
      }
      await report(leased);
    }
    expect(seen.size).toBe(1000);
    expect(new Set(seen.values()).size).toBe(1000);
    // While both pages have work, every lease serves both.
    for (const l of perLease.slice(0, 8)) expect(l).toEqual({ big: 50, small: 50 });
    expect(perLease.reduce((n, l) => n + l.big, 0)).toBe(600);
    expect(perLease.reduce((n, l) => n + l.small, 0)).toBe(400);
  });
});
