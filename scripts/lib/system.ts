// The one way to start the system: `npm start`, the end-to-end and browser tests, the process
// tests of origin-sync and the benchmarks all call startSystem() with the parts they need.
//
//   - the worker: bundled by wrangler exactly as for a deploy (worker-runtime.ts), served by
//     Miniflare (workerd) with KV and Durable Objects under STATE_DIR/edge, or in memory;
//   - origin-sync: a real child process, `node origin-sync/main.ts` (origin-sync-process.ts),
//     its database under STATE_DIR/origin-sync, pushing to this worker or to a stand-in;
//   - the keys both share, made once under STATE_DIR/keys (ensureKeys).
//
// Either part can be left out (`worker: false`, `originSync: false`), stopped, killed and
// started again on the same ports and state. worker-runtime.ts and origin-sync-process.ts are
// this module's pieces: nothing else imports them (test/unit/one-starter.test.ts checks).
// Tests that need origin-sync inside their own process, to look into it or tune its retry
// timings, use test/support/origin-sync-in-process.ts instead: that is a unit under test, not
// the system.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoordinatorStatus } from '../../worker/coordinator/page-coordinator.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { type SyncResult, syncPath } from '../../worker/sync/contract.ts';
import { importSyncKey, signSyncToken } from '../../worker/sync/token.ts';
import type { CoreClientOptions } from './core-client.ts';
import {
  ensureKeys,
  freePort,
  type OriginSyncProcess,
  type SystemKeys,
  startOriginSyncProcess,
} from './origin-sync-process.ts';
import {
  buildWorker,
  fetchWithHost,
  serveWorker,
  type WorkerBundle,
  type WorkerRuntime,
} from './worker-runtime.ts';

/**
 * A further origin-sync process beside a system's own (a second replica on its own state dir,
 * or another configuration taking over the same state); the system's own stays startSystem's.
 */
export { type OriginSyncProcessOptions, startOriginSyncProcess } from './origin-sync-process.ts';
export type { OriginSyncProcess, SystemKeys, WorkerBundle, WorkerRuntime };
export { buildWorker, ensureKeys, fetchWithHost, freePort };

export interface WorkerOptions {
  /** 0 or omitted: a free port, kept across a stop and start. */
  port?: number;
  /** Bindings beyond wrangler.toml's and SYNC_PUBLIC_KEY (e.g. RENDER_BUDGET_MS). */
  bindings?: Record<string, string>;
  /** Simulated `request.cf` (e.g. tlsClientAuth for mTLS tests). */
  cf?: Record<string, unknown>;
  /**
   * Where KV, Durable Objects and the cache live: 'disk' (STATE_DIR/edge, as `npm start`, and
   * what a restart of the worker needs) or 'memory' (for benchmarks: no file I/O in the figures).
   */
  state?: 'disk' | 'memory';
}

export interface OriginSyncOptions {
  /** Omitted: a free port, kept across a kill and start. */
  port?: number;
  /** Where it pushes; omitted: this system's worker. */
  workerUrl?: string;
  /** Extra environment (LOG_LEVEL, OPERATOR_TOKEN, EXPLORER_RETENTION, ...). */
  env?: Record<string, string>;
  /** Every log line is appended here (omitted: none; a test's log is in its failure). */
  logFile?: string;
  /** Also called with each log line (e.g. to echo warnings to a console). */
  onLog?(line: string): void;
  startTimeoutMs?: number;
}

export interface SystemOptions {
  /** Keys, databases, edge state and logs; omitted: a temp dir that stop() removes. */
  stateDir?: string;
  /**
   * The worker bundle. Omitted: built (into a temp dir, or `build.outDir`) and disposed by
   * stop(). One bundle can serve several systems: a test file that starts more than one
   * builds once (buildWorker) and disposes it itself.
   */
  bundle?: WorkerBundle;
  /** How to build the bundle when none is given: `entry` replaces wrangler.toml's `main`. */
  build?: { outDir?: string; entry?: string };
  worker?: WorkerOptions | false;
  originSync?: OriginSyncOptions | false;
  /** The secret the core signs POST /v1/events with; omitted: a random one. */
  secret?: string;
}

