// Test helpers for access tests: key pairs made at test time (never committed) and tokens.
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

export interface TestSigner {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeSigner(
  alg: 'ES256' | 'RS256' | 'EdDSA',
  kid: string,
): Promise<TestSigner> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid };
  return { alg, kid, privateKey, publicJwk };
}

export interface TokenOptions {
  iss?: string;
  aud?: string | string[];
  /** Seconds from now; `null` leaves `exp` out. */
  expiresIn?: number | null;
  notBefore?: number;
  issuedAt?: number;
  claims?: JWTPayload;
  kid?: string | null;
}

export async function signToken(signer: TestSigner, opts: TokenOptions = {}): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...opts.claims });
  const header: { alg: string; kid?: string } = { alg: signer.alg };
  if (opts.kid !== null) header.kid = opts.kid ?? signer.kid;
  jwt.setProtectedHeader(header);
  if (opts.iss !== undefined) jwt.setIssuer(opts.iss);
  if (opts.aud !== undefined) jwt.setAudience(opts.aud);
  if (opts.expiresIn !== null) jwt.setExpirationTime(nowS + (opts.expiresIn ?? 600));
  if (opts.notBefore !== undefined) jwt.setNotBefore(nowS + opts.notBefore);
  jwt.setIssuedAt(nowS + (opts.issuedAt ?? 0));
  return jwt.sign(signer.privateKey);
}

export function base64url(value: string | Uint8Array): string {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** A token with any header and payload, and a signature the caller chooses (or none). */
export function forgeToken(header: object, payload: object, signature = ''): string {
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.${signature}`;
}
