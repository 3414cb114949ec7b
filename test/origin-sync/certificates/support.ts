// Shared set-up for the certificate updater tests: fast timings, a temp state dir with
// origin-sync's database in it, and a poll-until helper (tests wait for behaviour, never for
// wall-clock durations).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CertificateStep,
  CertificateStore,
  type CertificateTiming,
  CertificateUpdater,
  type CertificateUpdaterOptions,
} from '../../../origin-sync/certificates/index.ts';
import type { ExtensionStorage } from '../../../origin-sync/extensions.ts';
import { createLogger, type Logger, type LogLevel } from '../../../origin-sync/log.ts';
import { CommitQueue } from '../../../origin-sync/store/commit-queue.ts';
import { openDatabase } from '../../../origin-sync/store/database.ts';
import type { CloudflareStandin } from '../../support/cloudflare-standin.ts';
import { waitFor as sharedWaitFor } from '../../support/wait.ts';

export const FAST: CertificateTiming = {
  concurrency: 2,
  minIntervalMs: 0,
  requestTimeoutMs: 5_000,
  outageBackoff: { initialMs: 20, maxMs: 2_000 },
  defaultRetryAfterMs: 200,
  maxRetryAfterMs: 5_000,
  poll: { initialMs: 5, maxMs: 20 },
  followTimeoutMs: 60_000,
  recheckActiveMs: 3_600_000,
  recheckStalledMs: 3_600_000,
  removalGraceMs: 50,
};

/** One line the updater logged, as origin-sync's logger writes it. */
export interface LogEntry {
  level: LogLevel;
  msg: string;
  [field: string]: unknown;
}

/** origin-sync's logger, every line kept in `logs` instead of written out. */
export function keepLogs(logs: LogEntry[]): Logger {
  return createLogger('debug', (line) => logs.push(JSON.parse(line) as LogEntry));
}

const open = new Map<string, { storage: ExtensionStorage; close(): void }>();

/**
 * origin-sync's database in `dir` (opened once per dir: every updater of a test shares it, as
 * a restarted one would find it), committed through origin-sync's own group commit.
 */
export function storageIn(dir: string): ExtensionStorage {
  let entry = open.get(dir);
  if (!entry) {
    const db = openDatabase(dir);
    const queue = new CommitQueue(db);
    entry = {
      storage: { db, commit: (work) => queue.run(work) },
      close: () => {
        queue.close();
        db.close();
      },
    };
    open.set(dir, entry);
  }
  return entry.storage;
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'certificates-'));
  return {
    dir,
    cleanup: async () => {
      open.get(dir)?.close();
      open.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Harness {
  updater: CertificateUpdater;
  steps: Array<{ eventId: string | undefined; step: CertificateStep }>;
  logs: LogEntry[];
}

/** An updater keeping its state in the database in `dir` (storageIn). */
export function makeUpdater(
  standin: CloudflareStandin,
  dir: string,
  overrides: { timing?: Partial<CertificateTiming>; token?: string } & Partial<
    Pick<CertificateUpdaterOptions, 'config'>
  > = {},
): Harness {
  const steps: Harness['steps'] = [];
  const logs: LogEntry[] = [];
  const updater = new CertificateUpdater({
    config: overrides.config ?? {
      enabled: true,
      baseUrl: standin.baseUrl,
      zoneId: standin.zoneId,
      apiToken: overrides.token ?? standin.token,
      sslMethod: 'http',
    },
    store: new CertificateStore(storageIn(dir)),
    timing: { ...FAST, ...overrides.timing },
    onStep: (eventId, step) => steps.push({ eventId, step }),
    log: keepLogs(logs),
  });
  return { updater, steps, logs };
}

/**
 * The shared `waitFor` (test/support/wait.ts), polling every 5 ms: the Cloudflare stand-in moves a
 * hostname on every 5–20 ms here (FAST), and a state a test waits for may last only that long.
 */
export function waitFor<T>(
  probe: () => T | undefined | null | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  // A truthy value is a T: the falsy members of the probe's type never come back.
  return sharedWaitFor(probe, { what, timeoutMs, intervalMs: 5 }) as Promise<T>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
