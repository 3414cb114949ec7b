// The status page's bars are made from each service's uptime records in one pass when they come
// as page storage reads them (by service, then day). Records in another order, or a day recorded
// twice, must give the same page as the records a map by day would hold.
import { describe, expect, it } from 'vitest';
import { syntheticSnapshot } from '../../bench/lib/synthetic-page.ts';
import { planVariant } from '../../worker/render/documents.ts';
import { forgetRenderMemos } from '../../worker/render/memo.ts';

async function statusPage(snapshot: ReturnType<typeof syntheticSnapshot>, now: Date) {
  forgetRenderMemos();
  const doc = (await planVariant(snapshot, 'public', now)).find((d) => d.path === '/')!;
  return doc.render();
}

describe('uptime bars from records in any order', () => {
  it('prints the same page for sorted, shuffled and repeated-day records', async () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const base = syntheticSnapshot({ services: 12, incidents: 2, outageDays: 0.3 }, now);
    const sorted = await statusPage(base, now);
    expect(sorted).toContain('class="m"');

    // Reversed: every service's days newest first, services interleaved no more.
    const reversed = await statusPage({ ...base, uptime: [...base.uptime].reverse() }, now);
    expect(reversed).toEqual(sorted);

    // Each record preceded by an earlier record of its day that says something else: the
    // last record of a day is the one shown, in the sorted and the shuffled order alike.
    const stale = base.uptime.flatMap((d) => [
      { ...d, partialOutageSeconds: 0, majorOutageSeconds: 86_400 },
      d,
    ]);
    expect(await statusPage({ ...base, uptime: stale }, now)).toEqual(sorted);
    expect(await statusPage({ ...base, uptime: [...stale].reverse() }, now)).not.toEqual(sorted);
    const shuffled = stale
      .map((d, i) => ({ d, k: (i * 7919) % stale.length }))
      .sort((a, b) => a.k - b.k)
      .map(({ d }) => d);
    const lastOfDay = new Map(shuffled.map((d) => [`${d.serviceId}|${d.date}`, d]));
    const expected = await statusPage({ ...base, uptime: [...lastOfDay.values()] }, now);
    expect(await statusPage({ ...base, uptime: shuffled }, now)).toEqual(expected);
  });
});
