// Render time of one page variant (every document: status page, history, one page per
// incident), in Node on the worker's own code bundled with esbuild (templates as text, as
// wrangler bundles them): V8 as in workerd, where timers stop during a request and cannot time
// it. The figure is process CPU time (what the Workers limit counts; all threads, so hashing
// on Node's thread pool is included), less sensitive than the wall clock to a busy machine.

import { type BenchRow, percentile } from './lib/rows.ts';
import { nodeRenderer } from './lib/seed-kv.ts';
import { syntheticSnapshot } from './lib/synthetic-page.ts';

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

export async function renderBench(): Promise<BenchRow[]> {
  const { renderVariant } = await nodeRenderer();
  const now = new Date();
  const rows: BenchRow[] = [];
  for (const size of SIZES) {
    const snapshot = syntheticSnapshot(size, now);
    let docs = 0;
    let bytes = 0;
    for (let i = 0; i < WARMUP; i++) {
      const out = await renderVariant(snapshot, 'public', now);
      docs = out.length;
      bytes = out.find((d) => d.path === '/')!.body.length;
    }
    const cpu: number[] = [];
    const wall: number[] = [];
    const until = performance.now() + MAX_MS;
    while (cpu.length < MAX_SAMPLES && performance.now() < until) {
      const startCpu = process.cpuUsage();
      const start = performance.now();
      await renderVariant(snapshot, 'public', now);
      wall.push(performance.now() - start);
      const used = process.cpuUsage(startCpu);
      cpu.push((used.user + used.system) / 1000);
    }
    cpu.sort((a, b) => a - b);
    wall.sort((a, b) => a - b);
    const p99 = percentile(cpu, 99);
    rows.push(
      { area: 'render', name: `${size.label}: p50 CPU`, value: percentile(cpu, 50), unit: 'ms' },
      {
        area: 'render',
        name: `${size.label}: p99 CPU`,
        value: p99,
        unit: 'ms',
        ...(size.target ? { target: `≤ ${size.target} ms`, met: p99 <= size.target } : {}),
        note: `${docs} documents per render (status page ${bytes.toLocaleString('en-US')} B); ${cpu.length} renders after ${WARMUP} warm-up; wall clock p50 ${percentile(wall, 50).toFixed(2)} ms, p99 ${percentile(wall, 99).toFixed(2)} ms, fastest ${cpu[0]!.toFixed(2)} ms CPU.`,
      },
    );
  }
  return rows;
}
