// Pushes each page's queued core events to the worker's `POST /_sync/pages/:pageId`
// (worker/sync/contract.ts): one batch per page at a time, merging what is queued for it;
// several pages at once, with adaptive concurrency (grows while the edge answers quickly,
// halves when it slows or fails); a failing page retries with its own backoff and jitter, and
// is dead-lettered after `deadLetterAfterMs`; a circuit breaker holds everything only while
// the worker itself is unreachable. A batch the worker refuses for good is split in halves
// until the one event it refuses is found: that event alone is dead-lettered, the rest go on.
// A batch leaves the outbox only when its acknowledgement (after the worker's 2xx) is
// committed.
import type { CryptoKey } from 'jose';
import {
  MAX_SYNC_BYTES,
  MAX_SYNC_EVENTS,
  SyncResult,
  syncPath,
} from '../../worker/sync/contract.ts';
import { type BackoffPolicy, backoffDelay } from '../backoff-delay.ts';
import { errorMessage, type Logger, silentLogger } from '../log.ts';
import { MinuteSeries } from '../minute-series.ts';
import { KeyedScheduler, systemClock } from '../schedule/keyed-scheduler.ts';
import type { AckRecord, FailRecord, OutboxItem } from '../store/outcomes.ts';
import { signSyncToken } from '../sync-token.ts';
import {
  type BreakerOptions,
  type BreakerState,
  CircuitBreaker,
  DEFAULT_BREAKER,
} from './backoff.ts';
import { buildPageBatch, type PageBatch } from './batch-body.ts';
import { type EdgeRequest, edgeRequest, fetchRequest } from './edge-request.ts';

export interface PushQueue {
  pages(): string[];
  peek(pageId: string, max: number): OutboxItem[];
}

// Same shape as RenderConfirmerOptions (render-confirmer.ts): both talk to the worker with the
// sync key and take the same test seams (fetch, now, random, log); kept apart because each
// process has its own knobs and one must not grow the other's.
export interface PusherOptions {
  workerUrl: string;
  privateKey: CryptoKey;
  queue: PushQueue;
  /** Commits what became of a push; resolves once durable. */
  record(record: AckRecord | FailRecord): Promise<unknown>;
  /** Pages pushed at once to begin with; grows up to `maxConcurrency` while the edge keeps up. */
  concurrency?: number;
  maxConcurrency?: number;
  /**
   * A page's pushes start at least this far apart: under sustained traffic what arrives in
   * between goes in one push, so a push's fixed costs (peek, signature, request, ack) are
   * shared by more events. A page quiet for longer is pushed at once; 0 pushes as soon as
   * the previous push's ack is committed.
   */
  minIntervalMs?: number;
  /** An answer slower than this counts as the edge slowing down. */
  slowMs?: number;
  /** A page failing this long has its batch dead-lettered, so it cannot block the page forever. */
  deadLetterAfterMs?: number;
  requestTimeoutMs?: number;
  retry?: BackoffPolicy;
  breaker?: BreakerOptions;
  /** Stands in for the edge (tests); omitted: node:http(s) with keep-alive (edge-request.ts). */
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  log?: Logger;
}

export interface PushHealth {
  breaker: BreakerState;
  consecutiveFailures: number;
  inFlight: number;
  concurrency: number;
  pagesBackingOff: number;
  batchesPushed: number;
  eventsPushed: number;
  failedAttempts: number;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
}

/** The last push of one page, as the pusher saw it (the explorer's page view). */
export interface PagePush {
  /** When the last attempt's answer came (or the network gave up). */
  at: string;
  outcome: 'ok' | 'failed' | 'refused';
  /** The worker's HTTP status; absent when it was not reached. */
  status?: number;
  events: number;
  attempt: number;
  renderVersion?: number;
  error?: string;
  lastOkAt: string | null;
  lastFailureAt: string | null;
  /** The error of the last failed attempt, even when a later one went well. */
  lastError: string | null;
}

