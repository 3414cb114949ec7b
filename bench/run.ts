// `npm run bench`: every benchmark on local processes (loopback only, each loop bounded in
// count and time), one table printed and written to docs/benchmarks.md.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { buildWorker } from '../scripts/lib/system.ts';
import { bundleSize } from './bundle-size.ts';
import { hotPath } from './hot-path.ts';
import { type DemoWorker, startDemoWorker } from './lib/demo-worker.ts';
import { externalBench } from './lib/external.ts';
import { type BenchRow, markdownTable, notes, pendingRow } from './lib/rows.ts';
import { lighthouse } from './lighthouse.ts';
import { pageWeight } from './page-weight.ts';
import { renderBench } from './render.ts';

const ROOT = resolve(import.meta.dirname, '..');
process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';

const rows: BenchRow[] = [];
let failed = false;

async function section(label: string, area: string, run: () => Promise<BenchRow[]>) {
  const started = performance.now();
  process.stdout.write(`• ${label}… `);
  try {
    const got = await run();
    rows.push(...got);
    console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    failed = true;
    const message = e instanceof Error ? e.message : String(e);
    console.log(`FAILED: ${message}`);
    rows.push(pendingRow(area, label, `failed in this run: ${message.split('\n')[0]}`));
  }
}

const machine = `${cpus().length} cores, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
console.log(`Benchmarks on ${machine}, Node ${process.versions.node}\n`);

const bundle = await buildWorker();
let demo: DemoWorker | undefined;
try {
  demo = await startDemoWorker(bundle);
  const d = demo;
  await section('render', 'render', renderBench);
  await section('page weight', 'page weight', () => pageWeight(d));
  await section('worker bundle', 'worker bundle', () => bundleSize(bundle));
  await section('hot path', 'hot path', () => hotPath(d));
  await section('lighthouse', 'lighthouse', () => lighthouse(d));
} finally {
  await demo?.system.stop();
  await bundle.dispose();
}
await section('coalescing', 'coalescing', () => externalBench('coalescing.ts', 'coalescing'));
await section('freshness', 'freshness', () => externalBench('freshness.ts', 'freshness'));
await section('origin-sync', 'origin-sync', () =>
  externalBench('origin-sync-throughput.ts', 'origin-sync'),
);
await section('origin-sync fan-out', 'origin-sync', () =>
  externalBench('origin-sync-fanout.ts', 'origin-sync fan-out'),
);
await section('origin-sync scale', 'origin-sync', () =>
  externalBench('origin-sync-scale.ts', 'origin-sync scale'),
);
await section('notifications', 'notifications', () =>
  externalBench('notifications.ts', 'notifications'),
);

const table = markdownTable(rows);
const missed = rows.filter((r) => r.met === false).map((r) => `${r.area} · ${r.name}`);
console.log(`\n${table}\n`);
for (const n of notes(rows)) console.log(n);
if (missed.length) console.log(`\nShort of target: ${missed.join('; ')}`);

const doc = `# Benchmarks

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC,
${machine}, Node ${process.versions.node}. Every figure and its baseline come from the same run;
the ratio is value ÷ baseline. The machine is shared: compare ratios more than absolute figures.

${table}

${notes(rows).join('\n')}
${missed.length ? `\nShort of target in this run: ${missed.join('; ')}.\n` : ''}`;
await mkdir(resolve(ROOT, 'docs'), { recursive: true });
await writeFile(resolve(ROOT, 'docs/benchmarks.md'), doc);
console.log('\nWritten to docs/benchmarks.md');
process.exit(failed ? 1 : 0);
