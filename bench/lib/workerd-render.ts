// renderVariant inside workerd, the runtime that renders in production: the worker's render
// code bundled by esbuild (templates as text), run in a Miniflare worker that times a batch
// of renders. workerd's clock only moves in steps of about a millisecond, so this gives a
// mean per render over a batch, not percentiles; it cross-checks the Node figures.

import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const TIMER = `import { renderVariant, renderStatusPageOnly } from './renderer.mjs';
export default {
  async fetch(request) {
    const { snapshot, now, runs, warmup, what } = await request.json();
    const at = new Date(now);
    const render = what === 'status page'
      ? () => renderStatusPageOnly(snapshot, at)
      : () => renderVariant(snapshot, 'public', at);
    for (let i = 0; i < warmup; i++) await render();
    const start = performance.now();
    for (let i = 0; i < runs; i++) await render();
    return Response.json({ meanMs: (performance.now() - start) / runs });
  },
};`;

export type RenderWhat = 'variant' | 'status page';

export interface WorkerdRenderer {
  meanMs(snapshot: PageSnapshot, now: Date, runs: number, what: RenderWhat): Promise<number>;
  stop(): Promise<void>;
}

export async function startWorkerdRenderer(): Promise<WorkerdRenderer> {
  const out = await build({
    entryPoints: [join(ROOT, 'bench/lib/renderer-entry.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    loader: { '.mustache': 'text', '.css': 'text', '.txt': 'text' },
    logLevel: 'error',
  });
  const mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: 'index.mjs', contents: TIMER },
      { type: 'ESModule', path: 'renderer.mjs', contents: out.outputFiles[0]!.text },
    ],
    compatibilityDate: '2026-07-01',
  });
  await mf.ready;
  return {
    async meanMs(snapshot, now, runs, what) {
      const res = await mf.dispatchFetch('http://bench/', {
        method: 'POST',
        body: JSON.stringify({ snapshot, now: now.toISOString(), runs, warmup: 10, what }),
      });
      if (!res.ok)
        throw new Error(`workerd render bench answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { meanMs: number }).meanMs;
    },
    stop: () => mf.dispose(),
  };
}
