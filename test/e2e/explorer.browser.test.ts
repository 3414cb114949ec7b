// The event explorer in Debian's Chromium, against one shared system: the real worker (bundled
// by wrangler, served by Miniflare), origin-sync in this process (so the test can look inside),
// the certificate updater against the local Cloudflare stand-in. Signed in with the operator
// token once (then a cookie), each view read as an operator would, without JavaScript, by
// keyboard, and judged by axe in light and dark at 1280 and 375 px. Screenshots of each view
// land in $EXPLORER_SHOTS when it is set (scripts/explorer-screenshots.ts takes them from a
// running `npm start` instead).
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CryptoKey } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateExtension } from '../../origin-sync/certificates/index.ts';
import type { TraceSink } from '../../origin-sync/extensions.ts';
import { createApp } from '../../origin-sync/http/app.ts';
import { signatureHeader } from '../../origin-sync/http/signature.ts';
import { notifiedStep } from '../../origin-sync/store/trace.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import { type System, type SystemWorker, startSystem } from '../../scripts/lib/system.ts';
import { PageRenderStatus, syncReadRequest, syncStatusPath } from '../../worker/sync/contract.ts';
import { signSyncReadToken } from '../../worker/sync/token.ts';
import { FAST } from '../origin-sync/certificates/support.ts';
import { launchChromium } from '../support/browser.ts';
import {
  type CloudflareStandin,
  STAY_PENDING,
  startCloudflareStandin,
} from '../support/cloudflare-standin.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import {
  AS_OPERATOR,
  type RunningOriginSync,
  startOriginSync,
  TEST_OPERATOR_TOKEN,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';
import { waitFor } from '../support/wait.ts';

const require = createRequire(import.meta.url);
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SHOTS = process.env.EXPLORER_SHOTS;

const PAGE_ID = 'pg_explorer';
const HOST = 'status.acme-explorer.com';
const PENDING_HOST = 'pending.acme-explorer.com';

let system: System;
let worker: SystemWorker;
let standin: CloudflareStandin;
let origin: RunningOriginSync;
let privateKey: CryptoKey;
let dir: string;
let browser: Browser;
let axeSource: string;
let incidentId: string;
let notifiedId: string;
let pageEventId: string;
let staleEventId: string;
let refusedEventId: string;
let refusedRequestId: string;
let acceptedRequestId: string;
const poisonIds: string[] = [];
let trace: TraceSink | undefined;

