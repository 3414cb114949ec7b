// The read path's `www.` redirect: a host record with `redirectTo` answers every GET/HEAD
// with a 301 to the same path and query on that hostname. Decided from the host record
// alone, before access checks: it reveals nothing but the page's other hostname.
import { isValidHostname } from '../domain/schema.ts';
import type { HostRecord } from '../store/keys.ts';
import { crossOriginHeaders } from './cors.ts';

/** Short enough that changing the page's setting takes effect soon even in browsers. */
export const WWW_REDIRECT_CACHE_CONTROL = 'public, max-age=300';

export function wwwRedirect(requestUrl: string, record: HostRecord): Response | null {
  const target = record.redirectTo;
  if (!target || !isValidHostname(target)) return null;
  const url = new URL(requestUrl);
  if (url.hostname === target) return null;
  // Scheme and port stay as requested (https in production; http and a port in local dev).
  const path = url.pathname;
  url.hostname = target;
  return new Response(null, {
    status: 301,
    headers: {
      Location: url.href,
      'Cache-Control': WWW_REDIRECT_CACHE_CONTROL,
      // A widget reading a public page's API cross-origin may only follow a CORS-open redirect.
      ...crossOriginHeaders(record.visibility, 'public', path),
    },
  });
}
