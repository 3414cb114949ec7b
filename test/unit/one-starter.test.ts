// One way to start the system (issue 16): `npm start`, the tests and the benchmarks all go
// through scripts/lib/system.ts. Its two pieces, the worker runtime and the origin-sync process,
// are imported by nothing else, so a second starter cannot grow beside it unnoticed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PIECES = ['worker-runtime.ts', 'origin-sync-process.ts'];

it('starts the worker and origin-sync only through scripts/lib/system.ts', () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /\.(ts|mts|mjs)$/.test(f));
  expect(files).toContain('scripts/lib/system.ts');
  const importers = files.filter((file) => {
    if (file === 'scripts/lib/system.ts') return false;
    let text: string;
    try {
      text = readFileSync(join(ROOT, file), 'utf8');
    } catch {
      return false; // deleted in the work tree
    }
    return PIECES.some((piece) => new RegExp(`from '[./]*(scripts/)?(lib/)?${piece}'`).test(text));
  });
  expect(importers).toEqual([]);
});
