// One scheduler for "a due time per key, a concurrency limit": the pusher (key: a page), the
// render confirmer (a page) and the certificate updater (a hostname) each used to keep their
// own due map, in-flight map, wake timer and stop logic. `DueTimes` is the pure part (which
// keys may start now, when to look again); `KeyedScheduler` the shell: one wake timer, the
// runs in flight, abort, drain. A key runs at most once at a time; a key scheduled while it
// runs runs again after. Keys due together start in the order they were scheduled, so a key
// that just ran goes behind the others. docs/architecture.md ("One scheduler") shows its use.

export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns what cancels it. `keepAlive`: holds the process open. */
  timer(fn: () => void, ms: number, keepAlive?: boolean): () => void;
}

export const systemClock: Clock = {
  now: Date.now,
  timer(fn, ms, keepAlive = false) {
    // setTimeout's longest delay is about 24.8 days; a later due time is looked at again then.
    const t = setTimeout(fn, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    // Waiting for the next due time must not keep the process alive by itself.
    if (!keepAlive) t.unref();
    return () => clearTimeout(t);
  },
};

/** Due times by key, in scheduling order. Pure: time is passed in. */
export class DueTimes<K> {
  readonly #due = new Map<K, number>();

  get size(): number {
    return this.#due.size;
  }

  at(key: K): number | undefined {
    return this.#due.get(key);
  }

  keys(): K[] {
    return [...this.#due.keys()];
  }

  /** The key is due at `at`, whatever it was due at before; it goes behind the others. */
  set(key: K, at: number): void {
    this.#due.delete(key);
    this.#due.set(key, at);
  }

  /** The key is due no later than `at`: an earlier due time stays (and keeps its place). */
  expedite(key: K, at: number): void {
    const was = this.#due.get(key);
    if (was === undefined || at < was) this.set(key, at);
  }

  delete(key: K): boolean {
    return this.#due.delete(key);
  }

  /** How many keys are due after `now` (waiting out a backoff). */
  later(now: number): number {
    let n = 0;
    for (const at of this.#due.values()) if (at > now) n++;
    return n;
  }

  /**
   * Takes up to `free` keys due at `now`, skipping `busy` ones, in scheduling order. `wakeAt`:
   * when to look again, or null when every free slot was filled (the end of a run looks again)
   * or nothing waits. Nothing starts before `holdUntil` (a global hold).
   */
  take(
    now: number,
    free: number,
    busy: (key: K) => boolean,
    holdUntil = 0,
  ): { keys: K[]; wakeAt: number | null } {
    const keys: K[] = [];
    let wakeAt: number | null = Number.POSITIVE_INFINITY;
    const held = holdUntil > now;
    for (const [key, at] of this.#due) {
      if (keys.length >= free) {
        wakeAt = null;
        break;
      }
      if (busy(key)) continue;
      if (held || at > now) wakeAt = Math.min(wakeAt, held ? Math.max(at, holdUntil) : at);
      else keys.push(key);
    }
    for (const key of keys) this.#due.delete(key);
    return { keys, wakeAt: wakeAt !== null && Number.isFinite(wakeAt) ? wakeAt : null };
  }
}

export interface KeyedSchedulerOptions<K> {
  /** The work for one key. It may schedule its own key again (a retry, the next poll). */
  run(key: K, signal: AbortSignal): Promise<void>;
  /** Runs at once, at most; a function when it adapts (read before each start). */
  concurrency: number | (() => number);
  /** Until when nothing may start (a breaker open, an API rate limit); ≤ now: not held. */
  holdUntil?: () => number;
  /** A run that rejected (runs should catch what they expect themselves). */
  onError?: (key: K, err: unknown) => void;
  clock?: Clock;
}

export class KeyedScheduler<K> {
  readonly #o: KeyedSchedulerOptions<K>;
  readonly #clock: Clock;
  readonly #due = new DueTimes<K>();
  readonly #running = new Map<K, Promise<void>>();
  readonly #abort = new AbortController();
  readonly #idle = new Set<() => void>();
  #cancelTimer: (() => void) | null = null;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(options: KeyedSchedulerOptions<K>) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Aborted by `stop()`; also passed to every run. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get running(): number {
    return this.#running.size;
  }

  /** Scheduled keys due later than now. */
  waiting(): number {
    return this.#due.later(this.#clock.now());
  }

  /** Keys with a due time (a running key only when it is to run again). */
  keys(): K[] {
    return this.#due.keys();
  }

  /** When the key is due (undefined: not scheduled, though it may be running). */
  dueAt(key: K): number | undefined {
    return this.#due.at(key);
  }

  /** Whether the key has a due time or is running. */
  has(key: K): boolean {
    return this.#due.at(key) !== undefined || this.#running.has(key);
  }

  /** The key is due at `at` (replacing any due time it had). */
  schedule(key: K, at: number): void {
    if (this.#abort.signal.aborted) return;
    this.#due.set(key, at);
    this.#wakeAt(at);
  }

  /** The key is due no later than `at`. */
  expedite(key: K, at: number): void {
    if (this.#abort.signal.aborted) return;
    this.#due.expedite(key, at);
    this.#wakeAt(at);
  }

  /** Forgets the key's due time (a run in flight goes on). */
  cancel(key: K): void {
    this.#due.delete(key);
    this.#checkIdle();
  }

  /** Resolves true once nothing is scheduled or running, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.#due.size === 0 && this.#running.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        this.#idle.delete(onIdle);
        cancel();
        resolve(idle);
      };
      const onIdle = () => done(true);
      // Held open: a process stopping waits for its drain, not only for its sockets.
      const cancel = this.#clock.timer(() => done(false), timeoutMs, true);
      this.#idle.add(onIdle);
    });
  }

  /** Starts nothing more, aborts the runs in flight, and resolves once they have ended. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error('origin-sync is stopping'));
    this.#cancelTimer?.();
    await Promise.allSettled([...this.#running.values()]);
  }

  #checkIdle(): void {
    if (this.#due.size > 0 || this.#running.size > 0) return;
    for (const resolve of [...this.#idle]) resolve();
  }

  /** One timer, for the earliest time anything may start; a running key's end looks again. */
  #wakeAt(at: number): void {
    if (this.#abort.signal.aborted || at >= this.#timerAt) return;
    this.#cancelTimer?.();
    this.#timerAt = at;
    this.#cancelTimer = this.#clock.timer(() => {
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, at - this.#clock.now());
  }

  #pump(): void {
    if (this.#abort.signal.aborted) return;
    const { concurrency } = this.#o;
    const limit = typeof concurrency === 'number' ? concurrency : concurrency();
    const { keys, wakeAt } = this.#due.take(
      this.#clock.now(),
      limit - this.#running.size,
      (key) => this.#running.has(key),
      this.#o.holdUntil?.() ?? 0,
    );
    for (const key of keys) {
      const run = this.#o
        .run(key, this.#abort.signal)
        .catch((err: unknown) => this.#o.onError?.(key, err))
        .finally(() => {
          this.#running.delete(key);
          this.#checkIdle();
          this.#pump();
        });
      this.#running.set(key, run);
    }
    if (wakeAt !== null) this.#wakeAt(wakeAt);
  }
}
