// The main thread's side of the database thread (db-thread.ts): each write is a message, its
// promise resolves once the thread's transaction committed (fsync'd) and rejects with
// StorageUnavailable (answered 503) when the disk refused it. The thread's counters and the
// fan-out's results arrive with its messages, in the order it sent them: a page's 'applied'
// (which kicks the pusher) comes before the 202 of the batch that brought it.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import { StorageUnavailable } from './commit-queue.ts';
import type { DbAnswers, DbCall, DbMessage, DbStats, DbThreadConfig } from './db-protocol.ts';
import type { ApplyResult } from './store.ts';

export interface DbClientEvents {
  applied(result: ApplyResult): void;
  fault(source: 'commit' | 'apply', error: string | null): void;
  log: Logger;
}

interface Waiting {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class DbClient {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  readonly #on: DbClientEvents;
  #nextId = 1;
  #dead: Error | null = null;
  #closing = false;
  #stats: DbStats = { commits: 0, writes: 0, pending: 0, applied: 0 };
  /** Waiting for the backlog to drop under a bound (room). */
  #roomWaiters: { below: number; resolve(): void }[] = [];

  private constructor(worker: Worker, on: DbClientEvents) {
    this.#worker = worker;
    this.#on = on;
  }

  /** Starts the thread on a database the caller has opened (and so migrated and locked). */
  static start(config: DbThreadConfig, on: DbClientEvents): Promise<DbClient> {
    const worker = new Worker(new URL('./db-thread.ts', import.meta.url), {
      workerData: config,
      // A second isolate's heap counts in RSS: its young generation, where nearly all of its
      // garbage dies, is held to 8 MiB (the scale bench's peak RSS 364–400 → 336–348 MiB at load
      // 7–8; no change measured in the thread's CPU per event).
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    const client = new DbClient(worker, on);
    return new Promise<DbClient>((resolve, reject) => {
      worker.on('message', (message: DbMessage) => {
        if (message.t === 'ready') {
          client.stats = message.stats;
          resolve(client);
        } else client.#message(message);
      });
      worker.on('error', (err) => {
        client.#fail(err);
        reject(err);
      });
      worker.on('exit', (code) => {
        // A 503 for the core (it retries), not a 500: nothing of its batch was stored.
        const err = new StorageUnavailable(`the database thread exited (code ${code})`);
        // Not asked to: nothing can be written any more; /healthz and every write say so.
        if (!client.#closing) on.fault('commit', err.message);
        client.#fail(err);
        reject(err);
      });
    });
  }

  /** The thread's counters as of its last message. */
  get stats(): DbStats {
    return this.#stats;
  }

  set stats(stats: DbStats) {
    this.#stats = stats;
    if (this.#roomWaiters.length === 0) return;
    const waiting = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const w of waiting) {
      if (stats.pending < w.below) w.resolve();
      else this.#roomWaiters.push(w);
    }
  }

  /**
   * Resolves once the thread's fan-out backlog is under `below` (at once when it is), as its
   * messages report it; the journal itself waits for room on the thread as well.
   */
  room(below: number): Promise<void> {
    if (this.#dead || this.#stats.pending < below) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push({ below, resolve }));
  }

  call<C extends DbCall>(call: C): Promise<DbAnswers[C['op']]> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ id, call });
    });
  }

  /** Closes the thread's connection (after committing what is queued) and waits for its end. */
  async close(): Promise<void> {
    if (this.#dead) return;
    this.#closing = true;
    const exited = new Promise<void>((r) => this.#worker.once('exit', () => r()));
    await this.call({ op: 'close' });
    await exited;
  }

  #message(message: DbMessage): void {
    switch (message.t) {
      case 'answer': {
        this.stats = message.stats;
        const waiting = this.#waiting.get(message.id);
        this.#waiting.delete(message.id);
        if (!waiting) return;
        if (message.error) {
          const { message: text, storage } = message.error;
          waiting.reject(storage ? new StorageUnavailable(text) : new Error(text));
        } else waiting.resolve(message.value);
        return;
      }
      case 'applied':
        this.stats = message.stats;
        this.#on.applied(message.result);
        return;
      case 'fault':
        this.#on.fault(message.source, message.error);
        return;
      case 'log':
        this.#on.log[message.level](message.message, message.fields);
        return;
      case 'ready':
        return;
    }
  }

  #fail(err: Error): void {
    if (this.#dead) return;
    this.#dead = err;
    for (const w of this.#roomWaiters) w.resolve();
    this.#roomWaiters = [];
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
  }
}
