// Viewer tokens for the private and audience demo pages, signed by the demo issuer key that
// the demo pages trust (their access.jwt.jwks). Claims as docs/contract.md §2 asks: iss, aud (the
// page id, the default audience), exp, and for the audience page the `audience` claim.
import { importJWK, type JWK, SignJWT } from 'jose';
import { DEMO_ISSUER } from './demo-events.ts';

export const DEMO_TOKEN_TTL_S = 30 * 24 * 3600;

export async function mintDemoToken(
  issuerPrivateJwk: JWK,
  pageId: string,
  claims: Record<string, unknown> = {},
  ttlSeconds = DEMO_TOKEN_TTL_S,
): Promise<string> {
  const key = await importJWK(issuerPrivateJwk, 'EdDSA');
  return new SignJWT(claims)
    .setProtectedHeader({
      alg: 'EdDSA',
      typ: 'JWT',
      ...(issuerPrivateJwk.kid ? { kid: issuerPrivateJwk.kid } : {}),
    })
    .setIssuer(DEMO_ISSUER)
    .setAudience(pageId)
    .setSubject('demo-viewer')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key);
}
