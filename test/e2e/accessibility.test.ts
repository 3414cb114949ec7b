// WCAG 2.x A/AA in a real browser: axe-core in Debian's Chromium over the pages the real
// worker serves (public page in light and dark, an incident, the history, a 401 page; the
// Arabic and Japanese versions of the demo page).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { exportJWK, generateKeyPair } from 'jose';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HOST, demoEvents, PRIVATE_HOST } from '../../scripts/lib/demo-events.ts';
import { type System, type SystemWorker, startSystem } from '../../scripts/lib/system.ts';
import { renderSubscriptionPage } from '../../worker/subscriptions/pages.ts';
import { launchChromium } from '../support/browser.ts';
import { seedKv } from '../support/seed-kv.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';

const require = createRequire(import.meta.url);
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

let system: System;
let worker: SystemWorker;
let browser: Browser;
let context: BrowserContext;
let axeSource: string;

beforeAll(async () => {
  const keys = await generateKeyPair('EdDSA');
  system = await startSystem({ originSync: false });
  worker = system.worker;
  const now = new Date();
  const jwks = { keys: [{ ...(await exportJWK(keys.publicKey)), alg: 'EdDSA' }] };
  const events = demoEvents({ now, jwks });
  const kv = await worker.kv();
  await seedKv(kv, snapshotFromEvents(events, 'page_demo'), now);
  await seedKv(kv, snapshotFromEvents(events, 'page_internal'), now);
  axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  browser = await launchChromium();
  // The pages' CSP allows only their own live script, by its hash; axe is injected by the
  // test, not by the page. (live-updates.browser.test.ts runs axe after a live update.)
  context = await browser.newContext({ bypassCSP: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function violations(
  host: string,
  path: string,
  colorScheme: 'light' | 'dark' = 'light',
  expectedStatus = 200,
  html?: string,
): Promise<AxeViolation[]> {
  const page = await context.newPage();
  try {
    await page.emulateMedia({ colorScheme });
    if (html === undefined) {
      const res = await page.goto(`http://${host}:${worker.port}${path}`);
      expect(res?.status()).toBe(expectedStatus);
    } else {
      await page.setContent(html);
    }
    // Judge the page as visitors get it: with its stylesheet (contrast, target sizes).
    const rules = await page.evaluate(() => {
      const doc = (
        globalThis as unknown as {
          document: { styleSheets: ArrayLike<{ cssRules: ArrayLike<unknown> }> };
        }
      ).document;
      return doc.styleSheets[0]?.cssRules.length ?? 0;
    });
    expect(rules).toBeGreaterThan(50);
    await page.addScriptTag({ content: axeSource });
    return await page.evaluate(async (tags) => {
      // Runs in the page: the browser's globals, typed just enough.
      const page = globalThis as unknown as {
        document: unknown;
        axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
      };
      const result = await page.axe.run(page.document, {
        runOnly: { type: 'tag', values: tags },
      });
      return result.violations.map((v) => ({
        id: v.id,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      }));
    }, WCAG_TAGS);
  } finally {
    await page.close();
  }
}

/** One line per failing element, so a failure says what to fix. */
function explain(found: AxeViolation[]): string[] {
  return found.flatMap((v) =>
    v.nodes.map((n) => `${v.id}: ${v.help} at ${n.target.join(' ')} — ${n.failureSummary ?? ''}`),
  );
}

describe('axe-core finds no WCAG 2.x A/AA violation', () => {
  it('on the public status page, light and dark', async () => {
    expect(explain(await violations(DEMO_HOST, '/'))).toEqual([]);
    expect(explain(await violations(DEMO_HOST, '/', 'dark'))).toEqual([]);
  });

  it('on an incident page', async () => {
    expect(explain(await violations(DEMO_HOST, '/incidents/inc_api_errors'))).toEqual([]);
  });

  it('on the history page, light and dark', async () => {
    expect(explain(await violations(DEMO_HOST, '/history'))).toEqual([]);
    expect(explain(await violations(DEMO_HOST, '/history', 'dark'))).toEqual([]);
  });

  // The demo page is also served in German, Japanese and Arabic (right to left).
  it.each(['/ar/', '/ja/'])('on the status page in %s, light and dark', async (path) => {
    expect(explain(await violations(DEMO_HOST, path))).toEqual([]);
    expect(explain(await violations(DEMO_HOST, path, 'dark'))).toEqual([]);
  });

  it.each(['/ar/incidents/inc_api_errors', '/ja/history'])('on %s', async (path) => {
    expect(explain(await violations(DEMO_HOST, path))).toEqual([]);
  });

  it('on the 401 page of a private status page', async () => {
    expect(explain(await violations(PRIVATE_HOST, '/', 'light', 401))).toEqual([]);
    expect(explain(await violations(PRIVATE_HOST, '/', 'dark', 401))).toEqual([]);
  });

  // Rendered as the worker renders them (worker/subscriptions/pages.ts), without a page behind.
  it('on the subscription form with its errors, and the manage page, light and dark', async () => {
    const look = { name: 'Acme Cloud' };
    const services = [
      { id: 'api', name: 'Public API', checked: true },
      { id: 'db', name: 'Database', checked: false },
    ];
    const form = await renderSubscriptionPage(look, 'en', '/', {
      kind: 'form',
      action: '/subscribe',
      email: 'not-an-address',
      webhook: '',
      services,
      incident: null,
      errors: ['email', 'component'],
    });
    const manage = await renderSubscriptionPage(look, 'ar', '/ar/', {
      kind: 'manage',
      action: '/ar/subscribe/manage/t',
      address: 'a@example.org',
      services,
      stopped: false,
      saved: true,
    });
    for (const html of [form.body, manage.body]) {
      expect(explain(await violations('', '', 'light', 200, html))).toEqual([]);
      expect(explain(await violations('', '', 'dark', 200, html))).toEqual([]);
    }
  });
});
