// Verifies a viewer's token (JWT) against one page's settings. Strict on purpose: only the
// page's asymmetric keys and their algorithms, `exp` required, `iss` and `aud` exact, and a
// small clock tolerance. Cheap shape checks run first, so a junk or oversized token costs no
// parsing, no key lookup and no signature check.
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { type JwtSettings, pageKeys } from './key-sets.ts';

/** Far above any real token (a few hundred bytes to ~2 KB); anything longer is refused unread. */
export const MAX_TOKEN_LENGTH = 8_192;
export const CLOCK_TOLERANCE_S = 30;

/** Three base64url segments; the signature must not be empty (`alg: none` tokens end in a dot). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export type TokenCheck =
  | { ok: true; claims: JWTPayload; expiresAt: number }
  /** `unavailable`: the page's key set could not be fetched, so nothing could be verified. */
  | { ok: false; reason: 'malformed' | 'invalid' | 'unavailable' };

export function looksLikeToken(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && COMPACT_JWS.test(token);
}

export async function verifyViewerToken(
  token: string,
  settings: JwtSettings,
  pageId: string,
  now: Date = new Date(),
): Promise<TokenCheck> {
  if (!looksLikeToken(token)) return { ok: false, reason: 'malformed' };
  const keys = pageKeys(settings);
  if (!keys || keys.algorithms.length === 0) return { ok: false, reason: 'invalid' };
  try {
    const { payload } = await jwtVerify(token, keys.getKey, {
      algorithms: keys.algorithms,
      issuer: settings.issuer,
      audience: settings.audience ?? pageId,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: now,
    });
    // jose checks `iat` only against a maximum age; a token "issued" in the future is as
    // suspect as one not yet valid (`nbf`), which jose does check.
    const nowS = Math.floor(now.getTime() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > nowS + CLOCK_TOLERANCE_S) {
      return { ok: false, reason: 'invalid' };
    }
    return { ok: true, claims: payload, expiresAt: (payload.exp as number) * 1000 };
  } catch (err) {
    // A timeout, a network error or a non-JSON answer from the key set URL: not the token's fault.
    const keySetDown =
      err instanceof errors.JWKSTimeout ||
      err instanceof errors.JWKSInvalid ||
      !(err instanceof errors.JOSEError);
    return {
      ok: false,
      reason: keySetDown && settings.jwksUrl && !settings.jwks ? 'unavailable' : 'invalid',
    };
  }
}
