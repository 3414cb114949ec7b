// The coordinator's own copy of its page, in the Durable Object's SQLite: one row per entity
// (a huge page has 300 services and 27,000 service-days of uptime, so no single blob), the
// tombstones that stop late upserts, recently seen event ids, what was last written to KV,
// and the render scheduling state. Every method is synchronous: SQL in a Durable Object is,
// and a batch applies inside one `transactionSync`.

import { incidentFromJson } from '../domain/incident-json.ts';
import type { Incident, Maintenance, Service, StatusPage, UptimeDay } from '../domain/schema.ts';
import type { PageSnapshot, ResourceTimes } from '../domain/snapshot.ts';
import { addDays } from '../domain/time.ts';
import { UPTIME_KEEP_DAYS } from '../domain/uptime.ts';
import type { EntityChange, EntityRef, StoredVersion } from './apply.ts';

/** How many recent event ids are remembered for duplicate detection. Older duplicates are still
 * harmless: their version is not newer than the stored one, so they come back as `stale`. */
export const SEEN_EVENT_LIMIT = 10_000;

export interface CoordinatorState {
  pageId: string | null;
  /** Increments with every stored change (a batch that applied something, a repair). */
  changeSeq: number;
  /** The changeSeq the last successful render included. Dirty while changeSeq > renderedSeq. */
  renderedSeq: number;
  /** The last render version handed out (each attempt takes a new one; never reused). */
  renderVersion: number;
  /** The version of the last successful render (0: never rendered). */
  publishedVersion: number;
  /** When the last successful render finished writing KV. */
  publishedAt: number | null;
  firstDirtyAt: number | null;
  lastChangeAt: number | null;
  lastFlushAt: number | null;
  retryAt: number | null;
  failures: number;
  nextBoundary: number | null;
  hostRecheckAt: number | null;
  seenSeq: number;
  renders: number;
  kvPuts: number;
  kvDeletes: number;
  lastError: string | null;
  /** How KV is laid out for this page: 2 = immutable content keys and a render pointer
   * (store/pointer.ts); null = before that (documents under their slot key, `ver:`). */
  layout: number | null;
}

const COLUMNS: Record<keyof CoordinatorState, string> = {
  pageId: 'page_id',
  changeSeq: 'change_seq',
  renderedSeq: 'rendered_seq',
  renderVersion: 'render_version',
  publishedVersion: 'published_version',
  publishedAt: 'published_at',
  firstDirtyAt: 'first_dirty_at',
  lastChangeAt: 'last_change_at',
  lastFlushAt: 'last_flush_at',
  retryAt: 'retry_at',
  failures: 'failures',
  nextBoundary: 'next_boundary',
  hostRecheckAt: 'host_recheck_at',
  seenSeq: 'seen_seq',
  renders: 'renders',
  kvPuts: 'kv_puts',
  kvDeletes: 'kv_deletes',
  lastError: 'last_error',
  layout: 'layout',
};

