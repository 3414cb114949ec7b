// The core's requests as they arrived, accepted or refused (docs/contract.md §3 GET /v1/requests):
// "we sent it and nothing happened" is answered by looking at the request itself. Refused
// requests have their own cap, so a flood of bad ones cannot push accepted history out.
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** Its own migration step, appended to MIGRATIONS in schema.ts. */
export const REQUESTS_MIGRATION = `
  CREATE TABLE requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    received_at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'refused')),
    status INTEGER NOT NULL,
    remote TEXT,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    body_truncated INTEGER NOT NULL,
    problem TEXT,
    event_ids TEXT
  );
  CREATE INDEX requests_outcome ON requests (outcome, seq);
  CREATE INDEX requests_received ON requests (received_at);
  CREATE TABLE request_events (
    event_id TEXT NOT NULL,
    request_seq INTEGER NOT NULL,
    PRIMARY KEY (event_id, request_seq)
  ) WITHOUT ROWID;
  CREATE INDEX request_events_seq ON request_events (request_seq);

  -- What operators did from the explorer (dead letter retried, discarded): who and when.
  CREATE TABLE operator_actions (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    page_id TEXT,
    event_id TEXT,
    result TEXT NOT NULL
  );
  CREATE INDEX operator_actions_page ON operator_actions (page_id, id);
`;

export interface OperatorAction {
  at: string;
  who: string;
  action: string;
  pageId?: string;
  eventId?: string;
  result: string;
}

export const MAX_RECORDED_BODY_BYTES = 64 * 1024;

export type RequestOutcome = 'accepted' | 'refused';

export interface RecordedRequest {
  id: string;
  receivedAt: string;
  outcome: RequestOutcome;
  status: number;
  remote?: string;
  headers: Record<string, string>;
  /** As it arrived, up to 64 KiB (UTF-8; bytes that are not are replaced). */
  body: string;
  bodyTruncated?: true;
  problem?: Record<string, unknown>;
  eventIds?: string[];
}

export interface RequestRetention {
  maxAgeMs: number;
  /** Refused requests kept at most; accepted ones are bounded only by age and bytes. */
  maxRefused: number;
}

export const DEFAULT_REQUEST_RETENTION: RequestRetention = {
  maxAgeMs: 7 * 86_400_000,
  maxRefused: 10_000,
};

interface Row {
  seq: number;
  id: string;
  received_at: number;
  outcome: RequestOutcome;
  status: number;
  remote: string | null;
  headers: string;
  body: string;
  body_truncated: number;
  problem: string | null;
  event_ids: string | null;
}

export interface RequestQuery {
  outcome?: RequestOutcome;
  limit: number;
  /** Only requests that carried this event id. */
  eventId?: string;
  /** Only requests received at or after / before (epoch ms). */
  since?: number;
  until?: number;
}

export interface MinuteCount {
  minute: number;
  accepted: number;
  refused: number;
}

/** The links of the requests whose seqs ?1 lists (a JSON array), each found by its key. */
export const UNLINK_SQL = `DELETE FROM request_events WHERE (event_id, request_seq) IN (
  SELECT j.value, r.seq FROM requests r, json_each(r.event_ids) j
   WHERE r.seq IN (SELECT value FROM json_each(?1)))`;

export class RequestLog {
  readonly #db: DatabaseSync;
  readonly #retention: RequestRetention;
  readonly #s: Record<string, StatementSync>;

  constructor(db: DatabaseSync, retention: Partial<RequestRetention> = {}) {
    this.#db = db;
    this.#retention = { ...DEFAULT_REQUEST_RETENTION, ...retention };
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      insert: p(
        `INSERT OR IGNORE INTO requests (id, received_at, outcome, status, remote, headers, body,
           body_truncated, problem, event_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // Every id of the request in one statement (one per id cost ~2 µs an event under load).
      link: p(
        `INSERT OR IGNORE INTO request_events (event_id, request_seq)
           SELECT value, ?2 FROM json_each(?1) LIMIT 500`,
      ),
      // What retention removes is chosen first, as a JSON array of seqs (removeSeqs): each
      // removed request's links go by their key, from its own event_ids, so removing requests
      // costs what they linked, never a look at every link of the history.
      refusedPastCap: p(
        `SELECT json_group_array(seq) AS seqs FROM requests WHERE outcome = 'refused' AND seq <= (
           SELECT seq FROM requests WHERE outcome = 'refused' ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      ),
      olderThan: p(
        'SELECT json_group_array(seq) AS seqs FROM (SELECT seq FROM requests WHERE received_at < ? LIMIT ?)',
      ),
      oldestRefused: p(
        `SELECT json_group_array(seq) AS seqs FROM (
           SELECT seq FROM requests WHERE outcome = 'refused' ORDER BY seq LIMIT ?)`,
      ),
      unlink: p(UNLINK_SQL),
      remove: p('DELETE FROM requests WHERE seq IN (SELECT value FROM json_each(?1))'),
      one: p('SELECT * FROM requests WHERE id = ?'),
      oldest: p('SELECT min(received_at) AS at FROM requests'),
      addAction: p(
        'INSERT INTO operator_actions (at, who, action, page_id, event_id, result) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      pageActions: p('SELECT * FROM operator_actions WHERE page_id = ? ORDER BY id DESC LIMIT ?'),
      recentActions: p('SELECT * FROM operator_actions ORDER BY id DESC LIMIT ?'),
      perMinute: p(
        `SELECT (received_at / 60000) * 60000 AS minute,
           sum(outcome = 'accepted') AS accepted, sum(outcome = 'refused') AS refused
         FROM requests WHERE received_at >= ? GROUP BY minute ORDER BY minute`,
      ),
    };
  }

  record(req: RecordedRequest): void {
    const eventIds = req.eventIds ?? [];
    const ids = eventIds.length > 0 ? JSON.stringify(eventIds) : null;
    const res = this.#s.insert!.run(
      req.id,
      Date.parse(req.receivedAt),
      req.outcome,
      req.status,
      req.remote ?? null,
      JSON.stringify(req.headers),
      req.body,
      req.bodyTruncated ? 1 : 0,
      req.problem ? JSON.stringify(req.problem) : null,
      ids,
    );
    if (Number(res.changes) === 0) return;
    if (ids !== null) this.#s.link!.run(ids, Number(res.lastInsertRowid));
    if (req.outcome === 'refused')
      this.#removeSeqs(this.#s.refusedPastCap!.get(this.#retention.maxRefused));
  }

