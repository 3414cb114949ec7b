// The skeleton page in a real browser (Debian's Chromium), against the worker bundle running in
// Miniflare: a location whose KV does not have the page yet answers the skeleton at once
// (render budget 0 here, to make that deterministic), the script completes it from the page's
// JSON, and without JavaScript it reloads itself into the full page once the render landed.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import { type System, type SystemWorker, startSystem } from '../../scripts/lib/system.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { contentKey, parsePointer, pointerKey, slotOf } from '../../worker/store/pointer.ts';
import { launchChromium } from '../support/browser.ts';
import { waitFor } from '../support/wait.ts';

let system: System;
let worker: SystemWorker;
let browser: Browser;

/** The demo page's events, as another page on another hostname (in other languages). */
function demoPageAs(
  pageId: string,
  host: string,
  now: Date,
  languages: { locale?: string; locales?: string[] } = {},
): CoreEvent[] {
  return demoEvents({ now }).flatMap((e): CoreEvent[] => {
    if (e.type !== 'status_page.upserted') return [e];
    if (e.data.id !== 'page_demo') return [];
    const data = { ...e.data, id: pageId, hostnames: [host], ...languages };
    return [{ ...e, id: `${e.id}:${pageId}`, data }];
  });
}

const rendered = (pageId: string) =>
  waitFor(async () => (await worker.coordinatorStatus(pageId)).publishedVersion > 0, {
    what: `${pageId} to be rendered`,
  });

/** KV as a location that has not seen the page's render yet (the coordinator thinks it has). */
async function makeCold(pageId: string, paths = ['/', '/api/v2/summary.json']): Promise<void> {
  const kv = await worker.kv();
  const pointer = parsePointer(await kv.get(pointerKey(pageId)));
  for (const path of paths) {
    const etag = pointer?.docs[slotOf('public', path)];
    if (etag === undefined) throw new Error(`${pageId} has no ${path} in its pointer`);
    await kv.delete(contentKey(pageId, 'public', path, etag));
  }
}

beforeAll(async () => {
  system = await startSystem({
    // Own location off: the worker's one location stands for one that KV has not reached yet.
    worker: { bindings: { RENDER_BUDGET_MS: '0', RENDER_OWN_LOCATION: 'off' } },
    originSync: false,
  });
  worker = system.worker;
  browser = await launchChromium();
  const now = new Date();
  await worker.sync('page_skel_js', demoPageAs('page_skel_js', 'skeleton-js.localhost', now));
  await worker.sync('page_skel_nojs', demoPageAs('page_skel_nojs', 'skeleton-nojs.localhost', now));
  await worker.sync(
    'page_skel_de',
    demoPageAs('page_skel_de', 'skeleton-de.localhost', now, { locale: 'de', locales: ['ar'] }),
  );
  await rendered('page_skel_js');
  await rendered('page_skel_nojs');
  await rendered('page_skel_de');
  await makeCold('page_skel_js');
  await makeCold('page_skel_nojs');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('the skeleton page in Chromium', () => {
  it('completes itself from the page JSON', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    const res = await page.goto(`http://skeleton-js.localhost:${worker.url.port}/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('#sk-root[data-complete="true"]', { timeout: 15_000 });
    expect(await page.title()).toBe('Acme Cloud status');
    expect(await page.textContent('#sk-banner')).toBe('Partial System Outage');
    const services = await page.locator('.svc').allTextContents();
    expect(services).toContain('Public APIPartial outage');
    expect(services).toHaveLength(9);
    expect(await page.textContent('main')).toContain('Elevated API error rates in eu-west');
    expect(problems).toEqual([]);

    // The render the first visit did not wait for has landed: a reload is the full page.
    await expect
      .poll(
        async () => {
          await page.goto(`http://skeleton-js.localhost:${worker.url.port}/`);
          return page.locator('ol.bars').count();
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBe(9);
    await page.close();
  });

  it('says what is happening without JavaScript, then reloads into the full page', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`http://skeleton-nojs.localhost:${worker.url.port}/`);
    expect(await page.textContent('main')).toContain('being brought up to date');
    expect(await page.textContent('main')).toContain('reloads by itself');
    // The <noscript> refresh brings the rendered page once it is in KV.
    await page.waitForSelector('ol.bars', { timeout: 15_000 });
    expect(await page.title()).toBe('Acme Cloud status');
    await context.close();
  });

  it('completes itself in the page’s language, right to left in Arabic', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    const origin = `http://skeleton-de.localhost:${worker.url.port}`;

    await makeCold('page_skel_de', ['/']);
    await page.goto(`${origin}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    await page.waitForSelector('#sk-root[data-complete="true"]', { timeout: 15_000 });
    expect(await page.title()).toBe('Status von Acme Cloud');
    expect(await page.textContent('#sk-banner')).toBe('Teilweiser Systemausfall');
    expect(await page.locator('.svc').allTextContents()).toContain('Public APITeilweiser Ausfall');
    const headings = await page.locator('h2').allTextContents();
    expect(headings).toContain('Aktuelle Störungen');
    expect(headings).toContain('Dienste');
    expect(await page.textContent('#sk-note')).toContain('Angezeigt wird der aktuelle Status.');

    await makeCold('page_skel_de', ['/ar/']);
    await page.goto(`${origin}/ar/`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await page.waitForSelector('#sk-root[data-complete="true"]', { timeout: 15_000 });
    expect(await page.textContent('#sk-banner')).toBe('انقطاع جزئي في النظام');
    const incidentLinks = await page
      .locator('main h3 a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(incidentLinks.length).toBeGreaterThan(0);
    for (const href of incidentLinks) expect(href).toMatch(/^\/ar\/incidents\//);
    expect(problems).toEqual([]);
    await page.close();
  });
});
