// origin-sync's settings, from the environment (docs/contract.md §4 plus a few of its own).
import { join } from 'node:path';
import { z } from 'zod';
import { type CertificateConfig, certificateConfigFromEnv } from './certificates/config.ts';

export const DEV_CORE_SIGNING_SECRET = 'dev-core-signing-secret';

const Port = z.coerce.number().int().min(0).max(65_535);
const Positive = z.coerce.number().int().min(1);

const Env = z.object({
  SYNC_PORT: Port.default(8788),
  SYNC_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_PORT: Port.default(8787),
  /** Where the worker's /_sync is; defaults to the local worker on WORKER_PORT. */
  WORKER_URL: z.url({ protocol: /^https?$/ }).optional(),
  CORE_SIGNING_SECRET: z.string().min(1).default(DEV_CORE_SIGNING_SECRET),
  STATE_DIR: z.string().min(1).default('.data'),
  /** origin-sync's Ed25519 private key for /_sync tokens, as JWK JSON, or a file holding it. */
  SYNC_PRIVATE_KEY: z.string().min(1).optional(),
  SYNC_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  /** Pages pushed at once to begin with; adapts up to 64 (or this, if higher) with the edge. */
  PUSH_CONCURRENCY: Positive.max(256).default(16),
  /** A page's pushes start at least this far apart (what arrives meanwhile goes in one push). */
  PUSH_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  /** Explorer steps and remembered event ids are kept this many days … */
  EXPLORER_RETENTION_DAYS: Positive.max(3650).default(7),
  /** … and the oldest go sooner while the database is bigger than this. */
  STATE_MAX_BYTES: Positive.default(2 * 1024 ** 3),
  /** SQLite's page cache, MiB: with the V8 heap, what bounds origin-sync's memory. */
  SQLITE_CACHE_MIB: Positive.max(4096).default(16),
  DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(2_000),
  /** Comma-separated zones (the Cloudflare for SaaS zone) whose names no page may claim. */
  SAAS_ZONE_NAME: z.string().default(''),
  /** Bearer token of the operator endpoints; unset: `<STATE_DIR>/operator-token` (npm start). */
  OPERATOR_TOKEN: z.string().min(24).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

/**
 * What origin-sync's process is started with so that its memory stays bounded under a full
 * ingest (docs/origin-sync-storage.md, Retention and memory). glibc and V8 read these only as
 * the process starts, so they belong to whatever launches it (scripts/lib/origin-sync-process.ts,
 * a supervisor's unit file); main.ts only checks them (memoryBoundsMissing).
 *
 * - V8: with a 1.5 GiB old-generation limit V8 lets its heap grow less past the live data
 *   between full collections than with Node's multi-GiB default (up to 4×); measured, the
 *   heap's high point under ingest halved at the same CPU per event (1 GiB: the same peak,
 *   more GC; 512 MiB: a little lower, more GC again). The live heap is ~40 MB at 10,000
 *   pages, so the limit itself is headroom, not a target.
 * - glibc: two malloc arenas rather than eight per core, and blocks of 128 KiB or more (request
 *   and push bodies) mapped and unmapped on their own instead of left as holes in the heap
 *   that RSS keeps; the heap's free top is given back past 1 MiB.
 */
export const MEMORY_NODE_FLAGS = ['--max-old-space-size=1536'] as const;
export const MEMORY_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '1048576',
} as const;

/**
 * The memory settings this process was started without, each as the flag or variable to
 * set; empty when all are there. `nodeFlags`: process.execArgv and NODE_OPTIONS's words. (A
 * different value set on purpose counts as set.)
 */
export function memoryBoundsMissing(
  env: Record<string, string | undefined>,
  nodeFlags: readonly string[],
): string[] {
  const missing: string[] = Object.entries(MEMORY_ENV)
    .filter(([name]) => !env[name])
    .map(([name, value]) => `${name}=${value}`);
  for (const flag of MEMORY_NODE_FLAGS) {
    const name = flag.slice(0, flag.indexOf('='));
    if (!nodeFlags.some((f) => f === name || f.startsWith(`${name}=`))) missing.push(flag);
  }
  return missing;
}

export interface OriginSyncConfig {
  port: number;
  host: string;
  workerUrl: string;
  coreSigningSecret: string;
  usingDevSecret: boolean;
  stateDir: string;
  privateKey: { json: string } | { file: string };
  pushConcurrency: number;
  pushMinIntervalMs: number;
  explorerRetentionDays: number;
  stateMaxBytes: number;
  sqliteCacheBytes: number;
  drainTimeoutMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  saasZones: string[];
  operatorToken: string | null;
  /** The certificate updater's: CLOUDFLARE_ZONE_ID, _API_TOKEN, _API_BASE_URL, _SSL_METHOD. */
  certificates: CertificateConfig;
}

export function syncKeyFiles(stateDir: string): { privateKey: string; publicKey: string } {
  return {
    privateKey: join(stateDir, 'keys', 'sync-private.jwk.json'),
    publicKey: join(stateDir, 'keys', 'sync-public.jwk.json'),
  };
}

/** The environment without its empty variables: `FOO=` means FOO is not set. */
function setVariables(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
}

/**
 * The environment read through `schema`, an empty variable counting as unset; throws one error
 * naming every bad variable. origin-sync's settings and the notifier's (notify/settings.ts) both
 * read theirs this way, so a bad value reads the same whichever part refuses it.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const parsed = schema.safeParse(setVariables(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

export function loadConfig(env: Record<string, string | undefined>): OriginSyncConfig {
  const e = parseEnv(Env, env);
  let certificates: CertificateConfig;
  try {
    certificates = certificateConfigFromEnv(setVariables(env));
  } catch (err) {
    throw new Error(`invalid environment:\n  ${(err as Error).message}`);
  }
  return {
    port: e.SYNC_PORT,
    host: e.SYNC_HOST,
    workerUrl: e.WORKER_URL ?? `http://127.0.0.1:${e.WORKER_PORT}`,
    coreSigningSecret: e.CORE_SIGNING_SECRET,
    usingDevSecret: e.CORE_SIGNING_SECRET === DEV_CORE_SIGNING_SECRET,
    stateDir: e.STATE_DIR,
    privateKey: e.SYNC_PRIVATE_KEY
      ? { json: e.SYNC_PRIVATE_KEY }
      : { file: e.SYNC_PRIVATE_KEY_FILE ?? syncKeyFiles(e.STATE_DIR).privateKey },
    pushConcurrency: e.PUSH_CONCURRENCY,
    pushMinIntervalMs: e.PUSH_MIN_INTERVAL_MS,
    explorerRetentionDays: e.EXPLORER_RETENTION_DAYS,
    stateMaxBytes: e.STATE_MAX_BYTES,
    sqliteCacheBytes: e.SQLITE_CACHE_MIB * 1024 * 1024,
    drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    operatorToken: e.OPERATOR_TOKEN ?? null,
    certificates,
    saasZones: e.SAAS_ZONE_NAME.split(',').flatMap((z) => {
      const zone = z.trim().toLowerCase().replace(/\.$/, '');
      return zone ? [zone] : [];
    }),
  };
}