/** The edge's own answer: which render version it serves for the page now. */
async function servedVersion(): Promise<number> {
  const path = syncStatusPath(PAGE_ID);
  const token = await signSyncReadToken(privateKey, PAGE_ID, syncReadRequest('GET', path));
  const res = await fetch(new URL(path, worker.url), {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return PageRenderStatus.parse(await res.json()).publishedVersion;
}

beforeAll(async () => {
  system = await startSystem({ originSync: false });
  worker = system.worker;
  privateKey = system.syncPrivateKey;
  standin = await startCloudflareStandin();
  standin.script(PENDING_HOST, STAY_PENDING);
  dir = await mkdtemp(join(tmpdir(), 'esp-explorer-'));
  const certificates = createCertificateExtension({
    config: {
      enabled: true,
      baseUrl: standin.baseUrl,
      zoneId: standin.zoneId,
      apiToken: standin.token,
      sslMethod: 'txt',
    },
    stateDir: dir,
    // The pending hostname must still be pending when the page view is looked at, however
    // loaded the machine is.
    timing: { ...FAST, followTimeoutMs: 15 * 60_000 },
  });
  origin = await startOriginSync({
    dir: join(dir, 'origin-sync'),
    workerUrl: worker.url.origin,
    syncPrivateKey: privateKey,
    extensions: [
      certificates,
      // Stands where notification delivery (origin-sync/notify/) plugs in: it gets the same
      // trace sink and writes one `notified` step per notification.
      {
        name: 'notify-probe',
        start: (_directory, sink) => {
          trace = sink;
        },
      },
    ],
    push: {
      // Everything goes to the real worker, except a poison event: the edge refuses it for good
      // (as it does a batch it can never take), so it becomes a dead letter.
      fetch: async (input, init) => {
        // The pusher sends the bytes it signed (a Buffer), not a string.
        const raw = init?.body;
        const body =
          typeof raw === 'string'
            ? raw
            : raw instanceof Uint8Array
              ? new TextDecoder().decode(raw)
              : '';
        if (poisonIds.some((id) => body.includes(`"id":"${id}"`))) {
          return new Response(
            JSON.stringify({ title: 'Invalid batch', status: 400, detail: 'poison event' }),
            { status: 400, headers: { 'Content-Type': 'application/problem+json' } },
          );
        }
        return fetch(input, init);
      },
    },
  });
  const core = { url: origin.url, secret: TEST_SECRET };
  const page = pageEvent({
    id: PAGE_ID,
    name: 'Acme <b>status</b>',
    hostnames: [HOST, PENDING_HOST],
    serviceIds: ['api'],
  });
  pageEventId = page.id;
  expect((await postCoreEvents(core, [serviceEvent({ id: 'api' }, 2), page])).status).toBe(202);
  // An older version of the service: skipped as stale on the page.
  const stale = serviceEvent({ id: 'api', status: 'major_outage' }, 1);
  staleEventId = stale.id;
  expect((await postCoreEvents(core, [stale])).status).toBe(202);

  const notified = incidentEvent({ id: 'inc_notified', serviceIds: ['api'], name: 'Told' });
  notifiedId = notified.id;
  expect((await postCoreEvents(core, [notified])).status).toBe(202);
  await waitFor(() => origin.sync.trace(notifiedId)?.steps.some((s) => s.step === 'rendered'), {
    what: 'the first incident rendered',
    timeoutMs: 30_000,
  });
  trace?.(
    notifiedId,
    notifiedStep({
      pageId: PAGE_ID,
      notificationId: 'ntf_1',
      kind: 'incident_created',
      at: new Date().toISOString(),
      sent: 3,
      failed: 1,
      queued: 0,
      error: '550 mailbox unavailable',
    }),
  );

  // The case the explorer exists for: a batch missing a key we need.
  const bad = incidentEvent({ id: 'inc_missing', serviceIds: ['api'] }) as unknown as {
    id: string;
    data: Record<string, unknown>;
  };
  delete bad.data.impact;
  refusedEventId = bad.id;
  const body = JSON.stringify({ events: [bad] });
  const refused = await fetch(`${origin.url}/v1/events`, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Signature': signatureHeader(TEST_SECRET, body),
    },
  });
  expect(refused.status).toBe(400);
  refusedRequestId = refused.headers.get('X-Request-Id') ?? '';

  // Poison events the edge refuses for good: dead letters on the page.
  for (const id of ['inc_poison_a', 'inc_poison_b']) {
    const poison = incidentEvent({ id, serviceIds: ['api'] });
    poisonIds.push(poison.id);
    expect((await postCoreEvents(core, [poison])).status).toBe(202);
  }
  await waitFor(() => origin.sync.deadLetters().length === 2, {
    what: 'the poison events dead-lettered',
  });

  // Last, so that nothing renders after it: the version its timeline ends with is the one
  // the worker serves.
  const incident = incidentEvent({ id: 'inc_db', serviceIds: ['api'], name: 'Database slow' });
  incidentId = incident.id;
  const accepted = await postCoreEvents(core, [incident]);
  expect(accepted.status).toBe(202);
  acceptedRequestId = accepted.headers.get('X-Request-Id') ?? '';
  await waitFor(() => origin.sync.trace(incidentId)?.steps.some((s) => s.step === 'rendered'), {
    what: 'the incident rendered',
    timeoutMs: 30_000,
  });
  await waitFor(
    async () => {
      const res = await fetch(`${origin.url}/v1/pages/${PAGE_ID}/domains`, AS_OPERATOR);
      const d = (await res.json()) as { domains: { hostname: string; state: string }[] };
      return d.domains.find((x) => x.hostname === HOST)?.state === 'active';
    },
    { what: 'the hostname active' },
  );
  axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  browser = await launchChromium();
  if (SHOTS) await mkdir(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await origin?.stop();
  await system?.stop();
  await standin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A browser with JavaScript off, as the explorer must work without it. */
async function newContext(opts: { width?: number; dark?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: opts.width ?? 1280, height: 900 },
    colorScheme: opts.dark ? 'dark' : 'light',
  });
}

async function signIn(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin.url}/explorer`);
  await page.fill('#token', TEST_OPERATOR_TOKEN);
  await page.click('button[type=submit]');
  // Signed in: the same URL, now with the explorer's navigation.
  await page.waitForSelector('text=Sign out');
  return page;
}

/** Every view the explorer has, with the data of this system. */
const views = () => [
  ['find', '/explorer'],
  ['find-results', '/explorer/find?q=nothing-here'],
  ['event', `/explorer/events/${incidentId}`],
  ['event-certificates', `/explorer/events/${pageEventId}`],
  ['event-notified', `/explorer/events/${notifiedId}`],
  ['event-unknown', '/explorer/events/evt_never_sent'],
  ['event-refused', `/explorer/events/${refusedEventId}`],
  ['page', `/explorer/pages/${PAGE_ID}`],
  ['page-filtered', `/explorer/pages/${PAGE_ID}?outcome=stale`],
  ['requests', '/explorer/requests?outcome=refused'],
  ['requests-all', '/explorer/requests'],
  ['request', `/explorer/requests/${refusedRequestId}`],
  ['request-accepted', `/explorer/requests/${acceptedRequestId}`],
  ['system', '/explorer/system'],
];

describe('the explorer without the operator token', () => {
  it('answers every explorer route (read off the app itself) with 401 and the sign-in page, naming nothing', async () => {
    const secrets = [
      PAGE_ID,
      HOST,
      incidentId,
      refusedEventId,
      refusedRequestId,
      acceptedRequestId,
      'Database slow',
      'Acme',
      'api',
    ];
    // Every route the explorer registers, so one added later cannot be forgotten here.
    const app = createApp({
      sync: origin.sync,
      secret: TEST_SECRET,
      operatorToken: TEST_OPERATOR_TOKEN,
    });
    const open = new Set(['/explorer/explorer.css', '/explorer/sign-in', '/explorer/sign-out']);
    const routes = app.routes.filter(
      (r) => r.path.startsWith('/explorer') && r.method !== 'ALL' && !open.has(r.path),
    );
    const fill = (path: string) =>
      path
        .replace(':pageId', PAGE_ID)
        .replace(':eventId', poisonIds[0] ?? '')
        .replace(
          ':id',
          path.startsWith('/explorer/pages')
            ? PAGE_ID
            : path.startsWith('/explorer/requests')
              ? refusedRequestId
              : incidentId,
        );
    const targets = [
      ...routes.map((r) => ({ method: r.method, path: fill(r.path) })),
      ...views().map(([, path]) => ({ method: 'GET', path: path ?? '' })),
      { method: 'GET', path: `/explorer/find?q=${HOST}` },
      { method: 'GET', path: `/explorer/pages/${PAGE_ID}?outcome=bogus` },
    ];
    expect(routes.length).toBeGreaterThanOrEqual(9);
    for (const { method, path } of targets) {
      for (const cookie of [
        undefined,
        'explorer_session=forged',
        `explorer_session=${TEST_OPERATOR_TOKEN}`,
      ]) {
        const res = await fetch(`${origin.url}${path}`, {
          method,
          redirect: 'manual',
          headers: cookie ? { Cookie: cookie } : {},
        });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers.get('Cache-Control')).toBe('no-store');
        const text = await res.text();
        expect(text).toContain('Operator token');
        // The sign-in form carries back only the URL the requester typed (to return there).
        for (const s of secrets.filter((x) => !path.includes(x))) {
          expect(text, `${method} ${path} leaks ${s}`).not.toContain(s);
        }
      }
    }
    // Nothing changed: the dead letters are still there.
    expect(origin.sync.deadLetters()).toHaveLength(2);
    // The stylesheet is open and says nothing about anyone.
    const css = await fetch(`${origin.url}/explorer/explorer.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).not.toContain(PAGE_ID);
  });

  it('refuses a wrong token, and a right one sets an HttpOnly SameSite=Strict cookie; sign out ends it', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${origin.url}/explorer/events/${incidentId}`);
    await page.fill('#token', 'not-the-token-not-the-token');
    const wrong = page.waitForResponse((r) => r.url().endsWith('/explorer/sign-in'));
    await page.click('button[type=submit]');
    expect((await wrong).status()).toBe(401);
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain(
      'not the operator token',
    );
    expect(await context.cookies()).toEqual([]);

    await page.fill('#token', TEST_OPERATOR_TOKEN);
    await page.click('button[type=submit]');
    // Back where the operator was going.
    await page.waitForURL(`${origin.url}/explorer/events/${incidentId}`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({
      name: 'explorer_session',
      httpOnly: true,
      sameSite: 'Strict',
      secure: false,
      path: '/explorer',
    });
    expect(cookie?.value).not.toContain(TEST_OPERATOR_TOKEN);

    await page.click('text=Sign out');
    await page.waitForURL(`${origin.url}/explorer`);
    // The old cookie value is dead at the server too, not only forgotten by the browser.
    const replay = await fetch(`${origin.url}/explorer`, {
      headers: { Cookie: `explorer_session=${cookie?.value}` },
    });
    expect(replay.status).toBe(401);
    await context.close();
  });
});

describe('the explorer signed in (no JavaScript)', () => {
  it('finds an event by id, a page by hostname and a request by id', async () => {
    const context = await newContext();
    const page = await signIn(context);
    // Where to start: the live pages (customer text escaped) and the latest refused requests.
    expect(
      await page.locator('#pages-h + ul a', { hasText: 'Acme <b>status</b>' }).getAttribute('href'),
    ).toBe(`/explorer/pages/${PAGE_ID}`);
    expect(await page.locator('#refused-h + ul').textContent()).toContain(refusedRequestId);
    await page.fill('#q', incidentId);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin.url}/explorer/events/${incidentId}`);
    await page.goto(`${origin.url}/explorer`);
    await page.fill('#q', HOST);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin.url}/explorer/pages/${PAGE_ID}`);
    await page.goto(`${origin.url}/explorer/find?q=${acceptedRequestId}`);
    expect(page.url()).toBe(`${origin.url}/explorer/requests/${acceptedRequestId}`);
    await context.close();
  });

  it('shows a batch refused for a missing field under refused requests, the field path beside the payload, marked', async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.click('text=Refused requests');
    const row = page.locator('tr', { hasText: refusedRequestId });
    await expect(row.textContent()).resolves.toContain('events[0].data.impact');
    await row.locator('a').first().click();
    await page.waitForURL(`${origin.url}/explorer/requests/${refusedRequestId}`);
    const errors = await page.locator('ul.errors').textContent();
    expect(errors).toContain('events[0].data.impact: Missing: ');
    const payload = await page.locator('pre.payload').textContent();
    expect(payload).toContain(refusedEventId);
    expect(payload).toContain('"name": "Incident inc_missing"');
    // The missing key has no value: the event object that lacks it is what is marked.
    const marked = await page.locator('pre.payload mark').first().getAttribute('id');
    expect(marked).toBe('at/events/0/data');
    await expect(page.locator('pre.payload .field-error').first().textContent()).resolves.toContain(
      'impact',
    );
    // The error list links to the marked value, and sits beside the payload at 1280 px.
    expect(await page.locator('ul.errors a').first().getAttribute('href')).toBe(
      '#at/events/0/data',
    );
    // Looked up by its event id, the refused event leads to the request that carried it.
    const byId = await page.goto(`${origin.url}/explorer/events/${refusedEventId}`);
    expect(byId?.status()).toBe(404);
    await page.click(`main a:text("${refusedRequestId}")`);
    await page.waitForURL(`${origin.url}/explorer/requests/${refusedRequestId}`);
    const errorsBox = await page.locator('ul.errors').boundingBox();
    const payloadBox = await page.locator('pre.payload').boundingBox();
    expect(payloadBox?.x ?? 0).toBeGreaterThan((errorsBox?.x ?? 0) + (errorsBox?.width ?? 0) - 1);
    await context.close();
  });

  it("ends an incident's timeline with the render version the real worker serves", async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/events/${incidentId}`);
    // What a visitor gets from the worker: the incident is on the page.
    const visitor = await worker.visit(`http://${HOST}/`);
    expect(visitor.status).toBe(200);
    expect(await visitor.text()).toContain('Database slow');
    const served = await servedVersion();
    expect(served).toBeGreaterThan(0);
    const steps = await page.locator('ol.timeline >> nth=1 >> li .step').allTextContents();
    expect(steps[0]).toBe('fanned out');
    expect(steps).toContain('pushed');
    expect(steps).toContain('applied');
    expect(steps.at(-1)).toBe(`rendered as version ${served}`);
    // Before the page: received, validated, journaled, with the time between steps.
    expect(await page.locator('ol.timeline >> nth=0 >> li .step').allTextContents()).toEqual([
      'received',
      'validated',
      'journaled',
    ]);
    await expect(page.locator('ol.timeline .delta').first().textContent()).resolves.toMatch(
      /^[+−]\d/,
    );
    // The page view says the same version, asked of the edge.
    await page.click(`main h2 a:text("${PAGE_ID}")`);
    await expect(page.locator('.live-version').textContent()).resolves.toBe(
      `render version ${served}`,
    );
    await context.close();
  });

  it("shows a page event's certificate steps one by one, per hostname, in its timeline", async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/events/${pageEventId}`);
    // One timeline per hostname, apart from delivery's, each step with what Cloudflare said.
    const steps = (host: string) =>
      page
        .locator('h3', { hasText: `Certificate for ${host}` })
        .locator('xpath=following-sibling::ol[1]')
        .locator('li[data-step=certificate] .step')
        .allTextContents();
    const active = await steps(HOST);
    expect(active[0]).toBe('certificate · requested');
    expect(active).toContain('certificate · created');
    expect(active.at(-1)).toBe('certificate · active');
    const pending = await steps(PENDING_HOST);
    expect(pending).toContain('certificate · created');
    expect(pending).not.toContain('certificate · active');
    // Delivery's own timeline has none of them, and stays in order.
    const delivery = await page.locator('ol.timeline >> nth=1 >> li .step').allTextContents();
    expect(delivery.filter((s) => s.startsWith('certificate'))).toEqual([]);
    expect(delivery.at(-1)).toMatch(/^rendered as version \d+$/);
    // Progress does not make the event a failure on the page.
    await expect(page.locator('main h2 .badge').first().textContent()).resolves.toBe('applied');
    await context.close();
  });

  it('shows the notifications sent for an event as a step of its timeline', async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/events/${notifiedId}`);
    const item = page.locator('ol.timeline li[data-step=notified]');
    await expect(item.locator('.step').textContent()).resolves.toBe('notifications sent');
    const text = (await item.textContent()) ?? '';
    expect(text).toContain('incident_created ntf_1: 3 sent, 1 failed');
    expect(text).toContain('550 mailbox unavailable');
    // After the render, as it happened.
    const steps = await page
      .locator('ol.timeline >> nth=1 >> li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));
    expect(steps.indexOf('notified')).toBeGreaterThan(steps.indexOf('rendered'));
    await context.close();
  });

  it("shows a page's hostnames with certificate state and records, live render, last push from the pusher, and filters events", async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/pages/${PAGE_ID}`);
    const text = (await page.textContent('main')) ?? '';
    // Customer text is escaped, never markup.
    expect(text).toContain('Acme <b>status</b>');
    const active = page.locator('tr', { hasText: HOST });
    await expect(active.locator('.badge').textContent()).resolves.toBe('active');
    const pending = page.locator('tr', { hasText: PENDING_HOST });
    await expect(pending.locator('.badge').textContent()).resolves.toBe('pending');
    // What the customer has to publish to prove ownership, shown as the updater says it.
    await expect(pending.locator('ul.records').textContent()).resolves.toContain('txt');
    // The last push, as the pusher recorded it: a 200 now, the poison's 400 before it.
    const push = (await page.locator('.card', { hasText: 'Last push' }).textContent()) ?? '';
    expect(push).toContain('ok 200');
    expect(push).toMatch(/earlier error .*worker answered 400/);
    expect(push).toContain('1 event(s), attempt 1');
    await page.selectOption('#f-outcome', 'applied');
    await page.selectOption('#f-type', 'incident.upserted');
    await page.click('text=Filter');
    const rows = await page.locator('main table >> nth=-1 >> tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows.join(' ')).toContain(incidentId);
    await page.selectOption('#f-type', '');
    await page.selectOption('#f-outcome', 'stale');
    await page.click('text=Filter');
    const stale = await page.locator('main table >> nth=-1 >> tbody tr').allTextContents();
    expect(stale).toHaveLength(1);
    expect(stale[0]).toContain(staleEventId);
    expect(stale[0]).toContain('skipped · stale');
    await page.goto(`${origin.url}/explorer/pages/${PAGE_ID}?type=maintenance.upserted`);
    expect(await page.textContent('main')).toContain('No events match.');
    await context.close();
  });

  it('shows the system as inline SVG charts: requests, pushes, outbox depth, oldest unconfirmed render', async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/system`);
    const labels = await page
      .locator('.charts svg[role=img]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(labels).toHaveLength(4);
    expect(labels[0]).toMatch(/^Core requests per minute: [1-9]\d* accepted, [1-9]\d* refused/);
    expect(labels[1]).toMatch(
      /^Pushes to the edge per minute: [1-9]\d* batches pushed, [1-9]\d* failed/,
    );
    expect(labels[2]).toMatch(/^Outbox depth: 0 event\(s\) waiting now/);
    expect(labels[3]).toMatch(/^Oldest unconfirmed render: /);
    expect(await page.locator('rect.refused').count()).toBeGreaterThan(0);
    // No script and no chart library: the charts are in the HTML as it arrived.
    expect(await page.locator('script').count()).toBe(0);
    await context.close();
  });

  it('is usable by keyboard alone: sign in, reach refused requests, open one', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${origin.url}/explorer`);
    await page.keyboard.press('Tab'); // skip link
    await page.keyboard.press('Tab'); // brand
    await page.keyboard.press('Tab'); // token
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { id: string } } }).document
            .activeElement.id,
      ),
    ).toBe('token');
    await page.keyboard.type(TEST_OPERATOR_TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=Sign out');
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached =
        (await page.evaluate(
          () =>
            (globalThis as unknown as { document: { activeElement: { textContent: string } } })
              .document.activeElement.textContent,
        )) === 'Refused requests';
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin.url}/explorer/requests?outcome=refused`);
    await context.close();
  });
});

