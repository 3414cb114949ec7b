// Starts and stops the checkpoint thread (checkpoint-thread.ts) for the database thread, which
// owns it: it is started after the writer's connection and stopped before that closes, so the
// writer's close is the last and SQLite removes the WAL as it does for a single connection.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DATABASE_FILE } from './database.ts';

export interface CheckpointThreadConfig {
  /** The database file (the caller has opened, migrated and locked it). */
  path: string;
  everyMs: number;
  /** A pass that copied the whole of a WAL at least this long says so ('caught-up'). */
  restartFrames: number;
}

export type CheckpointMessage =
  | { t: 'failed'; error: string }
  | { t: 'recovered' }
  | { t: 'caught-up' };

/**
 * 50 ms: at 50,000 events/s a turn copies ~1,000–4,000 pages. Longer turns copy the same
 * hot pages fewer times but make each one longer; measured, 50–200 ms are within the noise
 * of each other (docs/benchmarks.md, Issue 13, checkpoints off the database thread).
 */
export const CHECKPOINT_EVERY_MS = 50;

/**
 * ~20 MiB of WAL, half the backstop. SQLite starts the WAL over only when, at a writer's
 * BEGIN, every frame is in the database file, and a pass here always ends behind a writer that
 * commits every few milliseconds: left alone, the WAL grew to the backstop, whose checkpoint
 * inside a COMMIT stalled every 202 behind it (docs/benchmarks.md). So after a pass that
 * copied all it saw of a WAL this long, the writer checkpoints the few frames committed since
 * (a few ms) and its next BEGIN starts the WAL over. Each of those costs the writer: at 2,000
 * frames they took ~3 % of its time at full load, and the edge-down rate fell in 10 of 11
 * alternated pairs; at 5,000 it did not.
 */
export const RESTART_AFTER_FRAMES = 5_000;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(
  dir: string,
  on: { failed(error: string): void; recovered(): void; caughtUp(): void },
  everyMs = CHECKPOINT_EVERY_MS,
): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-thread.ts', import.meta.url), {
    workerData: {
      path: join(dir, DATABASE_FILE),
      everyMs,
      restartFrames: RESTART_AFTER_FRAMES,
    } satisfies CheckpointThreadConfig,
    // It holds no data: a small heap, so a third isolate adds little to RSS.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
  });
  worker.on('message', (message: CheckpointMessage) => {
    if (message.t === 'failed') on.failed(message.error);
    else if (message.t === 'caught-up') on.caughtUp();
    else on.recovered();
  });
  // Without it the writer's own checkpoints (the backstop) still keep the WAL bounded.
  worker.on('error', (err) => on.failed(`the thread stopped: ${err.message}`));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop: async () => {
      worker.postMessage('stop');
      await exited;
    },
  };
}
