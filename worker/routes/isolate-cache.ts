// L0: public documents held in the isolate's memory, in front of the Cache API (L1) and KV.
// Keyed exactly like L1, by the page's render version, so it is as fresh as L1: once the
// isolate learns a new version (its memo lives a second), lookups use new keys and old
// entries are never served again; they age out. A hot page then costs no storage operation
// at all per view, which during an incident's traffic spike is most views.
import type { DocumentMeta } from '../store/keys.ts';

/** Like L1's entry TTL: bounds an entry that KV served older than its version key said. */
const ENTRY_TTL_MS = 60_000;
/** Well inside an isolate's 128 MB; a status page is typically 50–250 kB. */
const MAX_CHARS = 8 * 1024 * 1024;
const MAX_ENTRIES = 256;

interface Entry {
  body: string;
  meta: DocumentMeta;
  expires: number;
}

const entries = new Map<string, Entry>();
let chars = 0;

function keyOf(pageId: string, version: number, path: string): string {
  return `${pageId}\n${version}\n${path}`;
}

function drop(key: string): void {
  const e = entries.get(key);
  if (!e) return;
  chars -= e.body.length;
  entries.delete(key);
}

export function memoryHit(
  pageId: string,
  version: number,
  path: string,
  now = Date.now(),
): { body: string; meta: DocumentMeta } | null {
  const key = keyOf(pageId, version, path);
  const e = entries.get(key);
  if (!e) return null;
  if (e.expires <= now) {
    drop(key);
    return null;
  }
  // Most recently used last: eviction takes the oldest first.
  entries.delete(key);
  entries.set(key, e);
  return { body: e.body, meta: e.meta };
}

export function remember(
  pageId: string,
  version: number,
  path: string,
  body: string,
  meta: DocumentMeta,
  now = Date.now(),
): void {
  if (body.length > MAX_CHARS / 4) return; // a huge page would evict every other
  const key = keyOf(pageId, version, path);
  drop(key);
  while (entries.size > 0 && (entries.size >= MAX_ENTRIES || chars + body.length > MAX_CHARS)) {
    drop(entries.keys().next().value as string);
  }
  entries.set(key, { body, meta, expires: now + ENTRY_TTL_MS });
  chars += body.length;
}

/** Tests: start from an empty isolate cache. */
export function forgetMemory(): void {
  entries.clear();
  chars = 0;
}
