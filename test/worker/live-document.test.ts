// The live document an open page polls (/_edge/live, docs/live-updates.md): it names the ETag
// of the content the page would be served now, answers `If-None-Match` with a bodiless 304,
// moves on when a new render lands, passes the page's own access check (a private page's poll
// without credentials is a 401 no cache may keep), and the CSP of every page allows exactly
// the inline script the page carries.
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_HOST,
  DEMO_ISSUER,
  demoEvents,
  PARTNERS_HOST,
  PRIVATE_HOST,
} from '../../scripts/lib/demo-events.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { forgetIsolate, seedPage } from './support/seed.ts';
import { makeSigner, signToken, type TestSigner } from './support/viewer-tokens.ts';

const now = new Date();
let signer: TestSigner;
let demo: PageSnapshot;
const get = (url: string, init: RequestInit = {}) =>
  exports.default.fetch(new Request(url, { redirect: 'manual', ...init }));
const live = (host: string, path: string, init: RequestInit = {}) =>
  get(`http://${host}/_edge/live?path=${encodeURIComponent(path)}`, init);

async function sha256Source(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  );
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

/** Shared caches may keep a response with any of these; a private answer must have none. */
function sharedCacheable(cacheControl: string | null): boolean {
  const cc = (cacheControl ?? '').toLowerCase();
  return !cc.includes('no-store') && !cc.includes('private');
}

beforeAll(async () => {
  signer = await makeSigner('ES256', 'k-live');
  const events = demoEvents({ now, jwks: { keys: [signer.publicJwk] } });
  demo = snapshotFromEvents(events, 'page_demo');
  await seedPage(demo, now);
  await seedPage(snapshotFromEvents(events, 'page_internal'), now);
  await seedPage(snapshotFromEvents(events, 'page_partners'), now);
});

describe('the live document of a public page', () => {
  it('names the ETag the page is served with, and answers If-None-Match with a 304', async () => {
    for (const path of ['/', '/history', '/incidents/inc_api_errors', '/ar/', '/de/history']) {
      const page = await get(`http://${DEMO_HOST}${path}`);
      expect(page.status, path).toBe(200);
      const etag = page.headers.get('ETag')!;

      const res = await live(DEMO_HOST, path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('ETag'), path).toBe(etag);
      expect(await res.json(), path).toEqual({ etag });
      // Cacheable as the page is, for a second in a shared cache; browsers always ask again.
      expect(res.headers.get('Cache-Control'), path).toBe('public, max-age=0, s-maxage=1');
      expect(res.headers.get('Content-Security-Policy'), path).toBe("default-src 'none'");

      const again = await live(DEMO_HOST, path, { headers: { 'If-None-Match': etag } });
      expect(again.status, path).toBe(304);
      expect(await again.text(), path).toBe('');
      expect(again.headers.get('ETag'), path).toBe(etag);
    }
  });

  it('moves to the new ETag once a new render is current', async () => {
    const before = (await live(DEMO_HOST, '/')).headers.get('ETag')!;
    const incidents = demo.incidents.map((i) =>
      i.id === 'inc_api_errors'
        ? {
            ...i,
            updates: [
              ...i.updates,
              {
                id: 'upd_live_1',
                status: 'monitoring' as const,
                body: 'Fix deployed; watching.',
                createdAt: now.toISOString(),
              },
            ],
          }
        : i,
    );
    await seedPage({ ...demo, incidents }, now, 2);
    forgetIsolate('page_demo');
    // The location's copy of the pointer is taken as current for a second.
    await new Promise((r) => setTimeout(r, 1100));

    const res = await live(DEMO_HOST, '/', { headers: { 'If-None-Match': before } });
    expect(res.status).toBe(200);
    const after = res.headers.get('ETag')!;
    expect(after).not.toBe(before);
    const page = await get(`http://${DEMO_HOST}/`);
    expect(page.headers.get('ETag')).toBe(after);
    expect(await page.text()).toContain('Fix deployed; watching.');
    // The incident's own page changed with it, and says so to a page open on it.
    const incident = await get(`http://${DEMO_HOST}/incidents/inc_api_errors`);
    const incidentLive = await live(DEMO_HOST, '/incidents/inc_api_errors');
    expect(incidentLive.headers.get('ETag')).toBe(incident.headers.get('ETag'));
    expect(await incident.text()).toContain('Fix deployed; watching.');
  });

  it('answers only for the page’s HTML documents, and refuses a malformed query', async () => {
    expect((await live(DEMO_HOST, '/incidents/inc_nope')).status).toBe(404);
    expect((await live(DEMO_HOST, '/api/v2/summary.json')).status).toBe(404);
    expect((await live(DEMO_HOST, '/history.atom')).status).toBe(404);
    expect((await live(DEMO_HOST, '/nope')).status).toBe(404);
    expect((await live('nobody.example.com', '/')).status).toBe(404);
    const bad = [
      `http://${DEMO_HOST}/_edge/live`,
      `http://${DEMO_HOST}/_edge/live?path=relative`,
      `http://${DEMO_HOST}/_edge/live?path=/&token=x`,
      `http://${DEMO_HOST}/_edge/live?path=/&path=/history`,
    ];
    for (const url of bad) {
      const res = await get(url);
      expect(res.status, url).toBe(400);
      expect(res.headers.get('Content-Type'), url).toBe('application/problem+json');
    }
  });
});

