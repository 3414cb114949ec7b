// L1: the Cache API of the location, in front of KV, for PUBLIC documents only. Entries are
// keyed by the page's render version (and page id, since a hostname can move to another
// page), so a new render is never hidden behind an older cached copy: once the isolate knows
// the new version, every lookup uses new keys. Nothing is ever purged; old entries expire.
import type { DocumentMeta } from '../store/keys.ts';

/** An entry can be wrong only if KV served an older document than its version key said (KV
 * is eventually consistent across locations); this bounds how long such an entry lives. */
const ENTRY_TTL_S = 60;
const META_HEADER = 'X-Document-Meta';

export interface CachedDocument {
  body: ReadableStream | null;
  meta: DocumentMeta;
}

function entryKey(hostname: string, pageId: string, version: number, path: string): Request {
  const url = new URL(`https://${hostname}${path}`);
  url.searchParams.set('__page', pageId);
  url.searchParams.set('__render', String(version));
  return new Request(url.toString(), { method: 'GET' });
}

export async function matchCached(
  hostname: string,
  pageId: string,
  version: number,
  path: string,
): Promise<CachedDocument | null> {
  const hit = await caches.default.match(entryKey(hostname, pageId, version, path));
  const raw = hit?.headers.get(META_HEADER);
  if (!hit || !raw) return null;
  try {
    return { body: hit.body, meta: JSON.parse(raw) as DocumentMeta };
  } catch {
    return null;
  }
}

export function putCached(
  hostname: string,
  pageId: string,
  version: number,
  path: string,
  body: string,
  meta: DocumentMeta,
): Promise<void> {
  const entry = new Response(body, {
    headers: {
      'Content-Type': meta.contentType,
      'Cache-Control': `public, max-age=${ENTRY_TTL_S}`,
      [META_HEADER]: JSON.stringify(meta),
    },
  });
  return caches.default.put(entryKey(hostname, pageId, version, path), entry);
}
