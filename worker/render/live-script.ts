// The live-update script every status, incident and history page carries inline
// (templates/live-script.txt, docs/live-updates.md). The page's CSP allows exactly this text by
// its hash, worked out here from the same string the templates print, so the two cannot
// drift: a new script is a new build (it is one of the templates fingerprint.ts hashes).
import liveScriptSource from '../../templates/live-script.txt';
import { sha256, toBase64 } from '../domain/sha256.ts';

/** The script as sent: comment lines and indentation stay in the source, not in every page. */
export const LIVE_SCRIPT = liveScriptSource
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('//'))
  .join('\n');

/** The element as pages print it; a view without it prints nothing (no empty script). */
export const LIVE_SCRIPT_ELEMENT = `<script>${LIVE_SCRIPT}</script>`;

/** Where an open page asks whether what it shows is still current (routes/live.ts). */
export const LIVE_PATH = '/_edge/live';

let source: Promise<string> | undefined;

/** The CSP source that allows the live script and nothing else: `'sha256-…'`. */
export function liveScriptHashSource(): Promise<string> {
  source ??= sha256(LIVE_SCRIPT).then((digest) => `'sha256-${toBase64(digest)}'`);
  return source;
}
