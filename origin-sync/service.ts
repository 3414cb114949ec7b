// origin-sync's core: the store (one SQLite database), the pusher that drains its outbox, the
// render confirmer, and the extensions, wired together with a start and a clean stop. No HTTP.
import { join } from 'node:path';
import type { CryptoKey } from 'jose';
import type { CoreEvent } from '../worker/domain/schema.ts';
import type { OriginSyncExtension, PageDirectory } from './extensions.ts';
import { errorMessage, type Logger, silentLogger } from './log.ts';
import { MinuteSeries } from './minute-series.ts';
import type { BackoffPolicy, BreakerOptions } from './push/backoff.ts';
import { type PagePush, Pusher, type PushHealth } from './push/pusher.ts';
import {
  type ConfirmHealth,
  RenderConfirmer,
  type RenderConfirmTiming,
  type StatusAnswer,
} from './push/render-confirmer.ts';
import { DEFAULT_MAX_PENDING } from './store/applier.ts';
import { CommitQueue } from './store/commit-queue.ts';
import {
  DEFAULT_CACHE_BYTES,
  openSharedDatabase,
  READER_CACHE_BYTES,
  type SharedDatabase,
  setMaxPageCount,
} from './store/database.ts';
import { DbClient } from './store/db-client.ts';
import { isPageEvent } from './store/entities.ts';
import { importLegacyJournal } from './store/legacy-import.ts';
import type { OutcomeRecord } from './store/outcomes.ts';
import {
  type OperatorAction,
  type RecordedRequest,
  RequestLog,
  type RequestRetention,
} from './store/requests.ts';
import {
  type AcceptResult,
  type ApplyResult,
  DEFAULT_RETENTION,
  type DeadLetter,
  type JournalResult,
  journalEntry,
  type Retention,
  Store,
} from './store/store.ts';
import type { EventTrace, TraceStep } from './store/trace.ts';

export type { AcceptResult, JournalResult };

export interface OriginSyncOptions {
  /** origin-sync's own directory, e.g. `<STATE_DIR>/origin-sync`. */
  dir: string;
  workerUrl: string;
  syncPrivateKey: CryptoKey;
  retention?: Partial<Retention>;
  /** The core's recorded requests (GET /v1/requests): age and the refused ones' cap. */
  requestRetention?: Partial<RequestRetention>;
  /** Fan-out off the request path: events per transaction, backlog bound (store/applier.ts). */
  apply?: { budget?: number; maxPending?: number };
  /** Group commit: how long writes may gather before one transaction commits them. */
  commitWindowMs?: number;
  /** Test hook standing in for a full disk (SQLite's max_page_count). */
  maxPageCount?: number;
  /** SQLite's page cache in bytes (SQLITE_CACHE_MIB); the default is DEFAULT_CACHE_BYTES. */
  cacheBytes?: number;
  push?: {
    concurrency?: number;
    maxConcurrency?: number;
    minIntervalMs?: number;
    requestTimeoutMs?: number;
    retry?: BackoffPolicy;
    breaker?: BreakerOptions;
    deadLetterAfterMs?: number;
    fetch?: typeof fetch;
  };
  /** Confirming the promised render versions (GET /_sync/pages/:id/status). */
  confirm?: { timing?: Partial<RenderConfirmTiming>; concurrency?: number; fetch?: typeof fetch };
  extensions?: OriginSyncExtension[];
  log?: Logger;
}

export interface Health {
  ok: boolean;
  status: 'ok' | 'degraded' | 'stopping' | 'failed';
  startedAt: string;
  uptimeS: number;
  outbox: { depth: number; pages: number; oldestAgeS: number | null };
  deadLetters: { count: number; pages: number };
  push: PushHealth;
  /** Events waiting for the edge to publish the render they were promised. */
  renders: ConfirmHealth & { waiting: number; pages: number; oldestAgeS: number | null };
  storage: {
    writable: boolean;
    error: string | null;
    commits: number;
    writes: number;
    /** Accepted events not fanned out yet (store/applier.ts) and those fanned out so far,
     * as they were when asked (the answer's other figures include the backlog). */
    pendingApply: number;
    applied: number;
  };
  catalogue: { entities: number; pages: number };
  explorer: { events: number };
  [extension: string]: unknown;
}

