// Documents a render replaced or dropped, kept in KV until nobody can still ask for them, then
// deleted. A document's content key (store/pointer.ts) is named only by pointers, and a
// location may keep serving an older pointer for a while: its memo is fresh for a second, the
// Cache API keeps one five minutes as a fallback, and KV's copy of the pointer can be a minute
// or more behind. RETAIN_MS is well past all of those. A key that becomes current again (a
// change undone) is taken off the list.
export const RETAIN_MS = 10 * 60_000;
/** Deletes in one pass; the rest wait for the next (KV allows 1,000 operations per call). */
export const COLLECT_BATCH = 200;

type Row = Record<string, SqlStorageValue>;

export class RetiredDocuments {
  readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(
      'CREATE TABLE IF NOT EXISTS retired_docs (key TEXT PRIMARY KEY, retired_at INTEGER NOT NULL)',
    );
    sql.exec('CREATE INDEX IF NOT EXISTS retired_docs_by_time ON retired_docs (retired_at)');
  }

  retire(key: string, at: number): void {
    this.sql.exec('INSERT OR IGNORE INTO retired_docs (key, retired_at) VALUES (?, ?)', key, at);
  }

  /** The key is current again. */
  revive(key: string): void {
    this.sql.exec('DELETE FROM retired_docs WHERE key = ?', key);
  }

  /** Keys nobody can ask for any more at `now`, oldest first. */
  due(now: number, limit = COLLECT_BATCH): string[] {
    return this.sql
      .exec<Row>(
        'SELECT key FROM retired_docs WHERE retired_at <= ? ORDER BY retired_at LIMIT ?',
        now - RETAIN_MS,
        limit,
      )
      .toArray()
      .map((r) => String(r.key));
  }

  /** When the next key becomes collectable (null: none retired). */
  nextDueAt(): number | null {
    const row = this.sql.exec<Row>('SELECT MIN(retired_at) AS at FROM retired_docs').toArray()[0];
    return row?.at === null || row?.at === undefined ? null : Number(row.at) + RETAIN_MS;
  }

  forget(key: string): void {
    this.sql.exec('DELETE FROM retired_docs WHERE key = ?', key);
  }

  count(): number {
    return Number(this.sql.exec<Row>('SELECT COUNT(*) AS n FROM retired_docs').one().n);
  }
}
