// A token link never silently replaces another valid session (issue 12): with a valid cookie
// for another viewer or audience, opening `?token=` asks first with a no-JS form; only that
// form's answer (which carries a proof of the current session) switches.
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ISSUER, demoEvents, PARTNERS_HOST } from '../../scripts/lib/demo-events.ts';
import { TOKEN_COOKIE } from '../../worker/access/credentials.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { seedPage } from './support/seed.ts';
import { makeSigner, signToken, type TestSigner } from './support/viewer-tokens.ts';

const now = new Date();
let signer: TestSigner;
const BASE = `http://${PARTNERS_HOST}`;
const get = (url: string, cookieToken?: string) =>
  exports.default.fetch(
    new Request(url, {
      redirect: 'manual',
      headers: cookieToken ? { Cookie: `${TOKEN_COOKIE}=${cookieToken}` } : {},
    }),
  );
const partner = (audience: string, sub = 'viewer-1') =>
  signToken(signer, { iss: DEMO_ISSUER, aud: 'page_partners', claims: { audience, sub } });

beforeAll(async () => {
  signer = await makeSigner('ES256', 'k-swap');
  const events = demoEvents({ now, jwks: { keys: [signer.publicJwk] } });
  await seedPage(snapshotFromEvents(events, 'page_partners'), now);
});

describe('a token link over another valid session', () => {
  it('asks first with a form, and sets no cookie', async () => {
    const gold = await partner('gold');
    const silver = await partner('silver');
    const res = await get(`${BASE}/history?token=${silver}`, gold);
    expect(res.status).toBe(200);
    expect(res.headers.get('Set-Cookie')).toBeNull();
    expect(res.headers.get('Cache-Control')).toContain('no-store');
    expect(res.headers.get('Content-Security-Policy')).toContain("form-action 'self'");
    // Attribute values are escaped as Mustache escapes them (`/` is `&#x2F;`).
    const html = (await res.text()).replaceAll('&#x2F;', '/');
    expect(html).toContain('<form method="get" action="/history">');
    expect(html).toContain('<a href="/history">Keep my current session</a>');
    // Nothing of either slice is shown on the question page.
    expect(html).not.toContain('Public API');
    expect(html).not.toContain('Email notifications');

    const swap = /name="swap" value="([0-9a-f]+)"/.exec(html)?.[1];
    expect(swap).toBeDefined();
    const switched = await get(`${BASE}/history?token=${silver}&swap=${swap}`, gold);
    expect(switched.status).toBe(303);
    expect(switched.headers.get('Location')).toBe('/history');
    expect(switched.headers.get('Set-Cookie')).toContain(`${TOKEN_COOKIE}=${silver}`);
  });

  it('asks in the language of the version the link opens', async () => {
    const gold = await partner('gold');
    const silver = await partner('silver');
    const html = (await (await get(`${BASE}/ar/history?token=${silver}`, gold)).text()).replaceAll(
      '&#x2F;',
      '/',
    );
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('<h1>أنت مسجّل الدخول بالفعل إلى صفحة الحالة هذه</h1>');
    expect(html).toContain('<a href="/ar/history">الإبقاء على جلستي الحالية</a>');
    expect(html).not.toContain('session');
  });

  it('does not switch on a link that brings its own answer', async () => {
    const gold = await partner('gold');
    const silver = await partner('silver');
    const res = await get(`${BASE}/?token=${silver}&swap=${'0'.repeat(32)}`, gold);
    expect(res.status).toBe(200);
    expect(res.headers.get('Set-Cookie')).toBeNull();
  });

  it('asks for another viewer of the same audience too', async () => {
    const mine = await partner('gold', 'viewer-1');
    const theirs = await partner('gold', 'viewer-2');
    expect((await get(`${BASE}/?token=${theirs}`, mine)).status).toBe(200);
  });

  it('does not ask without a session, over an invalid one, or for the same viewer', async () => {
    const gold = await partner('gold');
    const goldAgain = await partner('gold');
    expect((await get(`${BASE}/?token=${gold}`)).status).toBe(303);
    expect((await get(`${BASE}/?token=${gold}`, 'not-a-token')).status).toBe(303);
    const renewed = await signToken(signer, {
      iss: DEMO_ISSUER,
      aud: 'page_partners',
      expiresIn: 1200,
      claims: { audience: 'gold', sub: 'viewer-1' },
    });
    expect((await get(`${BASE}/?token=${renewed}`, goldAgain)).status).toBe(303);
  });
});
