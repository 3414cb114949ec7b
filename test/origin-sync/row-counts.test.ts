// The counts /healthz and the start report come from rows the triggers keep (counts.ts), never
// from COUNT(*) over a table that grows with history: they must equal the real counts through
// accepts, acks, dead letters, render confirmations, pruning and a restart, and the reads must
// be index seeks, not scans.
import { afterEach, describe, expect, it } from 'vitest';
import { COUNTED, RowCounts } from '../../origin-sync/store/counts.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import { type StoreHarness, storeHarness } from '../support/store-harness.ts';

const T = Date.parse('2026-11-21T10:00:00Z');
const open: StoreHarness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.close();
});

function realCounts(h: StoreHarness): Record<string, number> {
  return Object.fromEntries(
    COUNTED.map((t) => [
      t,
      Number((h.store.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n),
    ]),
  );
}

function keptCounts(h: StoreHarness): Record<string, number> {
  const counts = new RowCounts(h.store.db);
  return Object.fromEntries(COUNTED.map((t) => [t, counts.rows(t)]));
}

describe('row counts kept by triggers', () => {
  it('equal COUNT(*) through accepts, acks, dead letters, renders, pruning and a restart', () => {
    const h = storeHarness();
    open.push(h);
    const old = T - 8 * 86_400_000;
    const pages = ['p1', 'p2', 'p3'].map((id) => pageEvent({ id, serviceIds: ['a'] }));
    const svc = serviceEvent({ id: 'a' });
    const inc = incidentEvent({ id: 'i1', serviceIds: ['a'] });
    h.accept([...pages, svc, inc, svc], old);
    // An upsert of a known entity adds no entity row.
    h.accept([serviceEvent({ id: 'a' }, 2)], old);
    expect(keptCounts(h)).toEqual(realCounts(h));

    const queued = h.store.peek('p1', 100).map((i) => i.eventId);
    h.record({
      kind: 'ack',
      at: old,
      pushedAt: old,
      pageId: 'p1',
      eventIds: queued,
      attempt: 1,
      renderVersion: 7,
      results: queued.map((id) => ({ id, outcome: 'applied' as const })),
    });
    h.record({
      kind: 'fail',
      at: old,
      pageId: 'p2',
      eventIds: h.store.peek('p2', 1).map((i) => i.eventId),
      attempt: 1,
      error: 'worker answered 400',
      deadLetter: 'the worker refuses this event',
    });
    expect(keptCounts(h)).toEqual(realCounts(h));
    expect(h.store.watchStats()).toMatchObject({ waiting: queued.length, pages: 1 });
    expect(h.store.deadLetterStats()).toEqual({ count: 1, pages: 1 });
    expect(h.store.outboxStats()).toMatchObject({ pages: 2 });

    h.record({ kind: 'rendered', at: T, pageId: 'p1', version: 7, renderedAt: T });
    h.store.db.exec('BEGIN');
    expect(h.store.prune(T, { maxAgeMs: 7 * 86_400_000, maxBytes: 2 * 1024 ** 3 })).toBeGreaterThan(
      0,
    );
    h.store.db.exec('COMMIT');
    h.reopen();
    expect(keptCounts(h)).toEqual(realCounts(h));
    expect(h.store.counts()).toMatchObject({
      events: realCounts(h).events,
      entities: realCounts(h).entities,
      pages: 3,
    });
    expect(h.store.watchStats()).toEqual({ waiting: 0, pages: 0, oldestSince: null });
  });

  it('reads counts and the pages with work by index seeks, never a scan of a table', () => {
    const h = storeHarness();
    open.push(h);
    const db = h.store.db;
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((r) => r.detail)
        .join('\n');
    expect(plan("SELECT n FROM row_counts WHERE name = 'events'")).toMatch(/^SEARCH row_counts/);
    // In since order and LIMIT 1: the first entry of the index, not every row.
    expect(plan('SELECT since FROM render_watch ORDER BY since LIMIT 1')).toMatch(
      /USING COVERING INDEX render_watch_since/,
    );
    // The skip-scan: each step of the recursion is one seek on the page index.
    const step = plan(
      'SELECT (SELECT page_id FROM outbox WHERE page_id > ? ORDER BY page_id LIMIT 1)',
    );
    expect(step).toMatch(/SEARCH outbox USING (COVERING )?INDEX outbox_page \(page_id>\?\)/);
  });
});
