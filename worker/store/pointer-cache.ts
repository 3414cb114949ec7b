// A page's render pointer in the location's Cache API: how the isolates of one location share
// the coordinator's answer within its second (routes/current-pointer.ts), and how the
// coordinator tells its own location of a new render the moment it is rendered, before KV has
// every document (coordinator/publish.ts). `X-Pointer-At` is when the coordinator said so.
import type { LocationCache } from './edge-cache.ts';
import { parsePointer } from './pointer.ts';
import type { KnownPointer } from './pointer-memo.ts';

/** The Cache API keeps a pointer this long, as a fallback once it is no longer fresh. */
const CACHED_POINTER_TTL_S = 300;
const AT_HEADER = 'X-Pointer-At';

function cacheKey(hostname: string, pageId: string): Request {
  const url = new URL(`https://${hostname}/__edge/pointer`);
  url.searchParams.set('page', pageId);
  return new Request(url.toString(), { method: 'GET' });
}

export async function cachedPointer(
  cache: LocationCache,
  hostname: string,
  pageId: string,
): Promise<KnownPointer | null> {
  const hit = await cache.match(cacheKey(hostname, pageId));
  if (!hit) return null;
  const at = Number(hit.headers.get(AT_HEADER));
  const raw = await hit.text();
  if (!Number.isFinite(at) || (raw !== 'null' && parsePointer(raw) === null)) return null;
  return { pointer: parsePointer(raw), at };
}

export function putPointer(
  cache: LocationCache,
  hostname: string,
  pageId: string,
  known: KnownPointer,
): Promise<void> {
  const entry = new Response(JSON.stringify(known.pointer), {
    headers: {
      'Content-Type': 'application/json',
      'Cache-Control': `public, max-age=${CACHED_POINTER_TTL_S}`,
      [AT_HEADER]: String(known.at),
    },
  });
  return cache.put(cacheKey(hostname, pageId), entry);
}
