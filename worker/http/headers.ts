// Response headers every answer carries, and the cache policy per kind of page.

/**
 * The CSP for our HTML: one hashed inline style, images from anywhere https, and at most one
 * script: `scriptSrc`, the hash of the page's own live-update script (render/live-script.ts).
 * Without it no script can run (script-src falls back to default-src 'none').
 */
export function contentSecurityPolicy(styleSrc: string | undefined, scriptSrc?: string): string {
  return [
    "default-src 'none'",
    `style-src ${styleSrc ?? "'none'"}`,
    ...(scriptSrc ? [`script-src ${scriptSrc}`] : []),
    'img-src https: data:',
    // The live script's poll and page fetch (same origin only); it also lets tools that fetch
    // in the page's context, as Lighthouse fetches /robots.txt, read the page's own origin.
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The CSP for JSON, feeds and the badge: they load nothing and run nothing. */
export const DATA_DOCUMENT_CSP = "default-src 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  // Not `includeSubDomains`: on a customer's hostname it would pin HTTPS on every name of the
  // customer's domain, which is theirs to decide.
  'Strict-Transport-Security': 'max-age=31536000',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};

/**
 * Public pages: any cache may keep a copy but must revalidate it (a 304 by ETag costs almost
 * nothing), so during an incident nobody is shown a stale page. Private pages never enter a
 * shared cache.
 */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=0, must-revalidate';
export const PRIVATE_CACHE_CONTROL = 'private, no-store';
export const NO_STORE = 'no-store';

/** `If-None-Match` against a strong ETag (RFC 9110 §13.1.2: weak comparison for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}
