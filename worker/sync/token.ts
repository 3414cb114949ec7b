// Signing and verifying /_sync tokens with jose. Runs in workerd (verify) and Node (sign).
import { type CryptoKey, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { sha256, toBase64 } from '../render/digest.ts';
import { SYNC_ALG, SYNC_AUDIENCE, SYNC_ISSUER, SYNC_TOKEN_MAX_TTL_S } from './contract.ts';

export async function bodyDigest(body: string): Promise<string> {
  return toBase64(await sha256(body))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export async function importSyncKey(jwkJson: string | JWK): Promise<CryptoKey> {
  const jwk = typeof jwkJson === 'string' ? (JSON.parse(jwkJson) as JWK) : jwkJson;
  return (await importJWK({ ...jwk, alg: SYNC_ALG }, SYNC_ALG)) as CryptoKey;
}

export async function signSyncToken(
  privateKey: CryptoKey,
  pageId: string,
  body: string,
  ttlSeconds = 60,
): Promise<string> {
  return new SignJWT({ page: pageId, sha256: await bodyDigest(body) })
    .setProtectedHeader({ alg: SYNC_ALG, typ: 'JWT' })
    .setIssuer(SYNC_ISSUER)
    .setAudience(SYNC_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${Math.min(ttlSeconds, SYNC_TOKEN_MAX_TTL_S)}s`)
    .sign(privateKey);
}

/** True only for a token that is ours, fresh, and bound to exactly this page and body. */
export async function verifySyncToken(
  publicKey: CryptoKey,
  token: string,
  pageId: string,
  body: string,
): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [SYNC_ALG],
      issuer: SYNC_ISSUER,
      audience: SYNC_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'page', 'sha256'],
      maxTokenAge: SYNC_TOKEN_MAX_TTL_S,
      clockTolerance: 5,
    });
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return false;
    if (payload.exp - payload.iat > SYNC_TOKEN_MAX_TTL_S) return false;
    return payload.page === pageId && payload.sha256 === (await bodyDigest(body));
  } catch {
    return false;
  }
}