/** The running worker, with the calls a test or benchmark makes of it. */
export interface SystemWorker {
  runtime: WorkerRuntime;
  /** http://127.0.0.1:<port>: send the page's hostname as Host (visit does). */
  url: URL;
  port: number;
  /** A visitor's request to a page URL (`http://demo.localhost/`) through the real HTTP server. */
  visit(pageUrl: string, init?: RequestInit): Promise<Response>;
  /** The same through Miniflare's dispatcher (no socket): for tight loops in benchmarks. */
  dispatch(hostname: string, path?: string): Promise<Response>;
  /** Posts a signed batch to /_sync, as origin-sync does; throws unless it is stored (200). */
  sync(pageId: string, events: CoreEvent[]): Promise<SyncResult>;
  /** A /_sync write token for `body`, signed with the system's key (for hand-made requests). */
  signSync(pageId: string, body: string): Promise<string>;
  /** What the page's coordinator reports about itself (renders, KV writes, versions). */
  coordinatorStatus(pageId: string): Promise<CoordinatorStatus>;
  /** The page's coordinator stub for RPC calls, one per page for the worker's life. */
  coordinator<T>(pageId: string): T;
  kv(): ReturnType<WorkerRuntime['mf']['getKVNamespace']>;
}

export interface System {
  stateDir: string;
  keys: SystemKeys;
  /** The /_sync signing key as a CryptoKey (for an origin-sync started in a test's own process). */
  syncPrivateKey: CryptoKey;
  /** Where and how to send signed core events (scripts/lib/core-client.ts). */
  core: CoreClientOptions;
  /** The running worker; throws when it is left out or stopped. */
  readonly worker: SystemWorker;
  /** The running origin-sync process; throws when it is left out or stopped. */
  readonly originSync: OriginSyncProcess;
  workerUrl: URL;
  syncUrl: string;
  startWorker(): Promise<SystemWorker>;
  stopWorker(): Promise<void>;
  startOriginSync(): Promise<OriginSyncProcess>;
  /** A clean stop (SIGTERM: drain, then exit); resolves with the exit code. */
  stopOriginSync(signal?: NodeJS.Signals): Promise<number | string>;
  /** SIGKILL: a crash at an arbitrary moment. */
  killOriginSync(): Promise<number | string>;
  /** Stops both, disposes the bundle it built and removes the state dir it made. */
  stop(): Promise<void>;
}

