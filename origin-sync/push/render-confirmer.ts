// Confirms that the render versions the worker promised are published. The worker answers a
// push once the batch is stored, before the coalesced render; and the edge never calls
// origin-sync (it may not be able to reach it). So origin-sync asks: a signed
// `GET /_sync/pages/:pageId/status` (worker/sync/contract.ts) for each page that has events
// waiting, soon after a push and then less and less often, a few pages at a time, until
// every promised version is published. What it learns is committed (`rendered`, and
// `render_fail` when a version stays unpublished too long) in the store, so the explorer shows it after a
// restart too, and a restart asks again for whatever was still waiting.
import type { CryptoKey } from 'jose';
import { PageRenderStatus, syncReadRequest, syncStatusPath } from '../../worker/sync/contract.ts';
import { type BackoffPolicy, backoffDelay } from '../backoff-delay.ts';
import { errorMessage, type Logger, silentLogger } from '../log.ts';
import { KeyedScheduler, systemClock } from '../schedule/keyed-scheduler.ts';
import type { RenderedRecord, RenderFailRecord } from '../store/outcomes.ts';
import type { WatchSummary } from '../store/store.ts';
import { signSyncReadToken } from '../sync-token.ts';
import { type EdgeRequest, edgeRequest, fetchRequest } from './edge-request.ts';

export interface RenderConfirmTiming {
  /** Between checks of a page: starts at about `initialMs` after a push, doubles up to `maxMs`. */
  poll: BackoffPolicy;
  /** A promise unconfirmed this long is reported as a `failed` step (and still waited for). */
  failAfterMs: number;
  /** A promise unconfirmed this long is given up (a `failed` step says so). */
  giveUpMs: number;
}

export const DEFAULT_CONFIRM_TIMING: RenderConfirmTiming = {
  // The worker renders 250 ms after a quiet moment, at most 2 s after a change.
  poll: { initialMs: 400, maxMs: 15_000 },
  failAfterMs: 30_000,
  giveUpMs: 60 * 60_000,
};

// Same shape as PusherOptions (pusher.ts): the same worker, key and test seams; kept apart
// because each process has its own knobs and one must not grow the other's.
export interface RenderConfirmerOptions {
  workerUrl: string;
  privateKey: CryptoKey;
  /** What each page waits for (the store's render watch). */
  watch: { pages(): string[]; summary(pageId: string): WatchSummary | null };
  /** Commits what was learned; resolves once durable. */
  record(record: RenderedRecord | RenderFailRecord): Promise<unknown>;
  timing?: Partial<RenderConfirmTiming>;
  concurrency?: number;
  requestTimeoutMs?: number;
  /** Stands in for the edge (tests); omitted: node:http(s) with keep-alive (edge-request.ts). */
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  log?: Logger;
}

export interface ConfirmHealth {
  pagesChecking: number;
  inFlight: number;
  checks: number;
  failedChecks: number;
  lastError: string | null;
}

interface PageCheck {
  attempt: number;
  /** A new promise came while a check was in flight: start the short intervals again. */
  renewed: boolean;
}

export type StatusAnswer = { status: PageRenderStatus } | { error: string };

export class RenderConfirmer {
  readonly #o: Required<Omit<RenderConfirmerOptions, 'timing' | 'fetch'>>;
  readonly #request: EdgeRequest;
  readonly #timing: RenderConfirmTiming;
  readonly #watched = new Map<string, PageCheck>();
  readonly #scheduler: KeyedScheduler<string>;
  /** What was last reported as failed per page, so an unchanged failure is recorded once. */
  readonly #reported = new Map<string, string>();
  #checks = 0;
  #failedChecks = 0;
  #lastError: string | null = null;

