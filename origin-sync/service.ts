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
import { Applier } from './store/applier.ts';
import { CommitQueue } from './store/commit-queue.ts';
import { isStorageFault, openDatabase, setMaxPageCount } from './store/database.ts';
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
  readonly #store: Store;
  readonly #commits: CommitQueue;
  readonly #applier: Applier;
  readonly #retention: Retention;
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

  private constructor(opts: OriginSyncOptions, store: Store) {
    this.#log = opts.log ?? silentLogger;
    this.#store = store;
    this.#retention = { ...DEFAULT_RETENTION, ...opts.retention };
    this.requests = new RequestLog(store.db, {
      maxAgeMs: this.#retention.maxAgeMs,
      ...opts.requestRetention,
    });
    this.#commits = new CommitQueue(store.db, {
      ...(opts.commitWindowMs !== undefined ? { windowMs: opts.commitWindowMs } : {}),
      onFault: (err) => {
        this.#commitError = err ? errorMessage(err) : null;
        if (err)
          this.#log.error('store: cannot write; answering 503', { error: errorMessage(err) });
        else this.#log.info('store: writing again');
      },
    });
    this.#applier = new Applier(store.db, store, {
      ...(opts.apply?.budget !== undefined ? { budget: opts.apply.budget } : {}),
      ...(opts.apply?.maxPending !== undefined ? { maxPending: opts.apply.maxPending } : {}),
      onApplied: (result) => this.#applied(result),
      onPoisoned: (eventId, err) =>
        this.#log.error('store: an event could not be fanned out; skipped', {
          eventId,
          error: errorMessage(err),
        }),
      onFault: (err) => {
        if (err) {
          this.#applyError = errorMessage(err);
          this.#log.error('store: cannot apply accepted events; retrying', {
            error: errorMessage(err),
          });
        } else this.#applyError = null;
      },
    });
    this.extensions = opts.extensions ?? [];
    // Readers see every accepted event's effect: what is journaled is applied first.
    this.directory = {
      page: (id) => {
        this.#applier.settle();
        return this.#store.page(id);
      },
      pages: () => {
        this.#applier.settle();
        return this.#store.pages();
      },
    };
  }

  static async start(opts: OriginSyncOptions): Promise<OriginSync> {
    const db = openDatabase(opts.dir, {
      ...(opts.maxPageCount !== undefined ? { maxPageCount: opts.maxPageCount } : {}),
      ...(opts.cacheBytes !== undefined ? { cacheBytes: opts.cacheBytes } : {}),
    });
    const log = opts.log ?? silentLogger;
    let sync: OriginSync;
    try {
      await importLegacyJournal(opts.dir, db, log);
      sync = new OriginSync(opts, new Store(db));
    } catch (err) {
      db.close();
      throw err;
    }
    const store = sync.#store;
    sync.#pusher = new Pusher({
      workerUrl: opts.workerUrl,
      privateKey: opts.syncPrivateKey,
      queue: {
        pages: () => store.queuedPages(),
        peek: (pageId, max) => store.peek(pageId, max),
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
      record: (record) => sync.#commits.run(() => store.record(record)),
      log,
      ...Object.fromEntries(Object.entries(opts.confirm ?? {}).filter(([, v]) => v !== undefined)),
    });
    const trace = (eventId: string, step: TraceStep) => {
      sync.#commits.run(() => store.addStep(eventId, step)).catch(() => {});
    };
    const storage = { db, commit: <T>(work: () => T) => sync.#commits.run(work) };
    for (const ext of sync.extensions) await ext.start?.(sync.directory, trace, storage);
    const outbox = store.outboxStats();
    log.info('origin-sync: ready', { outboxDepth: outbox.depth, pages: outbox.pages });
    sync.#applier.kick();
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
      await this.#applier.room();
      const result = await this.#commits.run(() => {
        const journaled = this.#store.journal(events, receivedAt, validatedAt, Date.now());
        if (request) this.#recordWithin(request);
        return journaled;
      });
      // A page's own events are fanned out before its 202, as before the applier: the edge's
      // page coordinator claims a page's hostnames again when its push arrives, so that push
      // must be on its way before the core's next batch reserves them (e.g. releasing one a
      // page had; test/e2e/hostname-takeover.test.ts). Page events are few; the rest waits.
      if (result.accepted > 0 && events.some(isPageEvent)) this.#applier.settle();
      if (result.accepted > 0) this.#applier.kick();
      return result;
    } finally {
      this.#acceptsInFlight--;
    }
  }

  /**
   * The request's record, inside the batch's transaction: a record that cannot be written
   * (other than for a full disk, which fails the whole commit) is undone alone and only
   * logged, as it was when the record followed the 202.
   */
  #recordWithin(request: RecordedRequest): void {
    const db = this.#store.db;
    db.exec('SAVEPOINT request_record');
    try {
      this.requests.record(request);
      db.exec('RELEASE request_record');
    } catch (err) {
      if (isStorageFault(err)) throw err;
      db.exec('ROLLBACK TO request_record');
      db.exec('RELEASE request_record');
      this.#log.warn('core request not recorded', {
        requestId: request.id,
        error: errorMessage(err),
      });
    }
  }

  /** Resolves once the fan-out's backlog has room for another batch (at once when it has). */
  room(): Promise<void> {
    return this.#applier.room();
  }

  /** Journaled events not fanned out yet. */
  get pendingApply(): number {
    return this.#applier.pending;
  }

  #applied(result: ApplyResult): void {
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
    await this.#commits.run(() => this.requests.record(req));
  }

  async recordAction(action: OperatorAction): Promise<void> {
    await this.#commits.run(() => this.requests.recordAction(action));
  }

  /** How many events one page still has to receive (the explorer's page view). */
  outboxDepthOf(pageId: string): number {
    this.#applier.settle();
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
    this.#applier.settle();
    return this.#store.trace(eventId);
  }

  pageTraces(pageId: string, limit: number): EventTrace[] {
    this.#applier.settle();
    return this.#store.pageTraces(pageId, limit);
  }

  deadLetters(limit = 100): DeadLetter[] {
    this.#applier.settle();
    return this.#store.deadLetters(limit);
  }

  /** Puts a dead letter back in its page's queue; false when there is no such dead letter. */
  async retryDeadLetter(pageId: string, eventId: string): Promise<boolean> {
    const done = await this.#commits.run(() =>
      this.#store.retryDeadLetter(pageId, eventId, Date.now()),
    );
    if (done) this.#pusher.kick();
    return done;
  }

  async discardDeadLetter(pageId: string, eventId: string): Promise<boolean> {
    return this.#commits.run(() => this.#store.discardDeadLetter(pageId, eventId, Date.now()));
  }

  /** Test hook: the disk has room again (or less). */
  setMaxPageCount(pages: number): void {
    setMaxPageCount(this.#store.db, pages);
  }

  health(): Health {
    // The backlog as it was, before settling it so the rest of the answer includes it.
    const pendingApply = this.#applier.pending;
    const applied = this.#applier.applied;
    this.#applier.settle();
    const now = Date.now();
    const outbox = this.#store.outboxStats();
    const push = this.#pusher.health();
    const ageS = (ms: number | null) =>
      ms === null ? null : Math.max(0, Math.round((now - ms) / 1000));
    const oldestAgeS = ageS(outbox.oldestEnqueuedAt);
    const storageError = this.#commitError ?? this.#applyError;
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
        commits: this.#commits.commits,
        writes: this.#commits.writes,
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
    this.#applier.settle();
    const drained = await this.#pusher.drain(opts.drainMs ?? 2_000);
    await this.#pusher.stop();
    await this.#confirmer.stop();
    for (const ext of this.extensions) await ext.stop?.();
    this.#commits.close();
    this.#applier.stop();
    const outbox = this.#store.outboxStats();
    this.#store.db.close();
    this.#log.info('origin-sync: stopped', { drained, outboxDepth: outbox.depth });
  }

  async #record(record: OutcomeRecord): Promise<void> {
    await this.#commits.run(() => this.#store.record(record));
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
      this.#commits
        .run(
          () =>
            this.#store.prune(Date.now(), this.#retention) +
            this.requests.prune(Date.now(), this.#retention.maxBytes),
        )
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
