// Signing and verifying /_sync tokens with jose. Runs in workerd (verify) and Node (sign, in
// tests and scripts; origin-sync itself signs the same tokens with node:crypto, origin-sync/sync-token.ts).
// Write tokens bind the page and the body's digest; read tokens bind the page and the request
// (method and path). See contract.ts.
import { type CryptoKey, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { sha256, toBase64 } from '../domain/sha256.ts';
import { SYNC_ALG, SYNC_AUDIENCE, SYNC_ISSUER, SYNC_TOKEN_MAX_TTL_S } from './contract.ts';

export async function bodyDigest(body: string | Uint8Array<ArrayBuffer>): Promise<string> {
  return digestClaim(await sha256(body));
}

export async function importSyncKey(jwkJson: string | JWK): Promise<CryptoKey> {
  const jwk = typeof jwkJson === 'string' ? (JSON.parse(jwkJson) as JWK) : jwkJson;
  return (await importJWK({ ...jwk, alg: SYNC_ALG }, SYNC_ALG)) as CryptoKey;
}

function sign(privateKey: CryptoKey, claims: JWTPayload, ttlSeconds: number): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: SYNC_ALG, typ: 'JWT' })
    .setIssuer(SYNC_ISSUER)
    .setAudience(SYNC_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${Math.min(ttlSeconds, SYNC_TOKEN_MAX_TTL_S)}s`)
    .sign(privateKey);
}

/** The claims of a token that is ours and fresh (with `binding` present), or null. */
async function verified(
  publicKey: CryptoKey,
  token: string,
  binding: 'sha256' | 'req',
): Promise<JWTPayload | null> {
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [SYNC_ALG],
      issuer: SYNC_ISSUER,
      audience: SYNC_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'page', binding],
      maxTokenAge: SYNC_TOKEN_MAX_TTL_S,
      clockTolerance: 5,
    });
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return null;
    if (payload.exp - payload.iat > SYNC_TOKEN_MAX_TTL_S) return null;
    return payload;
  } catch {
    return null;
  }
}

export async function signSyncToken(
  privateKey: CryptoKey,
  pageId: string,
  body: string | Uint8Array<ArrayBuffer>,
  ttlSeconds = 60,
): Promise<string> {
  return sign(privateKey, { page: pageId, sha256: await bodyDigest(body) }, ttlSeconds);
}

// verifySyncReadToken (below) is this function's twin for read tokens: the same lines but for
// the claim each binds, kept apart so neither kind of token can pass for the other.
/** True only for a token that is ours, fresh, and bound to exactly this page and body. */
export async function verifySyncToken(
  publicKey: CryptoKey,
  token: string,
  pageId: string,
  body: string,
): Promise<boolean> {
  const payload = await verified(publicKey, token, 'sha256');
  if (!payload || 'req' in payload) return false;
  return payload.page === pageId && payload.sha256 === (await bodyDigest(body));
}

/**
 * The body digest a write token promises, if the token is ours, fresh and for this page; null
 * otherwise. Checked before the body is read: a stranger's request costs no body bytes.
 */
export async function syncTokenDigest(
  publicKey: CryptoKey,
  token: string,
  pageId: string,
): Promise<string | null> {
  const payload = await verified(publicKey, token, 'sha256');
  if (!payload || 'req' in payload || payload.page !== pageId) return null;
  return typeof payload.sha256 === 'string' ? payload.sha256 : null;
}

/** base64url without padding, as a token's `sha256` claim carries it. */
export function digestClaim(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A token for a bodiless request: `request` is contract.ts's syncReadRequest(method, path). */
export function signSyncReadToken(
  privateKey: CryptoKey,
  pageId: string,
  request: string,
  ttlSeconds = 60,
): Promise<string> {
  return sign(privateKey, { page: pageId, req: request }, ttlSeconds);
}

/**
 * True only for a token that is ours, fresh, and bound to exactly this page and request: the
 * read token's twin of verifySyncToken, and the same lines but for the claim it binds.
 */
export async function verifySyncReadToken(
  publicKey: CryptoKey,
  token: string,
  pageId: string,
  request: string,
): Promise<boolean> {
  const payload = await verified(publicKey, token, 'req');
  if (!payload || 'sha256' in payload) return false;
  return payload.page === pageId && payload.req === request;
}
