// Group commit: writes handed in while the event loop is busy go into one transaction, so N
// core batches cost one fsync, not N. Each write runs in its own savepoint: one that throws
// (a bad record, a full disk) is undone alone and rejects only its own caller. A promise
// resolves only after COMMIT returned, i.e. after synchronous=FULL put the WAL on disk — that
// is what a 202 waits for.
//
// node:sqlite is synchronous, so the commit's fsync runs on the event loop. The queue keeps
// that cost to one fsync per `windowMs` however many requests arrive, and never more than
// `maxJobs` writes in one transaction, so no request waits behind an unbounded one.
import type { DatabaseSync } from 'node:sqlite';
import { isStorageFault } from './database.ts';

interface Job {
  work: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export interface CommitQueueOptions {
  /** How long writes may gather before a commit (0: the next turn of the event loop). */
  windowMs?: number;
  maxJobs?: number;
  /** A commit failed for lack of space or an I/O error (and when writing works again). */
  onFault?(err: Error | null): void;
}

/** The database refused the write for lack of space or an I/O error; nothing was changed. */
export class StorageUnavailable extends Error {}

export class CommitQueue {
  readonly #db: DatabaseSync;
  readonly #windowMs: number;
  readonly #maxJobs: number;
  readonly #onFault: (err: Error | null) => void;
  #jobs: Job[] = [];
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #faulted = false;
  commits = 0;
  writes = 0;

  constructor(db: DatabaseSync, opts: CommitQueueOptions = {}) {
    this.#db = db;
    this.#windowMs = opts.windowMs ?? 2;
    this.#maxJobs = opts.maxJobs ?? 500;
    this.#onFault = opts.onFault ?? (() => {});
  }

  /** Runs `work` inside the next transaction; resolves with its result once committed. */
  run<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (this.#jobs.length >= this.#maxJobs) this.#flushSoon(0);
      else this.#flushSoon(this.#windowMs);
    });
  }

  /** Commits what is queued now and stops taking writes. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  #flushSoon(ms: number): void {
    if (this.#timer && ms > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush();
    }, ms);
  }

  /** Commits every queued write now (synchronously). */
  flush(): void {
    while (this.#jobs.length > 0) {
      const jobs = this.#jobs.splice(0, this.#maxJobs);
      this.#commit(jobs);
    }
  }

  #commit(jobs: Job[]): void {
    const done: { job: Job; value: unknown }[] = [];
    const failed: { job: Job; err: unknown }[] = [];
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      for (const job of jobs) {
        this.#db.exec('SAVEPOINT job');
        try {
          const value = job.work();
          this.#db.exec('RELEASE job');
          done.push({ job, value });
        } catch (err) {
          // A full disk or an I/O error may have rolled the whole transaction back: then
          // nothing of this group is stored, and every writer in it hears so.
          if (isStorageFault(err)) throw err;
          this.#db.exec('ROLLBACK TO job');
          this.#db.exec('RELEASE job');
          failed.push({ job, err });
        }
      }
      this.#db.exec('COMMIT');
    } catch (err) {
      if (this.#db.isTransaction) {
        try {
          this.#db.exec('ROLLBACK');
        } catch {
          // Nothing left to roll back.
        }
      }
      const error = this.#wrap(err);
      for (const job of jobs) job.reject(error);
      return;
    }
    this.commits++;
    this.writes += done.length;
    if (this.#faulted && done.length > 0) {
      this.#faulted = false;
      this.#onFault(null);
    }
    for (const f of failed) f.job.reject(this.#wrap(f.err));
    for (const d of done) d.job.resolve(d.value);
  }

  #wrap(err: unknown): Error {
    if (isStorageFault(err)) {
      this.#fault(err);
      return new StorageUnavailable(`cannot write the database: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  #fault(err: unknown): void {
    if (this.#faulted) return;
    this.#faulted = true;
    this.#onFault(err instanceof Error ? err : new Error(String(err)));
  }
}
