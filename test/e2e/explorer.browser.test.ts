// The event explorer in Debian's Chromium: signed in with the operator token once (then a
// cookie), each view read as an operator would, without JavaScript, by keyboard, and judged by
// axe in light and dark. Screenshots of each view land in $EXPLORER_SHOTS when it is set.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../origin-sync/http/signature.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import { launchChromium } from '../support/browser.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import { type FakeEdge, startFakeEdge } from '../support/fake-edge.ts';
import {
  type RunningOriginSync,
  startOriginSync,
  syncKeyPair,
  TEST_OPERATOR_TOKEN,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';
import { waitFor } from '../support/wait.ts';

const require = createRequire(import.meta.url);
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SHOTS = process.env.EXPLORER_SHOTS;

let edge: FakeEdge;
let origin: RunningOriginSync;
let dir: string;
let browser: Browser;
let axeSource: string;
let incidentId: string;
let refusedEventId: string;
let refusedRequestId: string;
let acceptedRequestId: string;
let poisonId: string;

const PAGE_ID = 'pg_explorer';
const HOST = 'status.acme-explorer.com';

beforeAll(async () => {
  const keys = await syncKeyPair();
  edge = await startFakeEdge(keys.publicKey);
  dir = await mkdtemp(join(tmpdir(), 'esp-explorer-'));
  origin = await startOriginSync({ dir, workerUrl: edge.url, syncPrivateKey: keys.privateKey });
  const core = { url: origin.url, secret: TEST_SECRET };
  const setup = await postCoreEvents(core, [
    serviceEvent({ id: 'api' }),
    pageEvent({ id: PAGE_ID, name: 'Acme <b>status</b>', hostnames: [HOST], serviceIds: ['api'] }),
  ]);
  expect(setup.status).toBe(202);
  const incident = incidentEvent({ id: 'inc_db', serviceIds: ['api'], name: 'Database slow' });
  incidentId = incident.id;
  const accepted = await postCoreEvents(core, [incident]);
  expect(accepted.status).toBe(202);
  acceptedRequestId = accepted.headers.get('X-Request-Id') ?? '';

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

  await waitFor(() => origin.sync.trace(incidentId)?.steps.some((s) => s.step === 'rendered'), {
    what: 'the incident rendered',
  });
  // A poison event the edge refuses for good: a dead letter on the page.
  const poison = incidentEvent({ id: 'inc_poison', serviceIds: ['api'] });
  poisonId = poison.id;
  edge.refuseIds.add(poison.id);
  expect((await postCoreEvents(core, [poison])).status).toBe(202);
  await waitFor(() => origin.sync.deadLetters().some((d) => d.eventId === poisonId), {
    what: 'the poison event dead-lettered',
  });
  axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  browser = await launchChromium();
  if (SHOTS) await mkdir(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await origin?.stop();
  await edge?.close();
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

const views = () => [
  ['find', '/explorer'],
  ['find-results', '/explorer/find?q=nothing-here'],
  ['event', `/explorer/events/${incidentId}`],
  ['page', `/explorer/pages/${PAGE_ID}`],
  ['requests', '/explorer/requests?outcome=refused'],
  ['request', `/explorer/requests/${refusedRequestId}`],
  ['system', '/explorer/system'],
];

describe('the explorer without the operator token', () => {
  it('answers every explorer URL with 401 and the sign-in page, naming nothing', async () => {
    const secrets = [
      PAGE_ID,
      HOST,
      incidentId,
      refusedEventId,
      refusedRequestId,
      'Database slow',
      'Acme',
    ];
    for (const [, path] of [
      ...views(),
      ['x', '/explorer/requests'],
      ['y', `/explorer/pages/${PAGE_ID}?outcome=applied`],
    ]) {
      for (const cookie of [
        undefined,
        'explorer_session=forged',
        `explorer_session=${TEST_OPERATOR_TOKEN}`,
      ]) {
        const res = await fetch(`${origin.url}${path}`, {
          headers: cookie ? { Cookie: cookie } : {},
        });
        expect(res.status, path).toBe(401);
        const text = await res.text();
        expect(text).toContain('Operator token');
        // The sign-in form carries back only the URL the requester typed (to return there).
        for (const s of secrets.filter((x) => !path?.includes(x))) {
          expect(text, `${path} leaks ${s}`).not.toContain(s);
        }
      }
    }
    const action = await fetch(
      `${origin.url}/explorer/pages/${PAGE_ID}/dead-letters/${incidentId}/discard`,
      {
        method: 'POST',
      },
    );
    expect(action.status).toBe(401);
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
    expect(errors).toContain('events[0].data.impact');
    const payload = await page.locator('pre.payload').textContent();
    expect(payload).toContain(refusedEventId);
    expect(payload).toContain('"name": "Incident inc_missing"');
    // The missing key has no value: the event object that lacks it is what is marked.
    const marked = await page.locator('pre.payload mark').first().getAttribute('id');
    expect(marked).toBe('at/events/0/data');
    await expect(page.locator('pre.payload .field-error').first().textContent()).resolves.toContain(
      'impact',
    );
    // The error list links to the marked value.
    expect(await page.locator('ul.errors a').first().getAttribute('href')).toBe(
      '#at/events/0/data',
    );
    await context.close();
  });

  it("ends an incident's timeline with the render version the worker serves", async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/events/${incidentId}`);
    const served = edge.status(PAGE_ID)?.publishedVersion;
    expect(served).toBeGreaterThan(0);
    const steps = await page.locator(`ol.timeline >> nth=1 >> li .step`).allTextContents();
    expect(steps[0]).toBe('fanned out');
    expect(steps).toContain('pushed');
    expect(steps).toContain('applied');
    expect(steps.at(-1)).toBe(`rendered as version ${served}`);
    // Time between steps is shown.
    await expect(page.locator('ol.timeline .delta').first().textContent()).resolves.toMatch(
      /^\+\d/,
    );
    // Links both ways: to the page, and to its JSON.
    expect(await page.locator('a', { hasText: 'This page as JSON' }).getAttribute('href')).toBe(
      `/v1/events/${incidentId}`,
    );
    const json = await fetch(`${origin.url}/v1/events/${incidentId}`, {
      headers: { Authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
    });
    expect(((await json.json()) as { explorer: string }).explorer).toBe(
      `/explorer/events/${incidentId}`,
    );
    await context.close();
  });

  it("shows a page's hostnames, live render and events, filtered by outcome and type", async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/pages/${PAGE_ID}`);
    const text = (await page.textContent('main')) ?? '';
    expect(text).toContain(HOST);
    expect(text).toContain(`render version ${edge.status(PAGE_ID)?.publishedVersion}`);
    // Customer text is escaped, never markup.
    expect(text).toContain('Acme <b>status</b>');
    await page.selectOption('#f-outcome', 'applied');
    await page.selectOption('#f-type', 'incident.upserted');
    await page.click('text=Filter');
    const rows = await page.locator('main table >> nth=-1 >> tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(incidentId);
    await page.selectOption('#f-outcome', 'stale');
    await page.click('text=Filter');
    expect(await page.textContent('main')).toContain('No events match.');
    await context.close();
  });

  it('shows the system: requests per minute, outbox, push health, unconfirmed renders as inline SVG', async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/system`);
    expect(await page.locator('svg[role=img]').count()).toBeGreaterThanOrEqual(3);
    const label = await page.locator('svg[role=img]').first().getAttribute('aria-label');
    expect(label).toMatch(/\d+ accepted, [1-9]\d* refused/);
    expect(await page.locator('rect.refused').count()).toBeGreaterThan(0);
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

describe('axe-core over every explorer view, light and dark; screenshots at 1280 and 375 px', () => {
  for (const dark of [false, true]) {
    it(`finds no WCAG 2.x A/AA violation (${dark ? 'dark' : 'light'})`, async () => {
      // The explorer's CSP allows no script: axe is injected by the test, not by the page.
      const context = await browser.newContext({
        bypassCSP: true,
        colorScheme: dark ? 'dark' : 'light',
        viewport: { width: 1280, height: 900 },
      });
      const page = await context.newPage();
      // Signed out: the sign-in page is a view too.
      await page.goto(`${origin.url}/explorer`);
      const problems = await axe(page);
      await page.fill('#token', TEST_OPERATOR_TOKEN);
      await page.click('button[type=submit]');
      await page.waitForSelector('text=Sign out');
      for (const [name, path] of views()) {
        await page.goto(`${origin.url}${path}`);
        problems.push(...(await axe(page)).map((p) => `${name}: ${p}`));
        if (SHOTS) {
          for (const width of [1280, 375]) {
            await page.setViewportSize({ width, height: 900 });
            await page.screenshot({
              path: join(SHOTS, `${name}-${width}-${dark ? 'dark' : 'light'}.png`),
              fullPage: true,
            });
          }
          await page.setViewportSize({ width: 1280, height: 900 });
        }
      }
      expect(problems).toEqual([]);
      await context.close();
    }, 60_000);
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

describe('dead letters from the page view', () => {
  it('lists a dead letter, filters by dead-lettered, and records who discarded it and when', async () => {
    const context = await newContext();
    const page = await signIn(context);
    await page.goto(`${origin.url}/explorer/pages/${PAGE_ID}?outcome=dead_lettered`);
    const events = await page.locator('main table >> nth=-1 >> tbody tr').allTextContents();
    expect(events).toHaveLength(1);
    expect(events[0]).toContain(poisonId);
    const before = Date.now();
    await page.click(`button[aria-label="Discard ${poisonId}"]`);
    await page.waitForURL(`${origin.url}/explorer/pages/${PAGE_ID}`);
    expect(origin.sync.deadLetters().some((d) => d.eventId === poisonId)).toBe(false);
    const actions = (await page.locator('main ul').last().textContent()) ?? '';
    expect(actions).toMatch(
      new RegExp(`operator session \\S+ — dead letter discard ${poisonId} \\(done\\)`),
    );
    const at = Date.parse(
      (await page.locator('main ul').last().locator('time').first().getAttribute('datetime')) ?? '',
    );
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    // A form posted from another site is refused even with the cookie.
    const [cookie] = await context.cookies();
    const forged = await fetch(
      `${origin.url}/explorer/pages/${PAGE_ID}/dead-letters/${poisonId}/retry`,
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