describe('links between the JSON of docs/contract.md §3 and the explorer', () => {
  it('every JSON answer links to its explorer page, and every explorer page to its JSON', async () => {
    const context = await newContext();
    const page = await signIn(context);
    const json = [
      '/healthz',
      `/v1/events/${incidentId}`,
      `/v1/pages/${PAGE_ID}/events`,
      `/v1/pages/${PAGE_ID}/domains`,
      '/v1/requests',
      '/v1/requests?outcome=refused',
      `/v1/requests/${refusedRequestId}`,
      '/v1/dead-letters',
    ];
    for (const path of json) {
      const res = await fetch(`${origin.url}${path}`, AS_OPERATOR);
      expect(res.status, path).toBe(200);
      const body = (await res.json()) as { explorer?: unknown };
      const link = /^<(\/explorer\/[^>]*)>; rel="alternate"; type="text\/html"$/.exec(
        res.headers.get('Link') ?? '',
      )?.[1];
      expect(link, path).toBeDefined();
      // The same in the body, except where the body has an `explorer` of its own (/healthz's
      // count of the explorer's events, which the link must not replace).
      if (path === '/healthz') expect(body.explorer).toEqual({ events: expect.any(Number) });
      else expect(body.explorer, path).toBe(link);
      const view = await page.goto(`${origin.url}${link}`);
      expect(view?.status(), `${path} → ${link}`).toBe(200);
    }
    // And back: each view names its JSON (head and body), which answers 200 with the token.
    for (const [name, path] of views()) {
      if (['find', 'find-results', 'event-unknown', 'event-refused'].includes(name ?? '')) continue;
      await page.goto(`${origin.url}${path}`);
      const head = await page.locator('link[rel=alternate][type="application/json"]').count();
      expect(head, name).toBe(1);
      const hrefs = await page
        .locator('p.json-link a')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
      expect(hrefs.length, name).toBeGreaterThan(0);
      for (const href of hrefs) {
        const res = await fetch(`${origin.url}${href}`, AS_OPERATOR);
        expect(res.status, `${name}: ${href}`).toBe(200);
        expect(res.headers.get('Content-Type')).toContain('application/json');
      }
    }
    await context.close();
  });
});

