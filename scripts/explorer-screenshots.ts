// Screenshots of every explorer view at 1280 and 375 px, light and dark, from a running system
// with demo data (`npm start` in another terminal), into .tmp/screenshots/ (git-ignored):
//
//   npm start                              # once, in another terminal
//   node scripts/explorer-screenshots.ts   # then open .tmp/screenshots/*.png
//
// It signs in with the operator token (OPERATOR_TOKEN, else STATE_DIR/operator-token), sends one
// batch missing a field (signed with CORE_SIGNING_SECRET) so that the refused views have
// something to show, and finds the rest (a page, an incident event, requests) through the JSON
// API. Environment: SYNC_PORT [8788], STATE_DIR [.data], PAGE [page_demo], OUT [.tmp/screenshots].
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { operatorTokenFile } from '../origin-sync/http/operator-auth.ts';
import { signatureHeader } from '../origin-sync/http/signature.ts';
import { launchChromium } from './lib/browser.ts';

const env = process.env;
const sync = `http://127.0.0.1:${env.SYNC_PORT ?? '8788'}`;
const stateDir = env.STATE_DIR ?? '.data';
const pageId = env.PAGE ?? 'page_demo';
const out = resolve(env.OUT ?? '.tmp/screenshots');
const secret = env.CORE_SIGNING_SECRET ?? 'dev-core-signing-secret';

const token = env.OPERATOR_TOKEN ?? (await readFile(operatorTokenFile(stateDir), 'utf8')).trim();
const auth = { headers: { Authorization: `Bearer ${token}` } };

async function json<T>(path: string): Promise<T> {
  const res = await fetch(`${sync}${path}`, auth);
  if (!res.ok) throw new Error(`${path}: ${res.status} (is npm start running?)`);
  return (await res.json()) as T;
}

// A refused batch: an incident without its impact (the case the explorer exists for).
const body = JSON.stringify({
  events: [
    {
      id: `evt_shot_${Date.now()}`,
      type: 'incident.upserted',
      occurredAt: new Date().toISOString(),
      version: 1,
      data: {
        id: 'inc_shot',
        name: 'Screenshot: impact missing',
        status: 'investigating',
        serviceIds: ['svc_api'],
        createdAt: new Date().toISOString(),
        updates: [],
      },
    },
  ],
});
const refusedAnswer = await fetch(`${sync}/v1/events`, {
  method: 'POST',
  body,
  headers: { 'Content-Type': 'application/json', 'X-Signature': signatureHeader(secret, body) },
});
console.log(`sent a batch missing data.impact: ${refusedAnswer.status}`);

type Req = { id: string; eventIds?: string[] };
type Trace = { id: string; type: string };
const refused = (await json<{ requests: Req[] }>('/v1/requests?outcome=refused&limit=1'))
  .requests[0];
const accepted = (await json<{ requests: Req[] }>('/v1/requests?outcome=accepted&limit=1'))
  .requests[0];
const events = (await json<{ events: Trace[] }>(`/v1/pages/${pageId}/events?limit=500`)).events;
const incident = events.find((e) => e.type === 'incident.upserted');
const pageEvent = events.find((e) => e.type === 'status_page.upserted');

// One row per view, written out (the rows look alike, the views do not): name, path.
const views: [string, string][] = [
  ['find', '/explorer'],
  ['find-results', '/explorer/find?q=nothing-here'],
  ...(incident ? ([['event', `/explorer/events/${incident.id}`]] as [string, string][]) : []),
  ...(pageEvent
    ? ([['event-page', `/explorer/events/${pageEvent.id}`]] as [string, string][])
    : []),
  ['event-unknown', '/explorer/events/evt_never_sent'],
  ['page', `/explorer/pages/${pageId}`],
  ['page-filtered', `/explorer/pages/${pageId}?outcome=failed`],
  ['requests', '/explorer/requests?outcome=refused'],
  ['requests-all', '/explorer/requests'],
  ...(refused ? ([['request', `/explorer/requests/${refused.id}`]] as [string, string][]) : []),
  ...(accepted
    ? ([['request-accepted', `/explorer/requests/${accepted.id}`]] as [string, string][])
    : []),
  ['system', '/explorer/system'],
];

await mkdir(out, { recursive: true });
const browser = await launchChromium();
const written: string[] = [];
try {
  for (const dark of [false, true]) {
    for (const width of [1280, 375]) {
      const context = await browser.newContext({
        javaScriptEnabled: false,
        colorScheme: dark ? 'dark' : 'light',
        viewport: { width, height: 900 },
      });
      const page = await context.newPage();
      const shot = async (name: string) => {
        const path = join(out, `${name}-${width}-${dark ? 'dark' : 'light'}.png`);
        // The first 1800 px: enough to judge a view, small enough to look at.
        const height = await page.evaluate(
          () =>
            (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } })
              .document.documentElement.scrollHeight,
        );
        await page.screenshot({
          path,
          fullPage: true,
          clip: { x: 0, y: 0, width, height: Math.min(height, 1800) },
        });
        written.push(path);
      };
      await page.goto(`${sync}/explorer`);
      await shot('sign-in');
      await page.fill('#token', token);
      await page.click('button[type=submit]');
      await page.waitForSelector('text=Sign out');
      for (const [name, path] of views) {
        await page.goto(`${sync}${path}`);
        await shot(name);
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
}
console.log(`${written.length} screenshots in ${out}`);
