// One timer that wakes a loop at the earliest moment anyone asked for: asking for a later
// moment than the one already set changes nothing, an earlier one moves it. The pusher and
// the render confirmer each pump through one.
export class WakeTimer {
  #timer: NodeJS.Timeout | null = null;
  #at = 0;
  readonly #now: () => number;
  readonly #fire: () => void;
  /** Unref'd: a timer that must not keep the process alive by itself. */
  readonly #unref: boolean;

  constructor(now: () => number, fire: () => void, opts: { unref?: boolean } = {}) {
    this.#now = now;
    this.#fire = fire;
    this.#unref = opts.unref ?? false;
  }

  wakeAt(at: number): void {
    if (this.#timer && this.#at <= at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#fire();
      },
      Math.max(0, at - this.#now()),
    );
    if (this.#unref) this.#timer.unref();
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
