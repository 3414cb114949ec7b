// origin-sync's side of the /_sync tokens: the same compact JWS worker/sync/token.ts signs with
// jose (header, claims in the same order, the body digest claim), made synchronously with
// node:crypto. jose goes through WebCrypto, whose every digest and signature is an async job
// on the thread pool with its promise plumbing around it: ~0.4 ms of the main thread per push
// under load, when a SHA-256 of the body and an Ed25519 signature take tens of microseconds
// (docs/benchmarks.md, origin-sync throughput). The worker verifies these tokens with
// token.ts's own verifier, unchanged; test/origin-sync/sync-token.test.ts holds the two to the
// same bytes. Ed25519 signatures are deterministic, so the same claims give the same token.
import { createHash, KeyObject, sign } from 'node:crypto';
import type { CryptoKey } from 'jose';
import {
  SYNC_ALG,
  SYNC_AUDIENCE,
  SYNC_ISSUER,
  SYNC_TOKEN_MAX_TTL_S,
} from '../worker/sync/contract.ts';

/** base64url of `{"alg":"EdDSA","typ":"JWT"}`, as jose writes the protected header. */
const HEADER = Buffer.from(JSON.stringify({ alg: SYNC_ALG, typ: 'JWT' })).toString('base64url');

/** The KeyObject of each CryptoKey, made once: converting it is dearer than a signature. */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

function keyObject(privateKey: CryptoKey): KeyObject {
  let key = keyObjects.get(privateKey);
  if (!key) {
    // jose's CryptoKey is WebCrypto's, which Node's types spell apart from its own when the
    // worker's types are loaded too (the root tsconfig): the same object either way.
    key = KeyObject.from(privateKey as Parameters<typeof KeyObject.from>[0]);
    keyObjects.set(privateKey, key);
  }
  return key;
}

/** The `sha256` claim of a body: base64url without padding, as token.ts's bodyDigest. */
export function bodyDigest(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url');
}

function signClaims(
  privateKey: CryptoKey,
  claims: Record<string, string>,
  ttlSeconds: number,
  nowMs: number,
): string {
  const iat = Math.floor(nowMs / 1000);
  const payload = JSON.stringify({
    ...claims,
    iss: SYNC_ISSUER,
    aud: SYNC_AUDIENCE,
    iat,
    exp: iat + Math.min(ttlSeconds, SYNC_TOKEN_MAX_TTL_S),
  });
  const input = `${HEADER}.${Buffer.from(payload).toString('base64url')}`;
  // Ed25519 takes no separate digest: the algorithm argument must be null.
  return `${input}.${sign(null, Buffer.from(input), keyObject(privateKey)).toString('base64url')}`;
}

/** A write token bound to the page (or path) and the body's digest, as token.ts's signSyncToken. */
export function signSyncToken(
  privateKey: CryptoKey,
  pageId: string,
  body: string | Uint8Array,
  ttlSeconds = 60,
  nowMs = Date.now(),
): string {
  return signClaims(privateKey, { page: pageId, sha256: bodyDigest(body) }, ttlSeconds, nowMs);
}

/** A token for a bodiless request, as token.ts's signSyncReadToken. */
export function signSyncReadToken(
  privateKey: CryptoKey,
  pageId: string,
  request: string,
  ttlSeconds = 60,
  nowMs = Date.now(),
): string {
  return signClaims(privateKey, { page: pageId, req: request }, ttlSeconds, nowMs);
}
