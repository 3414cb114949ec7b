// What a visitor downloads and runs for the demo page: HTML with its inline CSS, raw and
// gzipped, and JavaScript: one small inline script, allowed by the CSP by its hash, that keeps
// an open page up to date (docs/live-updates.md). The page is complete without it.
import { gzipSync } from 'node:zlib';
import { DEMO_URL, type DemoWorker } from './lib/demo-worker.ts';
import type { BenchRow } from './lib/rows.ts';

const AREA = 'page weight';
const TARGET_GZIP = 14 * 1024;
/** The live script: small enough to cost nothing noticeable on every page. */
const TARGET_SCRIPT_BYTES = 4 * 1024;

async function sha256Source(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', Buffer.from(text)));
  return `'sha256-${Buffer.from(digest).toString('base64')}'`;
}

export async function pageWeight(demo: DemoWorker): Promise<BenchRow[]> {
  const res = await demo.worker.visit(DEMO_URL);
  const html = Buffer.from(await res.arrayBuffer());
  const text = html.toString('utf8');
  const gzip = gzipSync(html, { level: 9 }).length;
  const css = /<style>([\s\S]*?)<\/style>/.exec(text)?.[1] ?? '';
  const scripts = (text.match(/<script\b/gi) ?? []).length;
  const inline = [...text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
  const scriptBytes = inline.reduce((n, s) => n + Buffer.byteLength(s), 0);
  const scriptGzip = inline.length
    ? gzipSync(Buffer.from(inline.join('')), { level: 9 }).length
    : 0;
  const csp = res.headers.get('Content-Security-Policy') ?? '';
  const scriptSrc = /(?:^|; )script-src ([^;]*)/.exec(csp)?.[1] ?? '';
  // Exactly the one inline script may run, by its hash: nothing external, nothing else.
  const onlyThatScript =
    scripts === 1 && inline.length === 1 && scriptSrc === (await sha256Source(inline[0]!));
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
      name: 'JavaScript in the page (optional: live updates)',
      value: scriptBytes,
      unit: 'B',
      target: '≤ 1 inline script, ≤ 4 KB, CSP by hash',
      met: onlyThatScript && scriptBytes <= TARGET_SCRIPT_BYTES,
      note: `${scripts} <script> element(s), ${scriptGzip.toLocaleString('en-US')} B of it gzipped (counted in the gzip row above), no external script; the CSP's script-src is ${onlyThatScript ? 'exactly its sha256' : `"${scriptSrc}", not exactly its hash`}. A visitor need run none of it: without JavaScript the page is complete, it only does not update itself while open (test/e2e/live-updates.browser.test.ts).`,
    },
  ];
}