export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  const temporary = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'esp-system-')));
  const keys = await ensureKeys(stateDir);
  const secret = opts.secret ?? `secret-${Math.random().toString(36).slice(2)}`;
  const workerOpts = opts.worker === false ? null : (opts.worker ?? {});
  const originOpts = opts.originSync === false ? null : (opts.originSync ?? {});
  const workerPort = workerOpts ? workerOpts.port || (await freePort()) : 0;
  const syncPort = originOpts ? originOpts.port || (await freePort()) : 0;
  const workerUrl = new URL(`http://127.0.0.1:${workerPort}`);
  const syncUrl = `http://127.0.0.1:${syncPort}`;
  const ownBundle = workerOpts !== null && opts.bundle === undefined;
  let bundle: WorkerBundle | null = opts.bundle ?? null;
  const syncKey = await importSyncKey(keys.sync.privateJwk);
  let worker: SystemWorker | null = null;
  let origin: OriginSyncProcess | null = null;

  const startEdge = async (): Promise<SystemWorker> => {
    if (!workerOpts) throw new Error('this system was started without a worker');
    bundle ??= await buildWorker(opts.build?.outDir, opts.build?.entry);
    const runtime = await serveWorker({
      bundle,
      port: workerPort,
      ...((workerOpts.state ?? 'disk') === 'disk' ? { stateDir: join(stateDir, 'edge') } : {}),
      bindings: { SYNC_PUBLIC_KEY: JSON.stringify(keys.sync.publicJwk), ...workerOpts.bindings },
      ...(workerOpts.cf ? { cf: workerOpts.cf } : {}),
    });
    worker = await workerHandle(runtime, syncKey);
    return worker;
  };
  const startOrigin = async (): Promise<OriginSyncProcess> => {
    if (!originOpts) throw new Error('this system was started without origin-sync');
    origin = await startOriginSyncProcess({
      stateDir,
      port: syncPort,
      workerUrl: originOpts.workerUrl ?? workerUrl.origin,
      secret,
      ...(originOpts.logFile ? { logFile: originOpts.logFile } : {}),
      ...(originOpts.env ? { env: originOpts.env } : {}),
      ...(originOpts.onLog ? { onLog: originOpts.onLog } : {}),
      ...(originOpts.startTimeoutMs ? { startTimeoutMs: originOpts.startTimeoutMs } : {}),
    });
    return origin;
  };
  const stopOrigin = async (signal: NodeJS.Signals) => {
    const code = (await origin?.stop(signal)) ?? 'not running';
    origin = null;
    return code;
  };
  const stopEdge = async () => {
    await worker?.runtime.stop();
    worker = null;
  };

  try {
    if (workerOpts) await startEdge();
    if (originOpts) await startOrigin();
  } catch (err) {
    await stopOrigin('SIGKILL');
    await stopEdge();
    if (ownBundle) await bundle?.dispose();
    if (temporary) await rm(stateDir, { recursive: true, force: true });
    throw err;
  }

  return {
    stateDir,
    keys,
    syncPrivateKey: syncKey,
    core: { url: syncUrl, secret },
    workerUrl,
    syncUrl,
    get worker() {
      if (!worker) throw new Error('the worker is not running');
      return worker;
    },
    get originSync() {
      if (!origin) throw new Error('origin-sync is not running');
      return origin;
    },
    startWorker: startEdge,
    stopWorker: stopEdge,
    startOriginSync: startOrigin,
    stopOriginSync: (signal = 'SIGTERM') => stopOrigin(signal),
    killOriginSync: () => stopOrigin('SIGKILL'),
    async stop() {
      await stopOrigin('SIGTERM');
      await stopEdge();
      if (ownBundle) await bundle?.dispose();
      if (temporary) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

async function workerHandle(runtime: WorkerRuntime, syncKey: CryptoKey): Promise<SystemWorker> {
  const { mf } = runtime;
  // A stub that made a call must be disposed, and Miniflare's proxy of a stub passes no
  // Symbol.dispose through: a stub per call leaves workerd warning "An RPC stub was not
  // disposed properly" when it collects them. One stub per page lives until mf.dispose().
  // (Synchronous: a stub resolved from a promise would be asked for `then` over RPC.)
  const namespace = await mf.getDurableObjectNamespace('PAGE_COORDINATOR');
  const stubs = new Map<string, unknown>();
  const coordinator = <T>(pageId: string): T => {
    let stub = stubs.get(pageId);
    if (stub === undefined) {
      stub = namespace.get(namespace.idFromName(pageId));
      stubs.set(pageId, stub);
    }
    return stub as T;
  };
  const signSync = (pageId: string, body: string) => signSyncToken(syncKey, pageId, body);
  return {
    runtime,
    url: runtime.url,
    port: runtime.port,
    visit: (pageUrl, init) => fetchWithHost(runtime.url, pageUrl, init),
    async dispatch(hostname, path = '/') {
      return (await mf.dispatchFetch(`http://${hostname}${path}`)) as unknown as Response;
    },
    async sync(pageId, events) {
      const body = JSON.stringify({ pageId, events });
      const res = await mf.dispatchFetch(`http://sync.internal${syncPath(pageId)}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${await signSync(pageId, body)}`,
        },
        body,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`/_sync answered ${res.status}: ${text}`);
      return JSON.parse(text) as SyncResult;
    },
    signSync,
    async coordinatorStatus(pageId) {
      const stub = coordinator<{ status(): Promise<CoordinatorStatus> }>(pageId);
      // Miniflare hands back a proxy of the answer: copy it into a plain object.
      return JSON.parse(JSON.stringify(await stub.status())) as CoordinatorStatus;
    },
    coordinator,
    kv: () => mf.getKVNamespace('PAGES_KV'),
  };
}
