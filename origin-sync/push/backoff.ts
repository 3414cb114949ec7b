// Retry timing and the circuit breaker in front of the worker: decisions only, with the
// clock and the randomness passed in, so they are tested without waiting.
import { type BackoffPolicy, backoffDelay } from '../backoff-delay.ts';

export type { BackoffPolicy };

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures (any page) that open the breaker. */
  failureThreshold: number;
  /** How long it stays open, growing with each reopening. */
  open: BackoffPolicy;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  failureThreshold: 5,
  open: { initialMs: 500, maxMs: 5_000 },
};

export type BreakerTransition = 'opened' | 'closed' | 'reopened' | null;

/**
 * While the worker is down, pushing every page's batch on its own schedule would hammer it
 * the moment it comes back, and waste work meanwhile. After `failureThreshold` consecutive
 * failures the breaker opens: nothing is sent until a cool-down passes, then one probe goes
 * (half-open); its success closes the breaker, its failure reopens it for longer.
 */
export class CircuitBreaker {
  readonly #options: BreakerOptions;
  readonly #random: () => number;
  #state: BreakerState = 'closed';
  #failures = 0;
  #opens = 0;
  #openUntil = 0;
  #probing = false;

  constructor(options: BreakerOptions = DEFAULT_BREAKER, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  get state(): BreakerState {
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** When a closed breaker would let a request through again (for timers). */
  get retryAt(): number {
    return this.#state === 'open' ? this.#openUntil : 0;
  }

  /** Until when nothing may start: the cool-down while open, and while the one probe is out. */
  get heldUntil(): number {
    if (this.#state === 'half_open' && this.#probing) return Number.POSITIVE_INFINITY;
    return this.retryAt;
  }

  /** May a request start now? In half-open state only one (the probe) may be in flight. */
  tryAcquire(now: number): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (now < this.#openUntil) return false;
      this.#state = 'half_open';
    }
    if (this.#probing) return false;
    this.#probing = true;
    return true;
  }

  success(): BreakerTransition {
    const was = this.#state;
    this.#state = 'closed';
    this.#failures = 0;
    this.#opens = 0;
    this.#probing = false;
    return was === 'closed' ? null : 'closed';
  }

  failure(now: number): BreakerTransition {
    this.#failures++;
    if (this.#state === 'half_open') {
      this.#probing = false;
      this.#open(now);
      return 'reopened';
    }
    if (this.#state === 'closed' && this.#failures >= this.#options.failureThreshold) {
      this.#open(now);
      return 'opened';
    }
    return null;
  }

  #open(now: number): void {
    this.#opens++;
    this.#state = 'open';
    this.#openUntil = now + backoffDelay(this.#opens, this.#options.open, this.#random);
  }
}
