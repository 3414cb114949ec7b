// The durable, append-only journal on disk (the I/O around framing.ts and segments.ts).
//
// Group commit: appends that arrive while a write+fdatasync is in progress wait and go out
// together in the next one, so N concurrent requests cost one fsync, not N. A record's
// `onDurable` runs (in log order) only once it is on disk, so whatever the caller derives
// from it is always a function of the durable log and nothing else.
//
// Compaction: once enough was written since the last snapshot, the journal switches to a
// new segment, takes a snapshot of the caller's state (which then covers exactly the
// segments before), writes it beside the log (tmp + fsync + rename + fsync dir) and deletes
// the segments it covers. A restart loads the snapshot and replays the newer segments; a
// torn record at the end of a segment (a crash mid-write) is detected and cut off.
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  truncate,
} from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, type Logger, silentLogger } from '../log.ts';
import { decodeRecords, encodeRecord } from './framing.ts';
import { lockDirectory } from './lock.ts';
import {
  type CompactionPolicy,
  DEFAULT_COMPACTION,
  planReplay,
  SNAPSHOT_FILE,
  SNAPSHOT_TMP_FILE,
  segmentName,
  shouldCompact,
} from './segments.ts';

export interface JournalOptions {
  dir: string;
  /** Restores the caller's state from a snapshot payload (before any replay). */
  restore(payload: Uint8Array): void;
  /** Applies one replayed record payload, in log order. */
  replay(payload: Uint8Array): void;
  /** The caller's state as of every record applied so far (called synchronously). */
  snapshot(): Uint8Array;
  compaction?: CompactionPolicy;
  log?: Logger;
  /** The journal cannot promise durability any more (a failed write or fsync). */
  onFatal?(err: Error): void;
}

export interface JournalStats {
  segment: number;
  segmentBytes: number;
  bytesSinceSnapshot: number;
  fsyncs: number;
  records: number;
  replayedRecords: number;
  lastSnapshotAt: string | null;
}

