// The checkpointer: a worker_thread with a connection of its own that copies the WAL's
// committed pages into the database file every CHECKPOINT_EVERY_MS, so the database thread,
// which holds SQLite's one write lock, does not stop to do it (docs/origin-sync-storage.md,
// Checkpoints). A PASSIVE checkpoint takes no write lock and waits for no one: the writer
// goes on committing while this thread copies and fsyncs.
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../log.ts';
import type { CheckpointMessage, CheckpointThreadConfig } from './checkpointer.ts';
import { openConnection } from './database.ts';

const config = workerData as CheckpointThreadConfig;
// Copying a frame reads it from the WAL into a buffer of its own: the page cache is not used.
const db = openConnection(config.dir, { cacheBytes: 256 * 1024 });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

let failing = false;
const timer = setInterval(() => {
  try {
    checkpoint.get();
    if (failing) parentPort?.postMessage({ t: 'recovered' } satisfies CheckpointMessage);
    failing = false;
  } catch (err) {
    // A full disk or an I/O error: the WAL keeps the pages, and the writer's own checkpoint
    // (the backstop) or a later turn here copies them once the disk takes writes again.
    if (!failing) {
      parentPort?.postMessage({
        t: 'failed',
        error: errorMessage(err),
      } satisfies CheckpointMessage);
    }
    failing = true;
  }
}, config.everyMs);

parentPort?.on('message', (message: 'stop') => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
