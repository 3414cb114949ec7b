// L1: the Cache API of the location, in front of KV, for PUBLIC documents only. Entries are
// keyed by the document's immutable content key (store/pointer.ts: it carries the ETag), so
// an entry is never wrong and never needs purging: a new render names new keys in its
// pointer, and old entries simply stop being asked for and expire.
import type { DocumentMeta } from './keys.ts';

/** The location's Cache API (`caches.default`), as the read path and the coordinator use it. */
export interface LocationCache {
  match(request: Request): Promise<Response | undefined>;
  put(request: Request, response: Response): Promise<void>;
}

/** Content under a key never changes: the TTL only bounds how long an unused entry stays. */
const ENTRY_TTL_S = 3600;
const META_HEADER = 'X-Document-Meta';

export interface CachedDocument {
  body: ReadableStream | null;
  meta: DocumentMeta;
}

// Same shape as pointer-cache.ts's cacheKey: both build a Cache API key on the page's host; kept
// apart because the two key spaces must never meet (a document path vs /__edge/pointer).
function entryKey(hostname: string, path: string, contentKey: string): Request {
  const url = new URL(`https://${hostname}${path}`);
  url.searchParams.set('__doc', contentKey);
  return new Request(url.toString(), { method: 'GET' });
}

export async function matchCached(
  cache: LocationCache,
  hostname: string,
  path: string,
  contentKey: string,
): Promise<CachedDocument | null> {
  const hit = await cache.match(entryKey(hostname, path, contentKey));
  const raw = hit?.headers.get(META_HEADER);
  if (!hit || !raw) return null;
  try {
    return { body: hit.body, meta: JSON.parse(raw) as DocumentMeta };
  } catch {
    return null;
  }
}

export function putCached(
  cache: LocationCache,
  hostname: string,
  path: string,
  contentKey: string,
  body: string | Uint8Array,
  meta: DocumentMeta,
): Promise<void> {
  const entry = new Response(body, {
    headers: {
      'Content-Type': meta.contentType,
      'Cache-Control': `public, max-age=${ENTRY_TTL_S}`,
      [META_HEADER]: JSON.stringify(meta),
    },
  });
  return cache.put(entryKey(hostname, path, contentKey), entry);
}