/** How often retention runs (bounded work each time). */
const PRUNE_EVERY_MS = 60_000;
/** How often the outbox and the render watch are sampled for the explorer's hour of charts. */
const SAMPLE_EVERY_MS = 5_000;

/** The last hour, per minute, for the explorer's system charts. */
export interface SystemMinutes {
  from: number;
  to: number;
  pushed: number[];
  pushFailed: number[];
  /** Highest outbox depth seen in each minute. */
  outboxDepth: number[];
  /** Highest age (s) of the oldest unconfirmed render seen in each minute. */
  oldestUnconfirmedS: number[];
}

export class OriginSync {
  readonly directory: PageDirectory;
  readonly extensions: OriginSyncExtension[];
  readonly requests: RequestLog;
  readonly #log: Logger;
  readonly #startedAt = Date.now();
  readonly #shared: SharedDatabase;
  /** This thread's connection: every read, and the extensions' own writes (rare). */
  readonly #store: Store;
  /** The database thread: the journal, the fan-out, acks and the rest of the writes. */
  #db!: DbClient;
  /** The extensions' writes, on this thread's connection (they hand in closures). */
  readonly #extCommits: CommitQueue;
  readonly #retention: Retention;
  readonly #maxPending: number;
  /** Pages that may have something queued: the pusher's work list, fed by the fan-out. */
  readonly #queued: Set<string>;
  #pusher!: Pusher;
  #confirmer!: RenderConfirmer;
  #pruneTimer: NodeJS.Timeout | null = null;
  #sampleTimer: NodeJS.Timeout | null = null;
  #sampledAt = 0;
  readonly #levels = new MinuteSeries(['outboxDepth', 'oldestUnconfirmedS'] as const, 'max');
  #acceptsInFlight = 0;
  #stopping = false;
  // Kept apart: the applier writing again must not clear a fault the core's commits still
  // meet (and the commit queue reports a fault once, so a cleared one would stay cleared).
  #commitError: string | null = null;
  #applyError: string | null = null;
  #extError: string | null = null;

