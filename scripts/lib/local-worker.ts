// The worker runtime (worker-runtime.ts) with a freshly generated /_sync key pair, and the
// calls origin-sync would make: signed batches to /_sync, and a look at a page's coordinator.
// Used by the browser test of the skeleton page and by the coalescing benchmark.
import { exportJWK, generateKeyPair } from 'jose';
import type { CoordinatorStatus } from '../../worker/coordinator/page-coordinator.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { type SyncResult, syncPath } from '../../worker/sync/contract.ts';
import { signSyncToken } from '../../worker/sync/token.ts';
import { startWorker, type WorkerBundle, type WorkerRuntime } from './worker-runtime.ts';

export interface LocalWorker {
  runtime: WorkerRuntime;
  /** Where the worker listens (127.0.0.1 and a free port). */
  url: URL;
  /** A request to a page hostname through Miniflare's dispatcher (no DNS, no Host header). */
  get(hostname: string, path?: string): Promise<Response>;
  /** Posts a signed batch to /_sync, as origin-sync does; throws unless it is stored (200). */
  sync(pageId: string, events: CoreEvent[]): Promise<SyncResult>;
  /** What the page's coordinator reports about itself (renders, KV writes, versions). */
  coordinatorStatus(pageId: string): Promise<CoordinatorStatus>;
  /** The page's coordinator stub for RPC calls, one per page for the runtime's life. */
  coordinator<T>(pageId: string): T;
  kv(): ReturnType<WorkerRuntime['mf']['getKVNamespace']>;
  close(): Promise<void>;
}

export async function startLocalWorker(
  bundle: WorkerBundle,
  bindings: Record<string, string> = {},
): Promise<LocalWorker> {
  const keys = await generateKeyPair('EdDSA', { extractable: true });
  const runtime = await startWorker({
    bundle,
    bindings: { SYNC_PUBLIC_KEY: JSON.stringify(await exportJWK(keys.publicKey)), ...bindings },
  });
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
  return {
    runtime,
    url: runtime.url,
    async get(hostname, path = '/') {
      return (await mf.dispatchFetch(`http://${hostname}${path}`)) as unknown as Response;
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
      const stub = coordinator<{ status(): Promise<CoordinatorStatus> }>(pageId);
      // Miniflare hands back a proxy of the answer: copy it into a plain object.
      return JSON.parse(JSON.stringify(await stub.status())) as CoordinatorStatus;
    },
    coordinator,
    kv: () => mf.getKVNamespace('PAGES_KV'),
    close: () => runtime.stop(),
  };
}
