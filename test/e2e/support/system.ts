// The whole system for end-to-end tests, as `npm start` runs it: the worker bundled by
// wrangler and served by Miniflare (persisted under a temp STATE_DIR/edge), origin-sync as a
// real child process (its database under STATE_DIR/origin-sync). Free ports, a temp state dir,
// and handles to stop/start/kill either side on the same ports and state.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Health } from '../../../origin-sync/service.ts';
import type { EventTrace } from '../../../origin-sync/store/trace.ts';
import type { CoreClientOptions } from '../../../scripts/lib/core-client.ts';
import {
  ensureKeys,
  freePort,
  type OriginSyncProcess,
  type SystemKeys,
  startOriginSyncProcess,
} from '../../../scripts/lib/origin-sync-process.ts';
import {
  buildWorker,
  fetchWithHost,
  startWorker,
  type WorkerBundle,
  type WorkerRuntime,
} from '../../../scripts/lib/worker-runtime.ts';

export interface E2ESystem {
  stateDir: string;
  keys: SystemKeys;
  core: CoreClientOptions;
  syncUrl: string;
  workerUrl: URL;
  /** Bearer token of origin-sync's operator endpoints. */
  operatorToken: string;
  /** GET a visitor URL (e.g. http://status.e2e.test/) from the worker, by Host header. */
  visit(pageUrl: string): Promise<Response>;
  health(): Promise<Health>;
  trace(eventId: string): Promise<EventTrace | null>;
  pageTraces(pageId: string, limit?: number): Promise<EventTrace[]>;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  /** SIGKILL origin-sync (a crash at an arbitrary moment). */
  killOriginSync(): Promise<void>;
  startOriginSync(): Promise<void>;
  stop(): Promise<void>;
}

let bundle: Promise<WorkerBundle> | null = null;

/** Removes the worker bundle this test file built (call once, after every system stopped). */
export async function removeBundle(): Promise<void> {
  const built = await bundle?.catch(() => null);
  await built?.dispose();
  bundle = null;
}

export async function startSystem(
  opts: {
    originEnv?: Record<string, string>;
    /** Worker vars beyond the key, e.g. DELIVERY_RETRY_SCALE (worker/subscriptions/settings.ts). */
    workerVars?: Record<string, string>;
  } = {},
) {
  bundle ??= buildWorker();
  const stateDir = await mkdtemp(join(tmpdir(), 'esp-e2e-'));
  const keys = await ensureKeys(stateDir);
  const secret = `e2e-secret-${Math.random().toString(36).slice(2)}`;
  const [workerPort, syncPort] = [await freePort(), await freePort()];
  const workerUrl = new URL(`http://127.0.0.1:${workerPort}`);
  let worker: WorkerRuntime | null = null;
  let origin: OriginSyncProcess | null = null;

  const startEdge = async () => {
    worker = await startWorker({
      bundle: await (bundle as Promise<WorkerBundle>),
      stateDir: join(stateDir, 'edge'),
      port: workerPort,
      bindings: { ...opts.workerVars, SYNC_PUBLIC_KEY: JSON.stringify(keys.sync.publicJwk) },
    });
  };
  const startOrigin = async () => {
    origin = await startOriginSyncProcess({
      stateDir,
      port: syncPort,
      workerUrl: workerUrl.origin,
      secret,
      logFile: join(stateDir, 'origin-sync.log'),
      env: { LOG_LEVEL: 'info', ...opts.originEnv },
    });
  };
  await startEdge();
  await startOrigin();
  const syncUrl = `http://127.0.0.1:${syncPort}`;
  const operatorToken = (origin as OriginSyncProcess | null)?.operatorToken ?? '';
  const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${syncUrl}${path}`, {
      headers: { Authorization: `Bearer ${operatorToken}` },
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const system: E2ESystem = {
    stateDir,
    keys,
    core: { url: syncUrl, secret },
    syncUrl,
    workerUrl,
    operatorToken,
    visit: (pageUrl) => fetchWithHost(workerUrl, pageUrl),
    health: async () => (await getJson<Health>('/healthz')).body,
    trace: async (id) => {
      const { status, body } = await getJson<EventTrace>(`/v1/events/${encodeURIComponent(id)}`);
      return status === 200 ? body : null;
    },
    pageTraces: async (pageId, limit = 100) =>
      (await getJson<{ events: EventTrace[] }>(`/v1/pages/${pageId}/events?limit=${limit}`)).body
        .events,
    stopWorker: async () => {
      await (worker as WorkerRuntime | null)?.stop();
      worker = null;
    },
    startWorker: startEdge,
    killOriginSync: async () => {
      await (origin as OriginSyncProcess | null)?.kill();
      origin = null;
    },
    startOriginSync: startOrigin,
    stop: async () => {
      await (origin as OriginSyncProcess | null)?.stop();
      await (worker as WorkerRuntime | null)?.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return system;
}

/** The applied/skipped steps of an event, per page. */
export function outcomes(trace: EventTrace | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const step of trace?.steps ?? []) {
    if ((step.step === 'applied' || step.step === 'skipped') && step.pageId) {
      out.set(step.pageId, step.step);
    }
  }
  return out;
}