// `created_at`/`updated_at` of an entity: the core's `occurredAt` of the first and the latest
// applied event (the JSON API's created_at/updated_at, stable across renders).
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS entities (
     kind TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
     deleted INTEGER NOT NULL, data TEXT, created_at TEXT, updated_at TEXT,
     PRIMARY KEY (kind, id))`,
  `CREATE TABLE IF NOT EXISTS uptime_days (
     service_id TEXT NOT NULL, day TEXT NOT NULL, version INTEGER NOT NULL,
     partial_s INTEGER NOT NULL, major_s INTEGER NOT NULL, PRIMARY KEY (service_id, day))`,
  'CREATE INDEX IF NOT EXISTS uptime_days_by_day ON uptime_days (day)',
  'CREATE TABLE IF NOT EXISTS seen_events (id TEXT PRIMARY KEY, seq INTEGER NOT NULL)',
  'CREATE INDEX IF NOT EXISTS seen_events_by_seq ON seen_events (seq)',
  `CREATE TABLE IF NOT EXISTS written_docs (
     key TEXT PRIMARY KEY, etag TEXT NOT NULL, version INTEGER NOT NULL)`,
  'CREATE TABLE IF NOT EXISTS written_hosts (hostname TEXT PRIMARY KEY, record TEXT NOT NULL)',
  `CREATE TABLE IF NOT EXISTS coordinator_state (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
     page_id TEXT, change_seq INTEGER NOT NULL DEFAULT 0, rendered_seq INTEGER NOT NULL DEFAULT 0,
     render_version INTEGER NOT NULL DEFAULT 0, published_version INTEGER NOT NULL DEFAULT 0,
     published_at INTEGER,
     first_dirty_at INTEGER, last_change_at INTEGER, last_flush_at INTEGER, retry_at INTEGER,
     failures INTEGER NOT NULL DEFAULT 0, next_boundary INTEGER, host_recheck_at INTEGER,
     seen_seq INTEGER NOT NULL DEFAULT 0, renders INTEGER NOT NULL DEFAULT 0,
     kv_puts INTEGER NOT NULL DEFAULT 0, kv_deletes INTEGER NOT NULL DEFAULT 0, last_error TEXT)`,
  'INSERT OR IGNORE INTO coordinator_state (singleton) VALUES (1)',
];

/**
 * Columns added after databases already existed: `CREATE TABLE IF NOT EXISTS` leaves an old
 * table as it was, so each is added when missing. Only nullable columns without a default, so
 * an ALTER never rewrites a row. Rows from before have NULL there until their next change.
 */
const ADDED_COLUMNS: readonly [table: string, column: string, type: string][] = [
  ['entities', 'created_at', 'TEXT'],
  ['entities', 'updated_at', 'TEXT'],
  ['coordinator_state', 'published_at', 'INTEGER'],
  ['coordinator_state', 'layout', 'INTEGER'],
];

function addMissingColumns(sql: SqlStorage): void {
  const columns = new Map<string, string[]>();
  for (const [table, column, type] of ADDED_COLUMNS) {
    let have = columns.get(table);
    if (!have) {
      have = sql.exec(`SELECT * FROM ${table} LIMIT 0`).columnNames;
      columns.set(table, have);
    }
    if (!have.includes(column)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

type Row = Record<string, SqlStorageValue>;

function num(v: SqlStorageValue | undefined): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

function numOrNull(v: SqlStorageValue | undefined): number | null {
  return v === null || v === undefined ? null : num(v);
}

function timesOf(row: Row): ResourceTimes | null {
  const { created_at: createdAt, updated_at: updatedAt } = row;
  return typeof createdAt === 'string' && typeof updatedAt === 'string'
    ? { createdAt, updatedAt }
    : null;
}

function splitUptimeId(id: string): [string, string] {
  const slash = id.lastIndexOf('/');
  return [id.slice(0, slash), id.slice(slash + 1)];
}

export class PageStorage {
  readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    for (const statement of SCHEMA) this.sql.exec(statement);
    addMissingColumns(sql);
  }

  state(): CoordinatorState {
    const row = this.sql.exec<Row>('SELECT * FROM coordinator_state WHERE singleton = 1').one();
    return {
      pageId: row.page_id === null ? null : String(row.page_id),
      changeSeq: num(row.change_seq),
      renderedSeq: num(row.rendered_seq),
      renderVersion: num(row.render_version),
      publishedVersion: num(row.published_version),
      publishedAt: numOrNull(row.published_at),
      firstDirtyAt: numOrNull(row.first_dirty_at),
      lastChangeAt: numOrNull(row.last_change_at),
      lastFlushAt: numOrNull(row.last_flush_at),
      retryAt: numOrNull(row.retry_at),
      failures: num(row.failures),
      nextBoundary: numOrNull(row.next_boundary),
      hostRecheckAt: numOrNull(row.host_recheck_at),
      seenSeq: num(row.seen_seq),
      renders: num(row.renders),
      kvPuts: num(row.kv_puts),
      kvDeletes: num(row.kv_deletes),
      lastError: row.last_error === null ? null : String(row.last_error),
      layout: numOrNull(row.layout),
    };
  }

  updateState(patch: Partial<CoordinatorState>): void {
    const keys = Object.keys(patch) as (keyof CoordinatorState)[];
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${COLUMNS[k]} = ?`).join(', ');
    const values = keys.map((k) => patch[k] ?? null);
    this.sql.exec(`UPDATE coordinator_state SET ${sets} WHERE singleton = 1`, ...values);
  }

  // --- entities -------------------------------------------------------------------------

  stored(ref: EntityRef): StoredVersion | null {
    if (ref.kind === 'uptime') {
      const [serviceId, day] = splitUptimeId(ref.id);
      const row = this.sql
        .exec<Row>(
          'SELECT version FROM uptime_days WHERE service_id = ? AND day = ?',
          serviceId,
          day,
        )
        .toArray()[0];
      return row ? { version: num(row.version), deleted: false } : null;
    }
    const row = this.sql
      .exec<Row>(
        'SELECT version, deleted FROM entities WHERE kind = ? AND id = ?',
        ref.kind,
        ref.id,
      )
      .toArray()[0];
    return row ? { version: num(row.version), deleted: num(row.deleted) === 1 } : null;
  }

  writeChange(change: EntityChange): void {
    if (change.kind === 'uptime') {
      const day = change.data as UptimeDay;
      this.sql.exec(
        `INSERT INTO uptime_days (service_id, day, version, partial_s, major_s) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (service_id, day) DO UPDATE SET version = excluded.version,
           partial_s = excluded.partial_s, major_s = excluded.major_s`,
        day.serviceId,
        day.date,
        change.version,
        day.partialOutageSeconds,
        day.majorOutageSeconds,
      );
      return;
    }
    // A resource keeps its creation time across updates; one created again after a delete
    // (a tombstone row) starts anew. A row from before these columns existed takes its first
    // change's: the earliest time known.
    this.sql.exec(
      `INSERT INTO entities (kind, id, version, deleted, data, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version,
         deleted = excluded.deleted, data = excluded.data,
         created_at = CASE WHEN entities.deleted = 1 OR entities.created_at IS NULL
                           THEN excluded.created_at ELSE entities.created_at END,
         updated_at = excluded.updated_at`,
      change.kind,
      change.id,
      change.version,
      change.deleted ? 1 : 0,
      change.deleted ? null : JSON.stringify(change.data),
      change.firstOccurredAt,
      change.occurredAt,
    );
  }

  /** What is stored for an entity now (null: never stored, or deleted). Not for uptime. */
  entityData(ref: EntityRef): unknown {
    const row = this.sql
      .exec<Row>(
        'SELECT data FROM entities WHERE kind = ? AND id = ? AND deleted = 0',
        ref.kind,
        ref.id,
      )
      .toArray()[0];
    return row && typeof row.data === 'string' ? (JSON.parse(row.data) as unknown) : null;
  }

  /** The live page this coordinator holds (null: none yet, or deleted). */
  livePage(): StatusPage | null {
    const row = this.sql
      .exec<Row>("SELECT data FROM entities WHERE kind = 'page' AND deleted = 0 LIMIT 1")
      .toArray()[0];
    return row && typeof row.data === 'string' ? (JSON.parse(row.data) as StatusPage) : null;
  }

  /** Every live entity of a kind, by id (services, incidents, maintenance: a few hundred). */
  liveData<T>(kind: 'service' | 'incident' | 'maintenance'): T[] {
    return this.sql
      .exec<Row>('SELECT data FROM entities WHERE kind = ? AND deleted = 0 ORDER BY id', kind)
      .toArray()
      .map((r) => JSON.parse(String(r.data)) as T);
  }

  /** The hostnames of the stored page (none if it is unknown or deleted). */
  pageHostnames(pageId: string): string[] {
    const row = this.sql
      .exec<Row>("SELECT data FROM entities WHERE kind = 'page' AND id = ? AND deleted = 0", pageId)
      .toArray()[0];
    if (!row || typeof row.data !== 'string') return [];
    return (JSON.parse(row.data) as Pick<StatusPage, 'hostnames'>).hostnames;
  }

  // --- seen event ids -------------------------------------------------------------------

  seen(eventId: string): boolean {
    return this.sql.exec('SELECT 1 FROM seen_events WHERE id = ?', eventId).toArray().length > 0;
  }

  rememberEvents(ids: readonly string[], seenSeq: number): number {
    let seq = seenSeq;
    for (const id of ids) {
      seq += 1;
      this.sql.exec('INSERT OR REPLACE INTO seen_events (id, seq) VALUES (?, ?)', id, seq);
    }
    this.sql.exec('DELETE FROM seen_events WHERE seq <= ?', seq - SEEN_EVENT_LIMIT);
    return seq;
  }

  // --- the snapshot the renderer reads --------------------------------------------------

  /** The page and everything it shows, or null if the page is unknown or deleted. */
  snapshot(pageId: string, now: Date): PageSnapshot | null {
    const pageRow = this.sql
      .exec<Row>(
        "SELECT data, created_at, updated_at FROM entities WHERE kind = 'page' AND id = ? AND deleted = 0",
        pageId,
      )
      .toArray()[0];
    if (!pageRow || typeof pageRow.data !== 'string') return null;
    const live = <T>(kind: string, parse = (text: string) => JSON.parse(text) as T): T[] =>
      this.sql
        .exec<Row>('SELECT data FROM entities WHERE kind = ? AND deleted = 0 ORDER BY id', kind)
        .toArray()
        .map((r) => parse(String(r.data)));
    const serviceTimes: Record<string, ResourceTimes> = {};
    const serviceRows = this.sql.exec<Row>(
      "SELECT id, created_at, updated_at FROM entities WHERE kind = 'service' AND deleted = 0",
    );
    for (const row of serviceRows) {
      const t = timesOf(row);
      if (t) serviceTimes[String(row.id)] = t;
    }
    const pageTimes = timesOf(pageRow);
    // The widest time zone offset is 14 h: a day older than this never shows in a 90-day window.
    const since = addDays(now.toISOString().slice(0, 10), -92);
    const uptime = this.sql
      .exec<Row>(
        'SELECT service_id, day, partial_s, major_s FROM uptime_days WHERE day >= ? ORDER BY service_id, day',
        since,
      )
      .toArray()
      .map(
        (r): UptimeDay => ({
          serviceId: String(r.service_id),
          date: String(r.day),
          partialOutageSeconds: num(r.partial_s),
          majorOutageSeconds: num(r.major_s),
        }),
      );
    return {
      page: JSON.parse(pageRow.data) as StatusPage,
      services: live<Service>('service'),
      // The renderer fingerprints incidents by their JSON: the stored text is it.
      incidents: live<Incident>('incident', incidentFromJson),
      maintenances: live<Maintenance>('maintenance'),
      uptime,
      times: { ...(pageTimes ? { page: pageTimes } : {}), services: serviceTimes },
    };
  }

  pruneUptime(now: Date): void {
    const before = addDays(now.toISOString().slice(0, 10), -UPTIME_KEEP_DAYS);
    this.sql.exec('DELETE FROM uptime_days WHERE day < ?', before);
  }

  // --- what is in KV --------------------------------------------------------------------

  writtenDocs(): Map<string, string> {
    const rows = this.sql.exec<Row>('SELECT key, etag FROM written_docs').toArray();
    return new Map(rows.map((r) => [String(r.key), String(r.etag)]));
  }

  hasWrittenDoc(key: string): boolean {
    return this.sql.exec('SELECT 1 FROM written_docs WHERE key = ?', key).toArray().length > 0;
  }

  recordDoc(key: string, etag: string, version: number): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO written_docs (key, etag, version) VALUES (?, ?, ?)',
      key,
      etag,
      version,
    );
  }

  forgetDoc(key: string): void {
    this.sql.exec('DELETE FROM written_docs WHERE key = ?', key);
  }

  writtenHosts(): Map<string, string> {
    const rows = this.sql.exec<Row>('SELECT hostname, record FROM written_hosts').toArray();
    return new Map(rows.map((r) => [String(r.hostname), String(r.record)]));
  }

  recordHost(hostname: string, record: string): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO written_hosts (hostname, record) VALUES (?, ?)',
      hostname,
      record,
    );
  }

  forgetHost(hostname: string): void {
    this.sql.exec('DELETE FROM written_hosts WHERE hostname = ?', hostname);
  }
}
