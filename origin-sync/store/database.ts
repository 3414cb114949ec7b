// Opens origin-sync's one SQLite database (docs/origin-sync-storage.md): WAL with
// synchronous=FULL, so a commit is on disk when it returns; locking_mode=EXCLUSIVE, so the
// process that opened it first holds an OS file lock on it until it exits. That lock is the
// kernel's (fcntl on the file), not a pid written to a file, so it is right across pid
// namespaces and containers sharing a volume, and it dies with the process on a SIGKILL.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from './schema.ts';

export const DATABASE_FILE = 'origin-sync.db';
/** How long opening waits out another opener's momentary lock (see openDatabase). */
const OPEN_WAIT_MS = 2000;

/** Another process holds the database: this one must not serve. */
export class StateDirInUse extends Error {}

/** The database file is not one we can trust: refuse to start rather than guess. */
export class DamagedDatabase extends Error {}

export interface OpenOptions {
  /** Test hook standing in for a full disk: the database may not grow past this many pages. */
  maxPageCount?: number;
  /** SQLite's page cache, bytes (SQLITE_CACHE_MIB): the one heap cache that the data warms. */
  cacheBytes?: number;
}

/** 16 MiB: the hot index pages of a 9 M-event database; SQLite's own default is 2 MiB. */
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * The main thread's connection keeps at most this much. It reads while the database thread
 * writes, and SQLite empties a reader's cache at the start of each read that finds the WAL
 * changed, which under load is nearly every read: its pages last one query, so a cache as
 * large as the writer's only adds to the peak RSS.
 */
export const READER_CACHE_BYTES = 4 * 1024 * 1024;

/**
 * Everything SQLite may keep in memory, set rather than left to defaults that differ between
 * builds: a page cache of `cacheBytes`, no memory map (mapped pages of a 10 GB file count in
 * RSS and are not ours to bound), temporary tables in files, and a soft limit on SQLite's whole
 * heap, past which it gives cache pages back instead of growing. The WAL file is truncated
 * back to 64 MiB after a large commit (disk, not memory, but it would otherwise stay at its
 * largest size). docs/origin-sync-storage.md, Retention and memory.
 */
export function boundMemory(db: DatabaseSync, cacheBytes = DEFAULT_CACHE_BYTES): void {
  const kib = Math.max(256, Math.floor(cacheBytes / 1024));
  db.exec(`PRAGMA cache_size = -${kib}`);
  db.exec('PRAGMA mmap_size = 0');
  db.exec('PRAGMA temp_store = FILE');
  db.exec(`PRAGMA soft_heap_limit = ${2 * kib * 1024 + 16 * 1024 * 1024}`);
  db.exec(`PRAGMA journal_size_limit = ${64 * 1024 * 1024}`);
}

function sqliteCode(err: unknown): string {
  const e = err as { code?: unknown; errstr?: unknown; message?: unknown };
  return `${String(e.errstr ?? '')} ${String(e.message ?? '')}`;
}

export function isBusy(err: unknown): boolean {
  return /database is locked|SQLITE_BUSY|database table is locked/i.test(sqliteCode(err));
}

/** A write that failed for lack of space, an I/O error or damage met on the way: 503, retry later. */
export function isStorageFault(err: unknown): boolean {
  return /database or disk is full|SQLITE_FULL|disk I\/O error|SQLITE_IOERR|malformed|SQLITE_CORRUPT/i.test(
    sqliteCode(err),
  );
}

/** STATE_DIR, readable by us alone whatever the umask. */
function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * A database file created by us first, so that it (and the -wal SQLite makes beside it, with
 * the same mode) is never readable by others, whatever the umask.
 */
function privateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/** What every connection to the data file gets, however it was locked (both ways below). */
function prepareConnection(db: DatabaseSync, opts: OpenOptions): void {
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = OFF');
  boundMemory(db, opts.cacheBytes);
  // A cheap look, not `PRAGMA quick_check`, which reads the whole file and would make a
  // restart take as long as the database is big; SQLite reports damage it meets later as
  // SQLITE_CORRUPT, which turns writes into 503s with the error in /healthz.
  db.prepare('SELECT count(*) FROM sqlite_schema').get();
}

export function openDatabase(dir: string, opts: OpenOptions = {}): DatabaseSync {
  privateDir(dir);
  const path = join(dir, DATABASE_FILE);
  privateFile(path);
  const db = lockDatabase(path, dir);
  try {
    prepareConnection(db, opts);
    migrate(db);
    if (opts.maxPageCount !== undefined) setMaxPageCount(db, opts.maxPageCount);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof DamagedDatabase) throw err;
    throw new DamagedDatabase(
      `${path} could not be prepared (${(err as Error).message}); nothing was changed`,
    );
  }
}

/** The file whose lock says "this STATE_DIR is served" when the database itself is shared. */
export const LOCK_FILE = 'origin-sync.db-lock';

