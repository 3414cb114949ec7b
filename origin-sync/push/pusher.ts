// Pushes each page's queued core events to the worker's `POST /_sync/pages/:pageId`
// (worker/sync/contract.ts): one batch per page at a time, merging everything queued for it;
// several pages at once, up to `concurrency`; failed pages retry with backoff and jitter; a
// circuit breaker holds everything while the worker is down. A batch leaves the outbox only
// when its acknowledgement (after the worker's 2xx) is journaled.
import type { CryptoKey } from 'jose';
import { MAX_SYNC_EVENTS, SyncResult, syncPath } from '../../worker/sync/contract.ts';
import { signSyncToken } from '../../worker/sync/token.ts';
import { type BackoffPolicy, backoffDelay } from '../backoff-delay.ts';
import { errorMessage, type Logger, silentLogger } from '../log.ts';
import type { OutboxItem } from '../state/outbox.ts';
import type { AckRecord, FailRecord } from '../state/records.ts';
import {
  type BreakerOptions,
  type BreakerState,
  CircuitBreaker,
  DEFAULT_BREAKER,
} from './backoff.ts';
import { buildPageBatch, type PageBatch } from './batch-body.ts';

export interface PushQueue {
  pages(): string[];
  peek(pageId: string, max: number): OutboxItem[];
}

export interface PusherOptions {
  workerUrl: string;
  privateKey: CryptoKey;
  queue: PushQueue;
  /** Journals (and applies) what became of a push; resolves once durable. */
  record(record: AckRecord | FailRecord): Promise<unknown>;
  concurrency?: number;
  requestTimeoutMs?: number;
  retry?: BackoffPolicy;
  breaker?: BreakerOptions;
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  log?: Logger;
}

export interface PushHealth {
  breaker: BreakerState;
  consecutiveFailures: number;
  inFlight: number;
  pagesBackingOff: number;
  batchesPushed: number;
  eventsPushed: number;
  failedAttempts: number;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
}

/** Answers that mean "this batch will never be taken": resending the same bytes cannot help. */
const PERMANENT = new Set([400, 413, 422]);

export class Pusher {
  readonly #o: Required<Omit<PusherOptions, 'breaker'>>;
  readonly #breaker: CircuitBreaker;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #attempts = new Map<string, number>();
  readonly #notBefore = new Map<string, number>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #timerAt = 0;
  #scheduled = false;
  #stopped = false;
  #cursor = 0;
  #stats = { batches: 0, events: 0, failures: 0 };
  #lastSuccessAt: number | null = null;
  #lastFailureAt: number | null = null;
  #lastError: string | null = null;