describe('axe-core over every explorer view, light and dark, at 1280 and 375 px', () => {
  for (const dark of [false, true]) {
    for (const width of [1280, 375]) {
      it(`finds no WCAG 2.x A/AA violation (${dark ? 'dark' : 'light'}, ${width} px)`, async () => {
        // The explorer's CSP allows no script: axe is injected by the test, not by the page.
        const context = await browser.newContext({
          bypassCSP: true,
          colorScheme: dark ? 'dark' : 'light',
          viewport: { width, height: 900 },
        });
        const page = await context.newPage();
        const problems: string[] = [];
        const check = async (name: string) => {
          problems.push(...(await axe(page)).map((p) => `${name}: ${p}`));
          // Nothing wider than the screen: the page never scrolls sideways.
          const overflow = await page.evaluate(() => {
            const d = (
              globalThis as unknown as {
                document: { documentElement: { scrollWidth: number; clientWidth: number } };
              }
            ).document.documentElement;
            return d.scrollWidth - d.clientWidth;
          });
          if (overflow > 0) problems.push(`${name}: ${overflow} px wider than the screen`);
          if (SHOTS) {
            await page.screenshot({
              path: join(SHOTS, `${name}-${width}-${dark ? 'dark' : 'light'}.png`),
              fullPage: true,
            });
          }
        };
        // Signed out: the sign-in page is a view too.
        await page.goto(`${origin.url}/explorer`);
        await check('sign-in');
        await page.fill('#token', TEST_OPERATOR_TOKEN);
        await page.click('button[type=submit]');
        await page.waitForSelector('text=Sign out');
        for (const [name, path] of views()) {
          await page.goto(`${origin.url}${path}`);
          await check(name ?? '');
        }
        expect(problems).toEqual([]);
        await context.close();
      }, 120_000);
    }
  }
});

