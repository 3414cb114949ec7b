// The worker half of scripts/lib/system.ts (everything else starts the worker through that):
// bundled by wrangler exactly as for a deploy, then served by Miniflare (workerd) with KV and
// Durable Objects, persisted under a state dir or in memory. Miniflare rather than
// `wrangler dev`: the same runtime at ~8x the throughput, and no interactive UI.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

export interface WorkerBundle {
  dir: string;
  scriptPath: string;
  /**
   * Removes the bundle's directory if buildWorker made it (a temp dir); a directory the caller
   * chose stays. The caller owns the bundle, not a runtime: one bundle serves any number of
   * runtimes started and stopped from it (a test that restarts the worker, a shared bundle).
   */
  dispose(): Promise<void>;
}

/**
 * `wrangler deploy --dry-run`: the bundle a deploy would upload, with templates as text modules.
 * `entry` (a path from the repository root) replaces wrangler.toml's `main`, for a benchmark
 * that wraps the worker (bench/lib/observed-worker.ts); everything else comes from wrangler.toml.
 */
export async function buildWorker(outDir?: string, entry?: string): Promise<WorkerBundle> {
  const temporary = outDir === undefined;
  const dir = outDir ?? (await mkdtemp(join(tmpdir(), 'esp-worker-')));
  const dispose = async () => {
    if (temporary) await rm(dir, { recursive: true, force: true });
  };
  try {
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'deploy',
        '--dry-run',
        '--outdir',
        dir,
        ...(entry ? [entry] : []),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: 'false',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        },
      },
    );
  } catch (err) {
    await dispose();
    throw err;
  }
  const script = entry ? `${basename(entry, extname(entry))}.js` : 'index.js';
  return { dir, scriptPath: join(dir, script), dispose };
}

export interface WorkerRuntimeOptions {
  bundle: WorkerBundle;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where KV and Durable Object state persist; omitted = in memory. */
  stateDir?: string;
  /** Bindings beyond wrangler.toml's, e.g. SYNC_PUBLIC_KEY. */
  bindings?: Record<string, string>;
  /** Simulated `request.cf` (e.g. tlsClientAuth for mTLS tests). */
  cf?: Record<string, unknown>;
}

export interface WorkerRuntime {
  mf: Miniflare;
  /** http://127.0.0.1:<port> — send a Host header (or use dispatchFetch with the page URL). */
  url: URL;
  port: number;
  /** Fetch a visitor URL such as `http://demo.localhost/` through the real HTTP server. */
  fetchHost(pageUrl: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export async function serveWorker(opts: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  if (opts.stateDir) await mkdir(opts.stateDir, { recursive: true });
  const persist = (sub: string) => (opts.stateDir ? join(opts.stateDir, sub) : false);
  const mf = new Miniflare({
    modules: true,
    scriptPath: opts.bundle.scriptPath,
    modulesRoot: opts.bundle.dir,
    modulesRules: [{ type: 'Text', include: ['**/*.mustache', '**/*.css', '**/*.txt'] }],
    compatibilityDate: '2026-07-01',
    kvNamespaces: ['PAGES_KV'],
    durableObjects: {
      PAGE_COORDINATOR: { className: 'PageCoordinator', useSQLite: true },
      HOSTNAME_REGISTRY: { className: 'HostnameRegistry', useSQLite: true },
      DELIVERY_INDEX: { className: 'DeliveryIndex', useSQLite: true },
    },
    bindings: { SYNC_PUBLIC_KEY: '', ...opts.bindings },
    kvPersist: persist('kv'),
    durableObjectsPersist: persist('do'),
    cachePersist: persist('cache'),
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    ...(opts.cf ? { cf: opts.cf } : {}),
  });
  const url = await mf.ready;
  const port = Number(url.port);
  return {
    mf,
    url,
    port,
    fetchHost: (pageUrl, init) => fetchWithHost(url, pageUrl, init),
    stop: () => mf.dispose(),
  };
}

/**
 * An HTTP request to the local server carrying the page's hostname in `Host`, as a browser
 * would send it. Node's fetch drops a caller-set Host header, so this uses node:http.
 */
export async function fetchWithHost(
  server: URL,
  pageUrl: string,
  init: RequestInit = {},
): Promise<Response> {
  const target = new URL(pageUrl);
  const headers = new Headers(init.headers);
  headers.set('Host', target.host);
  const body =
    init.body === undefined || init.body === null
      ? undefined
      : Buffer.from(await new Response(init.body).arrayBuffer());
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      {
        host: server.hostname,
        port: server.port,
        method: init.method ?? 'GET',
        path: `${target.pathname}${target.search}`,
        headers: Object.fromEntries(headers),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            for (const value of Array.isArray(v) ? v : v === undefined ? [] : [v])
              out.append(k, value);
          }
          const status = res.statusCode ?? 500;
          const noBody = status === 204 || status === 304 || (init.method ?? 'GET') === 'HEAD';
          resolvePromise(
            new Response(noBody ? null : Buffer.concat(chunks), { status, headers: out }),
          );
        });
      },
    );
    req.on('error', reject);
    if (init.signal) init.signal.addEventListener('abort', () => req.destroy(new Error('aborted')));
    req.end(body);
  });
}