  private constructor(opts: OriginSyncOptions, shared: SharedDatabase, store: Store) {
    this.#log = opts.log ?? silentLogger;
    this.#shared = shared;
    this.#store = store;
    this.#queued = new Set(store.queuedPages());
    this.#retention = { ...DEFAULT_RETENTION, ...opts.retention };
    this.#maxPending = opts.apply?.maxPending ?? DEFAULT_MAX_PENDING;
    this.requests = new RequestLog(store.db, {
      maxAgeMs: this.#retention.maxAgeMs,
      ...opts.requestRetention,
    });
    this.#extCommits = new CommitQueue(store.db, {
      ...(opts.commitWindowMs !== undefined ? { windowMs: opts.commitWindowMs } : {}),
      onFault: (err) => {
        this.#extError = err ? errorMessage(err) : null;
      },
    });
    this.extensions = opts.extensions ?? [];
    // Page events are applied before their 202 (db-thread.ts), so what a reader is told about
    // pages includes every page event accepted; the rest of the backlog is reported, not settled.
    this.directory = {
      page: (id) => this.#store.page(id),
      pages: () => this.#store.pages(),
    };
  }

  #fault(source: 'commit' | 'apply', error: string | null): void {
    if (source === 'commit') {
      this.#commitError = error;
      if (error) this.#log.error('store: cannot write; answering 503', { error });
      else this.#log.info('store: writing again');
    } else {
      this.#applyError = error;
      if (error) this.#log.error('store: cannot apply accepted events; retrying', { error });
    }
  }

  static async start(opts: OriginSyncOptions): Promise<OriginSync> {
    const shared = openSharedDatabase(opts.dir, {
      ...(opts.maxPageCount !== undefined ? { maxPageCount: opts.maxPageCount } : {}),
      cacheBytes: Math.min(READER_CACHE_BYTES, opts.cacheBytes ?? DEFAULT_CACHE_BYTES),
    });
    const db = shared.db;
    const log = opts.log ?? silentLogger;
    let sync: OriginSync;
    try {
      await importLegacyJournal(opts.dir, db, log);
      sync = new OriginSync(opts, shared, new Store(db));
      sync.#db = await DbClient.start(
        {
          dir: opts.dir,
          ...(opts.cacheBytes !== undefined ? { cacheBytes: opts.cacheBytes } : {}),
          ...(opts.maxPageCount !== undefined ? { maxPageCount: opts.maxPageCount } : {}),
          ...(opts.commitWindowMs !== undefined ? { commitWindowMs: opts.commitWindowMs } : {}),
          ...(opts.apply ? { apply: opts.apply } : {}),
          requestRetention: { maxAgeMs: sync.#retention.maxAgeMs, ...opts.requestRetention },
          retention: sync.#retention,
        },
        {
          applied: (result) => sync.#applied(result),
          fault: (source, error) => sync.#fault(source, error),
          log,
        },
      );
    } catch (err) {
      shared.close();
      throw err;
    }
    const store = sync.#store;
    const queued = sync.#queued;
    sync.#pusher = new Pusher({
      workerUrl: opts.workerUrl,
      privateKey: opts.syncPrivateKey,
      queue: {
        pages: () => [...queued],
        // Read here, on this thread's connection: the pusher awaits its ack's commit before
        // it peeks again, so it never sees rows its own ack removed.
        peek: (pageId, max) => {
          const items = store.peek(pageId, max);
          if (items.length === 0) queued.delete(pageId);
          return items;
        },
      },
      record: (record) => sync.#record(record),
      log,
      ...Object.fromEntries(Object.entries(opts.push ?? {}).filter(([, v]) => v !== undefined)),
    });
    sync.#confirmer = new RenderConfirmer({
      workerUrl: opts.workerUrl,
      privateKey: opts.syncPrivateKey,
      watch: {
        pages: () => store.watchPages(),
        summary: (pageId) => store.watchSummary(pageId),
      },
      record: (record) => sync.#db.call({ op: 'record', record }),
      log,
      ...Object.fromEntries(Object.entries(opts.confirm ?? {}).filter(([, v]) => v !== undefined)),
    });
    // An extension's steps are committed with its own state, in this thread's queue, so a
    // reader that sees the state also sees the step (as when there was one queue).
    const trace = (eventId: string, step: TraceStep) => {
      sync.#extCommits.run(() => store.addStep(eventId, step)).catch(() => {});
    };
    const storage = { db, commit: <T>(work: () => T) => sync.#extCommits.run(work) };
    // What a previous run journaled is applied before the extensions look at the pages.
    await sync.#db.call({ op: 'settle' });
    for (const ext of sync.extensions) await ext.start?.(sync.directory, trace, storage);
    const outbox = store.outboxStats();
    log.info('origin-sync: ready', { outboxDepth: outbox.depth, pages: outbox.pages });
    sync.#pusher.kick();
    sync.#confirmer.start();
    sync.#schedulePrune();
    sync.#sample();
    return sync;
  }

  get accepting(): boolean {
    return !this.#stopping;
  }

  /**
   * Stores a validated core batch; resolves once it is committed (fsync'd). Its fan-out to
   * pages follows off the request path (store/applier.ts); a backlog past its bound makes new
   * batches wait for room rather than grow without limit.
   */
  async accept(
    events: CoreEvent[],
    receivedAt: number,
    validatedAt: number,
    request: RecordedRequest | null = null,
  ): Promise<JournalResult> {
    if (!this.accepting) throw new Error('origin-sync is not accepting events');
    this.#acceptsInFlight++;
    try {
      // Backpressure, the group commit, the request's record in the same transaction, and a
      // page's own events fanned out before its 202: all on the database thread (db-thread.ts).
      const pageEvents = events.filter(isPageEvent);
      const result = await this.#db.call({
        op: 'journal',
        events: events.map(journalEntry),
        pageEvents: pageEvents.length > 0,
        receivedAt,
        validatedAt,
        request,
      });
      // The edge takes a page's hostnames from its push, and the core's next batch may claim
      // the ones this one released: such a push goes now, not after the page's push interval.
      for (const event of pageEvents) this.#pusher.pushSoon(event.data.id);
      return result;
    } finally {
      this.#acceptsInFlight--;
    }
  }

  /** Resolves once the fan-out's backlog has room for another batch (at once when it has). */
  room(): Promise<void> {
    return this.#db.room(this.#maxPending);
  }

  /** Journaled events not fanned out yet. */
  get pendingApply(): number {
    return this.#db.stats.pending;
  }

  #applied(result: ApplyResult): void {
    for (const pageId of result.pages) this.#queued.add(pageId);
    if (result.pages.length > 0) {
      this.#pusher.kick();
      // A burst drains within seconds: sample right after it is queued (at most once a
      // second) so the explorer's outbox chart sees it.
      if (Date.now() - this.#sampledAt >= 1_000) this.#sampleLevels();
    }
    for (const change of result.hostnames) {
      for (const ext of this.extensions) {
        try {
          ext.hostnamesChanged?.(change);
        } catch (err) {
          this.#log.error('extension failed on a hostname change', {
            extension: ext.name,
            pageId: change.pageId,
            error: errorMessage(err),
          });
        }
      }
    }
  }

  /** Records one core request as it arrived and was answered; errors are the caller's. */
  async recordRequest(req: RecordedRequest): Promise<void> {
    if (this.#stopping) return;
    await this.#db.call({ op: 'recordRequest', request: req });
  }

  async recordAction(action: OperatorAction): Promise<void> {
    await this.#db.call({ op: 'recordAction', action });
  }

  /**
   * Resolves true once none of `pageIds` has anything left to receive (their queued events
   * acknowledged by the edge), false after `timeoutMs`: a hostname this origin-sync already
   * released may still be held at the edge until the release's push arrives.
   */
  async delivered(pageIds: readonly string[], timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    const waiting = () => pageIds.filter((id) => this.#store.peek(id, 1).length > 0);
    for (let left = waiting(); left.length > 0; left = waiting()) {
      if (Date.now() >= until) return false;
      this.#pusher.kick();
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /** How many events one page still has to receive (the explorer's page view). */
  outboxDepthOf(pageId: string): number {
    const row = this.#store.db
      .prepare('SELECT count(*) AS n FROM outbox WHERE page_id = ?')
      .get(pageId) as { n: number };
    return Number(row.n);
  }

  /** The last push to one page since this process started (the pusher's own record), or null. */
  pagePush(pageId: string): PagePush | null {
    return this.#pusher.pagePush(pageId);
  }

  /** What the edge has published for one page, asked now (GET /_sync/pages/:id/status). */
  edgeStatus(pageId: string): Promise<StatusAnswer> {
    return this.#confirmer.edgeStatus(pageId);
  }

  /** Pushes, outbox depth and unconfirmed renders per minute over [from, to). */
  minutes(from: number, to: number): SystemMinutes {
    const push = this.#pusher.minutes.series(from, to);
    const levels = this.#levels.series(from, to);
    return {
      from,
      to,
      pushed: push.pushed,
      pushFailed: push.failed,
      outboxDepth: levels.outboxDepth,
      oldestUnconfirmedS: levels.oldestUnconfirmedS,
    };
  }

  trace(eventId: string): EventTrace | undefined {
    return this.#store.trace(eventId);
  }

  pageTraces(pageId: string, limit: number): EventTrace[] {
    return this.#store.pageTraces(pageId, limit);
  }

  deadLetters(limit = 100): DeadLetter[] {
    return this.#store.deadLetters(limit);
  }

  /** Puts a dead letter back in its page's queue; false when there is no such dead letter. */
  async retryDeadLetter(pageId: string, eventId: string): Promise<boolean> {
    const done = await this.#db.call({ op: 'retryDeadLetter', pageId, eventId, at: Date.now() });
    if (done) {
      this.#queued.add(pageId);
      this.#pusher.kick();
    }
    return done;
  }

  async discardDeadLetter(pageId: string, eventId: string): Promise<boolean> {
    return this.#db.call({ op: 'discardDeadLetter', pageId, eventId, at: Date.now() });
  }

  /** Test hook: the disk has room again (or less), for both connections (the thread's is in
   * order: before any write handed in after this call). */
  setMaxPageCount(pages: number): void {
    setMaxPageCount(this.#store.db, pages);
    this.#db.call({ op: 'setMaxPageCount', pages }).catch(() => {});
  }

  health(): Health {
    // The backlog as it is: reported, not settled here (that is the database thread's work).
    const { pendingApply, applied } = {
      pendingApply: this.#db.stats.pending,
      applied: this.#db.stats.applied,
    };
    const now = Date.now();
    const outbox = this.#store.outboxStats();
    const push = this.#pusher.health();
    const ageS = (ms: number | null) =>
      ms === null ? null : Math.max(0, Math.round((now - ms) / 1000));
    const oldestAgeS = ageS(outbox.oldestEnqueuedAt);
    const storageError = this.#commitError ?? this.#applyError ?? this.#extError;
    const writable = storageError === null;
    const degraded = !writable || push.breaker !== 'closed' || (oldestAgeS ?? 0) > 60;
    const watch = this.#store.watchStats();
    const counts = this.#store.counts();
    const health: Health = {
      ok: true,
      status: this.#stopping ? 'stopping' : degraded ? 'degraded' : 'ok',
      startedAt: new Date(this.#startedAt).toISOString(),
      uptimeS: Math.round((now - this.#startedAt) / 1000),
      outbox: { depth: outbox.depth, pages: outbox.pages, oldestAgeS },
      deadLetters: this.#store.deadLetterStats(),
      push,
      renders: {
        waiting: watch.waiting,
        pages: watch.pages,
        oldestAgeS: ageS(watch.oldestSince),
        ...this.#confirmer.health(),
      },
      storage: {
        writable,
        error: storageError,
        commits: this.#db.stats.commits + this.#extCommits.commits,
        writes: this.#db.stats.writes + this.#extCommits.writes,
        pendingApply,
        applied,
      },
      catalogue: { entities: counts.entities, pages: counts.pages },
      explorer: { events: counts.events },
    };
    for (const ext of this.extensions) {
      if (ext.health) health[ext.name] = ext.health();
    }
    return health;
  }

  /**
   * Stops taking events, lets what was accepted finish committing, gives the outbox up to
   * `drainMs` to reach the worker (what is still queued stays for the next start), and closes
   * the database (which releases its lock).
   */
  async stop(opts: { drainMs?: number } = {}): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#pruneTimer) clearTimeout(this.#pruneTimer);
    if (this.#sampleTimer) clearTimeout(this.#sampleTimer);
    while (this.#acceptsInFlight > 0) await new Promise((r) => setTimeout(r, 5));
    await this.#db.call({ op: 'settle' }).catch(() => {});
    const drained = await this.#pusher.drain(opts.drainMs ?? 2_000);
    await this.#pusher.stop();
    await this.#confirmer.stop();
    for (const ext of this.extensions) await ext.stop?.();
    this.#extCommits.close();
    await this.#db.close();
    const outbox = this.#store.outboxStats();
    this.#shared.close();
    this.#log.info('origin-sync: stopped', { drained, outboxDepth: outbox.depth });
  }

  async #record(record: OutcomeRecord): Promise<void> {
    await this.#db.call({ op: 'record', record });
    // The worker promised a render version: find out when it is published.
    if (record.kind === 'ack' && record.renderVersion !== null)
      this.#confirmer.watch(record.pageId);
    if (record.kind === 'ack') {
      const applied = record.results.filter((r) => r.outcome === 'applied').map((r) => r.id);
      if (applied.length > 0) {
        for (const ext of this.extensions) {
          try {
            ext.applied?.(record.pageId, applied);
          } catch (err) {
            this.#log.error('extension failed on applied events', {
              extension: ext.name,
              pageId: record.pageId,
              error: errorMessage(err),
            });
          }
        }
      }
    }
  }

  #sample(): void {
    if (this.#stopping) return;
    this.#sampleLevels();
    this.#sampleTimer = setTimeout(() => this.#sample(), SAMPLE_EVERY_MS);
    this.#sampleTimer.unref();
  }

  #sampleLevels(): void {
    try {
      const now = Date.now();
      this.#sampledAt = now;
      const outbox = this.#store.outboxStats();
      const watch = this.#store.watchStats();
      this.#levels.add(now, {
        outboxDepth: outbox.depth,
        oldestUnconfirmedS:
          watch.oldestSince === null
            ? 0
            : Math.max(0, Math.round((now - watch.oldestSince) / 1000)),
      });
    } catch (err) {
      this.#log.warn('explorer: could not sample the outbox', { error: errorMessage(err) });
    }
  }

  #schedulePrune(): void {
    this.#pruneTimer = setTimeout(() => {
      this.#db
        .call({ op: 'prune', now: Date.now() })
        .catch((err: unknown) =>
          this.#log.warn('store: retention did not run', { error: errorMessage(err) }),
        )
        .finally(() => {
          if (!this.#stopping) this.#schedulePrune();
        });
    }, PRUNE_EVERY_MS);
    this.#pruneTimer.unref();
  }
}

export function originSyncDir(stateDir: string): string {
  return join(stateDir, 'origin-sync');
}
