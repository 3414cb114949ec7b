// Headers that keep private answers private and customers' domains their own (issue 12):
// every answer of a private or audience page, refusals included, is
// `Cross-Origin-Resource-Policy: same-origin` (another site cannot embed a private badge or
// feed and read its size); HSTS never pins a customer's whole domain.
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_HOST,
  DEMO_ISSUER,
  demoEvents,
  PARTNERS_HOST,
  PRIVATE_HOST,
} from '../../scripts/lib/demo-events.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { seedPage } from './support/seed.ts';
import { makeSigner, signToken, type TestSigner } from './support/viewer-tokens.ts';

const now = new Date();
let signer: TestSigner;
const get = (url: string, init: RequestInit = {}) =>
  exports.default.fetch(new Request(url, { redirect: 'manual', ...init }));
const PATHS = ['/', '/badge.svg', '/api/v2/summary.json', '/history.atom'];

beforeAll(async () => {
  signer = await makeSigner('ES256', 'k-corp');
  const events = demoEvents({ now, jwks: { keys: [signer.publicJwk] } });
  for (const id of ['page_demo', 'page_internal', 'page_partners']) {
    await seedPage(snapshotFromEvents(events, id), now);
  }
});

describe('Cross-Origin-Resource-Policy', () => {
  it('is same-origin on every refusal of a private or audience page', async () => {
    for (const host of [PRIVATE_HOST, PARTNERS_HOST]) {
      for (const path of PATHS) {
        const res = await get(`http://${host}${path}`);
        expect(res.status, `${host}${path}`).toBe(401);
        expect(res.headers.get('Cross-Origin-Resource-Policy'), `${host}${path}`).toBe(
          'same-origin',
        );
      }
    }
  });

  it('is same-origin on what a viewer with access gets', async () => {
    const token = await signToken(signer, { iss: DEMO_ISSUER, aud: 'page_internal' });
    for (const path of PATHS) {
      const res = await get(`http://${PRIVATE_HOST}${path}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('Cross-Origin-Resource-Policy'), path).toBe('same-origin');
    }
  });

  it('is absent on a public page, whose badge others embed', async () => {
    const res = await get(`http://${DEMO_HOST}/badge.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Cross-Origin-Resource-Policy')).toBeNull();
  });
});

describe('Strict-Transport-Security', () => {
  it('does not cover the customer’s other hostnames', async () => {
    const res = await get(`http://${DEMO_HOST}/`);
    expect(res.headers.get('Strict-Transport-Security')).toBe('max-age=31536000');
  });
});