describe('the live document of a private or audience page', () => {
  it('is a 401 without credentials, which no cache may keep', async () => {
    for (const host of [PRIVATE_HOST, PARTNERS_HOST]) {
      const res = await live(host, '/');
      expect(res.status, host).toBe(401);
      expect(res.headers.get('WWW-Authenticate'), host).toBe('Bearer realm="status page"');
      expect(res.headers.get('ETag'), host).toBeNull();
      expect(sharedCacheable(res.headers.get('Cache-Control')), host).toBe(false);
      expect(res.headers.get('Cross-Origin-Resource-Policy'), host).toBe('same-origin');
      expect(await res.text(), host).not.toContain('Acme');
    }
    const forged = await live(PRIVATE_HOST, '/', { headers: { Authorization: 'Bearer x.y.z' } });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
  });

  it('names the viewer’s own variant, private and never shared-cacheable', async () => {
    const token = await signToken(signer, { iss: DEMO_ISSUER, aud: 'page_internal' });
    const auth = { headers: { Authorization: `Bearer ${token}` } };
    const page = await get(`http://${PRIVATE_HOST}/`, auth);
    const res = await live(PRIVATE_HOST, '/', auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe(page.headers.get('ETag'));
    expect(res.headers.get('Cache-Control')).toBe('private, no-store');
    expect(res.headers.get('Vary')).toBe('Cookie, Authorization');
    const etag = res.headers.get('ETag')!;
    const again = await live(PRIVATE_HOST, '/', {
      headers: { ...auth.headers, 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    expect(sharedCacheable(again.headers.get('Cache-Control'))).toBe(false);

    // An audience viewer is told about their audience's page, not another's.
    const gold = await signToken(signer, {
      iss: DEMO_ISSUER,
      aud: 'page_partners',
      claims: { audience: 'gold' },
    });
    const silver = await signToken(signer, {
      iss: DEMO_ISSUER,
      aud: 'page_partners',
      claims: { audience: 'silver' },
    });
    const goldLive = await live(PARTNERS_HOST, '/', {
      headers: { Authorization: `Bearer ${gold}` },
    });
    const silverLive = await live(PARTNERS_HOST, '/', {
      headers: { Authorization: `Bearer ${silver}` },
    });
    const goldPage = await get(`http://${PARTNERS_HOST}/`, {
      headers: { Authorization: `Bearer ${gold}` },
    });
    expect(goldLive.headers.get('ETag')).toBe(goldPage.headers.get('ETag'));
    expect(silverLive.headers.get('ETag')).not.toBe(goldLive.headers.get('ETag'));
    expect(sharedCacheable(goldLive.headers.get('Cache-Control'))).toBe(false);
  });
});

describe('the script the pages carry', () => {
  it('is allowed by the CSP by its hash, and nothing else is', async () => {
    for (const path of ['/', '/incidents/inc_api_errors', '/history', '/ja/']) {
      const res = await get(`http://${DEMO_HOST}${path}`);
      const html = await res.text();
      const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      expect(scripts, path).toHaveLength(1);
      expect(html.match(/<script\b/g), path).toHaveLength(1);
      const csp = res.headers.get('Content-Security-Policy')!;
      const scriptSrc = /(?:^|; )script-src ([^;]*)/.exec(csp)?.[1];
      expect(scriptSrc, path).toBe(await sha256Source(scripts[0]!));
      expect(csp, path).not.toContain('unsafe-inline');
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("connect-src 'self'");
      // The script learns which content it shows from Server-Timing, the same as the ETag.
      expect(res.headers.get('Server-Timing'), path).toBe(`etag;desc=${res.headers.get('ETag')}`);
    }
  });

  it('is absent, and not allowed, on the pages that tell nothing about a page', async () => {
    const res = await get('http://nobody.example.com/');
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('<script');
    expect(res.headers.get('Content-Security-Policy')).not.toContain('script-src');
    const refused = await get(`http://${PRIVATE_HOST}/`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('Content-Security-Policy')).not.toContain('script-src');
  });
});
