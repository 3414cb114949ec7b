// Puts rendered pages into a state dir's KV before the worker starts on it: the seed worker is
// bundled by wrangler like the real one (templates as text) and run once in Miniflare.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import type { PageSnapshot } from '../../../worker/domain/snapshot.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');

export async function seedPagesInto(
  stateDir: string,
  snapshots: PageSnapshot[],
  now: Date,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'esp-seed-'));
  await run(
    process.execPath,
    [
      join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
      'deploy',
      '--dry-run',
      '--outdir',
      dir,
      '--config',
      join(ROOT, 'test/e2e/support/seed-worker.wrangler.toml'),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    },
  );
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, 'seed-worker.js'),
    modulesRoot: dir,
    modulesRules: [{ type: 'Text', include: ['**/*.mustache', '**/*.css'] }],
    compatibilityDate: '2026-07-01',
    kvNamespaces: ['PAGES_KV'],
    kvPersist: join(stateDir, 'kv'),
  });
  try {
    const res = await mf.dispatchFetch('http://seed.invalid/', {
      method: 'POST',
      body: JSON.stringify({ snapshots, now: now.toISOString() }),
    });
    if (res.status !== 204) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  } finally {
    await mf.dispose();
  }
}
