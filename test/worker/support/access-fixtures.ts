// What the access tests (test/worker/access.test.ts) share: the demo's private and audience
// pages and their hostnames, requests with a token or a client certificate, and the checks that a
// refusal tells nothing about the page. Kept apart so the attack suite reads as cases only.
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import {
  DEMO_ISSUER,
  demoEvents,
  PARTNERS_HOST,
  PRIVATE_HOST,
} from '../../../scripts/lib/demo-events.ts';
import { TOKEN_COOKIE } from '../../../worker/access/credentials.ts';
import type { Access } from '../../../worker/domain/schema.ts';
import type { PageSnapshot } from '../../../worker/domain/snapshot.ts';
import { snapshotFromEvents } from '../../support/snapshot-from-events.ts';
import { seedPage } from './seed.ts';
import { makeSigner, type TestSigner } from './viewer-tokens.ts';

export const PRIVATE = `http://${PRIVATE_HOST}`;
export const PARTNERS = `http://${PARTNERS_HOST}`;
export const INTERNAL = 'page_internal';
export const PARTNERS_ID = 'page_partners';

// Text only the pages themselves contain: no refusal may include any of it.
const PAGE_TEXT = [
  'Acme',
  'Public API',
  'Dashboard',
  'Email notifications',
  'Elevated API error rates',
  'Object storage',
  'Managed database',
];

export const FINGERPRINT = 'a1'.repeat(32);
export const OTHER_FINGERPRINT = 'b2'.repeat(32);
export const CLIENT_CA = 'CN=Acme Clients CA,O=Acme,C=US';
/** The client CA's key identifier (Cloudflare's `certIssuerSKI`): what a page binds to. */
export const CLIENT_CA_SKI = 'c0ffee'.repeat(6).concat('c0ff');

export interface Init extends RequestInit {
  cf?: Record<string, unknown>;
}
export const get = (url: string, init: Init = {}) =>
  exports.default.fetch(new Request(url, { redirect: 'manual', ...init } as RequestInit));
export const bearer = (token: string): Init => ({ headers: { Authorization: `Bearer ${token}` } });
export const cookie = (token: string): Init => ({
  headers: { Cookie: `${TOKEN_COOKIE}=${token}` },
});

export function cert(overrides: Record<string, string> = {}): Record<string, unknown> {
  return {
    tlsClientAuth: {
      certPresented: '1',
      certVerified: 'SUCCESS',
      certRevoked: '0',
      certFingerprintSHA256: FINGERPRINT,
      certFingerprintSHA1: '',
      certIssuerDN: 'CN=Somebody Else CA,O=Else',
      certIssuerDNRFC2253: 'CN=Somebody Else CA,O=Else',
      certIssuerDNLegacy: '/O=Else/CN=Somebody Else CA',
      certSubjectDN: 'CN=client',
      certSerial: '01',
      certNotBefore: 'Jan  1 00:00:00 2026 GMT',
      certNotAfter: 'Jan  1 00:00:00 2036 GMT',
      ...overrides,
    },
  };
}

export async function expectLeaksNothing(res: Response): Promise<void> {
  const body = await res.text();
  for (const text of PAGE_TEXT) expect(body, `body mentions ${text}`).not.toContain(text);
  for (const [name, value] of res.headers) {
    for (const text of PAGE_TEXT) expect(value, `${name} mentions ${text}`).not.toContain(text);
  }
}

export async function expectUnauthorized(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="status page"/);
  expect(res.headers.get('Set-Cookie')).toBeNull();
  expect(res.headers.get('Cache-Control')).toContain('no-store');
  await expectLeaksNothing(res);
}

/** The private demo page under another id and hostname, with other access settings. */
function variantOf(base: PageSnapshot, id: string, host: string, access: Access): PageSnapshot {
  return { ...base, page: { ...base.page, id, hostnames: [host], access } };
}

/** The keys the seeded pages trust (es, rsa, and remoteSigner behind remote.test), and one they do not. */
export interface AccessPages {
  es: TestSigner;
  rsa: TestSigner;
  stranger: TestSigner;
  remoteSigner: TestSigner;
}

/**
 * The demo's private (`INTERNAL`) and audience (`PARTNERS_ID`) pages, trusting `es` and `rsa`,
 * seeded into KV with variants of the private page under other access settings, one hostname
 * each: mTLS by fingerprint (mtls.test) or by CA (ca.test), token and certificate (all.test),
 * either (any.test), a login URL (login.test), a remote key set (remote.test) and one that is
 * down (down.test); and the audience page with mTLS too (partners-mtls.test).
 */
export async function seedAccessPages(now: Date): Promise<AccessPages> {
  const [es, rsa, stranger, remoteSigner] = await Promise.all([
    makeSigner('ES256', 'k-es'),
    makeSigner('RS256', 'k-rsa'),
    makeSigner('ES256', 'k-es'), // same kid as a real key: only the signature tells them apart
    makeSigner('EdDSA', 'k-remote'),
  ]);
  const events = demoEvents({ now, jwks: { keys: [es.publicJwk, rsa.publicJwk] } });
  const internal = snapshotFromEvents(events, INTERNAL);
  const partners = snapshotFromEvents(events, PARTNERS_ID);
  const jwt = internal.page.access!.jwt!;
  const mtls = { fingerprints: [FINGERPRINT.toUpperCase().match(/../g)!.join(':')] };
  await Promise.all([
    seedPage(internal, now),
    seedPage(partners, now),
    seedPage(variantOf(internal, 'page_mtls', 'mtls.test', { mtls }), now),
    seedPage(
      variantOf(internal, 'page_ca', 'ca.test', {
        mtls: { issuerSKIs: [CLIENT_CA_SKI], issuerDN: CLIENT_CA },
      }),
      now,
    ),
    seedPage(variantOf(internal, 'page_all', 'all.test', { jwt, mtls, require: 'all' }), now),
    seedPage(variantOf(internal, 'page_any', 'any.test', { jwt, mtls }), now),
    seedPage(
      variantOf(internal, 'page_login', 'login.test', {
        jwt,
        loginUrl: 'https://sso.example/login',
      }),
      now,
    ),
    seedPage(
      variantOf(internal, 'page_remote', 'remote.test', {
        jwt: { issuer: DEMO_ISSUER, jwksUrl: 'https://idp.test/jwks.json' },
      }),
      now,
    ),
    seedPage(
      variantOf(internal, 'page_down', 'down.test', {
        jwt: { issuer: DEMO_ISSUER, jwksUrl: 'https://down.test/jwks.json' },
      }),
      now,
    ),
    seedPage(
      {
        ...partners,
        page: { ...partners.page, hostnames: ['partners-mtls.test'], access: { jwt, mtls } },
      },
      now,
    ),
  ]);
  return { es, rsa, stranger, remoteSigner };
}
