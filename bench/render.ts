// Render time of one page variant: every document of it (status page, history, a page per
// incident, the Statuspage API, feeds, badge), as the coordinator renders after a change.
// Measured twice:
// - in Node, on the worker's code bundled by esbuild (templates as text, as wrangler bundles
//   them): process CPU time per render, p50 and p99 (what the Workers limit counts; all
//   threads, so Node's thread-pool hashing is in), less sensitive than wall time to a busy
//   machine. Node's WebCrypto digest is asynchronous through its thread pool, which costs
//   more per document than workerd's.
// - in workerd (Miniflare): the mean over a batch, since workerd's clock moves in ~1 ms steps.
// And the status page alone: what one request renders on a cold miss (the 10 ms CPU budget
// of the Workers free plan is per request).

import { nodeRenderer } from './lib/node-renderer.ts';
import { type BenchRow, percentile } from './lib/rows.ts';
import { syntheticSnapshot } from './lib/synthetic-page.ts';
import { type RenderWhat, startWorkerdRenderer } from './lib/workerd-render.ts';

const SIZES = [
  { label: 'small (10 services, 3 incidents)', services: 10, incidents: 3, target: undefined },
  { label: 'typical (50 services, 10 incidents)', services: 50, incidents: 10, target: 2 },
  {
    label: 'huge (300 services × 90 days, 100 incidents)',
    services: 300,
    incidents: 100,
    target: 10,
  },
] as const;

const MAX_SAMPLES = 400;
const MAX_MS = 8_000;
const WARMUP = 30;
const WORKERD_BUDGET_MS = 4_000;

interface Samples {
  cpu: number[];
  wall: number[];
}

async function sample(render: () => Promise<unknown>): Promise<Samples> {
  for (let i = 0; i < WARMUP; i++) await render();
  const cpu: number[] = [];
  const wall: number[] = [];
  const until = performance.now() + MAX_MS;
  while (cpu.length < MAX_SAMPLES && performance.now() < until) {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    await render();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1000);
  }
  cpu.sort((a, b) => a - b);
  wall.sort((a, b) => a - b);
  return { cpu, wall };
}

export async function renderBench(): Promise<BenchRow[]> {
  const { renderVariant, renderStatusPageOnly } = await nodeRenderer();
  const workerd = await startWorkerdRenderer();
  const now = new Date();
  const rows: BenchRow[] = [];
  try {
    const inWorkerd = async (
      snapshot: Parameters<typeof renderVariant>[0],
      what: RenderWhat,
      oneMs: number,
    ) => {
      // As many renders as fit the budget, judged by the Node p50, at least 20.
      const runs = Math.max(
        20,
        Math.min(500, Math.round(WORKERD_BUDGET_MS / Math.max(oneMs, 0.1))),
      );
      return { mean: await workerd.meanMs(snapshot, now, runs, what), runs };
    };
    for (const size of SIZES) {
      const snapshot = syntheticSnapshot(size, now);
      const docs = await renderVariant(snapshot, 'public', now);
      const statusBytes = docs.find((d) => d.path === '/')!.body.length;
      const all = await sample(() => renderVariant(snapshot, 'public', now));
      const p50 = percentile(all.cpu, 50);
      const p99 = percentile(all.cpu, 99);
      const wd = await inWorkerd(snapshot, 'variant', p50);
      rows.push(
        { area: 'render', name: `${size.label}: p50 CPU (Node)`, value: p50, unit: 'ms' },
        {
          area: 'render',
          name: `${size.label}: p99 CPU (Node)`,
          value: p99,
          unit: 'ms',
          ...(size.target ? { target: `≤ ${size.target} ms`, met: p99 <= size.target } : {}),
          note: `${docs.length} documents per render (status page ${statusBytes.toLocaleString('en-US')} B); ${all.cpu.length} renders after ${WARMUP} warm-up; wall clock p50 ${percentile(all.wall, 50).toFixed(2)} ms, p99 ${percentile(all.wall, 99).toFixed(2)} ms; fastest ${all.cpu[0]!.toFixed(2)} ms CPU.`,
        },
        {
          area: 'render',
          name: `${size.label}: mean in workerd`,
          value: wd.mean,
          unit: 'ms',
          ...(size.target ? { target: `≤ ${size.target} ms`, met: wd.mean <= size.target } : {}),
          note: `Mean of ${wd.runs} renders in one workerd request (Miniflare), after 10 warm-up.`,
        },
      );
      if (size.services === 300) {
        const one = await sample(() => renderStatusPageOnly(snapshot, now));
        const p99One = percentile(one.cpu, 99);
        const wdOne = await inWorkerd(snapshot, 'status page', percentile(one.cpu, 50));
        rows.push(
          {
            area: 'render',
            name: 'huge, status page alone (a cold miss): p99 CPU (Node)',
            value: p99One,
            unit: 'ms',
            target: '≤ 10 ms',
            met: p99One <= 10,
            note: `One request's render on the read path: view, Mustache and ETag of the ${statusBytes.toLocaleString('en-US')} B page; p50 ${percentile(one.cpu, 50).toFixed(2)} ms.`,
          },
          {
            area: 'render',
            name: 'huge, status page alone: mean in workerd',
            value: wdOne.mean,
            unit: 'ms',
            target: '≤ 10 ms',
            met: wdOne.mean <= 10,
          },
        );
      }
    }
  } finally {
    await workerd.stop();
  }
  return rows;
}
