// The worker as it deploys (the wrangler bundle), running in workerd through Miniflare with
// local KV and SQLite Durable Objects, plus a freshly generated /_sync key pair. Used by the
// browser and end-to-end tests and by the benchmarks (never `wrangler dev`: it is ~10x slower).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair } from 'jose';
import { Miniflare } from 'miniflare';
import type { CoordinatorStatus } from '../../worker/coordinator/page-coordinator.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { type SyncResult, syncPath } from '../../worker/sync/contract.ts';
import { signSyncToken } from '../../worker/sync/token.ts';

const ROOT = resolve(import.meta.dirname, '../..');

let bundle: Promise<string> | undefined;

/** `wrangler deploy --dry-run` into a temp dir, once per process. */
export function buildWorkerBundle(): Promise<string> {
  bundle ??= (async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'edge-status-bundle-'));
    // Run wrangler with this process's Node (22+): the system `node` on PATH may be older.
    const wrangler = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
    await promisify(execFile)(
      process.execPath,
      [
        wrangler,
        'deploy',
        '--dry-run',
        '--outdir',
        outdir,
        '--config',
        join(ROOT, 'wrangler.toml'),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: 'false',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return outdir;
  })();
  return bundle;
}

/** wrangler.toml's date, or the newest the installed workerd knows if that is older (as
 * wrangler and the vitest plugin do). */
async function compatibilityDate(): Promise<string> {
  const toml = await readFile(join(ROOT, 'wrangler.toml'), 'utf8');
  const wanted = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? '2026-01-01';
  const pkg = JSON.parse(await readFile(join(ROOT, 'node_modules/workerd/package.json'), 'utf8'));
  const m = /^\d+\.(\d{4})(\d{2})(\d{2})/.exec(String(pkg.version));
  const runtime = m ? `${m[1]}-${m[2]}-${m[3]}` : wanted;
  return [wanted, runtime].sort()[0]!;
}

export interface LocalWorker {
  mf: Miniflare;
  /** Where the worker listens (127.0.0.1 and a free port). */
  url: URL;
  /** A request to a page hostname, through Miniflare's dispatcher (no DNS needed). */
  get(hostname: string, path?: string): Promise<Response>;
  /** Posts a signed batch to /_sync, as origin-sync does. */
  sync(pageId: string, events: CoreEvent[]): Promise<SyncResult>;
  /** What the page's coordinator reports about itself (renders, KV writes, versions). */
  coordinatorStatus(pageId: string): Promise<CoordinatorStatus>;
  kv(): ReturnType<Miniflare['getKVNamespace']>;
  close(): Promise<void>;
}

export interface LocalWorkerOptions {
  /** Extra string bindings, e.g. RENDER_BUDGET_MS. */
  bindings?: Record<string, string>;
}

export async function startLocalWorker(opts: LocalWorkerOptions = {}): Promise<LocalWorker> {
  const outdir = await buildWorkerBundle();
  const keys = await generateKeyPair('EdDSA', { extractable: true });
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(outdir, 'index.js'),
    modulesRoot: outdir,
    modulesRules: [{ type: 'Text', include: ['**/*.mustache', '**/*.css', '**/*.txt'] }],
    compatibilityDate: await compatibilityDate(),
    kvNamespaces: ['PAGES_KV'],
    durableObjects: { PAGE_COORDINATOR: { className: 'PageCoordinator', useSQLite: true } },
    bindings: {
      SYNC_PUBLIC_KEY: JSON.stringify(await exportJWK(keys.publicKey)),
      ...opts.bindings,
    },
    host: '127.0.0.1',
    port: 0,
  });
  const url = await mf.ready;

  return {
    mf,
    url,
    async get(hostname, path = '/') {
      const res = await mf.dispatchFetch(`http://${hostname}${path}`);
      return res as unknown as Response;
    },
    async sync(pageId, events) {
      const body = JSON.stringify({ pageId, events });
      const token = await signSyncToken(keys.privateKey, pageId, body);
      const res = await mf.dispatchFetch(`http://sync.internal${syncPath(pageId)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`/_sync answered ${res.status}: ${text}`);
      return JSON.parse(text) as SyncResult;
    },
    async coordinatorStatus(pageId) {
      const ns = await mf.getDurableObjectNamespace('PAGE_COORDINATOR');
      const stub = ns.get(ns.idFromName(pageId)) as unknown as {
        status(): Promise<CoordinatorStatus>;
      };
      // Miniflare hands back a proxy of the answer: copy it into a plain object.
      return JSON.parse(JSON.stringify(await stub.status())) as CoordinatorStatus;
    },
    kv: () => mf.getKVNamespace('PAGES_KV'),
    async close() {
      await mf.dispose();
    },
  };
}

/** Removes the bundle directory (call once when the process is done with local workers). */
export async function removeWorkerBundle(): Promise<void> {
  if (!bundle) return;
  const dir = await bundle;
  bundle = undefined;
  await rm(dir, { recursive: true, force: true });
}
