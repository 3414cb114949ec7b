// The real worker on Miniflare (workerd) with the demo page loaded, and a do-nothing worker
// on the same runtime answering the same bytes: the baseline of the hot path.
import { Miniflare } from 'miniflare';
import { DEMO_HOST, demoEvents } from '../../origin-sync/demo/demo-events.ts';
import {
  buildWorker,
  startWorker,
  type WorkerBundle,
  type WorkerRuntime,
} from '../../scripts/lib/worker-runtime.ts';
import { snapshotFromEvents } from '../../test/support/snapshot-from-events.ts';
import { seedRenderedPage } from './seed-kv.ts';

export const DEMO_URL = `http://${DEMO_HOST}/`;

export interface DemoWorker {
  runtime: WorkerRuntime;
  bundle: WorkerBundle;
  /** How the demo got into KV, for the table's notes. */
  loadedBy: string;
}

export async function startDemoWorker(bundle?: WorkerBundle): Promise<DemoWorker> {
  const built = bundle ?? (await buildWorker());
  const runtime = await startWorker({ bundle: built });
  const now = new Date();
  await seedRenderedPage(runtime.mf, snapshotFromEvents(demoEvents({ now }), 'page_demo'), now);
  const res = await runtime.fetchHost(DEMO_URL);
  if (res.status !== 200) throw new Error(`demo page answered ${res.status}`);
  return {
    runtime,
    bundle: built,
    loadedBy: 'rendered by the worker’s renderer (bundled for Node) and written to its KV',
  };
}

export interface BaselineWorker {
  url: URL;
  stop(): Promise<void>;
}

/** A worker that answers every request with fixed bytes and headers: routing, access and KV cost nothing. */
export async function startConstantWorker(
  body: string,
  headers: Record<string, string>,
): Promise<BaselineWorker> {
  const script = `const BODY = ${JSON.stringify(body)};
const HEADERS = ${JSON.stringify(headers)};
export default { fetch() { return new Response(BODY, { headers: HEADERS }); } };`;
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-07-01',
    host: '127.0.0.1',
    port: 0,
  });
  const url = await mf.ready;
  return { url, stop: () => mf.dispose() };
}

/**
 * A worker that does nothing but the hot path's one storage read (the same document from a
 * KV namespace on the same runtime) and answers with it: what any KV-backed design costs.
 */
export async function startKvReadWorker(
  body: string,
  headers: Record<string, string>,
): Promise<BaselineWorker> {
  const script = `const HEADERS = ${JSON.stringify(headers)};
export default {
  async fetch(request, env) {
    const { value } = await env.KV.getWithMetadata('doc');
    return new Response(value, { headers: HEADERS });
  },
};`;
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-07-01',
    kvNamespaces: ['KV'],
    host: '127.0.0.1',
    port: 0,
  });
  const url = await mf.ready;
  await (await mf.getKVNamespace('KV')).put('doc', body, { metadata: { etag: headers.etag } });
  return { url, stop: () => mf.dispose() };
}
