// Backoff arithmetic and the one gate every Cloudflare API call passes through.
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../backoff-delay.ts';
import type { CertificateTiming } from './config.ts';

/** The timings that concern every call (config.ts says what each means). */
export type ApiGateOptions = Pick<
  CertificateTiming,
  'minIntervalMs' | 'outageBackoff' | 'defaultRetryAfterMs' | 'maxRetryAfterMs'
> & { random?: () => number };

/**
 * Cloudflare's limit is per user across the whole API and a 429 blocks every call for a
 * while, and a 5xx says the API is unwell, not one hostname: so waiting is global. While the
 * gate is closed nothing is sent (how many may go at once is the scheduler's limit).
 */
export class ApiGate {
  readonly #options: ApiGateOptions;
  #notBefore = 0;
  #lastRequest = Number.NEGATIVE_INFINITY;
  #consecutiveFailures = 0;

  constructor(options: ApiGateOptions) {
    this.#options = options;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** The earliest time a request may start (may be in the past): held, or paced. */
  nextStartAt(): number {
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
      const at = this.nextStartAt();
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