/** origin-sync's database opened for two threads: the lock is held apart from the data. */
export interface SharedDatabase {
  db: DatabaseSync;
  /** Closes the connection, then gives up the STATE_DIR's lock. */
  close(): void;
}

/**
 * Opens the database so that a second connection, on the database thread (db-thread.ts), can
 * write while this one reads: locking_mode=EXCLUSIVE would keep every other connection out,
 * even this process's own. So the OS lock that keeps a second process out is taken on a small
 * database file of its own (LOCK_FILE, EXCLUSIVE, held until close), before the data is
 * touched; the data is in plain WAL mode, with its -shm index, which both connections share.
 */
export function openSharedDatabase(dir: string, opts: OpenOptions = {}): SharedDatabase {
  privateDir(dir);
  const lockPath = join(dir, LOCK_FILE);
  privateFile(lockPath);
  const lock = lockDatabase(lockPath, dir);
  let db: DatabaseSync;
  try {
    db = openConnection(dir, opts);
    migrate(db);
  } catch (err) {
    lock.close();
    if (err instanceof DamagedDatabase) throw err;
    throw new DamagedDatabase(
      `${join(dir, DATABASE_FILE)} could not be prepared (${(err as Error).message}); nothing was changed`,
    );
  }
  return {
    db,
    close: () => {
      db.close();
      lock.close();
    },
  };
}

/**
 * The WAL's size, in pages, at which a committing connection checkpoints it itself. The
 * checkpoint thread (checkpoint-thread.ts) copies pages out long before that, but while the
 * writer keeps appending, SQLite starts the WAL over only after a checkpoint that finds no
 * frame left to copy: the writer's own, just after its commit, is that one, and it finds
 * almost nothing left to do. So the WAL stays under ~40 MiB (read again on a start after a
 * crash in well under a second), and if the checkpoint thread stops it is bounded all the same.
 */
export const WAL_BACKSTOP_PAGES = 10_000;

/**
 * One more connection to a database openSharedDatabase opened (whose caller holds the lock):
 * WAL, synchronous=FULL, the same memory bounds. A writer waits for the other connection's
 * transaction rather than failing (busy_timeout).
 */
export function openConnection(dir: string, opts: OpenOptions = {}): DatabaseSync {
  const path = join(dir, DATABASE_FILE);
  privateFile(path);
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA busy_timeout = 10000');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
    prepareConnection(db, opts);
    if (opts.maxPageCount !== undefined) setMaxPageCount(db, opts.maxPageCount);
    return db;
  } catch (err) {
    db.close();
    throw new DamagedDatabase(
      `${path} cannot be opened (${(err as Error).message}); restore it from a backup or move it aside to start empty`,
    );
  }
}

/** Sleeps this thread (only while opening, before anything serves). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Opens the file and takes its lock for life, or throws StateDirInUse.
 *
 * Two processes opening at the same instant both hold a shared lock for a moment while they
 * read the header (or recover a WAL a SIGKILLed process left); SQLite then answers both BUSY
 * at once where waiting could deadlock, and neither serves. So a BUSY while opening is tried
 * again after a random pause, for up to OPEN_WAIT_MS: the random pauses break the tie, and a
 * process that holds the database for life still turns a newcomer away once the time is up.
 */
function lockDatabase(path: string, dir: string): DatabaseSync {
  const giveUpAt = Date.now() + OPEN_WAIT_MS;
  for (;;) {
    const db = new DatabaseSync(path);
    try {
      db.exec('PRAGMA busy_timeout = 200');
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      // In exclusive mode the WAL index lives in this process's heap (no -shm file), and the
      // first write transaction below takes the lock that is then held until close.
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('BEGIN IMMEDIATE');
      db.exec('COMMIT');
      db.exec('PRAGMA busy_timeout = 0');
      return db;
    } catch (err) {
      db.close();
      if (!isBusy(err)) {
        throw new DamagedDatabase(
          `${path} cannot be opened (${(err as Error).message}); restore it from a backup or move it aside to start empty`,
        );
      }
      if (Date.now() >= giveUpAt) {
        throw new StateDirInUse(
          `${dir} is in use by another origin-sync (its database is locked); stop that one first, or give this one its own STATE_DIR`,
        );
      }
      pause(20 + Math.random() * 180);
    }
  }
}

export function setMaxPageCount(db: DatabaseSync, pages: number): void {
  db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(pages))}`);
}

/** Brings the schema to the newest version, one migration per transaction. */
function migrate(db: DatabaseSync): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  const from = row.user_version;
  if (from > MIGRATIONS.length) {
    throw new DamagedDatabase(
      `the database is at schema version ${from}, newer than this origin-sync knows (${MIGRATIONS.length}); run the newer release`,
    );
  }
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[v] as string);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}