  constructor(options: PusherOptions) {
    this.#o = {
      concurrency: 8,
      requestTimeoutMs: 30_000,
      retry: { initialMs: 200, maxMs: 10_000 },
      fetch: globalThis.fetch,
      now: Date.now,
      random: Math.random,
      log: silentLogger,
      ...options,
    };
    this.#breaker = new CircuitBreaker(options.breaker ?? DEFAULT_BREAKER, this.#o.random);
  }

  /** Something was queued (or time passed): start whatever pushes may start. */
  kick(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  health(): PushHealth {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      breaker: this.#breaker.state,
      consecutiveFailures: this.#breaker.consecutiveFailures,
      inFlight: this.#inFlight.size,
      pagesBackingOff: this.#notBefore.size,
      batchesPushed: this.#stats.batches,
      eventsPushed: this.#stats.events,
      failedAttempts: this.#stats.failures,
      lastSuccessAt: iso(this.#lastSuccessAt),
      lastFailureAt: iso(this.#lastFailureAt),
      lastError: this.#lastError,
    };
  }

  /** Resolves when nothing is queued and nothing is in flight, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.#o.now() + timeoutMs;
    while (this.#o.now() < deadline) {
      if (this.#o.queue.pages().length === 0 && this.#inFlight.size === 0) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Starts nothing new, aborts what is in flight, and waits until it has been recorded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort.abort(new Error('origin-sync is stopping'));
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  #pump(): void {
    if (this.#stopped) return;
    const now = this.#o.now();
    const pages = this.#o.queue.pages();
    let wakeAt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < pages.length && this.#inFlight.size < this.#o.concurrency; i++) {
      // Round-robin, so a page with a deep queue cannot starve the others.
      const pageId = pages[(this.#cursor + i) % pages.length] as string;
      if (this.#inFlight.has(pageId)) continue;
      const notBefore = this.#notBefore.get(pageId) ?? 0;
      if (notBefore > now) {
        wakeAt = Math.min(wakeAt, notBefore);
        continue;
      }
      const batch = buildPageBatch(pageId, this.#o.queue.peek(pageId, MAX_SYNC_EVENTS));
      if (!batch) continue;
      if (!this.#breaker.tryAcquire(now)) {
        wakeAt = Math.min(wakeAt, this.#breaker.retryAt || now + 100);
        break;
      }
      const push = this.#push(pageId, batch)
        .catch((err: unknown) => {
          // Only the journal can fail here, and it stops the service itself.
          this.#o.log.error('push: could not record the outcome', {
            pageId,
            error: errorMessage(err),
          });
        })
        .finally(() => {
          this.#inFlight.delete(pageId);
          this.kick();
        });
      this.#inFlight.set(pageId, push);
    }
    this.#cursor = pages.length > 0 ? (this.#cursor + 1) % pages.length : 0;
    if (Number.isFinite(wakeAt)) this.#wakeAt(wakeAt);
  }

  #wakeAt(at: number): void {
    if (this.#timer && this.#timerAt <= at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#pump();
      },
      Math.max(0, at - this.#o.now()),
    );
  }

  async #push(pageId: string, batch: PageBatch): Promise<void> {
    const attempt = (this.#attempts.get(pageId) ?? 0) + 1;
    const pushedAt = this.#o.now();
    let status = 0;
    let answer = '';
    try {
      const token = await signSyncToken(this.#o.privateKey, pageId, batch.body);
      const res = await this.#o.fetch(new URL(syncPath(pageId), this.#o.workerUrl), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: batch.body,
        signal: AbortSignal.any([
          this.#abort.signal,
          AbortSignal.timeout(this.#o.requestTimeoutMs),
        ]),
      });
      status = res.status;
      answer = await res.text();
    } catch (err) {
      return this.#failed(pageId, batch.upTo, attempt, `network: ${errorMessage(err)}`, false);
    }

    if (status >= 200 && status < 300) {
      const parsed = parseResult(answer, pageId);
      const at = this.#o.now();
      await this.#o.record({
        kind: 'ack',
        at,
        pushedAt,
        pageId,
        upTo: batch.upTo,
        attempt,
        renderVersion: parsed?.renderVersion ?? null,
        results: parsed?.results ?? [],
      });
      this.#attempts.delete(pageId);
      this.#notBefore.delete(pageId);
      this.#stats.batches++;
      this.#stats.events += batch.items.length;
      this.#lastSuccessAt = at;
      if (this.#breaker.success() === 'closed') {
        // The worker is back: every page waiting out its own backoff may go now.
        this.#notBefore.clear();
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
    return this.#failed(pageId, batch.upTo, attempt, error, PERMANENT.has(status));
  }

  async #failed(
    pageId: string,
    upTo: number,
    attempt: number,
    error: string,
    permanent: boolean,
  ): Promise<void> {
    const at = this.#o.now();
    this.#stats.failures++;
    this.#lastFailureAt = at;
    this.#lastError = error;
    // Aborted by shutdown: the batch simply stays queued for the next start.
    if (this.#stopped) return;
    await this.#o.record({ kind: 'fail', at, pageId, upTo, attempt, error, permanent });
    if (permanent) {
      // The worker is up and answering; it just refuses this batch.
      this.#attempts.delete(pageId);
      this.#notBefore.delete(pageId);
      this.#breaker.success();
      this.#o.log.error('push refused for good; batch dropped', { pageId, error, attempt });
      return;
    }
    this.#attempts.set(pageId, attempt);
    const delay = backoffDelay(attempt, this.#o.retry, this.#o.random);
    this.#notBefore.set(pageId, at + delay);
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
