// The database thread: a worker_thread that owns origin-sync's one writing connection, so
// SQLite's work (the group commits of the journal and their fsync, the fan-out, acks, render
// confirmations, retention) runs on a core of its own while the main thread parses, validates,
// signs and pushes (docs/origin-sync-storage.md, Two threads). Store, CommitQueue and Applier
// run here unchanged; the main thread reads through its own connection (WAL readers do not
// wait for this writer) and asks for writes by message (db-client.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../log.ts';
import { Applier } from './applier.ts';
import { startCheckpointer } from './checkpointer.ts';
import { CommitQueue, StorageUnavailable } from './commit-queue.ts';
import { isStorageFault, openConnection, setMaxPageCount } from './database.ts';
import type { DbCall, DbMessage, DbStats, DbThreadConfig } from './db-protocol.ts';
import { type RecordedRequest, RequestLog } from './requests.ts';
import { Store } from './store.ts';

const port = parentPort;
if (!port) throw new Error('db-thread.ts runs as a worker thread');
const config = workerData as DbThreadConfig;

const db = openConnection(config.dir, {
  ...(config.cacheBytes !== undefined ? { cacheBytes: config.cacheBytes } : {}),
  ...(config.maxPageCount !== undefined ? { maxPageCount: config.maxPageCount } : {}),
});
const store = new Store(db);
const checkpointer = startCheckpointer(config.dir, {
  // Until it works again the writer's own checkpoints (WAL_BACKSTOP_PAGES) bound the WAL.
  failed: (error) =>
    log('warn', 'store: the checkpoint thread could not checkpoint the WAL', { error }),
  recovered: () => log('info', 'store: the WAL is checkpointed again', {}),
  caughtUp: restartWal,
});
const requests = new RequestLog(db, config.requestRetention);

/**
 * The checkpoint thread copied the whole WAL it saw: copy the frames committed since, so the
 * next BEGIN starts the WAL over (checkpointer.ts, RESTART_AFTER_FRAMES). Never inside a
 * transaction (none is open between turns of this thread's event loop; checked all the same).
 */
function restartWal(): void {
  try {
    if (!db.isTransaction) db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  } catch {
    // A full disk or an I/O error (the checkpoint thread reports it, and the backstop stays),
    // or a message that came in as the database closed: nothing to do either way.
  }
}

function post(message: DbMessage): void {
  port?.postMessage(message);
}

function log(
  level: 'info' | 'warn' | 'error',
  message: string,
  fields: Record<string, unknown>,
): void {
  post({ t: 'log', level, message, fields });
}

const commits = new CommitQueue(db, {
  ...(config.commitWindowMs !== undefined ? { windowMs: config.commitWindowMs } : {}),
  onFault: (err) => post({ t: 'fault', source: 'commit', error: err ? errorMessage(err) : null }),
});
const applier = new Applier(db, store, {
  ...(config.apply?.budget !== undefined ? { budget: config.apply.budget } : {}),
  ...(config.apply?.maxPending !== undefined ? { maxPending: config.apply.maxPending } : {}),
  onApplied: (result) => post({ t: 'applied', result, stats: stats() }),
  onPoisoned: (eventId, err) =>
    log('error', 'store: an event could not be fanned out; skipped', {
      eventId,
      error: errorMessage(err),
    }),
  onFault: (err) => post({ t: 'fault', source: 'apply', error: err ? errorMessage(err) : null }),
});

function stats(): DbStats {
  return {
    commits: commits.commits,
    writes: commits.writes,
    pending: applier.pending,
    applied: applier.applied,
  };
}

/**
 * The request's record, inside the batch's transaction: a record that cannot be written
 * (other than for a full disk, which fails the whole commit) is undone alone and only
 * logged, as it was when the record followed the 202.
 */
function recordWithin(request: RecordedRequest): void {
  db.exec('SAVEPOINT request_record');
  try {
    requests.record(request);
    db.exec('RELEASE request_record');
  } catch (err) {
    if (isStorageFault(err)) throw err;
    db.exec('ROLLBACK TO request_record');
    db.exec('RELEASE request_record');
    log('warn', 'core request not recorded', { requestId: request.id, error: errorMessage(err) });
  }
}

/** Runs one call; its answer is the DbAnswers entry of its op (DbClient.call gives it that type). */
async function handle(call: DbCall): Promise<unknown> {
  switch (call.op) {
    case 'journal': {
      // A backlog past its bound makes new batches wait for room (store/applier.ts).
      await applier.room();
      const result = await commits.run(() => {
        const journaled = store.journal(call.events, call.receivedAt, call.validatedAt, Date.now());
        if (call.request) recordWithin(call.request);
        return journaled;
      });
      // A page's own events are fanned out before its 202 (the 'applied' message, which kicks
      // the pusher, is posted before this answer): the edge's page coordinator claims a page's
      // hostnames again when its push arrives, so that push must be on its way before the
      // core's next batch reserves them (test/e2e/hostname-takeover.test.ts).
      if (result.accepted > 0 && call.pageEvents) applier.settle();
      if (result.accepted > 0) applier.kick();
      return result;
    }
    case 'record':
      return commits.run(() => store.record(call.record));
    case 'recordRequest':
      return commits.run(() => requests.record(call.request));
    case 'recordAction':
      return commits.run(() => requests.recordAction(call.action));
    case 'retryDeadLetter':
      return commits.run(() => store.retryDeadLetter(call.pageId, call.eventId, call.at));
    case 'discardDeadLetter':
      return commits.run(() => store.discardDeadLetter(call.pageId, call.eventId, call.at));
    case 'prune':
      return commits.run(
        () =>
          store.prune(call.now, config.retention) +
          requests.prune(call.now, config.retention.maxBytes),
      );
    case 'setMaxPageCount':
      setMaxPageCount(db, call.pages);
      return undefined;
    case 'settle':
      applier.settle();
      return undefined;
    case 'close':
      commits.close();
      applier.stop();
      await checkpointer.stop();
      db.close();
      return undefined;
  }
}

port.on('message', (message: { id: number; call: DbCall }) => {
  handle(message.call).then(
    (value) => {
      post({ t: 'answer', id: message.id, value, stats: stats() });
      if (message.call.op === 'close') port.close();
    },
    (err: unknown) =>
      post({
        t: 'answer',
        id: message.id,
        error: {
          message: errorMessage(err),
          storage: err instanceof StorageUnavailable || isStorageFault(err),
        },
        stats: stats(),
      }),
  );
});

post({ t: 'ready', stats: stats() });
applier.kick();
