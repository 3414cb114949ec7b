// Browser tests drive Debian's Chromium (downloading a browser build is not possible here).
// Runs before `npm test`: installs it with apt when it is missing and we may (root).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM } from './lib/browser.ts';

if (existsSync(CHROMIUM)) process.exit(0);
if (process.getuid?.() !== 0) {
  console.error(
    `${CHROMIUM} is missing: run 'sudo apt-get install -y chromium' once, then npm test again.`,
  );
  process.exit(1);
}
console.log('Installing Debian chromium for the browser tests (once)…');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
