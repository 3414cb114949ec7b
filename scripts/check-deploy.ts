// Builds the worker exactly as a deploy would (`wrangler deploy --dry-run` on the real
// wrangler.toml, nothing uploaded) and fails when the build fails or the upload would pass the
// Workers size limit. Part of `npm test`, so CI catches a bundle Cloudflare would refuse before
// anyone runs `wrangler deploy`.
//
//   node scripts/check-deploy.ts [--max-gzip BYTES]
//
// The gate is the free plan's limit, the stricter one: 3 MB after compression (the paid plan
// allows 10 MB), and 64 MiB before it. Sizes are counted as wrangler counts them: every module of
// the upload together (index.js and the templates and CSS as text modules), source map excluded.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildWorker } from './lib/system.ts';

const FREE_PLAN_GZIP_BYTES = 3_000_000;
const MAX_RAW_BYTES = 64 * 1024 * 1024;

const { values } = parseArgs({ options: { 'max-gzip': { type: 'string' } } });
const maxGzip =
  values['max-gzip'] === undefined ? FREE_PLAN_GZIP_BYTES : Number(values['max-gzip']);
if (!Number.isSafeInteger(maxGzip) || maxGzip <= 0) {
  console.error('--max-gzip takes a positive whole number of bytes');
  process.exit(2);
}

// The same build as every local run of the worker (scripts/lib/worker-runtime.ts buildWorker):
// `wrangler deploy --dry-run --outdir`, offline and quiet.
const bundle = await buildWorker().catch((err: unknown) => {
  const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
  console.error(`deploy check: the worker bundle does not build\n${stdout}${stderr}`);
  process.exit(1);
});
try {
  const outdir = bundle.dir;
  const modules = readdirSync(outdir).filter((n) => !n.endsWith('.map') && n !== 'README.md');
  const upload = Buffer.concat(modules.map((n) => readFileSync(join(outdir, n))));
  const gzip = gzipSync(upload).length;
  const report = `${modules.length} modules, ${upload.length} B raw, ${gzip} B gzip (limit ${maxGzip} B gzip, ${MAX_RAW_BYTES} B raw)`;
  if (modules.length === 0 || gzip > maxGzip || upload.length > MAX_RAW_BYTES) {
    console.error(`deploy check: the worker upload would be refused: ${report}`);
    process.exitCode = 1;
  } else {
    console.log(`deploy check: wrangler deploy --dry-run builds; ${report}`);
  }
} finally {
  await bundle.dispose();
}
