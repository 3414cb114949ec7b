// The renderer inside workerd, the runtime that renders in production: the worker's render
// code bundled by esbuild (templates as text), run in a Miniflare worker that times renders.
// workerd's clock moves in steps of about a millisecond, so renders are timed in batches of
// k (k chosen so that a batch lasts about BATCH_MS): each batch gives the mean of its k
// renders, and the percentiles are over those batch means. A batch mean smooths a slow render
// among fast ones, so a p99 here is the p99 of ~25 ms of rendering, not of one render: the
// Node figures (CPU time per render) give the per-render tail.
//
// Inputs are made as in render.ts (see there), outside the timed batch. A publish plans from
// the previous publish's plan and the one service its event changed, as the coordinator does.

import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const TIMER = `import * as r from './renderer.mjs';
const encoder = new TextEncoder();
export default {
  async fetch(request) {
    const { snapshot, now, what, batchMs, budgetMs } = await request.json();
    const at = new Date(now);
    // As the page's coordinator holds it after its first publish (planned in full).
    const state = await r.publishState(snapshot, at);
    let events = 0;
    // One input per render, made untimed: a fresh snapshot as if read from SQLite; for a
    // publish, with the next event's change and what it changed (the service, as the
    // coordinator notes it); cold renders start with empty render memos.
    const prepare = () => {
      const copy = r.asStored(snapshot);
      if (what !== 'publish') return { copy, at, changed: [] };
      events += 1;
      const later = new Date(at.getTime() + 60_000 + events * 1000);
      const changed = [{ kind: 'service', id: snapshot.page.serviceIds[7] }];
      return { copy: r.withServiceChange(copy, 7, later), at: later, changed };
    };
    const render = async ({ copy, at, changed }) => {
      if (what === 'status page') return r.renderStatusPageOnly(copy, at);
      if (what === 'publish') return r.publishChanged(state, copy, changed, at);
      for (const d of await r.renderVariant(copy, 'public', at)) encoder.encode(d.body);
    };
    const cold = what !== 'publish';
    const one = async (input) => {
      if (cold) r.forgetRenderMemos();
      await render(input);
    };
    // Warm up, and size the batches: renders until 20 ms have passed.
    let warm = 0;
    const warmStart = performance.now();
    while (warm < 5 || performance.now() - warmStart < 20) {
      await one(prepare());
      warm += 1;
    }
    const each = (performance.now() - warmStart) / warm;
    const k = Math.max(1, Math.ceil(batchMs / Math.max(each, 0.05)));
    const means = [];
    const start = performance.now();
    while (performance.now() - start < budgetMs && means.length < 400) {
      const inputs = Array.from({ length: k }, prepare);
      // (Forgetting the memos, inside the batch, costs microseconds.)
      const t0 = performance.now();
      for (const input of inputs) await one(input);
      means.push((performance.now() - t0) / k);
    }
    return Response.json({ means, k });
  },
};`;

export type RenderWhat = 'variant' | 'status page' | 'publish';

export interface BatchTimes {
  /** Mean ms per render of each batch, ascending. */
  means: number[];
  /** Renders per batch. */
  k: number;
}

export interface WorkerdRenderer {
  time(what: RenderWhat, snapshot: PageSnapshot, now: Date, budgetMs: number): Promise<BatchTimes>;
  stop(): Promise<void>;
}

export const BATCH_MS = 25;

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
    async time(what, snapshot, now, budgetMs) {
      const res = await mf.dispatchFetch('http://bench/', {
        method: 'POST',
        body: JSON.stringify({
          snapshot,
          now: now.toISOString(),
          what,
          batchMs: BATCH_MS,
          budgetMs,
        }),
      });
      if (!res.ok)
        throw new Error(`workerd render bench answered ${res.status}: ${await res.text()}`);
      const got = (await res.json()) as BatchTimes;
      return { means: got.means.sort((a, b) => a - b), k: got.k };
    },
    stop: () => mf.dispose(),
  };
}
