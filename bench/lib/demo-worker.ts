// The real worker on Miniflare (workerd) with the demo page loaded, and a do-nothing worker
// on the same runtime answering the same bytes: the baseline of the hot path.
import { Miniflare } from 'miniflare';
import { DEMO_HOST, demoEvents } from '../../scripts/lib/demo-events.ts';
import {
  type System,
  type SystemWorker,
  startSystem,
  type WorkerBundle,
} from '../../scripts/lib/system.ts';
import { waitFor } from '../../scripts/lib/wait.ts';

export const DEMO_URL = `http://${DEMO_HOST}/`;

export interface DemoWorker {
  system: System;
  worker: SystemWorker;
  /** How the demo got into KV, for the table's notes. */
  loadedBy: string;
}

/** The real worker with the demo page pushed through /_sync, as origin-sync pushes it. */
export async function startDemoWorker(bundle?: WorkerBundle): Promise<DemoWorker> {
  // In memory, as a benchmark's storage should be: no file I/O in the figures.
  const system = await startSystem({
    ...(bundle ? { bundle } : {}),
    worker: { state: 'memory' },
    originSync: false,
  });
  const { worker } = system;
  await worker.sync('page_demo', demoEvents({ now: new Date() }));
  await waitFor(
    async () => {
      const res = await worker.visit(DEMO_URL);
      const html = await res.text();
      return res.status === 200 && html.includes('Acme Cloud') && !html.includes('id="sk-root"');
    },
    { what: 'the demo page to render' },
  );
  // Past the coordinator's follow-up renders, so the hot path reads a settled page.
  await new Promise((r) => setTimeout(r, 2_000));
  return {
    system,
    worker,
    loadedBy: 'pushed as signed core events through /_sync and rendered by the page’s coordinator',
  };
}

export interface BaselineWorker {
  url: URL;
  stop(): Promise<void>;
}

/**
 * A baseline: a script of a few lines on the same runtime as the real worker (Miniflare, the
 * same compatibility date), listening on 127.0.0.1. Not the system (scripts/lib/system.ts):
 * nothing of ours runs in it, which is the point of the comparison.
 */
async function baseline(
  script: string,
  extra: { kvNamespaces?: string[] } = {},
): Promise<BaselineWorker & { mf: Miniflare }> {
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-07-01',
    host: '127.0.0.1',
    port: 0,
    ...extra,
  });
  const url = await mf.ready;
  return { url, mf, stop: () => mf.dispose() };
}

/** A worker that answers every request with fixed bytes and headers: routing, access and KV cost nothing. */
export async function startConstantWorker(
  body: string,
  headers: Record<string, string>,
): Promise<BaselineWorker> {
  const script = `const BODY = ${JSON.stringify(body)};
const HEADERS = ${JSON.stringify(headers)};
export default { fetch() { return new Response(BODY, { headers: HEADERS }); } };`;
  const { url, stop } = await baseline(script);
  return { url, stop };
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
  const { url, mf, stop } = await baseline(script, { kvNamespaces: ['KV'] });
  await (await mf.getKVNamespace('KV')).put('doc', body, { metadata: { etag: headers.etag } });
  return { url, stop };
}

// Each baseline is a whole worker in a string, written out (the KV one has the same shape):
// what it does must be readable at a glance, as the table's notes compare against it.
/**
 * A worker that does nothing but one Cache API match of the document and answers with it:
 * the steady state of the hot path (L1 hit), without routing, hostname or access.
 */
export async function startCacheReadWorker(
  body: string,
  headers: Record<string, string>,
): Promise<BaselineWorker> {
  const script = `const HEADERS = ${JSON.stringify(headers)};
const KEY = 'https://doc.internal/doc?__render=1';
export default {
  async fetch(request) {
    if (request.method === 'PUT') {
      await caches.default.put(KEY, new Response(await request.text(), {
        headers: { 'Content-Type': HEADERS['content-type'], 'Cache-Control': 'public, max-age=3600', 'X-Document-Meta': '{}' },
      }));
      return new Response('stored');
    }
    const hit = await caches.default.match(KEY);
    if (!hit) return new Response('miss', { status: 500 });
    return new Response(hit.body, { headers: HEADERS });
  },
};`;
  const { url, mf, stop } = await baseline(script);
  const put = await mf.dispatchFetch('http://doc.internal/', { method: 'PUT', body });
  if ((await put.text()) !== 'stored') throw new Error('could not seed the cache baseline');
  return { url, stop };
}
