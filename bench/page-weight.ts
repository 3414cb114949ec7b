// What a visitor downloads and runs for the demo page: HTML with its inline CSS, raw and
// gzipped, and JavaScript (none: the page works without it).
import { gzipSync } from 'node:zlib';
import { DEMO_URL, type DemoWorker } from './lib/demo-worker.ts';
import type { BenchRow } from './lib/rows.ts';

const AREA = 'page weight';
const TARGET_GZIP = 14 * 1024;

export async function pageWeight(demo: DemoWorker): Promise<BenchRow[]> {
  const res = await demo.worker.visit(DEMO_URL);
  const html = Buffer.from(await res.arrayBuffer());
  const text = html.toString('utf8');
  const gzip = gzipSync(html, { level: 9 }).length;
  const css = /<style>([\s\S]*?)<\/style>/.exec(text)?.[1] ?? '';
  const scripts = (text.match(/<script\b/gi) ?? []).length;
  const external = (text.match(/<link\b[^>]*rel="?(stylesheet|preload|modulepreload)/gi) ?? [])
    .length;
  const bars = (text.match(/<ol class="bars"/g) ?? []).length;
  return [
    {
      area: AREA,
      name: 'demo page HTML+CSS, raw',
      value: html.length,
      unit: 'B',
      note: `${bars} services × 90 uptime bars, each with its own text alternative; CSS inline (${Buffer.byteLength(css).toLocaleString('en-US')} B raw), ${external} other resources to fetch.`,
    },
    {
      area: AREA,
      name: 'demo page HTML+CSS, gzip -9',
      value: gzip,
      unit: 'B',
      target: '≤ 14 KB (one TCP initial window)',
      met: gzip <= TARGET_GZIP,
    },
    {
      area: AREA,
      name: 'JavaScript a visitor must run',
      value: scripts,
      unit: 'scripts',
      target: '0 JS',
      met: scripts === 0,
      note: 'Counted <script> elements in the page; the CSP sends no script-src at all, so none could run.',
    },
  ];
}
