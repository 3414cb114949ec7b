// Row counts that /healthz, the explorer's charts and the start report, kept in `row_counts` so
// no read ever runs COUNT(*) over a table that grows with history: at 9 M events one count takes
// over a second of the (synchronous) event loop, and the start's health check would pay it
// every time.
//
// Until migration 6 triggers kept them, one `UPDATE row_counts` per row inserted or deleted:
// about six per event (events, outbox in and out, render watch in and out, the entity), each a
// trigger program of its own. Now the store adds up what each of its write calls changed (the
// statements' `changes`) and writes one UPDATE per table at the end of that call, inside the
// same transaction or savepoint as the rows themselves: a call that commits commits its counts,
// one that throws or rolls back takes them with it, so they stay exact across crashes. Any
// writer of a counted table must therefore go through `note` (the store) or `recountRows`.
//
// "Which pages have something" is answered by a skip-scan over the page index instead (one
// index seek per distinct page, not one step per row): work proportional to pages, never to
// how many events wait for them.
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** The tables counted, each by a row in `row_counts` of the same name. */
export const COUNTED = ['events', 'entities', 'outbox', 'render_watch', 'dead_letters'] as const;
export type Counted = (typeof COUNTED)[number];

/** Its own migration step, appended to MIGRATIONS in schema.ts. */
export const COUNTS_MIGRATION = `
  CREATE TABLE row_counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  ${COUNTED.map(
    (t) => `
  INSERT INTO row_counts (name, n) SELECT '${t}', count(*) FROM ${t};
  CREATE TRIGGER ${t}_counted_in AFTER INSERT ON ${t}
    BEGIN UPDATE row_counts SET n = n + 1 WHERE name = '${t}'; END;
  CREATE TRIGGER ${t}_counted_out AFTER DELETE ON ${t}
    BEGIN UPDATE row_counts SET n = n - 1 WHERE name = '${t}'; END;`,
  ).join('')}
  -- The oldest unconfirmed render, for /healthz and the explorer's chart, by index.
  CREATE INDEX render_watch_since ON render_watch (since);
`;

/**
 * Migration 6: the counts are the store's to keep (RowCounts.note / flush), not triggers'.
 * They were exact when this runs (the triggers kept them until now), so nothing is recounted.
 */
export const COUNTS_IN_STORE_MIGRATION = COUNTED.map(
  (t) => `
  DROP TRIGGER ${t}_counted_in;
  DROP TRIGGER ${t}_counted_out;`,
).join('');

/**
 * Counts every counted table afresh: for a writer that went around the store (the one-time
 * import of the old journal, whose INSERT OR REPLACEs delete rows without saying so).
 */
export function recountRows(db: DatabaseSync): void {
  for (const t of COUNTED) {
    db.prepare(`UPDATE row_counts SET n = (${countOf(t)}) WHERE name = ?`).run(t);
  }
}

/** What a counted table's count is: its rows, or for the render watch (a row per batch) its events. */
export function countOf(table: Counted): string {
  return table === 'render_watch'
    ? 'SELECT coalesce(sum(events), 0) FROM render_watch'
    : `SELECT count(*) FROM ${table}`;
}

/** The distinct values of an indexed leading column, one index seek each (a skip-scan). */
function skipScan(table: string, column: string): string {
  return `WITH RECURSIVE k(v) AS (
      SELECT (SELECT ${column} FROM ${table} ORDER BY ${column} LIMIT 1)
      UNION ALL
      SELECT (SELECT ${column} FROM ${table} WHERE ${column} > k.v ORDER BY ${column} LIMIT 1)
        FROM k WHERE k.v IS NOT NULL)
    SELECT v FROM k WHERE v IS NOT NULL`;
}

export class RowCounts {
  readonly #count: StatementSync;
  readonly #add: StatementSync;
  /** Rows added (negative: removed) by the write call in progress, not written yet. */
  readonly #pending = new Map<Counted, number>();
  #depth = 0;
  readonly #pages: Record<'outbox' | 'render_watch' | 'dead_letters', StatementSync>;
  readonly #pageCount: Record<'outbox' | 'render_watch' | 'dead_letters', StatementSync>;

  constructor(db: DatabaseSync) {
    this.#count = db.prepare('SELECT n FROM row_counts WHERE name = ?');
    this.#add = db.prepare('UPDATE row_counts SET n = n + ? WHERE name = ?');
    const tables = ['outbox', 'render_watch', 'dead_letters'] as const;
    const pages = (t: string) => db.prepare(skipScan(t, 'page_id'));
    const count = (t: string) =>
      db.prepare(`SELECT count(*) AS n FROM (${skipScan(t, 'page_id')})`);
    this.#pages = {
      outbox: pages(tables[0]),
      render_watch: pages(tables[1]),
      dead_letters: pages(tables[2]),
    };
    this.#pageCount = {
      outbox: count(tables[0]),
      render_watch: count(tables[1]),
      dead_letters: count(tables[2]),
    };
  }

  /** Rows in the table, as kept (with what the write call in progress changed so far). */
  rows(table: Counted): number {
    const row = this.#count.get(table) as { n: number } | undefined;
    return Number(row?.n ?? 0) + (this.#pending.get(table) ?? 0);
  }

  /** A statement of the write call in progress added `delta` rows (negative: removed them). */
  note(table: Counted, delta: number | bigint): void {
    const n = Number(delta);
    if (n !== 0) this.#pending.set(table, (this.#pending.get(table) ?? 0) + n);
  }

  /**
   * Runs one write call and then writes what it changed, one UPDATE per table, in the same
   * transaction; if it throws, its notes are dropped with the rows its rollback undoes.
   */
  counted<T>(work: () => T): T {
    // Nested calls (accept = journal + applyPending) write once, at the outermost.
    if (this.#depth > 0) return work();
    this.#depth++;
    try {
      const value = work();
      for (const [table, n] of this.#pending) if (n !== 0) this.#add.run(n, table);
      return value;
    } finally {
      this.#pending.clear();
      this.#depth--;
    }
  }

  /** The pages with at least one row in a per-page table. */
  pages(table: 'outbox' | 'render_watch' | 'dead_letters'): string[] {
    return (this.#pages[table].all() as { v: string }[]).map((r) => r.v);
  }

  pageCount(table: 'outbox' | 'render_watch' | 'dead_letters'): number {
    return Number((this.#pageCount[table].get() as { n: number }).n);
  }
}
