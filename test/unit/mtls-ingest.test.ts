// mTLS settings at ingest (issue 12): a CA is named by its key (issuerSKIs), a DN alone is
// refused, and `require: "all"` needs both a JWT key set and an mTLS allowlist.
import { describe, expect, it } from 'vitest';
import { StatusPage } from '../../worker/domain/schema.ts';

const page = (access: unknown) => ({
  id: 'p',
  name: 'P',
  hostnames: ['p.example'],
  visibility: 'private',
  serviceIds: [],
  access,
});
const jwt = { issuer: 'iss', jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) }] } };
const paths = (access: unknown) => {
  const parsed = StatusPage.safeParse(page(access));
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
};

describe('mTLS by issuer', () => {
  it('is refused by DN alone', () => {
    expect(paths({ mtls: { issuerDN: 'CN=Acme CA' } })).toEqual(['access.mtls']);
  });
  it('is accepted by the CA’s key, with or without its DN', () => {
    expect(paths({ mtls: { issuerSKIs: ['AB:CD:'.repeat(9).concat('EF:01')] } })).toEqual([]);
    expect(paths({ mtls: { issuerSKIs: ['ab'.repeat(20)], issuerDN: 'CN=Acme CA' } })).toEqual([]);
  });
});

describe('require: "all"', () => {
  it('is refused without an mTLS allowlist', () => {
    expect(paths({ jwt, require: 'all' })).toEqual(['access.mtls']);
    expect(paths({ jwt, mtls: { fingerprints: [] }, require: 'all' })).toEqual(['access.mtls']);
  });
  it('is refused without JWT keys', () => {
    expect(paths({ mtls: { fingerprints: ['a1'.repeat(32)] }, require: 'all' })).toEqual([
      'access.jwt',
    ]);
  });
  it('is accepted with both', () => {
    expect(paths({ jwt, mtls: { fingerprints: ['a1'.repeat(32)] }, require: 'all' })).toEqual([]);
  });
});
