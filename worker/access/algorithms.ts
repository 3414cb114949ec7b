// Which JWS algorithms a viewer token may use. Only asymmetric ones, chosen by the key types a
// page's key set holds: a symmetric algorithm (HS256) would let anyone who knows the page's
// *public* key mint tokens, and `none` would let anyone mint them without a key at all.
export type KeyType = 'RSA' | 'EC' | 'OKP';

const BY_KEY_TYPE: Readonly<Record<KeyType, readonly string[]>> = {
  RSA: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  EC: ['ES256', 'ES384'],
  OKP: ['EdDSA', 'Ed25519'],
};

/** Every algorithm any supported key type may use (a remote key set's types are not known up front). */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = Object.values(BY_KEY_TYPE).flat();

/** The algorithms the keys of an inline JWKS allow: the union over their key types. */
export function algorithmsForKeys(keys: readonly { kty: string }[]): string[] {
  const allowed = new Set<string>();
  for (const { kty } of keys) {
    for (const alg of BY_KEY_TYPE[kty as KeyType] ?? []) allowed.add(alg);
  }
  return [...allowed];
}
