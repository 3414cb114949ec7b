// Who may see which variant of a page (docs/contract.md §2). Public pages: everyone sees `public`.
// Private pages: a valid token or client certificate sees `private`. Audience pages: the
// audience claim of a valid token picks `audience:<id>`, and nothing else can: not the URL,
// not a header, not a cookie other than the token's own.

import type { JWTPayload } from 'jose';
import { log } from '../log.ts';
import type { HostRecord } from '../store/keys.ts';
import { clientCertificateAllowed, mtlsConfigured } from './client-certificate.ts';
import {
  cookieToken,
  presentedToken,
  SWAP_PARAM,
  tokenCookie,
  withoutToken,
} from './credentials.ts';
import type { JwtSettings } from './key-sets.ts';
import { recallVerified, rememberVerified, tokenCacheKey } from './verified-tokens.ts';
import { looksLikeToken, verifyViewerToken } from './viewer-token.ts';

export const DEFAULT_AUDIENCE_CLAIM = 'audience';

export type AccessDecision =
  | { kind: 'allow'; variant: string }
  /** A valid token link: 303 to `location` (the URL without the token), setting `cookie`. */
  | { kind: 'establish'; variant: string; location: string; cookie: string }
  /**
   * A valid token link while a valid session for another viewer or audience exists: ask first
   * (session-swap page). `swap` proves the answer comes from that page, `keep` is the URL
   * without the token.
   */
  | { kind: 'confirm_swap'; token: string; swap: string; keep: string }
  /**
   * 401: no usable credential (`invalid_token` when one was presented and failed);
   * 403: a valid viewer whose credential does not include this page's content.
   */
  | { kind: 'deny'; status: 401; invalidToken: boolean }
  | { kind: 'deny'; status: 403 };

type TokenResult = { ok: true; claims: JWTPayload; expiresAt: number } | { ok: false };

const UNAUTHENTICATED: AccessDecision = { kind: 'deny', status: 401, invalidToken: false };
const INVALID_TOKEN: AccessDecision = { kind: 'deny', status: 401, invalidToken: true };
const FORBIDDEN: AccessDecision = { kind: 'deny', status: 403 };

export async function decideAccess(
  record: HostRecord,
  request: Request,
  now: number = Date.now(),
): Promise<AccessDecision> {
  if (record.visibility === 'public') return { kind: 'allow', variant: 'public' };
  if (record.visibility !== 'private' && record.visibility !== 'audience') return UNAUTHENTICATED;

  const access = record.access ?? {};
  const jwt = access.jwt;
  const mtls = mtlsConfigured(access.mtls) ? access.mtls : undefined;
  const url = new URL(request.url);
  // A page that takes no tokens ignores them rather than refusing a viewer with a certificate.
  const presented = jwt ? presentedToken(request, url) : null;
  const token: TokenResult = presented
    ? await checkToken(presented.token, jwt as JwtSettings, record.pageId, now)
    : { ok: false };
  const certificate = mtls ? clientCertificateAllowed(request.cf, mtls) : false;

  // A token link or header that fails is an error the viewer must see, even if a certificate
  // would do: a broken link must never set a cookie or look like it worked.
  if (presented && !token.ok && presented.source !== 'cookie') return INVALID_TOKEN;
  const bothRequired = access.require === 'all' && jwt !== undefined && mtls !== undefined;
  const authenticated = bothRequired ? token.ok && certificate : token.ok || certificate;
  if (!authenticated) return presented && !token.ok ? INVALID_TOKEN : UNAUTHENTICATED;

  let variant = 'private';
  if (record.visibility === 'audience') {
    // Only a verified token names an audience; a certificate alone proves who, not which slice.
    if (!token.ok) return FORBIDDEN;
    const claim = token.claims[jwt?.audienceClaim ?? DEFAULT_AUDIENCE_CLAIM];
    if (typeof claim !== 'string' || !(record.audiences ?? []).includes(claim)) return FORBIDDEN;
    variant = `audience:${claim}`;
  }

  if (presented?.source === 'query' && token.ok) {
    const current = cookieToken(request);
    if (current !== null && current !== presented.token) {
      const session = await checkToken(current, jwt as JwtSettings, record.pageId, now);
      const claimName = jwt?.audienceClaim ?? DEFAULT_AUDIENCE_CLAIM;
      const differs =
        session.ok &&
        (session.claims.sub !== token.claims.sub ||
          session.claims[claimName] !== token.claims[claimName]);
      const proof = await swapProof(current);
      if (differs && url.searchParams.get(SWAP_PARAM) !== proof) {
        return {
          kind: 'confirm_swap',
          token: presented.token,
          swap: proof,
          keep: withoutToken(url),
        };
      }
    }
    return {
      kind: 'establish',
      variant,
      location: withoutToken(url),
      cookie: tokenCookie(presented.token, token.expiresAt, now),
    };
  }
  return { kind: 'allow', variant };
}

async function checkToken(
  token: string,
  settings: JwtSettings,
  pageId: string,
  now: number,
): Promise<TokenResult> {
  if (!looksLikeToken(token)) return { ok: false };
  const key = await tokenCacheKey(pageId, token);
  const hit = recallVerified(key, settings, now);
  if (hit) return { ok: true, ...hit };
  const result = await verifyViewerToken(token, settings, pageId, new Date(now));
  if (!result.ok) {
    if (result.reason === 'unavailable') {
      log.warn('jwks unavailable', { pageId, url: settings.jwksUrl });
    }
    return { ok: false };
  }
  rememberVerified(key, settings, result.claims, result.expiresAt, now);
  return { ok: true, claims: result.claims, expiresAt: result.expiresAt };
}

/** Only a page that saw the current session's cookie can name it: a link cannot carry this. */
async function swapProof(currentToken: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`session-swap\n${currentToken}`),
  );
  let hex = '';
  for (const byte of new Uint8Array(digest).slice(0, 16)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
