// Everything origin-sync knows, in its database (schema.ts, docs/origin-sync-storage.md): the
// accepted events, the catalogue, the per-page outbox, dead letters, the explorer's steps and
// the render watch. Writes (`journal`, `applyPending`, `record`, …) run inside a transaction
// (the commit queue's, or the applier's); reads run at any time. The heap holds only prepared statements and one bounded set
// (the pages with something queued), so memory does not grow with history.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { CoreEvent, StatusPage } from '../../worker/domain/schema.ts';
import { CatalogueCache } from './catalogue-cache.ts';
import { RowCounts } from './counts.ts';
import {
  catchUpRank,
  type EventRoute,
  entityKey,
  type HostnamesChange,
  isPageEvent,
  livePage,
  routeOf,
  sameMembers,
  servicesOf,
  supersedes,
} from './entities.ts';
import {
  byCodeUnit,
  type FanOutPlan,
  NO_PAGE_NOTE,
  planFanOut,
  STALE_NOTE,
  TRACKED_KINDS,
} from './fan-out-plan.ts';
import type {
  AckRecord,
  FailRecord,
  OutboxItem,
  OutcomeRecord,
  RenderedRecord,
  RenderFailRecord,
} from './outcomes.ts';
import type { EventTrace, StepName, TraceStep } from './trace.ts';

export interface JournalResult {
  accepted: number;
  duplicates: number;
}

/**
 * An event as the journal stores it, serialized where it was validated (the main thread), so
 * the database thread neither copies the object across nor serializes it (db-thread.ts).
 */
export interface JournalEntry {
  id: string;
  type: CoreEvent['type'];
  serialized: string;
  /** Where it goes (its key, version, services): the apply need not parse the body again. */
  route: EventRoute;
}

export function journalEntry(event: CoreEvent): JournalEntry {
  return {
    id: event.id,
    type: event.type,
    serialized: JSON.stringify(event),
    route: routeOf(event),
  };
}

/** A journaled event as the apply takes it: its route, and its body once something needs it. */
interface Pending {
  seq: number;
  route: EventRoute;
  body: string | null;
}

/** Routes kept for journaled events past this many (a journal rolled back leaves some): start again. */
const MAX_ROUTES = 25_000;

export interface ApplyResult {
  applied: number;
  /** Pages that got something new to send. */
  pages: string[];
  hostnames: HostnamesChange[];
}

export interface AcceptResult extends JournalResult {
  /** Pages that got something new to send. */
  pages: string[];
  hostnames: HostnamesChange[];
}

export interface WatchSummary {
  /** The lowest promised version still unconfirmed: publishing it confirms something. */
  lowest: number;
  /** The highest: once it is published, the page has nothing left to wait for. */
  highest: number;
  /** The oldest promise still unconfirmed, epoch ms. */
  oldestSince: number;
  events: number;
}

export interface DeadLetter {
  pageId: string;
  eventId: string;
  type: string;
  at: string;
  error: string;
  attempts: number;
}

export interface Retention {
  /** Explorer steps and forgotten event ids older than this go. */
  maxAgeMs: number;
  /** Past this many bytes of database, the oldest explorer data goes first. */
  maxBytes: number;
}

export const DEFAULT_RETENTION: Retention = {
  maxAgeMs: 7 * 86_400_000,
  maxBytes: 2 * 1024 ** 3,
};

/** Up to this many pages, an event's fan-out is row by row from JavaScript. */
const DIRECT_MAX = 16;

interface EntityRow {
  kind: string;
  version: number;
  event_seq: number;
  deleted: number;
  body: string;
}

interface StepRow {
  step: StepName;
  at: number;
  page_id: string | null;
  render_version: number | null;
  detail: string | null;
  error: string | null;
  /** A `pushed` row's outcome step (applied, skipped, failed) on the same page, if any. */
  outcome: StepName | null;
  outcome_at: number | null;
  outcome_version: number | null;
  outcome_detail: string | null;
  outcome_error: string | null;
}

/**
 * What a push came to for one event that was not `applied` at the push's render version, as
 * its row keeps it: [step (null: none after `pushed`), version, detail, error].
 */
type PushOutcome = [StepName | null, number | null, string | null, string | null];

const UNANSWERED = 'stored by the worker; its answer carried no per-event result';
const RENDER_GIVEN_UP = 'render not confirmed; origin-sync stopped waiting for it';
const ALREADY_LIVE = 'already live when pushed';

interface PushRow {
  id: number;
  pushed_at: number;
  at: number;
  detail: string;
  render_version: number | null;
  render_after: number;
  outcomes: string | null;
}

interface RenderRow {
  id: number;
  version: number;
  rendered_at: number;
  at: number;
}

/** A step read from a push's or a render's row, and where it goes among the event's rows. */
interface DerivedStep {
  /** When it was learned (the rows' steps are in the order they were written, by time). */
  order: number;
  step: TraceStep;
}

/** Events planned in one run at most: a slice's `fanned_out` row names at most this many. */
const SLICE_MAX = 1_000;

/**
 * A plan's `fanned_out` steps as the slice's rows, one per page (null first, then in
 * SQLite's order, so each event's pages come in the order the event-at-a-time path writes
 * them): [first event, page, notes by event or null, events].
 */
function sliceSteps(
  steps: FanOutPlan['steps'],
): [string, string | null, Record<string, string> | null, string[]][] {
  const byPage = new Map<
    string | null,
    { ids: string[]; details: Record<string, string> | null }
  >();
  for (const [eventId, pageId, detail] of steps) {
    let row = byPage.get(pageId);
    if (!row) {
      row = { ids: [], details: null };
      byPage.set(pageId, row);
    }
    row.ids.push(eventId);
    if (detail !== null) {
      row.details ??= {};
      row.details[eventId] = detail;
    }
  }
  return [...byPage]
    .sort(([a], [b]) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : byCodeUnit(a, b)))
    .map(([pageId, row]) => [row.ids[0] as string, pageId, row.details, row.ids]);
}

/**
 * Retention of a table written in time order: the first `?2` rows by id, those older than
 * `?1` (no index on the time to keep up on every row written).
 */
