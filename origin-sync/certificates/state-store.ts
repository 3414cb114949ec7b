// Where the certificate updater's state lives: two tables of origin-sync's database
// (migration 4 in origin-sync/store/schema.ts), a row per page (the hostnames it claims) and a
// row per hostname (its record), each as JSON checked by zod when read. The updater keeps the
// whole state in memory (it is small: a few rows per page with a custom hostname) and saves
// it here after every change; a save writes only the rows that differ from what it last
// wrote, in origin-sync's group commit, so it costs no fsync of its own.
import type { StatementSync } from 'node:sqlite';
import type { ExtensionStorage } from '../extensions.ts';
import { errorMessage, type Logger, silentLogger } from '../log.ts';
import { type DesiredState, PageEntry } from './desired-state.ts';
import { HostnameState } from './hostname-state.ts';

/** A table's rows as last written: key → JSON ('' once a failed commit makes it unknown). */
type Written = Map<string, string>;

interface Table {
  upsert: StatementSync;
  remove: StatementSync;
  written: Written;
}

export class CertificateStore {
  readonly storage: ExtensionStorage;
  readonly #log: Logger;
  readonly #pages: Table;
  readonly #hostnames: Table;
  /** A save not yet run: later saves join it (its snapshot is taken when it runs). */
  #queued: { promise: Promise<void> } | null = null;
  #last: Promise<void> = Promise.resolve();

  constructor(storage: ExtensionStorage, log: Logger = silentLogger) {
    this.storage = storage;
    this.#log = log;
    const { db } = storage;
    const table = (name: string, key: string): Table => ({
      upsert: db.prepare(
        `INSERT INTO ${name} (${key}, state) VALUES (?, ?)
         ON CONFLICT (${key}) DO UPDATE SET state = excluded.state`,
      ),
      remove: db.prepare(`DELETE FROM ${name} WHERE ${key} = ?`),
      written: new Map(),
    });
    this.#pages = table('certificate_pages', 'page_id');
    this.#hostnames = table('certificate_hostnames', 'hostname');
  }

  /**
   * The saved state. A row that does not parse (written by another version) is logged and left
   * out, not deleted: the page's next change or a reconciliation writes it again.
   */
  load(): DesiredState {
    const { db } = this.storage;
    const state: DesiredState = { pages: new Map(), records: new Map() };
    const read = (sql: string, table: Table, take: (key: string, value: unknown) => void) => {
      for (const row of db.prepare(sql).all() as Array<{ key: string; state: string }>) {
        try {
          take(row.key, JSON.parse(row.state));
          table.written.set(row.key, row.state);
        } catch (err) {
          this.#log.error('certificate state: ignoring an unreadable row', {
            key: row.key,
            error: errorMessage(err),
          });
        }
      }
    };
    read('SELECT page_id AS key, state FROM certificate_pages', this.#pages, (key, value) =>
      state.pages.set(key, PageEntry.parse(value)),
    );
    read(
      'SELECT hostname AS key, state FROM certificate_hostnames',
      this.#hostnames,
      (key, value) => {
        const record = HostnameState.parse(value);
        if (record.hostname !== key) throw new Error(`the record is for ${record.hostname}`);
        state.records.set(key, record);
      },
    );
    return state;
  }

  /** Whether nothing is saved yet (a legacy certificates.json may then be imported). */
  isEmpty(): boolean {
    const any = this.storage.db.prepare(
      `SELECT 1 FROM certificate_pages UNION ALL SELECT 1 FROM certificate_hostnames LIMIT 1`,
    );
    return any.get() === undefined;
  }

  /**
   * Resolves once `state` as it is when the next group commit runs is committed. `alsoWrite`
   * runs in the same transaction (the import marks itself done there).
   */
  save(state: DesiredState, alsoWrite?: () => void): Promise<void> {
    if (this.#queued && !alsoWrite) return this.#queued.promise;
    const entry: { promise: Promise<void> } = { promise: this.#last };
    this.#queued = entry;
    entry.promise = this.storage
      .commit(() => {
        // From here on a change needs a commit of its own.
        if (this.#queued === entry) this.#queued = null;
        this.#write(this.#pages, state.pages);
        this.#write(this.#hostnames, state.records);
        alsoWrite?.();
      })
      .catch((err: unknown) => {
        // Rolled back: what is on disk is no longer known, so the next save writes every row.
        for (const t of [this.#pages, this.#hostnames]) {
          for (const key of t.written.keys()) t.written.set(key, '');
        }
        throw err;
      })
      .finally(() => {
        if (this.#queued === entry) this.#queued = null;
      });
    this.#last = entry.promise;
    return entry.promise;
  }

  /** Waits for the saves asked for so far (the group commit runs them in order). */
  async flush(): Promise<void> {
    await this.#last.catch(() => {});
  }

  #write(table: Table, rows: ReadonlyMap<string, unknown>): void {
    for (const [key, value] of rows) {
      const json = JSON.stringify(value);
      if (table.written.get(key) === json) continue;
      table.upsert.run(key, json);
      table.written.set(key, json);
    }
    for (const key of table.written.keys()) {
      if (rows.has(key)) continue;
      table.remove.run(key);
      table.written.delete(key);
    }
  }
}
