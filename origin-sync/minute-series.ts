// The last hour, a minute at a time, in memory: counts summed per minute (pushes that went well
// or failed) or levels kept at their highest per minute (outbox depth, the age of the oldest
// unconfirmed render). For the explorer's system charts; a restart starts the hour afresh.
const MINUTE = 60_000;

export class MinuteSeries<K extends string> {
  readonly #keys: readonly K[];
  readonly #mode: 'sum' | 'max';
  readonly #minutes: number;
  /** minute (epoch ms) → value per key; at most `minutes` of them. */
  readonly #slots = new Map<number, Record<K, number>>();

  constructor(keys: readonly K[], mode: 'sum' | 'max', minutes = 60) {
    this.#keys = keys;
    this.#mode = mode;
    this.#minutes = minutes;
  }

  add(at: number, values: Partial<Record<K, number>>): void {
    const minute = Math.floor(at / MINUTE) * MINUTE;
    let slot = this.#slots.get(minute);
    if (!slot) {
      slot = Object.fromEntries(this.#keys.map((k) => [k, 0])) as Record<K, number>;
      this.#slots.set(minute, slot);
      for (const m of [...this.#slots.keys()])
        if (m <= minute - this.#minutes * MINUTE) this.#slots.delete(m);
    }
    for (const k of this.#keys) {
      const v = values[k];
      if (v === undefined) continue;
      slot[k] = this.#mode === 'sum' ? slot[k] + v : Math.max(slot[k], v);
    }
  }

  /** One value per minute from `from` (inclusive) to `to` (exclusive), 0 where nothing was seen. */
  series(from: number, to: number): Record<K, number[]> {
    const start = Math.floor(from / MINUTE) * MINUTE;
    const n = Math.max(0, Math.ceil((to - start) / MINUTE));
    const out = Object.fromEntries(this.#keys.map((k) => [k, new Array<number>(n).fill(0)]));
    for (const [minute, slot] of this.#slots) {
      const i = (minute - start) / MINUTE;
      if (i < 0 || i >= n) continue;
      for (const k of this.#keys) (out[k] as number[])[i] = slot[k];
    }
    return out as Record<K, number[]>;
  }
}