/** Pages whose last push is remembered; the least recently pushed are forgotten first. */
const MAX_PAGES_REMEMBERED = 10_000;

/**
 * 100 ms: under the worker's own coalescing (a render 250 ms after a quiet moment) and the
 * once-a-second pointer, so a visitor does not see it; a page pushed back to back at 1,000+
 * events/s carries ~100 events more per push (docs/origin-sync-storage.md, the main thread).
 */
const DEFAULT_MIN_INTERVAL_MS = 100;

/** Answers that mean "this batch will never be taken": resending the same bytes cannot help. */
const PERMANENT = new Set([400, 413, 422]);
/** Answers that mean the worker itself is not there (not one page's trouble): the breaker's. */
const UNREACHABLE = new Set([502, 503, 504]);

export class Pusher {
  readonly #o: Required<Omit<PusherOptions, 'breaker' | 'fetch'>>;
  readonly #request: EdgeRequest;
  readonly #breaker: CircuitBreaker;
  /** A page is scheduled while it has something queued; due later while it backs off. */
  readonly #scheduler: KeyedScheduler<string>;
  readonly #attempts = new Map<string, number>();
  /** Pages whose last batch was refused: the next ones are this small (halving to find it). */
  readonly #maxBatch = new Map<string, number>();
  readonly #failingSince = new Map<string, number>();
  /** When each page's last push started (least recently pushed first, bounded). */
  readonly #lastStart = new Map<string, number>();
  #limit: number;
  #kicked = false;
  #stats = { batches: 0, events: 0, failures: 0 };
  #lastSuccessAt: number | null = null;
  #lastFailureAt: number | null = null;
  #lastError: string | null = null;
  readonly #pages = new Map<string, PagePush>();
  /** Batches pushed and failed attempts per minute, for the explorer's push chart. */
  readonly minutes = new MinuteSeries(['pushed', 'failed'] as const, 'sum');

