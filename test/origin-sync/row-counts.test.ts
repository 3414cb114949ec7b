// The counts /healthz and the start report come from `row_counts`, kept by the store one UPDATE
// per table per write call (counts.ts), never from COUNT(*) over a table that grows with
// history: they must equal the real counts through accepts, acks, dead letters, render
// confirmations, pruning, a write rolled back, a restart and the migration from the triggers
// that kept them before, and the reads must be index seeks, not scans.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { Applier } from '../../origin-sync/store/applier.ts';
import { COUNTED, countOf, RowCounts } from '../../origin-sync/store/counts.ts';
import { DATABASE_FILE, openDatabase } from '../../origin-sync/store/database.ts';
import { MIGRATIONS } from '../../origin-sync/store/schema.ts';
import { Store } from '../../origin-sync/store/store.ts';
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
      // The render watch counts the events its batch rows hold (counts.ts, countOf).
      Number((h.store.db.prepare(`SELECT (${countOf(t)}) AS n`).get() as { n: number }).n),
    ]),
  );
}

function keptCounts(h: StoreHarness): Record<string, number> {
  const counts = new RowCounts(h.store.db);
  return Object.fromEntries(COUNTED.map((t) => [t, counts.rows(t)]));
}

describe('row counts kept by the store', () => {
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

  it('stay exact through dead-letter retries and discards, a render given up and rolled-back writes', () => {
    const h = storeHarness();
    open.push(h);
    h.accept([pageEvent({ id: 'p', serviceIds: ['a', 'b'] }, 1, T)], T);
    const a = serviceEvent({ id: 'a' }, 2, T);
    const b = serviceEvent({ id: 'b' }, 2, T);
    h.accept([a, b], T);
    const fail = (eventIds: string[], attempt: number) =>
      h.record({
        kind: 'fail',
        at: T,
        pageId: 'p',
        eventIds,
        attempt,
        error: 'worker answered 400',
        deadLetter: 'the worker refuses this event',
      });
    fail([a.id, b.id], 1);
    expect(keptCounts(h)).toMatchObject({ outbox: 1, dead_letters: 2 });
    // Retried, it fails for good again: one dead letter, updated, not a second row.
    const tx = <T>(work: () => T): T => {
      h.store.db.exec('BEGIN');
      const v = work();
      h.store.db.exec('COMMIT');
      return v;
    };
    expect(tx(() => h.store.retryDeadLetter('p', a.id, T))).toBe(true);
    expect(keptCounts(h)).toEqual(realCounts(h));
    fail([a.id], 2);
    expect(tx(() => h.store.discardDeadLetter('p', b.id, T))).toBe(true);
    expect(keptCounts(h)).toEqual(realCounts(h));
    expect(h.store.deadLetterStats()).toEqual({ count: 1, pages: 1 });

    // Promised twice (each push's promise waits: a batch row each), then given up.
    const ack = (eventIds: string[], renderVersion: number) =>
      h.record({
        kind: 'ack',
        at: T,
        pushedAt: T,
        pageId: 'p',
        eventIds,
        attempt: 1,
        renderVersion,
        results: eventIds.map((id) => ({ id, outcome: 'applied' as const })),
      });
    const page = h.store.peek('p', 10).map((i) => i.eventId);
    ack(page, 3);
    ack(page, 4);
    expect(h.store.watchStats()).toMatchObject({ waiting: 2 * page.length, pages: 1 });
    expect(keptCounts(h)).toEqual(realCounts(h));
    h.record({ kind: 'render_fail', at: T, pageId: 'p', error: 'not published', giveUp: true });
    expect(keptCounts(h)).toEqual(realCounts(h));
    expect(h.store.watchStats()).toMatchObject({ waiting: 0, pages: 0 });

    // A write rolled back takes its counts with it.
    h.store.db.exec('BEGIN');
    h.store.accept([serviceEvent({ id: 'a' }, 3, T), serviceEvent({ id: 'c' }, 1, T)], T, T, T);
    h.store.db.exec('ROLLBACK');
    h.store.reloadWatermark();
    expect(keptCounts(h)).toEqual(realCounts(h));

    // An apply that throws half-way (the second event's body cannot be read back): the
    // applier rolls the whole slice back and applies the first event alone.
    const ok = serviceEvent({ id: 'a' }, 4, T);
    const bad = serviceEvent({ id: 'b' }, 4, T);
    h.store.db.exec('BEGIN');
    h.store.journal([ok, bad], T, T, T);
    h.store.db.exec('COMMIT');
    h.store.db.prepare('UPDATE events SET body = ? WHERE id = ?').run('{not json', bad.id);
    new Applier(h.store.db, h.store, {
      onApplied: () => {},
      onPoisoned: () => {},
      onFault: () => {},
    }).settle();
    expect(h.store.peek('p', 10).map((i) => i.eventId)).toContain(ok.id);
    expect(keptCounts(h)).toEqual(realCounts(h));
  });

  it('carry over from a database whose triggers kept them (schema version 5)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-counts-'));
    try {
      const old = new DatabaseSync(join(dir, DATABASE_FILE));
      for (const m of MIGRATIONS.slice(0, 5)) old.exec(m);
      old.exec('PRAGMA user_version = 5');
      old.exec(`
        INSERT INTO events (id, type, body, received_at, validated_at, journaled_at)
          VALUES ('e1', 'service.upserted', '{}', 1, 1, 1), ('e2', 'service.upserted', '{}', 2, 2, 2);
        INSERT INTO entities (key, kind, version, event_seq, deleted) VALUES ('service:a', 'service', 1, 2, 0);
        INSERT INTO outbox (page_id, event_seq, enqueued_at) VALUES ('p', 1, 1), ('p', 2, 2), ('q', 1, 3);
        DELETE FROM outbox WHERE event_seq = 1;
        INSERT INTO render_watch (page_id, event_id, version, since) VALUES ('p', 'e1', 1, 1);
        INSERT INTO steps (event_id, page_id, step, at) VALUES ('e1', 'p', 'fanned_out', 1);`);
      old.close();

      const store = new Store(openDatabase(dir));
      const db = store.db;
      try {
        expect(db.prepare('PRAGMA user_version').get()).toEqual({
          user_version: MIGRATIONS.length,
        });
        const names = (type: string) =>
          (
            db.prepare('SELECT name FROM sqlite_schema WHERE type = ?').all(type) as {
              name: string;
            }[]
          ).map((r) => r.name);
        expect(names('trigger')).toEqual([]);
        for (const gone of ['steps_at', 'events_journaled', 'request_events_seq']) {
          expect(names('index')).not.toContain(gone);
        }
        expect(store.counts()).toMatchObject({ events: 2, entities: 1 });
        expect(store.outboxStats()).toMatchObject({ depth: 1, pages: 1 });
        // The outbox rebuilt by event (schema 9) keeps its seqs and never hands out one used.
        expect(db.prepare('SELECT seq, event_seq FROM outbox').all()).toEqual([
          { seq: 2, event_seq: 2 },
        ]);
        expect(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get()).toEqual({
          seq: 3,
        });
        expect(store.watchStats()).toMatchObject({ waiting: 1, pages: 1 });
        expect(store.trace('e1')?.steps.map((s) => s.step)).toEqual([
          'received',
          'validated',
          'journaled',
          'fanned_out',
        ]);
        // A promise made before pushes were rows (schema 10) is still confirmed event by event.
        db.exec('BEGIN');
        store.record({ kind: 'rendered', at: 5, pageId: 'p', version: 1, renderedAt: 4 });
        db.exec('COMMIT');
        expect(store.trace('e1')?.steps.slice(-1)).toEqual([
          { step: 'rendered', at: new Date(4).toISOString(), pageId: 'p', renderVersion: 1 },
        ]);
        expect(store.watchStats()).toMatchObject({ waiting: 0, pages: 0 });
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
    // Retention's questions of each old event (store.ts, pruneEvents): seeks, not scans.
    const stillNeeded = plan(
      `SELECT seq FROM events ev WHERE seq < 10
          AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_seq = ev.seq)
          AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.event_seq = ev.seq)`,
    );
    expect(stillNeeded).toMatch(/SEARCH o USING COVERING INDEX \S+ \(event_seq=\?\)/);
    expect(stillNeeded).toMatch(
      /SEARCH d USING COVERING INDEX dead_letters_event \(event_seq=\?\)/,
    );
    expect(stillNeeded).not.toMatch(/SCAN (o|d)\b/);
    // An ack's dequeue by (page, seq) still seeks the pair.
    expect(
      plan(
        "DELETE FROM outbox WHERE page_id = 'p' AND event_seq IN (SELECT value FROM json_each('[1]'))",
      ),
    ).toMatch(/SEARCH outbox USING COVERING INDEX \S+ \(event_seq=\? AND page_id=\?\)/);
  });
});