async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async (tags) => {
    const g = globalThis as unknown as {
      document: unknown;
      axe: {
        run(
          context: unknown,
          options: unknown,
        ): Promise<{
          violations: {
            id: string;
            help: string;
            nodes: { target: string[]; failureSummary?: string }[];
          }[];
        }>;
      };
    };
    const result = await g.axe.run(g.document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.flatMap((v) =>
      v.nodes.map((n) => `${v.id}: ${v.help} at ${n.target.join(' ')} — ${n.failureSummary ?? ''}`),
    );
  }, WCAG_TAGS);
}

describe('dead letters from the page view and the API', () => {
  it('lists dead letters, filters by dead-lettered, and records who retried or discarded one and when', async () => {
    const [discarded, retried] = poisonIds as [string, string];
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/pages/${PAGE_ID}?outcome=dead_lettered`);
    const events = await page.locator('main table >> nth=-1 >> tbody tr').allTextContents();
    expect(events).toHaveLength(2);
    const before = Date.now();
    await page.click(`button[aria-label="Discard ${discarded}"]`);
    await page.waitForURL(`${origin.url}/explorer/pages/${PAGE_ID}`);
    expect(origin.sync.deadLetters().some((d) => d.eventId === discarded)).toBe(false);
    const actions = page.locator('main ul.actions');
    expect(await actions.textContent()).toMatch(
      new RegExp(`operator session \\S+ — dead letter discard ${discarded} \\(done\\)`),
    );
    const at = Date.parse((await actions.locator('time').first().getAttribute('datetime')) ?? '');
    expect(at).toBeGreaterThanOrEqual(before - 1000);

    // A retry puts it back in the queue; the edge refuses it again, so it comes back.
    await page.click(`button[aria-label="Retry ${retried}"]`);
    await page.waitForURL(`${origin.url}/explorer/pages/${PAGE_ID}`);
    expect(await actions.locator('li').first().textContent()).toMatch(
      new RegExp(`operator session \\S+ — dead letter retry ${retried} \\(done\\)`),
    );
    await waitFor(() => origin.sync.deadLetters().some((d) => d.eventId === retried), {
      what: 'the retried poison dead-lettered again',
    });

    // Through the API: recorded too, as the API's door.
    const api = await fetch(`${origin.url}/v1/dead-letters/${PAGE_ID}/${retried}/discard`, {
      method: 'POST',
      headers: { ...AS_OPERATOR.headers, 'User-Agent': 'ops-script/1' },
    });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { explorer: string }).explorer).toBe(
      `/explorer/pages/${PAGE_ID}`,
    );
    await page.reload();
    expect(await actions.locator('li').first().textContent()).toMatch(
      new RegExp(
        `operator token \\(API\\), ops-script/1 — dead letter discard ${retried} \\(done\\)`,
      ),
    );
    // The system view lists every page's actions.
    await page.goto(`${origin.url}/explorer/system`);
    expect(await page.locator('main ul.actions li').count()).toBe(3);

    // A form posted from another site is refused even with the cookie.
    const [cookie] = await context.cookies();
    const forged = await fetch(
      `${origin.url}/explorer/pages/${PAGE_ID}/dead-letters/${retried}/retry`,
      {
        method: 'POST',
        headers: { Cookie: `explorer_session=${cookie?.value}`, Origin: 'https://evil.example' },
        redirect: 'manual',
      },
    );
    expect(forged.status).toBe(400);
    await context.close();
  });
});
