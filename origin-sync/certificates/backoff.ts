// Backoff arithmetic and the one gate every Cloudflare API call passes through.
import { setTimeout as sleep } from 'node:timers/promises';
import { type BackoffPolicy, backoffDelay } from '../backoff-delay.ts';

export type { BackoffPolicy };

export interface ApiGateOptions {
  /** Requests in flight at once. */
  concurrency: number;
  /** Minimum time between two requests (pacing under the account quota), whoever sends them. */
  minIntervalMs: number;
  /** How long to hold every request after an outage-type failure, growing per failure. */
  outageBackoff: BackoffPolicy;
  /** Used when a 429 comes without a usable `Retry-After`. */
  defaultRetryAfterMs: number;
  /** Never believe a `Retry-After` longer than this. */
  maxRetryAfterMs: number;
  random?: () => number;
}

/**
 * Cloudflare's limit is per user across the whole API and a 429 blocks every call for a
 * while, and a 5xx says the API is unwell, not one hostname: so waiting is global. While the
 * gate is closed nothing is sent; when it reopens, at most `concurrency` requests probe.
 */
export class ApiGate {
  readonly #options: ApiGateOptions;
  #notBefore = 0;
  #lastRequest = Number.NEGATIVE_INFINITY;
  #inFlight = 0;
  #consecutiveFailures = 0;

  constructor(options: ApiGateOptions) {
    this.#options = options;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** The earliest time new work may start (may be in the past); Infinity when all slots are busy. */
  nextStartAt(): number {
    if (this.#inFlight >= this.#options.concurrency) return Number.POSITIVE_INFINITY;
    return this.#requestAllowedAt();
  }

  #requestAllowedAt(): number {
    return Math.max(this.#notBefore, this.#lastRequest + this.#options.minIntervalMs);
  }

  /**
   * Waits until one more request may go out (pacing, and any hold from a 429 or an outage that
   * began meanwhile), then claims the slot. Rejects when `signal` aborts (the updater stops).
   */
  async pace(now: () => number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const t = now();
      const at = this.#requestAllowedAt();
      if (at <= t) {
        this.#lastRequest = t;
        return;
      }
      await sleep(at - t, undefined, signal ? { signal } : {});
    }
  }

  /** The time until which the API is held (429 or outage); 0 when open. */
  get heldUntil(): number {
    return this.#notBefore;
  }

  begin(): void {
    this.#inFlight++;
  }

  end(): void {
    this.#inFlight--;
  }

  succeeded(): void {
    this.#consecutiveFailures = 0;
  }

  rateLimited(now: number, retryAfterMs: number | undefined): number {
    const wait = Math.min(
      retryAfterMs ?? this.#options.defaultRetryAfterMs,
      this.#options.maxRetryAfterMs,
    );
    this.#notBefore = Math.max(this.#notBefore, now + wait);
    return this.#notBefore;
  }

  unavailable(now: number): number {
    const wait = backoffDelay(
      this.#consecutiveFailures + 1,
      this.#options.outageBackoff,
      this.#options.random,
    );
    this.#consecutiveFailures++;
    this.#notBefore = Math.max(this.#notBefore, now + wait);
    return this.#notBefore;
  }
}
