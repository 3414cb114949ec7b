// The checkpointer: a worker_thread with a connection of its own that copies the WAL's
// committed pages into the database file every few tens of milliseconds, so the database
// thread, which holds SQLite's one write lock, does not stop to do it (docs/origin-sync-storage.md,
// Checkpoints). A PASSIVE checkpoint takes no write lock and waits for no one: the writer
// goes on committing while this thread copies and fsyncs.
//
// It imports nothing of ours at run time: every module a thread loads is held by its own
// isolate, and this one only needs SQLite (measured: +23 MiB of RSS for the thread as it is,
// +30 MiB when it opened the database through database.ts and the schema behind it).
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointMessage, CheckpointThreadConfig } from './checkpointer.ts';

const config = workerData as CheckpointThreadConfig;
const db = new DatabaseSync(config.path);
// As every connection to the file (database.ts, prepareConnection): a checkpoint fsyncs the
// WAL and the database file. Copying a frame reads it into a buffer of its own, so the page
// cache stays small.
db.exec('PRAGMA synchronous = FULL');
db.exec('PRAGMA cache_size = -256');
db.exec('PRAGMA mmap_size = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

function post(message: CheckpointMessage): void {
  parentPort?.postMessage(message);
}

let failing = false;
const timer = setInterval(() => {
  try {
    const pass = checkpoint.get() as { log: number; checkpointed: number };
    if (pass.log >= config.restartFrames && pass.checkpointed === pass.log)
      post({ t: 'caught-up' });
    if (failing) post({ t: 'recovered' });
    failing = false;
  } catch (err) {
    // A full disk or an I/O error: the WAL keeps the pages, and the writer's own checkpoint
    // (the backstop) or a later turn here copies them once the disk takes writes again.
    if (!failing) post({ t: 'failed', error: err instanceof Error ? err.message : String(err) });
    failing = true;
  }
}, config.everyMs);

parentPort?.on('message', (message: 'stop') => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