interface Pending {
  frame: Uint8Array;
  onDurable: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

interface SnapshotMeta {
  format: 1;
  lastSegment: number;
  writtenAt: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Journal {
  readonly #opts: JournalOptions;
  readonly #log: Logger;
  readonly #policy: CompactionPolicy;
  #fh!: FileHandle;
  #segment = 0;
  #segmentBytes = 0;
  #bytesSinceSnapshot = 0;
  #fsyncs = 0;
  #records = 0;
  #replayedRecords = 0;
  #lastSnapshotAt: string | null = null;
  #pending: Pending[] = [];
  #flushing: Promise<void> | null = null;
  #snapshotWrite: Promise<void> | null = null;
  #failed: Error | null = null;
  #closed = false;
  #compactRequested = false;
  #unlock: (() => Promise<void>) | null = null;

  private constructor(opts: JournalOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? silentLogger;
    this.#policy = opts.compaction ?? DEFAULT_COMPACTION;
  }

  static async open(opts: JournalOptions): Promise<Journal> {
    const journal = new Journal(opts);
    await mkdir(opts.dir, { recursive: true });
    journal.#unlock = await lockDirectory(opts.dir);
    try {
      await journal.#recover();
    } catch (err) {
      await journal.#unlock();
      throw err;
    }
    return journal;
  }

  /** Resolves with `onDurable()`'s result once the record is on disk (fsync'd). */
  append<T>(payload: Uint8Array, onDurable: () => T): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed) return Promise.reject(new Error('the journal is closed'));
    const frame = encodeRecord(payload);
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ frame, onDurable, resolve: resolve as (v: unknown) => void, reject });
      this.#kick();
    });
  }

  /** Snapshot now and drop the covered segments (e.g. at a clean shutdown). */
  async compact(): Promise<void> {
    if (this.#failed) throw this.#failed;
    this.#compactRequested = true;
    this.#kick();
    await this.#idle();
    await this.#snapshotWrite;
  }

  #kick(): void {
    if (!this.#flushing) this.#flushing = this.#flushLoop();
  }

  /** Waits for every pending append, optionally snapshots, and closes the segment. */
  async close(opts: { snapshot?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    if (opts.snapshot && !this.#failed) await this.compact();
    this.#closed = true;
    await this.#idle();
    await this.#snapshotWrite?.catch(() => {});
    await this.#fh.close();
    await this.#unlock?.();
  }

  stats(): JournalStats {
    return {
      segment: this.#segment,
      segmentBytes: this.#segmentBytes,
      bytesSinceSnapshot: this.#bytesSinceSnapshot,
      fsyncs: this.#fsyncs,
      records: this.#records,
      replayedRecords: this.#replayedRecords,
      lastSnapshotAt: this.#lastSnapshotAt,
    };
  }

  async #idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #recover(): Promise<void> {
    const dir = this.#opts.dir;
    await rm(join(dir, SNAPSHOT_TMP_FILE), { force: true });
    const names = await readdir(dir);
    let lastSegment = 0;
    if (names.includes(SNAPSHOT_FILE)) {
      const bytes = await readFile(join(dir, SNAPSHOT_FILE));
      const { payloads, tornBytes } = decodeRecords(bytes);
      const [metaBytes, state] = payloads;
      // Written with rename, a snapshot is whole or absent: damage here is the disk's, and
      // guessing would silently lose accepted events, so refuse to start.
      if (payloads.length !== 2 || tornBytes !== 0 || !metaBytes || !state) {
        throw new Error(`${join(dir, SNAPSHOT_FILE)} is damaged; refusing to start`);
      }
      const meta = JSON.parse(decoder.decode(metaBytes)) as SnapshotMeta;
      this.#opts.restore(state);
      lastSegment = meta.lastSegment;
      this.#lastSnapshotAt = meta.writtenAt;
    }
    const plan = planReplay(names, lastSegment);
    for (const n of plan.obsolete) await rm(join(dir, segmentName(n)), { force: true });
    for (const n of plan.replay) {
      const path = join(dir, segmentName(n));
      const bytes = await readFile(path);
      const { payloads, validBytes, tornBytes } = decodeRecords(bytes);
      for (const payload of payloads) this.#opts.replay(payload);
      this.#replayedRecords += payloads.length;
      this.#bytesSinceSnapshot += validBytes;
      if (tornBytes > 0) {
        const last = n === plan.replay.at(-1);
        this.#log[last ? 'warn' : 'error']('journal: dropped a damaged tail', {
          segment: n,
          tornBytes,
          validBytes,
          cause: last ? 'a write cut short by a crash' : 'damage inside the log',
        });
        await truncate(path, validBytes);
      }
    }
    await this.#openSegment(plan.next);
    this.#log.info('journal: recovered', {
      dir,
      snapshotCovers: lastSegment,
      replayedSegments: plan.replay.length,
      replayedRecords: this.#replayedRecords,
    });
  }

  async #openSegment(n: number): Promise<void> {
    this.#fh = await open(join(this.#opts.dir, segmentName(n)), 'a');
    this.#segment = n;
    this.#segmentBytes = 0;
    await this.#syncDir();
  }

  async #syncDir(): Promise<void> {
    const dir = await open(this.#opts.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  // The only place that touches the open segment: writes, fsyncs and segment switches are
  // serialised here, so a compaction never races an append.
  async #flushLoop(): Promise<void> {
    try {
      while (this.#pending.length > 0 || this.#compactRequested) {
        if (this.#pending.length > 0) {
          const batch = this.#pending;
          this.#pending = [];
          const bytes = concat(batch.map((p) => p.frame));
          try {
            await writeAll(this.#fh, bytes);
            await this.#fh.datasync();
          } catch (err) {
            this.#fail(err, batch);
            return;
          }
          this.#fsyncs++;
          this.#records += batch.length;
          this.#segmentBytes += bytes.length;
          this.#bytesSinceSnapshot += bytes.length;
          for (const p of batch) {
            try {
              p.resolve(p.onDurable());
            } catch (err) {
              p.reject(err);
            }
          }
        }
        const wanted =
          this.#compactRequested || shouldCompact(this.#bytesSinceSnapshot, this.#policy);
        if (!wanted) continue;
        if (this.#snapshotWrite) {
          // One snapshot at a time; an explicit request waits for the running one.
          if (this.#compactRequested) await this.#snapshotWrite;
          continue;
        }
        this.#compactRequested = false;
        try {
          await this.#roll();
        } catch (err) {
          this.#fail(err, []);
          return;
        }
      }
    } finally {
      this.#flushing = null;
    }
  }

  /** Switches to a new segment and snapshots the state that covers the previous ones. */
  async #roll(): Promise<void> {
    const covered = this.#segment;
    // Synchronously, right after the last apply: the state is exactly segments ≤ covered.
    const state = this.#opts.snapshot();
    this.#bytesSinceSnapshot = 0;
    await this.#fh.close();
    await this.#openSegment(covered + 1);
    this.#snapshotWrite = this.#writeSnapshot(state, covered).finally(() => {
      this.#snapshotWrite = null;
    });
  }

  async #writeSnapshot(state: Uint8Array, lastSegment: number): Promise<void> {
    const started = Date.now();
    const dir = this.#opts.dir;
    const meta: SnapshotMeta = { format: 1, lastSegment, writtenAt: new Date().toISOString() };
    const tmp = join(dir, SNAPSHOT_TMP_FILE);
    try {
      const fh = await open(tmp, 'w');
      try {
        await writeAll(fh, encodeRecord(encoder.encode(JSON.stringify(meta))));
        await writeAll(fh, encodeRecord(state));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(dir, SNAPSHOT_FILE));
      await this.#syncDir();
      this.#lastSnapshotAt = meta.writtenAt;
      const names = await readdir(dir);
      const { obsolete } = planReplay(names, lastSegment);
      for (const n of obsolete) await rm(join(dir, segmentName(n)), { force: true });
      this.#log.info('journal: compacted', {
        snapshotBytes: state.length,
        coversSegment: lastSegment,
        deletedSegments: obsolete.length,
        ms: Date.now() - started,
      });
    } catch (err) {
      // The segments are still there: nothing is lost, the next compaction tries again.
      this.#log.error('journal: snapshot failed', { error: errorMessage(err) });
    }
  }

  #fail(err: unknown, batch: Pending[]): void {
    const error = new Error(`journal write failed: ${errorMessage(err)}`, { cause: err });
    this.#failed = error;
    for (const p of [...batch, ...this.#pending]) p.reject(error);
    this.#pending = [];
    this.#log.error('journal: cannot write; accepted events would not be durable', {
      error: errorMessage(err),
    });
    this.#opts.onFatal?.(error);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
