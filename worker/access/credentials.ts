// Where a viewer's token can come from, and the cookie that carries it after a token link.
// `__Host-` pins the cookie to exactly this hostname (no Domain, Path=/, Secure), so no
// sibling subdomain can plant or overwrite it.

export const TOKEN_COOKIE = '__Host-status-token';
export const TOKEN_PARAM = 'token';
/** The confirmation that a token link may replace the current session (decide.ts). */
export const SWAP_PARAM = 'swap';

export type TokenSource = 'query' | 'header' | 'cookie';

export interface PresentedToken {
  token: string;
  source: TokenSource;
}

/**
 * The one token a request presents, by precedence: a token link (`?token=`) replaces any
 * earlier session; an explicit `Authorization: Bearer` beats the cookie. Only one is ever
 * checked, so two credentials cannot be combined into more access than either gives.
 */
export function presentedToken(request: Request, url: URL): PresentedToken | null {
  if (url.searchParams.has(TOKEN_PARAM)) {
    return { token: url.searchParams.get(TOKEN_PARAM) ?? '', source: 'query' };
  }
  // Other schemes (Basic from a proxy, say) are not ours to judge and do not hide the cookie.
  const authorization = request.headers.get('Authorization');
  if (authorization !== null && /^Bearer(\s|$)/i.test(authorization)) {
    const m = /^Bearer +(\S+)\s*$/i.exec(authorization);
    return { token: m?.[1] ?? '', source: 'header' };
  }
  const cookie = cookieValue(request.headers.get('Cookie'), TOKEN_COOKIE);
  return cookie === null ? null : { token: cookie, source: 'cookie' };
}

/** The session cookie's token, whatever else the request presents. */
export function cookieToken(request: Request): string | null {
  return cookieValue(request.headers.get('Cookie'), TOKEN_COOKIE);
}

function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The cookie that holds a verified token until the token itself expires. */
export function tokenCookie(token: string, expiresAt: number, now: number): string {
  const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
  return [
    `${TOKEN_COOKIE}=${token}`,
    'Path=/',
    'Secure',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAge}`,
    `Expires=${new Date(expiresAt).toUTCString()}`,
  ].join('; ');
}

/** Where a token link sends the browser: the same path and query, minus the token. */
export function withoutToken(url: URL): string {
  const clean = new URL(url);
  clean.searchParams.delete(TOKEN_PARAM);
  clean.searchParams.delete(SWAP_PARAM);
  return `${clean.pathname}${clean.search}`;
}
