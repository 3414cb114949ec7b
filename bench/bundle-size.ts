// The worker bundle a deploy uploads (wrangler deploy --dry-run), as configured and minified.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { WorkerBundle } from '../scripts/lib/system.ts';
import { run } from './lib/machine.ts';
import type { BenchRow } from './lib/rows.ts';

const ROOT = resolve(import.meta.dirname, '..');
const AREA = 'worker bundle';

/** Every module of the upload (index.js and the text modules), not the source map. */
async function sizes(dir: string): Promise<{ raw: number; gzip: number }> {
  let raw = 0;
  let gzip = 0;
  for (const name of await readdir(dir)) {
    if (name.endsWith('.map') || name === 'README.md') continue;
    const bytes = await readFile(join(dir, name));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

export async function bundleSize(bundle: WorkerBundle): Promise<BenchRow[]> {
  const plain = await sizes(bundle.dir);
  const minDir = `${bundle.dir}-min`;
  await run(
    process.execPath,
    [
      join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
      'deploy',
      '--dry-run',
      '--minify',
      '--outdir',
      minDir,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    },
  );
  const min = await sizes(minDir);
  return [
    {
      area: AREA,
      name: 'upload as configured (wrangler.toml), raw',
      value: plain.raw,
      unit: 'B',
      baseline: min.raw,
      baselineName: 'with --minify',
      ratio: plain.raw / min.raw,
    },
    {
      area: AREA,
      name: 'upload as configured, gzip -9',
      value: plain.gzip,
      unit: 'B',
      baseline: min.gzip,
      baselineName: 'with --minify',
      ratio: plain.gzip / min.gzip,
      target: '≤ 3 MB gzip (Workers free plan)',
      met: plain.gzip <= 3 * 1024 * 1024,
      note: 'index.js plus the templates and CSS as text modules (source map excluded); the baseline is the same build with `--minify`.',
    },
  ];
}
