// Turns journaled events into catalogue, outbox rows and explorer steps, off the request path.
// A 202 waits only for the journal (the events' rows, fsync'd by the commit queue); the
// fan-out — the bulk of the per-event work — runs here, a bounded slice per turn of the event
// loop so HTTP keeps its share, in transactions of up to `budget` events.
//
// Its transactions commit with synchronous=NORMAL (no fsync of their own): they only derive
// state from events that are already durable, and the watermark moves in the same
// transaction, so a crash loses at most some applied state, which the next start applies
// again (the edge dedupes a push it sees twice). The next FULL commit (a journal, an ack)
// makes them durable too: the WAL is written in order.
import type { DatabaseSync } from 'node:sqlite';
import { isStorageFault } from './database.ts';
import type { ApplyResult, Store } from './store.ts';

export interface ApplierOptions {
  /** Events applied per transaction, at most. */
  budget?: number;
  /** Journaled-but-not-applied events past which a new journal waits (backpressure). */
  maxPending?: number;
  /** After a transaction that applied something: kick the pusher, tell the extensions. */
  onApplied(result: ApplyResult): void;
  /** An event whose apply threw; it was skipped with a failed step. */
  onPoisoned(eventId: string, err: unknown): void;
  /** The disk refused the write (null: it works again). */
  onFault(err: unknown): void;
}

const FAULT_RETRY_MS = 1_000;
/** The backlog past which a new journal waits, unless the options say otherwise. */
export const DEFAULT_MAX_PENDING = 20_000;

export class Applier {
  readonly #db: DatabaseSync;
  readonly #store: Store;
  readonly #budget: number;
  readonly #maxPending: number;
  readonly #opts: ApplierOptions;
  #scheduled: NodeJS.Immediate | NodeJS.Timeout | null = null;
  #waiters: (() => void)[] = [];
  #faulted = false;
  #stopped = false;
  applied = 0;
  transactions = 0;

  constructor(db: DatabaseSync, store: Store, opts: ApplierOptions) {
    this.#db = db;
    this.#store = store;
    this.#budget = opts.budget ?? 1_000;
    this.#maxPending = opts.maxPending ?? DEFAULT_MAX_PENDING;
    this.#opts = opts;
  }

  get pending(): number {
    return this.#store.pending;
  }

  /** Something was journaled: apply it soon. */
  kick(): void {
    if (this.#stopped || this.#scheduled || this.#store.pending === 0) return;
    this.#scheduled = setImmediate(() => this.#turn());
  }

  /** Resolves once the backlog is under its bound (at once when it is). */
  async room(): Promise<void> {
    while (!this.#stopped && this.#store.pending >= this.#maxPending) {
      this.kick();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /**
   * Applies everything journaled, now (synchronously): readers (the explorer, /healthz, the
   * hostname check) see every accepted event's effect. Not inside another transaction: then
   * the caller's view stays as it is.
   */
  settle(): void {
    if (this.#stopped || this.#faulted || this.#db.isTransaction) return;
    while (this.#store.pending > 0 && this.#step()) {
      // Each step is one bounded transaction.
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#scheduled) {
      clearImmediate(this.#scheduled as NodeJS.Immediate);
      clearTimeout(this.#scheduled as NodeJS.Timeout);
    }
    this.#scheduled = null;
    this.#release();
  }

  #turn(): void {
    this.#scheduled = null;
    if (this.#stopped) return;
    if (!this.#step()) {
      this.#scheduled = setTimeout(() => this.#turn(), FAULT_RETRY_MS);
      return;
    }
    this.kick();
  }

  /** One transaction of at most `budget` events; false when it could not go on (the disk). */
  #step(): boolean {
    const result = this.#transaction(() => this.#store.applyPending(this.#budget, Date.now()));
    if (result === 'fault') return false;
    if (!(result instanceof Error)) {
      this.#done(result);
      return true;
    }
    // One of these events throws: apply them one at a time up to it, and skip it.
    for (let i = 0; i < this.#budget && this.#store.pending > 0; i++) {
      const one = this.#transaction(() => this.#store.applyPending(1, Date.now()));
      if (one === 'fault') return false;
      if (!(one instanceof Error)) {
        this.#done(one);
        continue;
      }
      const skipped = this.#transaction(() => this.#store.skipPoisoned(Date.now(), one.message));
      // Not even skipped: stop here (a read goes on without it; the loop tries again later).
      if (skipped === 'fault' || skipped instanceof Error) return false;
      if (typeof skipped === 'string') this.#opts.onPoisoned(skipped, one);
      return true;
    }
    return true;
  }

  #done(result: ApplyResult): void {
    this.applied += result.applied;
    if (this.#store.pending < this.#maxPending) this.#release();
    if (result.applied > 0) this.#opts.onApplied(result);
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #transaction<T>(work: () => T): T | Error | 'fault' {
    const db = this.#db;
    db.exec('PRAGMA synchronous = NORMAL');
    try {
      db.exec('BEGIN IMMEDIATE');
      const value = work();
      db.exec('COMMIT');
      this.transactions++;
      if (this.#faulted) {
        this.#faulted = false;
        this.#opts.onFault(null);
      }
      return value;
    } catch (err) {
      if (db.isTransaction) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // Nothing left to roll back.
        }
      }
      this.#store.reloadWatermark();
      if (isStorageFault(err)) {
        if (!this.#faulted) this.#opts.onFault(err);
        this.#faulted = true;
        return 'fault';
      }
      return err instanceof Error ? err : new Error(String(err));
    } finally {
      db.exec('PRAGMA synchronous = FULL');
    }
  }
}