  constructor(options: PusherOptions) {
    this.#o = {
      concurrency: 16,
      maxConcurrency: 64,
      minIntervalMs: DEFAULT_MIN_INTERVAL_MS,
      slowMs: 2_000,
      deadLetterAfterMs: 60 * 60_000,
      requestTimeoutMs: 30_000,
      retry: { initialMs: 200, maxMs: 10_000 },
      now: Date.now,
      random: Math.random,
      log: silentLogger,
      ...options,
    };
    this.#request = options.fetch ? fetchRequest(options.fetch) : edgeRequest;
    this.#breaker = new CircuitBreaker(options.breaker ?? DEFAULT_BREAKER, this.#o.random);
    this.#limit = Math.min(this.#o.concurrency, this.#o.maxConcurrency);
    this.#scheduler = new KeyedScheduler({
      concurrency: () => this.#limit,
      // While the worker is unreachable nothing starts: one timer waits out the breaker.
      holdUntil: () => this.#breaker.heldUntil,
      run: (pageId) => this.#pushPage(pageId),
      onError: (pageId, err) => {
        // Only the store can fail here (a full disk): the batch stays queued and goes again,
        // after a pause rather than at once, so a full disk does not turn into a push loop.
        this.#scheduler.schedule(pageId, this.#o.now() + 1_000);
        this.#o.log.error('push: could not record the outcome', {
          pageId,
          error: errorMessage(err),
        });
      },
      clock: { ...systemClock, now: this.#o.now },
    });
  }

  /** Something was queued (or time passed): start whatever pushes may start. */
  kick(): void {
    if (this.#kicked || this.#stopped) return;
    this.#kicked = true;
    setImmediate(() => {
      this.#kicked = false;
      this.#enqueue();
    });
  }

  health(): PushHealth {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      breaker: this.#breaker.state,
      consecutiveFailures: this.#breaker.consecutiveFailures,
      inFlight: this.#scheduler.running,
      concurrency: this.#limit,
      pagesBackingOff: this.#scheduler.waiting(),
      batchesPushed: this.#stats.batches,
      eventsPushed: this.#stats.events,
      failedAttempts: this.#stats.failures,
      lastSuccessAt: iso(this.#lastSuccessAt),
      lastFailureAt: iso(this.#lastFailureAt),
      lastError: this.#lastError,
    };
  }

  /** The last push of one page since this process started, or null. */
  pagePush(pageId: string): PagePush | null {
    return this.#pages.get(pageId) ?? null;
  }

  #remember(
    pageId: string,
    at: number,
    push: Omit<PagePush, 'at' | 'lastOkAt' | 'lastFailureAt' | 'lastError'>,
  ): void {
    const before = this.#pages.get(pageId);
    const iso = new Date(at).toISOString();
    const ok = push.outcome === 'ok';
    this.#pages.delete(pageId);
    this.#pages.set(pageId, {
      at: iso,
      ...push,
      lastOkAt: ok ? iso : (before?.lastOkAt ?? null),
      lastFailureAt: ok ? (before?.lastFailureAt ?? null) : iso,
      lastError: ok ? (before?.lastError ?? null) : (push.error ?? null),
    });
    if (this.#pages.size > MAX_PAGES_REMEMBERED) {
      const oldest = this.#pages.keys().next().value;
      if (oldest !== undefined) this.#pages.delete(oldest);
    }
    this.minutes.add(at, ok ? { pushed: 1 } : { failed: 1 });
  }

  /** Resolves when nothing is queued and nothing is in flight, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.#o.now() + timeoutMs;
    for (;;) {
      if (this.#o.queue.pages().length === 0 && this.#scheduler.running === 0) return true;
      const left = deadline - this.#o.now();
      if (left <= 0) return false;
      this.#enqueue();
      // Idle with something queued: a batch that was just committed; look again shortly.
      if (await this.#scheduler.drain(left)) await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Starts nothing new, aborts what is in flight, and waits until it has been recorded. */
  stop(): Promise<void> {
    return this.#scheduler.stop();
  }

  get #stopped(): boolean {
    return this.#scheduler.signal.aborted;
  }

  /** Every page with something queued is scheduled; one backing off keeps its due time. */
  #enqueue(): void {
    const now = this.#o.now();
    for (const pageId of this.#o.queue.pages()) {
      if (!this.#scheduler.has(pageId)) this.#scheduler.schedule(pageId, this.#dueAt(pageId, now));
    }
  }

  /**
   * The page's next push goes as soon as it may, not after its interval: its events change
   * what the edge knows of the page itself (hostnames), and the core may build on that next.
   */
  pushSoon(pageId: string): void {
    this.#lastStart.delete(pageId);
    const due = this.#scheduler.dueAt(pageId);
    if (due !== undefined) this.#scheduler.expedite(pageId, this.#o.now());
  }

  /** Now, or the page's minimum interval after its last push started if that is later. */
  #dueAt(pageId: string, now: number): number {
    const last = this.#lastStart.get(pageId);
    return last === undefined ? now : Math.max(now, last + this.#o.minIntervalMs);
  }

  #started(pageId: string, at: number): void {
    this.#lastStart.delete(pageId);
    this.#lastStart.set(pageId, at);
    if (this.#lastStart.size > MAX_PAGES_REMEMBERED) {
      // The least recently pushed: long past any interval.
      const oldest = this.#lastStart.keys().next().value;
      if (oldest !== undefined) this.#lastStart.delete(oldest);
    }
  }

  async #pushPage(pageId: string): Promise<void> {
    const max = this.#maxBatch.get(pageId) ?? MAX_SYNC_EVENTS;
    const batch = buildPageBatch(pageId, this.#o.queue.peek(pageId, max), {
      maxEvents: max,
      maxBytes: MAX_SYNC_BYTES,
    });
    if (!batch) return;
    const now = this.#o.now();
    if (!this.#breaker.tryAcquire(now)) {
      // Another page is the breaker's probe: this one waits for its answer.
      this.#scheduler.schedule(pageId, this.#breaker.retryAt || now + 100);
      return;
    }
    this.#started(pageId, now);
    await this.#push(pageId, batch);
    // What is left (the rest of a deep queue, the halves of a refused batch) goes again,
    // behind the other pages; a backoff the push set stays.
    const more = this.#o.queue.peek(pageId, 1).length > 0;
    if (more && this.#scheduler.dueAt(pageId) === undefined) {
      this.#scheduler.schedule(pageId, this.#dueAt(pageId, this.#o.now()));
    }
  }

  async #push(pageId: string, batch: PageBatch): Promise<void> {
    const attempt = (this.#attempts.get(pageId) ?? 0) + 1;
    const pushedAt = this.#o.now();
    let status = 0;
    let answer = '';
    try {
      const token = signSyncToken(this.#o.privateKey, pageId, batch.body);
      const res = await this.#request(new URL(syncPath(pageId), this.#o.workerUrl), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: batch.body,
        signal: AbortSignal.any([
          this.#scheduler.signal,
          AbortSignal.timeout(this.#o.requestTimeoutMs),
        ]),
      });
      status = res.status;
      answer = res.text;
    } catch (err) {
      return this.#failed(
        pageId,
        batch,
        attempt,
        `network: ${errorMessage(err)}`,
        'unreachable',
        0,
      );
    }

    if (status >= 200 && status < 300) {
      const parsed = parseResult(answer, pageId);
      const at = this.#o.now();
      const allApplied = parsed !== null && everyApplied(parsed.results, batch.items);
      await this.#o.record({
        kind: 'ack',
        at,
        pushedAt,
        pageId,
        eventIds: batch.items.map((i) => i.eventId),
        eventSeqs: batch.items.map((i) => i.eventSeq),
        attempt,
        renderVersion: parsed?.renderVersion ?? null,
        results: allApplied ? [] : (parsed?.results ?? []),
        ...(allApplied ? { allApplied } : {}),
      });
      this.#attempts.delete(pageId);
      this.#failingSince.delete(pageId);
      this.#adapt(at - pushedAt < this.#o.slowMs);
      this.#stats.batches++;
      this.#stats.events += batch.items.length;
      this.#lastSuccessAt = at;
      this.#remember(pageId, at, {
        outcome: 'ok',
        status,
        events: batch.items.length,
        attempt,
        ...(parsed ? { renderVersion: parsed.renderVersion } : {}),
      });
      if (this.#breaker.success() === 'closed') {
        // The worker is back: every page waiting out its own backoff may go now.
        for (const page of this.#scheduler.keys()) this.#scheduler.expedite(page, at);
        this.#o.log.info('push: worker reachable again, breaker closed');
      }
      this.#o.log.info('pushed', {
        pageId,
        events: batch.items.length,
        renderVersion: parsed?.renderVersion ?? null,
        attempt,
        ms: at - pushedAt,
        ...(parsed ? {} : { warning: 'the 2xx answer was not a SyncResult' }),
      });
      return;
    }
    const error = `worker answered ${status}${problemTitle(answer)}`;
    const kind = PERMANENT.has(status)
      ? 'refused'
      : UNREACHABLE.has(status)
        ? 'unreachable'
        : 'page';
    return this.#failed(pageId, batch, attempt, error, kind, status);
  }

  /** Additive increase while answers are quick, halving when the edge slows or fails. */
  #adapt(quick: boolean): void {
    this.#limit = quick
      ? Math.min(this.#o.maxConcurrency, this.#limit + 1)
      : Math.max(1, Math.floor(this.#limit / 2));
  }

  async #failed(
    pageId: string,
    batch: PageBatch,
    attempt: number,
    error: string,
    kind: 'refused' | 'unreachable' | 'page',
    status: number,
  ): Promise<void> {
    const at = this.#o.now();
    this.#stats.failures++;
    this.#lastFailureAt = at;
    this.#lastError = error;
    // Aborted by shutdown: the batch simply stays queued for the next start.
    if (this.#stopped) return;
    this.#remember(pageId, at, {
      outcome: kind === 'refused' ? 'refused' : 'failed',
      ...(status > 0 ? { status } : {}),
      events: batch.items.length,
      attempt,
      error,
    });
    const eventIds = batch.items.map((i) => i.eventId);
    const recordFail = (message: string, deadLetter: string | null) =>
      this.#o.record({ kind: 'fail', at, pageId, eventIds, attempt, error: message, deadLetter });
    if (kind === 'refused') {
      // The worker is up and answering; it refuses something in this batch. Halve until the
      // one event it refuses is alone: that one is dead-lettered, its batch-mates delivered.
      this.#attempts.delete(pageId);
      this.#breaker.success();
      const alone = eventIds.length === 1;
      if (alone) this.#maxBatch.delete(pageId);
      else this.#maxBatch.set(pageId, Math.ceil(eventIds.length / 2));
      await recordFail(
        alone ? error : `${error}; the batch of ${eventIds.length} goes again in halves`,
        alone ? 'the worker refuses this event' : null,
      );
      this.#o.log[alone ? 'error' : 'warn'](
        alone ? 'push refused for good; event dead-lettered' : 'push refused; splitting the batch',
        { pageId, error, events: eventIds.length },
      );
      return;
    }
    const since = this.#failingSince.get(pageId) ?? at;
    this.#failingSince.set(pageId, since);
    const giveUp = at - since >= this.#o.deadLetterAfterMs;
    await recordFail(
      error,
      giveUp
        ? `failing for ${Math.round((at - since) / 1000)} s (longer than ${Math.round(this.#o.deadLetterAfterMs / 1000)} s)`
        : null,
    );
    if (giveUp) {
      this.#failingSince.delete(pageId);
      this.#attempts.delete(pageId);
      this.#o.log.error('push failing too long; batch dead-lettered', { pageId, error });
      return;
    }
    this.#attempts.set(pageId, attempt);
    const delay = backoffDelay(attempt, this.#o.retry, this.#o.random);
    this.#scheduler.schedule(pageId, at + delay);
    this.#adapt(false);
    // One page's trouble (a 500 from its coordinator) backs off that page alone.
    if (kind === 'page') {
      this.#o.log.warn('push failed', { pageId, error, attempt, retryInMs: delay });
      return;
    }
    const transition = this.#breaker.failure(at);
    if (transition === 'opened' || transition === 'reopened') {
      this.#o.log.warn('push: breaker open, holding every page', {
        consecutiveFailures: this.#breaker.consecutiveFailures,
        retryInMs: this.#breaker.retryAt - at,
        error,
      });
    }
    this.#o.log.warn('push failed', { pageId, error, attempt, retryInMs: delay });
  }
}

/** The answer's results are the batch's events, in order, each applied. */
function everyApplied(results: SyncResult['results'], items: readonly OutboxItem[]): boolean {
  if (results.length !== items.length) return false;
  for (let i = 0; i < items.length; i++) {
    const r = results[i];
    if (r?.outcome !== 'applied' || r.id !== items[i]?.eventId) return false;
  }
  return true;
}

function parseResult(text: string, pageId: string): SyncResult | null {
  try {
    const result = SyncResult.safeParse(JSON.parse(text));
    return result.success && result.data.pageId === pageId ? result.data : null;
  } catch {
    return null;
  }
}

function problemTitle(text: string): string {
  try {
    const body = JSON.parse(text) as { title?: unknown; detail?: unknown };
    const title = typeof body.title === 'string' ? body.title : '';
    const detail = typeof body.detail === 'string' ? body.detail : '';
    const said = [title, detail].filter(Boolean).join(': ').slice(0, 300);
    return said ? ` (${said})` : '';
  } catch {
    return '';
  }
}
