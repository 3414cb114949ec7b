// Debian's Chromium, the one way this repository launches a browser: the browser tests, the
// explorer's screenshots and Lighthouse's path (downloading a browser build is not possible
// here; `npm test` installs it first via scripts/ensure-chromium.ts). The flags keep it off the
// network, which this machine refuses anyway.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (npm test does, as root)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