  /** Removes the requests a `SELECT json_group_array(seq) AS seqs` chose, and their links. */
  #removeSeqs(chosen: unknown): number {
    const seqs = (chosen as { seqs: string } | undefined)?.seqs ?? '[]';
    if (seqs === '[]') return 0;
    this.#s.unlink!.run(seqs);
    return Number(this.#s.remove!.run(seqs).changes);
  }

  recordAction(a: OperatorAction): void {
    this.#s.addAction!.run(
      Date.parse(a.at),
      a.who,
      a.action,
      a.pageId ?? null,
      a.eventId ?? null,
      a.result,
    );
  }

  /** One page's operator actions (or every page's, without a page id), newest first. */
  actions(pageId?: string, limit = 50): OperatorAction[] {
    const rows = (pageId === undefined
      ? this.#s.recentActions!.all(limit)
      : this.#s.pageActions!.all(pageId, limit)) as unknown as {
      at: number;
      who: string;
      action: string;
      page_id: string | null;
      event_id: string | null;
      result: string;
    }[];
    return rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      who: r.who,
      action: r.action,
      ...(r.page_id !== null ? { pageId: r.page_id } : {}),
      ...(r.event_id !== null ? { eventId: r.event_id } : {}),
      result: r.result,
    }));
  }

  /**
   * Forgets requests past their age; past the database's byte budget, refused requests go
   * first, and accepted ones only when no refused one is left, the oldest hour at a time.
   * Bounded work per call.
   */
  prune(now: number, maxBytes = Number.POSITIVE_INFINITY, limit = 10_000): number {
    let cutoff = now - this.#retention.maxAgeMs;
    if (usedBytes(this.#db) > maxBytes) {
      const refused = this.#removeSeqs(this.#s.oldestRefused!.get(limit));
      if (refused === 0) {
        const oldest = (this.#s.oldest!.get() as { at: number | null } | undefined)?.at;
        if (typeof oldest === 'number') cutoff = Math.max(cutoff, oldest + 3_600_000);
      }
    }
    return this.#removeSeqs(this.#s.olderThan!.get(cutoff, limit));
  }

  get(id: string): RecordedRequest | undefined {
    const row = this.#s.one!.get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  list(q: RequestQuery): RecordedRequest[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.outcome) {
      where.push('outcome = ?');
      args.push(q.outcome);
    }
    if (q.eventId !== undefined) {
      where.push('seq IN (SELECT request_seq FROM request_events WHERE event_id = ?)');
      args.push(q.eventId);
    }
    if (q.since !== undefined) {
      where.push('received_at >= ?');
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('received_at < ?');
      args.push(q.until);
    }
    const sql = `SELECT * FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.#db.prepare(sql).all(...args, q.limit) as unknown as Row[]).map(fromRow);
  }

  perMinute(since: number): MinuteCount[] {
    return (this.#s.perMinute!.all(since) as unknown as MinuteCount[]).map((r) => ({
      minute: Number(r.minute),
      accepted: Number(r.accepted),
      refused: Number(r.refused),
    }));
  }
}

function usedBytes(db: DatabaseSync): number {
  const n = (sql: string) => Number(Object.values(db.prepare(sql).get() ?? {})[0] ?? 0);
  return (n('PRAGMA page_count') - n('PRAGMA freelist_count')) * n('PRAGMA page_size');
}

function fromRow(row: Row): RecordedRequest {
  return {
    id: row.id,
    receivedAt: new Date(row.received_at).toISOString(),
    outcome: row.outcome,
    status: row.status,
    ...(row.remote !== null ? { remote: row.remote } : {}),
    headers: JSON.parse(row.headers) as Record<string, string>,
    body: row.body,
    ...(row.body_truncated ? { bodyTruncated: true as const } : {}),
    ...(row.problem !== null
      ? { problem: JSON.parse(row.problem) as Record<string, unknown> }
      : {}),
    ...(row.event_ids !== null ? { eventIds: JSON.parse(row.event_ids) as string[] } : {}),
  };
}
