// The worker's renderer for plain Node (the benchmarks): templates and the page CSS are text
// modules that only a bundler (or workerd) understands, so esbuild bundles an entry with the
// `text` loader for them, exactly as wrangler's `rules` do.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');

/** Bundles `entry` (a path from the repository root) for Node and imports it. */
export async function importBundled<T>(entry: string): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'esp-bundle-'));
  const outfile = join(dir, 'bundle.mjs');
  await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile,
    loader: { '.mustache': 'text', '.css': 'text', '.txt': 'text' },
    logLevel: 'error',
  });
  return (await import(/* @vite-ignore */ pathToFileURL(outfile).href)) as T;
}