  constructor(options: RenderConfirmerOptions) {
    this.#o = {
      concurrency: 4,
      requestTimeoutMs: 10_000,
      now: Date.now,
      random: Math.random,
      log: silentLogger,
      ...options,
    };
    this.#request = options.fetch ? fetchRequest(options.fetch) : edgeRequest;
    this.#timing = { ...DEFAULT_CONFIRM_TIMING, ...options.timing };
    this.#scheduler = new KeyedScheduler({
      concurrency: this.#o.concurrency,
      run: (pageId, signal) => this.#check(pageId, signal),
      onError: (pageId, err) => {
        this.#o.log.error('render check: could not record the outcome', {
          pageId,
          error: errorMessage(err),
        });
        // Only the store can fail here (a full disk): the next check records it again.
        const check = this.#watched.get(pageId);
        if (check) this.#scheduler.expedite(pageId, this.#o.now() + this.#delay(++check.attempt));
      },
      clock: { ...systemClock, now: this.#o.now },
    });
  }

  /** Checks every page that still waits for a render (after a restart). */
  start(): void {
    for (const pageId of this.#o.watch.pages()) this.watch(pageId);
  }

  /** A push to the page was acknowledged with a promise: check soon, then back off again. */
  watch(pageId: string): void {
    const check = this.#watched.get(pageId);
    if (check) {
      check.attempt = 0;
      check.renewed = true;
    } else {
      this.#watched.set(pageId, { attempt: 0, renewed: false });
    }
    this.#scheduler.expedite(pageId, this.#o.now() + this.#delay(1));
  }

  health(): ConfirmHealth {
    return {
      pagesChecking: this.#watched.size,
      inFlight: this.#scheduler.running,
      checks: this.#checks,
      failedChecks: this.#failedChecks,
      lastError: this.#lastError,
    };
  }

  stop(): Promise<void> {
    return this.#scheduler.stop();
  }

  #delay(attempt: number): number {
    return backoffDelay(attempt, this.#timing.poll, this.#o.random);
  }

  async #check(pageId: string, signal: AbortSignal): Promise<void> {
    const check = this.#watched.get(pageId);
    if (!check) return;
    check.renewed = false;
    const waiting = this.#o.watch.summary(pageId);
    if (!waiting) {
      this.#forget(pageId);
      return;
    }
    const answer = await this.#ask(pageId);
    if (signal.aborted) return;
    const now = this.#o.now();
    let progressed = false;
    if ('status' in answer && answer.status.publishedVersion >= waiting.lowest) {
      const { status } = answer;
      await this.#o.record({
        kind: 'rendered',
        at: now,
        pageId,
        version: status.publishedVersion,
        renderedAt: status.renderedAt === null ? now : Date.parse(status.renderedAt),
      });
      progressed = true;
    }
    const left = this.#o.watch.summary(pageId);
    if (!left) {
      this.#forget(pageId);
      return;
    }
    if (progressed) this.#reported.delete(pageId);
    const age = now - left.oldestSince;
    if (age >= this.#timing.failAfterMs) {
      const giveUp = age >= this.#timing.giveUpMs;
      const error = this.#failure(answer, left);
      const said = `${left.events}|${error}`;
      if (giveUp || this.#reported.get(pageId) !== said) {
        await this.#o.record({ kind: 'render_fail', at: now, pageId, error, giveUp });
        this.#reported.set(pageId, said);
        this.#o.log.warn('render not confirmed', { pageId, waitingMs: age, error, giveUp });
      }
      if (giveUp) {
        this.#forget(pageId);
        return;
      }
    }
    check.attempt = progressed || check.renewed ? 1 : check.attempt + 1;
    this.#scheduler.expedite(pageId, now + this.#delay(check.attempt));
  }

  #forget(pageId: string): void {
    this.#watched.delete(pageId);
    this.#scheduler.cancel(pageId);
    this.#reported.delete(pageId);
  }

  /** Why the page's promised version is not confirmed, in the coordinator's words if it has some. */
  #failure(answer: StatusAnswer, left: WatchSummary): string {
    if ('error' in answer) return `render not confirmed: ${answer.error}`;
    const { status } = answer;
    if (status.lastError) return status.lastError;
    return `render version ${left.lowest} not published (published: ${status.publishedVersion}${
      status.pending ? ', changes pending' : ''
    })`;
  }

  /** What the edge says it has published for one page now (the explorer's page view). */
  edgeStatus(pageId: string): Promise<StatusAnswer> {
    return this.#ask(pageId);
  }

  async #ask(pageId: string): Promise<StatusAnswer> {
    this.#checks++;
    const path = syncStatusPath(pageId);
    let error: string;
    try {
      const token = signSyncReadToken(this.#o.privateKey, pageId, syncReadRequest('GET', path));
      const res = await this.#request(new URL(path, this.#o.workerUrl), {
        method: 'GET',
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.any([
          this.#scheduler.signal,
          AbortSignal.timeout(this.#o.requestTimeoutMs),
        ]),
      });
      const { text } = res;
      if (res.status === 200) {
        const parsed = parseStatus(text, pageId);
        if (parsed) return { status: parsed };
        error = 'the status answer was not a PageRenderStatus';
      } else if (res.status === 404) {
        error = 'the edge has no record of this page';
      } else {
        error = `worker answered ${res.status}`;
      }
    } catch (err) {
      error = `network: ${errorMessage(err)}`;
    }
    this.#failedChecks++;
    this.#lastError = error;
    this.#o.log.debug('render check failed', { pageId, error });
    return { error };
  }
}

function parseStatus(text: string, pageId: string): PageRenderStatus | null {
  try {
    const result = PageRenderStatus.safeParse(JSON.parse(text));
    return result.success && result.data.pageId === pageId ? result.data : null;
  } catch {
    return null;
  }
}
