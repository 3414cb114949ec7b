// The live script as every page prints it (worker/render/live-script.ts): valid JavaScript that
// cannot end its <script> element early, and part of the build id, so a change to it gives
// every document a new ETag (and the CSP hash a new value) instead of an old page with a new
// hash, which would run no script at all.
import { expect, it } from 'vitest';
import { BUILD_PARTS, buildIdOf } from '../../worker/render/fingerprint.ts';
import { TEMPLATES } from '../../worker/render/html.ts';
import { LIVE_SCRIPT, liveScriptHashSource } from '../../worker/render/live-script.ts';

it('is JavaScript that stays inside its element, without its source comments', () => {
  expect(() => new Function(LIVE_SCRIPT)).not.toThrow();
  expect(LIVE_SCRIPT).not.toMatch(/<\/script|<!--/i);
  expect(LIVE_SCRIPT.split('\n').some((l) => l.trimStart().startsWith('//'))).toBe(false);
  expect(LIVE_SCRIPT.length).toBeLessThan(4096);
});

it('is in the build id, and its hash is the CSP source of exactly these bytes', async () => {
  expect(TEMPLATES.liveScript).toBe(LIVE_SCRIPT);
  const changed = { ...BUILD_PARTS, templates: { ...TEMPLATES, liveScript: `${LIVE_SCRIPT};` } };
  expect(await buildIdOf(changed)).not.toBe(await buildIdOf(BUILD_PARTS));
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(LIVE_SCRIPT)),
  );
  expect(await liveScriptHashSource()).toBe(`'sha256-${btoa(String.fromCharCode(...digest))}'`);
});