function pruneOldest(table: 'steps' | 'pushes' | 'renders'): string {
  return `DELETE FROM ${table} WHERE id IN (SELECT id FROM (SELECT id, at FROM ${table} ORDER BY id LIMIT ?2) WHERE at < ?1)`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** An explorer step from a row's columns (null: the field is absent). */
function traceStep(
  step: StepName,
  at: number,
  pageId: string | null,
  renderVersion: number | null,
  detail: string | null,
  error: string | null,
): TraceStep {
  const t: TraceStep = { step, at: iso(at) };
  if (pageId !== null) t.pageId = pageId;
  if (renderVersion !== null) t.renderVersion = renderVersion;
  if (detail !== null) t.detail = detail;
  if (error !== null) t.error = error;
  return t;
}

export class Store {
  readonly db: DatabaseSync;
  readonly #q: Record<string, StatementSync>;
  /** Pages that may have something queued (a page with nothing is dropped when found empty). */
  readonly #queuedPages = new Set<string>();
  /** Events up to this seq are applied (meta 'applied_seq'); after it, journaled only. */
  #appliedSeq = 0;
  #journaledSeq = 0;
  readonly #counts: RowCounts;

  /** Runs of entity events fanned out as planned sets (fan-out-plan.ts); off: one at a time. */
  readonly #batched: boolean;
  /** The catalogue as the planned fan-out reads it, kept between transactions. */
  readonly #facts: CatalogueCache;
  /** Journaled events' routes by seq, until applied (checked against the id: seqs of a rolled-back journal come again). */
  readonly #routes = new Map<number, EventRoute>();

  constructor(db: DatabaseSync, opts: { batchedFanOut?: boolean } = {}) {
    this.db = db;
    this.#batched = opts.batchedFanOut ?? true;
    const p = (sql: string) => db.prepare(sql);
    // Per connection, in memory: the pages one event goes to, while it is fanned out.
    db.exec('CREATE TEMP TABLE IF NOT EXISTS fan_targets (page_id TEXT PRIMARY KEY) WITHOUT ROWID');
    this.#q = {
      seen: p('SELECT 1 FROM events WHERE id = ?'),
      lastSeq: p('SELECT max(seq) AS seq FROM events'),
      unapplied: p('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      unappliedIds: p('SELECT seq, id FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      body: p('SELECT body FROM events WHERE seq = ?'),
      eventIdOf: p('SELECT id FROM events WHERE seq = ?'),
      applied: p("SELECT value FROM meta WHERE key = 'applied_seq'"),
      setApplied: p(
        "INSERT INTO meta (key, value) VALUES ('applied_seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      eventSeq: p('SELECT seq FROM events WHERE id = ?'),
      insertEvent: p(
        'INSERT OR IGNORE INTO events (id, type, body, received_at, validated_at, journaled_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      // The entity's version and the services it last touched, in one call (null: none).
      entityState: p(
        `SELECT en.version, es.service_id FROM (SELECT ?1 AS key) k
           LEFT JOIN entities en ON en.key = k.key
           LEFT JOIN entity_services es ON es.key = k.key`,
      ),
      entity: p(
        'SELECT en.kind, en.version, en.event_seq, en.deleted, ev.body FROM entities en JOIN events ev ON ev.seq = en.event_seq WHERE en.key = ?',
      ),
      // Insert or update as the caller found the row (not an upsert): what the row count needs
      // to know, and a plain UPDATE is cheaper than the upsert's failed insert first.
      insertEntity: p(
        'INSERT OR IGNORE INTO entities (key, kind, version, event_seq, deleted) VALUES (?1, ?2, ?3, ?4, ?5)',
      ),
      updateEntity: p('UPDATE entities SET version = ?, event_seq = ?, deleted = ? WHERE key = ?'),
      clearEntityServices: p('DELETE FROM entity_services WHERE key = ?'),
      addEntityService: p('INSERT OR IGNORE INTO entity_services (service_id, key) VALUES (?, ?)'),
      clearPageServices: p('DELETE FROM page_services WHERE page_id = ?'),
      addPageService: p('INSERT OR IGNORE INTO page_services (service_id, page_id) VALUES (?, ?)'),
      addDelivery: p('INSERT OR IGNORE INTO deliveries (key, page_id) VALUES (?, ?)'),
      forgetDeliveries: p('DELETE FROM deliveries WHERE page_id = ?'),
      clearTargets: p('DELETE FROM temp.fan_targets'),
      fillTargets: p(
        `INSERT OR IGNORE INTO temp.fan_targets (page_id)
           SELECT page_id FROM page_services WHERE service_id IN (SELECT value FROM json_each(?))
           UNION SELECT page_id FROM deliveries WHERE key = ?2 AND ?3`,
      ),
      targets: p('SELECT page_id FROM temp.fan_targets ORDER BY page_id'),
      // A planned run's rows (fan-out-plan.ts), each table in one statement over a JSON array,
      // inserted in the array's order (outbox and step ids keep the event-at-a-time order).
      planOutbox: p(
        `INSERT OR IGNORE INTO outbox (page_id, event_seq, enqueued_at)
           SELECT j.value ->> 0, j.value ->> 1, ?2 FROM json_each(?1) j`,
      ),
      // One `fanned_out` row per page of the slice (schema.ts, migration 12): [its first
      // event, page or null, notes by event or null, its events].
      planSteps: p(
        `INSERT INTO steps (event_id, page_id, step, at, details, event_ids, first_seq, last_seq)
           SELECT j.value ->> 0, j.value ->> 1, 'fanned_out', ?2, j.value ->> 2, j.value ->> 3, ?3, ?4
             FROM json_each(?1) j`,
      ),
      planDeliveries: p(
        'INSERT OR IGNORE INTO deliveries (key, page_id) SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?1) j',
      ),
      planUpdateEntities: p(
        `UPDATE entities SET version = j.value ->> 1, event_seq = j.value ->> 2, deleted = j.value ->> 3
           FROM json_each(?1) j WHERE entities.key = j.value ->> 0`,
      ),
      planInsertEntities: p(
        `INSERT OR IGNORE INTO entities (key, kind, version, event_seq, deleted)
           SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4 FROM json_each(?1) j`,
      ),
      // The same pages as fillTargets, read straight by index (the common case: a few pages).
      // No `LIMIT ?`: measured, a bound limit makes these lookups four times slower.
      servicePages: p('SELECT page_id FROM page_services WHERE service_id = ?'),
      deliveredPages: p('SELECT page_id FROM deliveries WHERE key = ?'),
      enqueueTargets: p(
        'INSERT OR IGNORE INTO outbox (page_id, event_seq, enqueued_at) SELECT page_id, ?, ? FROM temp.fan_targets ORDER BY page_id',
      ),
      stepTargets: p(
        `INSERT INTO steps (event_id, page_id, step, at, detail)
           SELECT ?, page_id, 'fanned_out', ?, ? FROM temp.fan_targets ORDER BY page_id`,
      ),
      deliverTargets: p(
        'INSERT OR IGNORE INTO deliveries (key, page_id) SELECT ?, page_id FROM temp.fan_targets',
      ),
      catchUp: p(
        `SELECT ev.seq, ev.type, ev.body FROM entity_services es
           JOIN entities en ON en.key = es.key
           JOIN events ev ON ev.seq = en.event_seq
          WHERE es.service_id = ? AND en.deleted = 0 AND en.kind != 'status_page'`,
      ),
      enqueue: p('INSERT OR IGNORE INTO outbox (page_id, event_seq, enqueued_at) VALUES (?, ?, ?)'),
      peek: p(
        `SELECT o.event_seq, ev.id, ev.body FROM outbox o JOIN events ev ON ev.seq = o.event_seq
          WHERE o.page_id = ? ORDER BY o.seq LIMIT ?`,
      ),
      anyQueued: p('SELECT 1 FROM outbox WHERE page_id = ? LIMIT 1'),
      dequeue: p('DELETE FROM outbox WHERE page_id = ? AND event_seq = ?'),
      // An ack's statements over the whole batch, given as JSON arrays of event seqs (the
      // outbox's key) and ids (the steps' and the render watch's): no lookup of the events.
      knownSeqs: p('SELECT ev.id, ev.seq FROM json_each(?1) j JOIN events ev ON ev.id = j.value'),
      ackDequeue: p(
        'DELETE FROM outbox WHERE page_id = ?1 AND event_seq IN (SELECT value FROM json_each(?2))',
      ),
      // One row per acknowledged push, its events a JSON array and only the outcomes that
      // were not `applied` beside them: the explorer reads each event's `pushed` and
      // `applied` steps from it (trace, below), where a row per event and page was written.
      insertPush: p(
        `INSERT INTO pushes (page_id, pushed_at, at, detail, render_version, render_after, event_ids, outcomes)
           VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(id), 0) FROM renders), ?, ?)`,
      ),
      // The render watch holds a batch's promise as one row, its event ids a JSON array:
      // four b-tree writes per event (the row and its time index, in and out) became four
      // per batch.
      ackExpect: p(
        'INSERT INTO render_watch (page_id, version, since, events, event_ids, push_id) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertRender: p(
        'INSERT INTO renders (page_id, version, rendered_at, at) VALUES (?, ?, ?, ?)',
      ),
      // The push that delivered an event fanned out to a page at ?2: the first acknowledged
      // after it that names the event (a page's outbox goes out in order, so it is one of the
      // next few; one that never went, dead-lettered, is looked for among the next 200).
      pushOf: p(
        `SELECT p.id, p.pushed_at, p.at, p.detail, p.render_version, p.render_after, p.outcomes
           FROM (SELECT * FROM pushes WHERE page_id = ?1 AND at >= ?2 ORDER BY at, id LIMIT 200) p
          WHERE EXISTS (SELECT 1 FROM json_each(p.event_ids) WHERE value = ?3)
          ORDER BY p.at, p.id LIMIT 1`,
      ),
      // The render that confirmed a push's promise: the first recorded after the push with
      // its version or a later one.
      renderOf: p(
        `SELECT id, version, rendered_at, at FROM renders
          WHERE page_id = ?1 AND id > ?2 AND version >= ?3 ORDER BY id LIMIT 1`,
      ),
      outboxOldest: p('SELECT enqueued_at FROM outbox ORDER BY seq LIMIT 1'),
      addStep: p(
        'INSERT INTO steps (event_id, page_id, step, at, render_version, detail, error) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      lastStepForPage: p(
        'SELECT id, step, at, outcome FROM steps WHERE event_id = ? AND page_id IS ? ORDER BY id DESC LIMIT 1',
      ),
      updateOutcome: p(
        'UPDATE steps SET outcome = ?, outcome_at = ?, outcome_version = ?, outcome_detail = ?, outcome_error = ? WHERE id = ?',
      ),
      updateStep: p(
        'UPDATE steps SET step = ?, at = ?, render_version = ?, detail = ?, error = ? WHERE id = ?',
      ),
      traceHead: p(
        'SELECT seq, id, type, received_at, validated_at, journaled_at FROM events WHERE id = ?',
      ),
      // The event's own rows, and the rows of the planned slice its seq ?2 fell in (the one
      // starting last at or before it) that name it: written at its apply, before any other.
      traceSteps: p(
        `SELECT id, step, at, page_id, render_version, detail, error,
                outcome, outcome_at, outcome_version, outcome_detail, outcome_error, NULL AS details
           FROM steps WHERE event_id = ?1 AND event_ids IS NULL
         UNION ALL
         SELECT id, step, at, page_id, render_version, detail, error,
                outcome, outcome_at, outcome_version, outcome_detail, outcome_error, details
           FROM steps
          WHERE first_seq = (SELECT max(first_seq) FROM steps WHERE first_seq <= ?2)
            AND last_seq >= ?2 AND EXISTS (SELECT 1 FROM json_each(event_ids) WHERE value = ?1)
         ORDER BY id`,
      ),
      // A slice row's events rank by the row, then by their place in it (SLICE_MAX < 2^20).
      pageEvents: p(
        `SELECT event_id FROM (
           SELECT coalesce(j.value, s.event_id) AS event_id,
                  MAX(s.id * 1048576 + coalesce(j.key, 0)) AS last
             FROM steps s LEFT JOIN json_each(s.event_ids) j
            WHERE s.page_id = ?1 AND s.step = 'fanned_out' GROUP BY 1)
          ORDER BY last DESC LIMIT ?2`,
      ),
      // An event in two promises (pushed again before the first was confirmed) is one
      // wait, on its latest push.
      waiting: p(
        `SELECT j.value AS event_id, MAX(w.version) AS version, MAX(w.since) AS since
           FROM render_watch w, json_each(w.event_ids) j
          WHERE w.page_id = ? GROUP BY j.value`,
      ),
      // A promise made before pushes were rows (schema.ts, migration 10) is confirmed as it
      // was: a `rendered` step per event (its latest push says whether the render was already
      // live when pushed: a duplicate or stale event is promised the version live).
      renderedLegacy: p(
        `INSERT INTO steps (event_id, page_id, step, at, render_version, detail, error)
           SELECT j.value, ?1, 'rendered', ?3, ?2,
                  CASE WHEN ?3 < MAX(w.since) THEN ?4 END, NULL
             FROM render_watch w, json_each(w.event_ids) j
            WHERE w.page_id = ?1 AND w.version <= ?2 AND w.push_id IS NULL GROUP BY j.value`,
      ),
      watchedThrough: p(
        `SELECT coalesce(sum(events), 0) AS n, coalesce(sum(push_id IS NULL), 0) AS legacy
           FROM render_watch WHERE page_id = ? AND version <= ?`,
      ),
      unwatch: p('DELETE FROM render_watch WHERE page_id = ? AND version <= ?'),
      dropWatch: p('DELETE FROM render_watch WHERE page_id = ?'),
      watchOldest: p('SELECT since FROM render_watch ORDER BY since LIMIT 1'),
      watchSummary: p(
        'SELECT MIN(version) AS lowest, MAX(version) AS highest, MIN(since) AS oldest, coalesce(SUM(events), 0) AS n FROM render_watch WHERE page_id = ?',
      ),
      addDeadLetter: p(
        'INSERT OR IGNORE INTO dead_letters (page_id, event_seq, at, error, attempts) VALUES (?1, ?2, ?3, ?4, ?5)',
      ),
      updateDeadLetter: p(
        'UPDATE dead_letters SET at = ?3, error = ?4, attempts = ?5 WHERE page_id = ?1 AND event_seq = ?2',
      ),
      deadLetters: p(
        `SELECT d.page_id, ev.id, ev.type, d.at, d.error, d.attempts FROM dead_letters d
           JOIN events ev ON ev.seq = d.event_seq ORDER BY d.at DESC LIMIT ?`,
      ),
      removeDeadLetter: p(
        'DELETE FROM dead_letters WHERE page_id = ? AND event_seq = ? RETURNING event_seq',
      ),
      livePages: p(
        `SELECT ev.body FROM entities en JOIN events ev ON ev.seq = en.event_seq
          WHERE en.kind = 'status_page' AND en.deleted = 0`,
      ),
      livePageCount: p(
        "SELECT COUNT(*) AS n FROM entities WHERE kind = 'status_page' AND deleted = 0",
      ),
      // Steps, pushes and renders are written in time order: the oldest are the lowest ids.
      pruneSteps: p(pruneOldest('steps')),
      prunePushes: p(pruneOldest('pushes')),
      pruneRenders: p(pruneOldest('renders')),
      // Never an event not applied yet, and never the newest: SQLite gives the next event
      // max(seq) + 1, which must stay above the watermark.
      // Events are journaled in seq order, so those past the age are the lowest seqs, below
      // ?3 (prune finds it by bisecting seq; no index on journaled_at to keep up per event).
      firstJournaledFrom: p(
        'SELECT seq, journaled_at FROM events WHERE seq >= ? ORDER BY seq LIMIT 1',
      ),
      firstSeq: p('SELECT seq FROM events ORDER BY seq LIMIT 1'),
      pruneEvents: p(
        `DELETE FROM events WHERE seq IN (
           SELECT seq FROM events ev WHERE seq < ?3 AND journaled_at < ?1
              AND seq <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'applied_seq')
              AND seq < (SELECT max(seq) FROM events)
              AND NOT EXISTS (SELECT 1 FROM entities en WHERE en.event_seq = ev.seq AND en.key =
                    CASE WHEN ev.type = 'uptime.recorded'
                      THEN 'uptime:' || (ev.body ->> '$.data.serviceId') || ':' || (ev.body ->> '$.data.date')
                      ELSE substr(ev.type, 1, instr(ev.type, '.') - 1) || ':' || (ev.body ->> '$.data.id')
                    END)
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_seq = ev.seq)
              AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.event_seq = ev.seq)
            LIMIT ?2)`,
      ),
      oldestStep: p('SELECT at FROM steps ORDER BY id LIMIT 1'),
    };
    this.#counts = new RowCounts(db);
    this.#facts = new CatalogueCache(db);
    // One index seek per page with work, not a scan of everything queued.
    for (const pageId of this.#counts.pages('outbox')) this.#queuedPages.add(pageId);
    const last = (this.#s('lastSeq').get() as { seq: number | null }).seq ?? 0;
    const mark = this.#s('applied').get() as { value: string } | undefined;
    // A database written before the watermark existed applied every event as it came.
    if (!mark) this.#s('setApplied').run(String(last));
    this.#appliedSeq = mark ? Number(mark.value) : last;
    this.#journaledSeq = last;
  }

  #s(name: string): StatementSync {
    return this.#q[name] as StatementSync;
  }

  // ----- writes (inside a transaction) -----

  /**
   * The whole of what a 202 needs (inside the request's transaction): the batch's new events,
   * stored once, with the dedupe. Turning them into catalogue, outbox rows and explorer steps
   * is `applyPending`'s job, later and in larger transactions (docs/origin-sync-storage.md).
   */
  journal(
    events: readonly (CoreEvent | JournalEntry)[],
    receivedAt: number,
    validatedAt: number,
    at: number,
  ): JournalResult {
    return this.#counts.counted(() => this.#journal(events, receivedAt, validatedAt, at));
  }

  #journal(
    events: readonly (CoreEvent | JournalEntry)[],
    receivedAt: number,
    validatedAt: number,
    at: number,
  ): JournalResult {
    let accepted = 0;
    let duplicates = 0;
    for (const event of events) {
      // run() and its rowid, not RETURNING: measured, the returned row costs more than the
      // insert's own result.
      const inserted = this.#s('insertEvent').run(
        event.id,
        event.type,
        'serialized' in event ? event.serialized : JSON.stringify(event),
        receivedAt,
        validatedAt,
        at,
      );
      if (inserted.changes === 0) {
        duplicates++;
        continue;
      }
      accepted++;
      const seq = Number(inserted.lastInsertRowid);
      if (seq > this.#journaledSeq) this.#journaledSeq = seq;
      if ('route' in event) this.#routes.set(seq, event.route);
    }
    this.#counts.note('events', accepted);
    return { accepted, duplicates };
  }

  /** Journaled events not applied yet (an upper bound: a rolled-back journal leaves a gap). */
  get pending(): number {
    return Math.max(0, this.#journaledSeq - this.#appliedSeq);
  }

  /**
   * Applies up to `max` journaled events in journal order (inside a transaction): catalogue,
   * fan-out to outbox rows, explorer steps. The watermark moves in the same transaction, so a
   * crash either keeps an event's whole effect or none of it, and replays it on start.
   */
  applyPending(max: number, at: number): ApplyResult {
    return this.#counts.counted(() => this.#applyPending(max, at));
  }

  #applyPending(max: number, at: number): ApplyResult {
    const pages = new Set<string>();
    const hostnames: HostnamesChange[] = [];
    const events = this.#pending(max);
    const facts = this.#facts;
    let fetched = false;
    for (let i = 0; i < events.length; ) {
      if (this.#batched) {
        if (!fetched) facts.prefetch(events, i);
        fetched = true;
        const run = i === 0 && events.length <= SLICE_MAX ? events : events.slice(i, i + SLICE_MAX);
        const plan = planFanOut(run, facts, DIRECT_MAX);
        const seqs = [run[0]?.seq ?? 0, run[plan.planned - 1]?.seq ?? 0] as const;
        this.#writePlan(plan, at, seqs, pages);
        facts.absorb(plan);
        i += plan.planned;
        if (i === events.length) break;
      }
      // A page event, or one for more than DIRECT_MAX pages: one at a time.
      const item = events[i] as Pending;
      const event = JSON.parse(item.body ?? this.#body(item.seq)) as CoreEvent;
      this.#admit(event, item.seq, at, pages, hostnames);
      // A page event changes which pages show what: the cache is stale. A wide event
      // changed only its own entity.
      if (isPageEvent(event)) {
        facts.clear();
        fetched = false;
      } else facts.forget(item.route.key);
      i++;
    }
    const through = events.length > 0 ? (events[events.length - 1] as Pending).seq : 0;
    if (events.length > 0) this.#markApplied(through);
    // Fewer than asked: nothing else is journaled (a rolled-back journal left a gap).
    if (events.length < max) this.#journaledSeq = this.#appliedSeq;
    return { applied: events.length, pages: [...pages], hostnames };
  }

  /**
   * The next `max` journaled events: their routes as the journal kept them when every one
   * is there (most slices: no body read, nothing parsed), else read and parsed (after a
   * restart, an import).
   */
  #pending(max: number): Pending[] {
    const routes = this.#routes;
    if (routes.size > MAX_ROUTES) routes.clear();
    const ids = this.#s('unappliedIds').all(this.#appliedSeq, max) as { seq: number; id: string }[];
    const out: Pending[] = [];
    for (const r of ids) {
      const route = routes.get(r.seq);
      if (route?.id !== r.id) break;
      out.push({ seq: r.seq, route, body: null });
    }
    for (const r of ids) routes.delete(r.seq);
    if (out.length === ids.length) return out;
    const rows = this.#s('unapplied').all(this.#appliedSeq, max) as { seq: number; body: string }[];
    return rows.map((r) => ({
      seq: r.seq,
      route: routeOf(JSON.parse(r.body) as CoreEvent),
      body: r.body,
    }));
  }

  #body(seq: number): string {
    return (this.#s('body').get(seq) as { body: string }).body;
  }

  /** A planned run's rows, one statement per table (fan-out-plan.ts). */
  #writePlan(
    plan: FanOutPlan,
    at: number,
    [firstSeq, lastSeq]: readonly [number, number],
    pages: Set<string>,
  ): void {
    if (plan.outbox.length > 0) {
      this.#counts.note(
        'outbox',
        this.#s('planOutbox').run(JSON.stringify(plan.outbox), at).changes,
      );
    }
    for (const pageId of plan.pages) {
      pages.add(pageId);
      this.#queuedPages.add(pageId);
    }
    if (plan.steps.length > 0) {
      this.#s('planSteps').run(JSON.stringify(sliceSteps(plan.steps)), at, firstSeq, lastSeq);
    }
    if (plan.deliveries.length > 0) {
      this.#s('planDeliveries').run(JSON.stringify(plan.deliveries));
    }
    const updates: [string, number, number, number][] = [];
    const inserts: [string, string, number, number, number][] = [];
    for (const e of plan.entities) {
      if (e.known) updates.push([e.key, e.version, e.seq, e.deleted]);
      else inserts.push([e.key, e.kind, e.version, e.seq, e.deleted]);
    }
    if (updates.length > 0) this.#s('planUpdateEntities').run(JSON.stringify(updates));
    if (inserts.length > 0) {
      const added = this.#s('planInsertEntities').run(JSON.stringify(inserts)).changes;
      this.#counts.note('entities', added);
    }
    for (const [key, services] of plan.services) {
      this.#s('clearEntityServices').run(key);
      for (const id of services) this.#s('addEntityService').run(id, key);
    }
  }

  /**
   * An event whose apply throws (a bug, not the disk) must not hold up every event after it:
   * it is marked applied with a failed step saying so, and the rest goes on.
   */
  skipPoisoned(at: number, error: string): string | null {
    const row = this.#s('unapplied').get(this.#appliedSeq, 1) as
      | { seq: number; body: string }
      | undefined;
    if (!row) return null;
    const id = (this.#s('eventIdOf').get(row.seq) as { id: string }).id;
    this.#s('addStep').run(id, null, 'failed', at, null, 'not fanned out', error);
    this.#markApplied(row.seq);
    return id;
  }

  /** After a rollback: the watermark is what the database says. */
  reloadWatermark(): void {
    // What the cache absorbed from the rolled-back transaction is not in the database.
    this.#facts.clear();
    const mark = this.#s('applied').get() as { value: string } | undefined;
    if (mark) this.#appliedSeq = Number(mark.value);
    this.#journaledSeq = (this.#s('lastSeq').get() as { seq: number | null }).seq ?? 0;
  }

  #markApplied(seq: number): void {
    this.#s('setApplied').run(String(seq));
    this.#appliedSeq = seq;
  }

  /** Journal and apply in one go: for the legacy import and tests of what the store decides. */
  accept(
    events: readonly CoreEvent[],
    receivedAt: number,
    validatedAt: number,
    at: number,
  ): AcceptResult {
    return this.#counts.counted(() => {
      const journaled = this.journal(events, receivedAt, validatedAt, at);
      const applied = this.applyPending(Number.MAX_SAFE_INTEGER, at);
      return { ...journaled, pages: applied.pages, hostnames: applied.hostnames };
    });
  }

  #admit(
    event: CoreEvent,
    seq: number,
    at: number,
    pages: Set<string>,
    hostnames: HostnamesChange[],
  ): void {
    const key = entityKey(event);
    const kind = key.slice(0, key.indexOf(':'));
    const deleted = event.type.endsWith('.deleted') ? 1 : 0;

    if (isPageEvent(event)) {
      // Only a page's own body is read back: its services and hostnames before the change.
      const knownRow = this.#s('entity').get(key) as EntityRow | undefined;
      const known = knownRow ? (JSON.parse(knownRow.body) as CoreEvent) : undefined;
      const newer = supersedes(event, known);
      const pageId = event.data.id;
      this.#fanOut(event, seq, [pageId], at, newer, pages, null);
      if (!newer) return;
      const before = livePage(known);
      const after = livePage(event);
      this.#putEntity(knownRow !== undefined, key, kind, event.version, seq, deleted);
      this.#s('clearPageServices').run(pageId);
      // A deleted page has nothing left to correct: later deletions need not reach it.
      if (!after) this.#s('forgetDeliveries').run(pageId);
      for (const id of after?.serviceIds ?? []) this.#s('addPageService').run(id, pageId);
      if (after) {
        const shown = new Set(before?.serviceIds ?? []);
        const added = after.serviceIds.filter((id) => !shown.has(id));
        if (added.length > 0) this.#catchUp(pageId, added, at, pages);
      }
      // Every newer page event, even with the same hostnames: saving a page again is how
      // an operator asks the certificate updater to look at a stalled hostname anew.
      hostnames.push({
        pageId,
        before: before?.hostnames ?? [],
        after: after?.hostnames ?? [],
        eventId: event.id,
        version: event.version,
      });
      return;
    }

    const state = this.#s('entityState').all(key) as {
      version: number | null;
      service_id: string | null;
    }[];
    const knownVersion = state[0]?.version ?? undefined;
    const newer = knownVersion === undefined || event.version > knownVersion;
    // An incident that moves off a service, or is deleted, must still reach the pages that
    // showed it: the services it last touched, and every page it was ever sent to.
    const own = servicesOf(event);
    const services = new Set(own);
    const before: string[] = [];
    for (const r of state) if (r.service_id !== null) before.push(r.service_id);
    for (const id of before) services.add(id);
    const tracked = TRACKED_KINDS.has(kind);
    this.#fanOutWide(event, seq, [...services], at, newer, pages, tracked ? key : null);
    if (!newer) return;
    this.#putEntity(knownVersion !== undefined, key, kind, event.version, seq, deleted);
    // A tombstone keeps the services its entity last touched.
    if (!deleted && !sameMembers(before, own)) {
      this.#s('clearEntityServices').run(key);
      for (const id of own) this.#s('addEntityService').run(id, key);
    }
  }

  /** The entity's row now carries this event; `known`: the caller found the row. */
  #putEntity(
    known: boolean,
    key: string,
    kind: string,
    version: number,
    seq: number,
    deleted: number,
  ): void {
    const update = () => this.#s('updateEntity').run(version, seq, deleted, key).changes > 0;
    if (known && update()) return;
    if (this.#s('insertEntity').run(key, kind, version, seq, deleted).changes > 0) {
      this.#counts.note('entities', 1);
      return;
    }
    update();
  }

  #fanOut(
    event: CoreEvent,
    seq: number,
    targets: readonly string[],
    at: number,
    newer: boolean,
    pages: Set<string>,
    trackKey: string | null,
  ): void {
    const detail = newer ? null : STALE_NOTE;
    for (const pageId of targets) {
      this.#enqueue(pageId, seq, at, pages, trackKey);
      this.#s('addStep').run(event.id, pageId, 'fanned_out', at, null, detail, null);
    }
    if (targets.length === 0) {
      this.#s('addStep').run(event.id, null, 'fanned_out', at, null, NO_PAGE_NOTE, null);
    }
  }

  /**
   * The fan-out of an entity event as set-based statements: one service on 5,000 pages is a
   * few INSERT … SELECTs over the page index (linear in pages, inside SQLite), not 15,000
   * statement calls from JavaScript.
   */
  #fanOutWide(
    event: CoreEvent,
    seq: number,
    services: string[],
    at: number,
    newer: boolean,
    pages: Set<string>,
    trackKey: string | null,
  ): void {
    // A few pages (most events): one read and a few inserts each beat the temp table's five
    // statements. Past DIRECT_MAX pages, set-based statements keep it linear inside SQLite.
    const direct = this.#fewTargets(services, trackKey);
    if (direct) {
      const detail = newer ? null : STALE_NOTE;
      for (const [pageId, delivered] of direct) {
        this.#enqueue(pageId, seq, at, pages, delivered ? null : trackKey);
        this.#s('addStep').run(event.id, pageId, 'fanned_out', at, null, detail, null);
      }
      if (direct.size === 0) this.#fanOut(event, seq, [], at, newer, pages, null);
      return;
    }
    this.#s('clearTargets').run();
    this.#s('fillTargets').run(JSON.stringify(services), trackKey ?? '', trackKey ? 1 : 0);
    const targets = this.#s('targets').all() as { page_id: string }[];
    if (targets.length === 0) {
      this.#fanOut(event, seq, [], at, newer, pages, null);
      return;
    }
    this.#counts.note('outbox', this.#s('enqueueTargets').run(seq, at).changes);
    this.#s('stepTargets').run(event.id, at, newer ? null : STALE_NOTE);
    if (trackKey) this.#s('deliverTargets').run(trackKey);
    for (const { page_id } of targets) {
      pages.add(page_id);
      this.#queuedPages.add(page_id);
    }
  }

  /** The pages an event goes to, sorted, each with whether deliveries has it; null past DIRECT_MAX. */
  #fewTargets(services: readonly string[], trackKey: string | null): Map<string, boolean> | null {
    const found = new Map<string, boolean>();
    for (const id of services) {
      for (const r of this.#s('servicePages').all(id) as { page_id: string }[]) {
        found.set(r.page_id, false);
      }
      if (found.size > DIRECT_MAX) return null;
    }
    if (trackKey) {
      for (const r of this.#s('deliveredPages').all(trackKey) as { page_id: string }[]) {
        found.set(r.page_id, true);
      }
    }
    if (found.size > DIRECT_MAX) return null;
    // Most events go to one page: nothing to sort.
    if (found.size <= 1) return found;
    return new Map([...found].sort(([a], [b]) => byCodeUnit(a, b)));
  }

  #enqueue(
    pageId: string,
    seq: number,
    at: number,
    pages: Set<string>,
    trackKey: string | null,
  ): boolean {
    const r = this.#s('enqueue').run(pageId, seq, at);
    this.#counts.note('outbox', r.changes);
    if (trackKey) this.#s('addDelivery').run(trackKey, pageId);
    this.#queuedPages.add(pageId);
    if (r.changes === 0) return false;
    pages.add(pageId);
    return true;
  }

  /** The page started showing `added`: it needs their current state, incidents, maintenance, uptime. */
  #catchUp(pageId: string, added: string[], at: number, pages: Set<string>): void {
    const rows: { seq: number; type: CoreEvent['type']; body: string }[] = [];
    const seen = new Set<number>();
    for (const id of added) {
      for (const row of this.#s('catchUp').all(id) as {
        seq: number;
        type: CoreEvent['type'];
        body: string;
      }[]) {
        if (seen.has(row.seq)) continue;
        seen.add(row.seq);
        rows.push(row);
      }
    }
    rows.sort((a, b) => catchUpRank(a.type) - catchUpRank(b.type) || a.seq - b.seq);
    const detail = `catch-up: the page started showing ${added.join(', ')}`;
    for (const row of rows) {
      const event = JSON.parse(row.body) as CoreEvent;
      const key = entityKey(event);
      const trackKey = TRACKED_KINDS.has(key.slice(0, key.indexOf(':'))) ? key : null;
      if (!this.#enqueue(pageId, row.seq, at, pages, trackKey)) continue;
      this.#s('addStep').run(event.id, pageId, 'fanned_out', at, null, detail, null);
    }
  }

  /** Takes in what a push or a render check learned (one case per kind: an exhaustive switch). */
  record(record: OutcomeRecord): void {
    this.#counts.counted(() => this.#record(record));
  }

  #record(record: OutcomeRecord): void {
    switch (record.kind) {
      case 'ack':
        this.#ack(record);
        break;
      case 'fail':
        this.#fail(record);
        break;
      case 'rendered':
        this.#rendered(record);
        break;
      case 'render_fail':
        this.#renderFail(record);
        break;
    }
  }

  /** An extension's step (the certificate updater's progress), for an event still kept. */
  addStep(eventId: string, step: TraceStep): void {
    if (!this.#s('seen').get(eventId)) return;
    this.#step(eventId, step);
  }

  #step(eventId: string, step: TraceStep): void {
    this.#s('addStep').run(
      eventId,
      step.pageId ?? null,
      step.step,
      Date.parse(step.at),
      step.renderVersion ?? null,
      step.detail ?? null,
      step.error ?? null,
    );
  }

  /**
   * A failed push is retried, possibly many times: keep one `failed` step per page and
   * attempt streak (updated in place) rather than one per attempt.
   */
  #failure(
    eventId: string,
    pageId: string,
    at: number,
    version: number | null,
    error: string,
    detail: string,
    since = 0,
  ): void {
    const last = this.#s('lastStepForPage').get(eventId, pageId) as
      | { id: number; step: string; at: number; outcome: string | null }
      | undefined;
    if (last?.outcome === 'failed') {
      // A `pushed` row (before migration 10) whose outcome was a failure: that outcome is the
      // last step.
      this.#s('updateOutcome').run('failed', at, version, detail, error, last.id);
    } else if (last?.outcome === null && last.step === 'failed' && last.at >= since) {
      // Not a failure from before the push (`since`, its ack): the push, read from its own
      // row (trace), is between them.
      this.#s('updateStep').run('failed', at, version, detail, error, last.id);
    } else {
      this.#s('addStep').run(eventId, pageId, 'failed', at, version, detail, error);
    }
  }

  /**
   * Set-based for the whole batch (measured: five statements per event made acks a third of
   * origin-sync's CPU under load): the dequeue, the `pushed` rows with each event's outcome,
   * and the render watch are one statement each over the batch. Ids the store no longer
   * knows are skipped.
   */
  #ack(record: AckRecord): void {
    const { pageId, renderVersion } = record;
    // The pusher names each event by its seq too; without them (an import, a test), ids the
    // store no longer knows are skipped.
    let ids = record.eventIds;
    let seqs = record.eventSeqs;
    if (seqs === undefined || seqs.length !== ids.length) {
      const known = this.#s('knownSeqs').all(JSON.stringify(ids)) as { id: string; seq: number }[];
      ids = known.map((r) => r.id);
      seqs = known.map((r) => r.seq);
    }
    if (ids.length === 0) return;
    this.#counts.note('outbox', -this.#s('ackDequeue').run(pageId, JSON.stringify(seqs)).changes);
    const outcomes = new Map(record.results.map((r) => [r.id, r.outcome]));
    const details = new Map(record.results.map((r) => [r.id, r.detail]));
    const batch = `batch of ${record.eventIds.length}${record.attempt > 1 ? `, attempt ${record.attempt}` : ''}`;
    // What is not `applied` at the push's render version, by event: most pushes have nothing.
    const exceptions: Record<string, PushOutcome> = {};
    let excepted = false;
    const promised: string[] = [];
    for (const eventId of ids) {
      const outcome = record.allApplied ? 'applied' : outcomes.get(eventId);
      if (outcome !== undefined && outcome !== 'refused' && renderVersion !== null) {
        promised.push(eventId);
      }
      if (outcome === 'applied') {
        if (renderVersion !== null) continue;
        exceptions[eventId] = ['applied', null, null, null];
      } else if (outcome === undefined) {
        exceptions[eventId] =
          renderVersion === null ? ['applied', null, UNANSWERED, null] : [null, null, null, null];
      } else if (outcome === 'refused') {
        // The edge's hostname registry refused the page upsert: nothing of it was stored.
        const why = details.get(eventId) ?? 'a hostname is held by another page';
        exceptions[eventId] = ['failed', null, null, `refused by the edge: ${why}`];
      } else {
        exceptions[eventId] = ['skipped', renderVersion, outcome, null];
      }
      excepted = true;
    }
    const all = JSON.stringify(ids);
    const push = this.#s('insertPush').run(
      pageId,
      record.pushedAt,
      record.at,
      batch,
      renderVersion,
      all,
      excepted ? JSON.stringify(exceptions) : null,
    );
    if (promised.length > 0) {
      const watched = promised.length === ids.length ? all : JSON.stringify(promised);
      this.#s('ackExpect').run(
        pageId,
        renderVersion,
        record.at,
        promised.length,
        watched,
        push.lastInsertRowid,
      );
      this.#counts.note('render_watch', promised.length);
    }
    this.#forgetIfEmpty(pageId);
  }

  #fail(record: FailRecord): void {
    const { pageId } = record;
    const detail = record.deadLetter
      ? `dead-lettered: ${record.deadLetter}`
      : `attempt ${record.attempt}; retrying`;
    for (const eventId of record.eventIds) {
      const row = this.#s('eventSeq').get(eventId) as { seq: number } | undefined;
      if (!row) continue;
      this.#failure(eventId, pageId, record.at, null, record.error, detail);
      if (record.deadLetter) {
        this.#counts.note('outbox', -this.#s('dequeue').run(pageId, row.seq).changes);
        const letter = [pageId, row.seq, record.at, record.error, record.attempt] as const;
        if (this.#s('addDeadLetter').run(...letter).changes > 0) {
          this.#counts.note('dead_letters', 1);
        } else {
          this.#s('updateDeadLetter').run(...letter);
        }
      }
    }
    if (record.deadLetter) this.#forgetIfEmpty(pageId);
  }

  #rendered(record: RenderedRecord): void {
    // Three statements whatever the number of events confirmed (not one per event).
    const { pageId, version } = record;
    const { n: gone, legacy } = this.#s('watchedThrough').get(pageId, version) as {
      n: number;
      legacy: number;
    };
    if (gone === 0) return;
    if (legacy > 0) {
      this.#s('renderedLegacy').run(pageId, version, record.renderedAt, ALREADY_LIVE);
    }
    // The events' `rendered` steps are read from this row and their pushes' (trace).
    this.#s('insertRender').run(pageId, version, record.renderedAt, record.at);
    this.#s('unwatch').run(pageId, version);
    this.#counts.note('render_watch', -gone);
  }

  #renderFail(record: RenderFailRecord): void {
    const awaited = this.#s('waiting').all(record.pageId) as {
      event_id: string;
      version: number;
      since: number;
    }[];
    if (record.giveUp) {
      const { n } = this.#s('watchedThrough').get(record.pageId, Number.MAX_SAFE_INTEGER) as {
        n: number;
      };
      this.#s('dropWatch').run(record.pageId);
      this.#counts.note('render_watch', -n);
    }
    const detail = record.giveUp ? RENDER_GIVEN_UP : 'render not published yet; still waiting';
    for (const a of awaited) {
      this.#failure(a.event_id, record.pageId, record.at, a.version, record.error, detail, a.since);
    }
  }

  /** An operator's retry: the dead letter goes back to the end of its page's queue. */
  retryDeadLetter(pageId: string, eventId: string, at: number): boolean {
    return this.#counts.counted(() => this.#retryDeadLetter(pageId, eventId, at));
  }

  #retryDeadLetter(pageId: string, eventId: string, at: number): boolean {
    const row = this.#s('eventSeq').get(eventId) as { seq: number } | undefined;
    if (!row) return false;
    if (this.#s('removeDeadLetter').all(pageId, row.seq).length === 0) return false;
    this.#counts.note('dead_letters', -1);
    this.#enqueue(pageId, row.seq, at, new Set(), null);
    this.#s('addStep').run(eventId, pageId, 'fanned_out', at, null, 'retried by an operator', null);
    return true;
  }

  /** An operator's discard: the dead letter is dropped for good (the explorer says so). */
  discardDeadLetter(pageId: string, eventId: string, at: number): boolean {
    return this.#counts.counted(() => this.#discardDeadLetter(pageId, eventId, at));
  }

  #discardDeadLetter(pageId: string, eventId: string, at: number): boolean {
    const row = this.#s('eventSeq').get(eventId) as { seq: number } | undefined;
    if (!row) return false;
    if (this.#s('removeDeadLetter').all(pageId, row.seq).length === 0) return false;
    this.#counts.note('dead_letters', -1);
    this.#s('addStep').run(
      eventId,
      pageId,
      'failed',
      at,
      null,
      'discarded by an operator',
      'dead letter discarded',
    );
    return true;
  }

  /**
   * Forgets explorer data past its age, and the oldest first while the database is over its
   * byte budget. Bounded work per call (`limit` rows per table); returns rows deleted.
   */
  prune(now: number, retention: Retention, limit = 10_000): number {
    let cutoff = now - retention.maxAgeMs;
    const { page_count, page_size, freelist_count } = {
      ...(this.db.prepare('PRAGMA page_count').get() as { page_count: number }),
      ...(this.db.prepare('PRAGMA page_size').get() as { page_size: number }),
      ...(this.db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }),
    };
    const used = (page_count - freelist_count) * page_size;
    if (used > retention.maxBytes) {
      const oldest = (this.#s('oldestStep').get() as { at: number } | undefined)?.at;
      if (oldest !== undefined) cutoff = Math.max(cutoff, oldest + 3_600_000);
    }
    const steps =
      Number(this.#s('pruneSteps').run(cutoff, limit).changes) +
      Number(this.#s('prunePushes').run(cutoff, limit).changes) +
      Number(this.#s('pruneRenders').run(cutoff, limit).changes);
    const below = this.#journaledBefore(cutoff);
    const events = Number(this.#s('pruneEvents').run(cutoff, limit, below).changes);
    this.#counts.counted(() => this.#counts.note('events', -events));
    return steps + events;
  }

  /**
   * The lowest seq journaled at or after `cutoff` (past the last event: one more than it), by
   * bisection over seq: about 24 rowid seeks at 9 M events, instead of an index on the time.
   */
  #journaledBefore(cutoff: number): number {
    const first = this.#s('firstSeq').get() as { seq: number } | undefined;
    if (!first) return 0;
    let lo = first.seq;
    let hi = ((this.#s('lastSeq').get() as { seq: number | null }).seq ?? 0) + 1;
    // Invariant: some bound in [lo, hi] has only events older than cutoff below it and only
    // newer ones from it on (seqs without an event, e.g. pruned, count as either).
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.#s('firstJournaledFrom').get(mid) as
        | { seq: number; journaled_at: number }
        | undefined;
      if (!row) hi = mid;
      else if (row.journaled_at < cutoff) lo = row.seq + 1;
      else hi = mid;
    }
    return lo;
  }

  #forgetIfEmpty(pageId: string): void {
    if (!this.#s('anyQueued').get(pageId)) this.#queuedPages.delete(pageId);
  }

  // ----- reads -----

  page(pageId: string): StatusPage | null {
    const row = this.#s('entity').get(`status_page:${pageId}`) as EntityRow | undefined;
    return row ? livePage(JSON.parse(row.body) as CoreEvent) : null;
  }

  pages(): StatusPage[] {
    const out: StatusPage[] = [];
    for (const row of this.#s('livePages').all() as { body: string }[]) {
      const page = livePage(JSON.parse(row.body) as CoreEvent);
      if (page) out.push(page);
    }
    return out;
  }

  /** The pages with something queued. */
  queuedPages(): string[] {
    return [...this.#queuedPages];
  }

  /** The oldest items of a page, at most `max`: what the next push carries. */
  peek(pageId: string, max: number): OutboxItem[] {
    const rows = this.#s('peek').all(pageId, max) as {
      event_seq: number;
      id: string;
      body: string;
    }[];
    if (rows.length === 0) this.#queuedPages.delete(pageId);
    return rows.map((r) => ({
      eventSeq: r.event_seq,
      eventId: r.id,
      body: r.body,
    }));
  }

  outboxStats(): { depth: number; pages: number; oldestEnqueuedAt: number | null } {
    const oldest = this.#s('outboxOldest').get() as { enqueued_at: number } | undefined;
    return {
      depth: this.#counts.rows('outbox'),
      pages: this.#counts.pageCount('outbox'),
      oldestEnqueuedAt: oldest?.enqueued_at ?? null,
    };
  }

  trace(eventId: string): EventTrace | undefined {
    const head = this.#s('traceHead').get(eventId) as
      | {
          seq: number;
          id: string;
          type: string;
          received_at: number;
          validated_at: number;
          journaled_at: number;
        }
      | undefined;
    if (!head) return undefined;
    const steps: TraceStep[] = [
      { step: 'received', at: iso(head.received_at) },
      { step: 'validated', at: iso(head.validated_at) },
      { step: 'journaled', at: iso(head.journaled_at) },
    ];
    const rows = (
      this.#s('traceSteps').all(eventId, head.seq) as unknown as (StepRow & {
        details: string | null;
      })[]
    ).map((r) =>
      r.details === null
        ? r
        : { ...r, detail: (JSON.parse(r.details) as Record<string, string>)[eventId] ?? null },
    );
    // Steps read from pushes and renders go in among the rows by when they were learned:
    // after the fan-out that queued the event, before what was written later.
    // Kept sorted by `order`: what is due is always at its head.
    const derived: DerivedStep[] = [];
    const flush = (before: number) => {
      while (derived.length > 0 && (derived[0] as DerivedStep).order < before) {
        steps.push((derived.shift() as DerivedStep).step);
      }
    };
    for (const r of rows) {
      flush(r.at);
      steps.push(traceStep(r.step, r.at, r.page_id, r.render_version, r.detail, r.error));
      // A pushed row carries its outcome on the page (applied, skipped, refused) as a step of its own.
      if (r.outcome !== null && r.outcome_at !== null) {
        steps.push(
          traceStep(
            r.outcome,
            r.outcome_at,
            r.page_id,
            r.outcome_version,
            r.outcome_detail,
            r.outcome_error,
          ),
        );
      }
      if (r.step === 'fanned_out' && r.page_id !== null) {
        derived.push(...this.#delivered(eventId, r.page_id, r.at, rows));
        derived.sort((a, b) => a.order - b.order);
      }
    }
    flush(Number.POSITIVE_INFINITY);
    return { id: head.id, type: head.type, receivedAt: iso(head.received_at), steps };
  }

  /**
   * What became of an event fanned out to a page at `since`: its push and the push's outcome
   * for it, then the render that confirmed it, read from their rows (none while it waits).
   */
  #delivered(eventId: string, pageId: string, since: number, rows: StepRow[]): DerivedStep[] {
    const push = this.#s('pushOf').get(pageId, since, eventId) as PushRow | undefined;
    if (!push) return [];
    const out: DerivedStep[] = [
      {
        order: push.pushed_at,
        step: traceStep('pushed', push.pushed_at, pageId, null, push.detail, null),
      },
    ];
    const exceptions = push.outcomes
      ? (JSON.parse(push.outcomes) as Record<string, PushOutcome>)
      : {};
    const [step, version, detail, error] = exceptions[eventId] ?? [
      'applied',
      push.render_version,
      null,
      null,
    ];
    if (step !== null) {
      out.push({ order: push.at, step: traceStep(step, push.at, pageId, version, detail, error) });
    }
    // Promised a render: the push's version, for what the edge applied or skipped.
    if (push.render_version === null || (step !== 'applied' && step !== 'skipped')) return out;
    const render = this.#s('renderOf').get(pageId, push.render_after, push.render_version) as
      | RenderRow
      | undefined;
    if (!render) return out;
    // Failures of the render, written between the push and its confirmation, come first;
    // after origin-sync stopped waiting, a later render confirms nothing.
    let after = push.at;
    for (const r of rows) {
      if (r.page_id !== pageId || r.step !== 'failed' || r.at < push.at || r.at > render.at)
        continue;
      if (r.detail === RENDER_GIVEN_UP) return out;
      after = Math.max(after, r.at);
    }
    out.push({
      order: Math.max(render.rendered_at, after),
      step: traceStep(
        'rendered',
        render.rendered_at,
        pageId,
        render.version,
        render.rendered_at < push.at ? ALREADY_LIVE : null,
        null,
      ),
    });
    return out;
  }

  /** The page's events, the most recent first (a catch-up moves one to the front). */
  pageTraces(pageId: string, limit: number): EventTrace[] {
    const out: EventTrace[] = [];
    for (const row of this.#s('pageEvents').all(pageId, limit) as { event_id: string }[]) {
      const trace = this.trace(row.event_id);
      if (trace) out.push(trace);
    }
    return out;
  }

  watchPages(): string[] {
    return this.#counts.pages('render_watch');
  }

  watchSummary(pageId: string): WatchSummary | null {
    const r = this.#s('watchSummary').get(pageId) as {
      lowest: number | null;
      highest: number | null;
      oldest: number | null;
      n: number;
    };
    if (r.n === 0 || r.lowest === null || r.highest === null || r.oldest === null) return null;
    return { lowest: r.lowest, highest: r.highest, oldestSince: r.oldest, events: r.n };
  }

  watchStats(): { waiting: number; pages: number; oldestSince: number | null } {
    const oldest = this.#s('watchOldest').get() as { since: number } | undefined;
    return {
      waiting: this.#counts.rows('render_watch'),
      pages: this.#counts.pageCount('render_watch'),
      oldestSince: oldest?.since ?? null,
    };
  }

  deadLetters(limit: number): DeadLetter[] {
    return (
      this.#s('deadLetters').all(limit) as {
        page_id: string;
        id: string;
        type: string;
        at: number;
        error: string;
        attempts: number;
      }[]
    ).map((r) => ({
      pageId: r.page_id,
      eventId: r.id,
      type: r.type,
      at: iso(r.at),
      error: r.error,
      attempts: r.attempts,
    }));
  }

  deadLetterStats(): { count: number; pages: number } {
    return {
      count: this.#counts.rows('dead_letters'),
      pages: this.#counts.pageCount('dead_letters'),
    };
  }

  counts(): { entities: number; events: number; pages: number } {
    return {
      entities: this.#counts.rows('entities'),
      events: this.#counts.rows('events'),
      pages: (this.#s('livePageCount').get() as { n: number }).n,
    };
  }
}
