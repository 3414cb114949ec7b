// Private and audience pages in a real browser (Debian's Chromium) against the real worker
// server: a token link becomes a cookie on a clean URL, the cookie survives a reload, and the
// credential opens nothing it was not issued for. Also what `curl` sees without credentials.
// The pages get there through the real write path: signed batches to /_sync, rendered by
// each page's coordinator into KV.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_ISSUER,
  demoEvents,
  PARTNERS_HOST,
  PRIVATE_HOST,
} from '../../scripts/lib/demo-events.ts';
import { type System, type SystemWorker, startSystem } from '../../scripts/lib/system.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { launchChromium } from '../support/browser.ts';
import { waitFor } from '../support/wait.ts';

const COOKIE = '__Host-status-token';

let system: System;
let worker: SystemWorker;
let browser: Browser;
let port: number;
let sign: (claims: Record<string, unknown>) => Promise<string>;

/** What origin-sync pushes for one page: its own upsert and every service, incident, window, day. */
function eventsFor(pageId: string, events: CoreEvent[]): CoreEvent[] {
  return events.filter((e) => e.type !== 'status_page.upserted' || e.data.id === pageId);
}

const rendered = (pageId: string) =>
  waitFor(async () => (await worker.coordinatorStatus(pageId)).publishedVersion > 0, {
    what: `${pageId} to be rendered`,
  });

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'e2e' };
  sign = (claims) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'e2e' })
      .setIssuer(DEMO_ISSUER)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
  const events = demoEvents({ now: new Date(), jwks: { keys: [jwk] } });
  [system, browser] = await Promise.all([startSystem({ originSync: false }), launchChromium()]);
  worker = system.worker;
  port = worker.port;
  for (const pageId of ['page_internal', 'page_partners']) {
    await worker.sync(pageId, eventsFor(pageId, events));
  }
  await Promise.all(['page_internal', 'page_partners'].map(rendered));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('a token link in Chromium', () => {
  it('lands on the clean URL with a cookie, survives a reload, and opens nothing else', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const origin = `http://${PARTNERS_HOST}:${port}`;
    const gold = await sign({ aud: 'page_partners', audience: 'gold' });

    const seen: number[] = [];
    page.on('response', (r) => seen.push(r.status()));
    const first = await page.goto(`${origin}/history?token=${gold}`);
    expect(seen).toEqual([303, 200]);
    expect(first?.status()).toBe(200);
    expect(page.url()).toBe(`${origin}/history`);
    expect(await page.title()).toContain('Acme for Partners');

    const cookies = await context.cookies(origin);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({
      name: COOKIE,
      value: gold,
      path: '/',
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
    });
    expect(cookies[0]!.expires).toBeGreaterThan(Date.now() / 1000 + 3000);

    // The cookie alone, on another page of the site and after a reload.
    await page.goto(`${origin}/`);
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    expect(page.url()).toBe(`${origin}/`);
    const body = await page.locator('body').innerText();
    expect(body).toContain('Public API');
    expect(body).toContain('Elevated API error rates');
    expect(body).not.toContain('Email notifications'); // the silver audience's service

    // Asking for the silver slice changes nothing: only the token's claim picks the variant.
    await page.goto(`${origin}/?audience=silver&variant=audience:silver`);
    expect(await page.locator('body').innerText()).not.toContain('Email notifications');

    // Another audience's page: the private page does not take a partner's token, and the
    // host-only cookie is not even sent there.
    const other = `http://${PRIVATE_HOST}:${port}`;
    const refused = await page.goto(`${other}/?token=${gold}`);
    expect(refused?.status()).toBe(401);
    expect(page.url()).toBe(`${other}/?token=${gold}`);
    const refusal = await page.locator('body').innerText();
    expect(refusal).toContain('This status page is private');
    expect(refusal).not.toContain('Acme');
    expect(await context.cookies(other)).toHaveLength(0);
    expect((await page.goto(`${other}/`))?.status()).toBe(401);

    // A token for an audience this page does not have: a valid viewer, but 403.
    const platinum = await sign({ aud: 'page_partners', audience: 'platinum' });
    const forbidden = await context.newPage();
    const res = await forbidden.goto(`${origin}/?token=${platinum}`);
    expect(res?.status()).toBe(403);
    expect(await forbidden.locator('body').innerText()).not.toContain('Acme');
    // …and it did not replace the gold cookie.
    expect((await context.cookies(origin))[0]?.value).toBe(gold);
    await context.close();
  });
});

describe('without credentials (what curl sees)', () => {
  it('answers 401 with a Bearer challenge and none of the page', async () => {
    const res = await worker.visit(`http://${PRIVATE_HOST}/`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="status page"');
    const body = await res.text();
    for (const text of ['Acme', 'Public API', 'Elevated API error rates', 'Managed databases']) {
      expect(body).not.toContain(text);
    }
    const api = await worker.visit(`http://${PRIVATE_HOST}/api/v2/summary.json`);
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toBe('application/problem+json');
  });

  it('serves the private page to the same request with a Bearer token', async () => {
    const token = await sign({ aud: 'page_internal' });
    const res = await worker.visit(`http://${PRIVATE_HOST}/`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await res.text()).toContain('Acme Internal');
  });
});
