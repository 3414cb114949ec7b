// CI's install step: exactly what package-lock.json pins, with `npm ci`.
//
// Plain JavaScript because it runs on the machine's own Node (20) before node_modules (and with
// it the `node` devDependency that brings Node 22 and type stripping) exists.
//
// Why not `npm ci` alone: the registry reachable here has grown over time the optional platform
// binaries of packages we lock (workerd for macOS and Windows appeared in 2026-11). Published
// manifests list those binaries, so once the registry serves them `npm ci` refuses a lockfile
// written before ("Missing: @cloudflare/workerd-darwin-64@… from lock file"). That is not a
// mismatch with package.json, and CI must not turn red for it; anything else must.
//
// So: `npm ci`. If it refuses, `npm install` resolves the same tree and we compare the lockfile it
// writes with the committed one. Added entries that are optional and built only for another
// platform are tolerated (named, and the committed lockfile restored); any other difference, such
// as a dependency changed in package.json without updating the lockfile, fails and says which.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { lockDifferences } from './lib/lock-differences.mjs';

const LOCK = 'package-lock.json';
const NPM_FLAGS = ['--no-audit', '--no-fund'];

function npm(args) {
  const r = spawnSync('npm', [...args, ...NPM_FLAGS], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.stdout.write(r.stdout);
  return { ok: r.status === 0, output: `${r.stdout}\n${r.stderr}` };
}

const committed = readFileSync(LOCK, 'utf8');
const first = npm(['ci']);
if (first.ok) process.exit(0);

const missing = [...first.output.matchAll(/^npm error (Missing|Invalid): .*$/gm)].map((m) =>
  m[0].slice(10),
);
if (missing.length === 0) {
  console.error('ci-install: `npm ci` failed for a reason other than the lockfile (see above).');
  process.exit(1);
}
console.log(`ci-install: \`npm ci\` refused the lockfile:\n  ${missing.join('\n  ')}`);
console.log(
  'ci-install: resolving with `npm install` to see whether only other platforms’ binaries are new',
);
const second = npm(['install']);
const rewritten = readFileSync(LOCK, 'utf8');
writeFileSync(LOCK, committed);
if (!second.ok) {
  console.error('ci-install: `npm install` failed as well (see above).');
  process.exit(1);
}
const { tolerated, other } = lockDifferences(JSON.parse(committed), JSON.parse(rewritten));
if (other.length > 0) {
  console.error(
    'ci-install: package-lock.json does not match package.json. Run `npm install` and commit the ' +
      `lockfile. What differs:\n  ${other.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(
  'ci-install: tolerated — the registry now serves optional binaries for other platforms that the ' +
    `lockfile does not list (refresh it with \`npm install\` when convenient):\n  ${tolerated.join('\n  ')}`,
);
// The committed lockfile is back in place; node_modules is what it pins (the added entries are
// for other platforms and were not installed here).
execFileSync('git', ['diff', '--exit-code', '--stat', LOCK], { stdio: 'inherit' });
