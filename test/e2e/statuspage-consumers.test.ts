// Must show: off-the-shelf consumers of Statuspage's public API v2 read our real worker
// (bundled by wrangler, served by Miniflare over HTTP) as if it were Statuspage:
// - statuspage.io, the only Statuspage API client in the npm registry, given the page URL,
//   reads summary, status, components, incidents and maintenance (where the client itself asks
//   for the wrong path, the test says so);
// - Atlassian's own embeddable widget (@statuspage/status-widget), on another site's page in
//   Chromium, reads summary.json cross-origin and shows the page's status.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Statuspage } from 'statuspage.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HOST, demoEvents } from '../../scripts/lib/demo-events.ts';
import { type System, type SystemWorker, startSystem } from '../../scripts/lib/system.ts';
import type { Maintenance } from '../../worker/domain/schema.ts';
import { launchChromium } from '../support/browser.ts';
import { seedKv } from '../support/seed-kv.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { ENVELOPES } from '../support/statuspage-model.ts';

const now = new Date();
const MINUTE = 60_000;
const isoAt = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();

/** A window open right now, next to the demo's upcoming one: something for active.json. */
const cdnWindow: Maintenance = {
  id: 'mnt_cdn_purge',
  name: 'CDN cache purge',
  status: 'in_progress',
  serviceIds: ['svc_cdn'],
  scheduledFor: isoAt(now.getTime() - 30 * MINUTE),
  scheduledUntil: isoAt(now.getTime() + 90 * MINUTE),
  updates: [
    {
      id: 'mnt_cdn_purge_u1',
      status: 'in_progress',
      body: 'Purging edge caches region by region.',
      createdAt: isoAt(now.getTime() - 30 * MINUTE),
    },
  ],
};

/**
 * `*.localhost` resolves to loopback in browsers and curl but not in Node's resolver; the
 * client makes plain node:http requests through the global agent, so its lookup does it.
 */
function loopbackFor(host: string) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (
      err: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    if (hostname !== host) return dnsLookup(hostname, options, callback as never);
    if (options.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
    return callback(null, '127.0.0.1', 4);
  };
}

let system: System;
let runtime: SystemWorker;
let client: Statuspage;
const originalAgent = http.globalAgent;

beforeAll(async () => {
  system = await startSystem({ originSync: false });
  runtime = system.worker;
  const snapshot = snapshotFromEvents(demoEvents({ now }), 'page_demo');
  snapshot.maintenances.push(cdnWindow);
  await seedKv(await runtime.kv(), snapshot, now);
  http.globalAgent = new http.Agent({ lookup: loopbackFor(DEMO_HOST) });
  client = new Statuspage('page_demo');
  client.setApiUrl(`http://${DEMO_HOST}:${runtime.port}`);
}, 60_000);

afterAll(async () => {
  http.globalAgent = originalAgent;
  await system?.stop();
});

describe('the statuspage.io client reading a local page', () => {
  it('reads the summary: page, overall status, components, incidents, maintenance', async () => {
    const summary = await client.api.getSummary();
    ENVELOPES['/api/v2/summary.json'].parse(summary);
    expect(summary.page).toMatchObject({ id: 'page_demo', name: 'Acme Cloud' });
    expect(summary.page.url).toBe(`https://${DEMO_HOST}`);
    expect(summary.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    expect(summary.components.find((c) => c.name === 'Public API')?.status).toBe('partial_outage');
    expect(summary.incidents.map((i) => i.name)).toEqual(['Elevated API error rates in eu-west']);
    expect(summary.scheduled_maintenances.map((m) => m.id)).toEqual([
      'mnt_cdn_purge',
      'mnt_db_upgrade',
    ]);
  });

  it('reads the status and the components', async () => {
    const status = await client.api.getStatus();
    expect(status.status.indicator).toBe('major');
    const { components } = await client.api.getComponents();
    ENVELOPES['/api/v2/components.json'].parse({ page: status.page, components });
    expect(components.filter((c) => !c.group).map((c) => c.name)).toEqual([
      'Public API',
      'Dashboard',
      'Authentication',
      'Managed databases',
      'Object storage',
      'Search',
      'CDN',
      'Webhooks',
      'Email notifications',
    ]);
    const delivery = components.find((c) => c.name === 'Delivery');
    expect(delivery).toMatchObject({ group: true, status: 'degraded_performance' });
    expect(components.find((c) => c.name === 'Webhooks')?.group_id).toBe(delivery?.id);
  });

  it('reads all incidents and the unresolved ones', async () => {
    const all = await client.api.incidents.getAll();
    ENVELOPES['/api/v2/incidents.json'].parse(all);
    expect(all.incidents.map((i) => i.id)).toEqual([
      'inc_api_errors',
      'inc_login',
      'inc_search',
      'inc_storage',
      'inc_email',
    ]);
    expect(all.incidents[1]).toMatchObject({ status: 'resolved', impact: 'minor' });
    const open = await client.api.incidents.getUnresolved();
    expect(open.incidents.map((i) => i.id)).toEqual(['inc_api_errors']);
    expect(open.incidents[0]?.incident_updates.map((u) => u.status)).toEqual([
      'monitoring',
      'identified',
      'investigating',
    ]);
  });

  it('reads upcoming maintenance, and the summary carries the open window too', async () => {
    const upcoming = await client.api.scheduledMaintenances.getUpcoming();
    ENVELOPES['/api/v2/scheduled-maintenances/upcoming.json'].parse(upcoming);
    expect(upcoming.scheduled_maintenances.map((m) => [m.id, m.status, m.impact])).toEqual([
      ['mnt_db_upgrade', 'scheduled', 'maintenance'],
    ]);
    const { scheduled_maintenances } = await client.api.getSummary();
    expect(scheduled_maintenances.map((m) => [m.id, m.status])).toEqual([
      ['mnt_cdn_purge', 'in_progress'],
      ['mnt_db_upgrade', 'scheduled'],
    ]);
  });

  it('all and active maintenance: the client asks for the wrong path, the page has the right ones', async () => {
    // Every statuspage.io release with code (3.0.3 to 3.3.8; 3.4.6 ships none) sends getAll()
    // and getActive() to `scheduled-maintenances/upcoming.json`, so both return the upcoming
    // list. The right paths, read over the same HTTP server, hold the right lists.
    for (const viaClient of [
      await client.api.scheduledMaintenances.getAll(),
      await client.api.scheduledMaintenances.getActive(),
    ]) {
      expect(viaClient.scheduled_maintenances.map((m) => m.id)).toEqual(['mnt_db_upgrade']);
    }
    const read = async (
      path: '/api/v2/scheduled-maintenances.json' | '/api/v2/scheduled-maintenances/active.json',
    ) => {
      const res = await runtime.visit(`http://${DEMO_HOST}${path}`);
      const doc = ENVELOPES[path].parse(await res.json());
      return doc.scheduled_maintenances.map((m) => [m.id, m.status]);
    };
    expect(await read('/api/v2/scheduled-maintenances.json')).toEqual([
      ['mnt_db_upgrade', 'scheduled'],
      ['mnt_cdn_purge', 'in_progress'],
    ]);
    expect(await read('/api/v2/scheduled-maintenances/active.json')).toEqual([
      ['mnt_cdn_purge', 'in_progress'],
    ]);
  });
});

describe('Atlassian’s status widget embedded on another site', () => {
  it('fetches summary.json across origins and shows the indicator and its words', async () => {
    const widget = await readFile(
      new URL('../../node_modules/@statuspage/status-widget/dist/index.js', import.meta.url),
      'utf8',
    );
    const pageSrc = `http://${DEMO_HOST}:${runtime.port}`;
    // The embedding site: another origin (another host and port) serving the widget.
    const site = http.createServer((req, res) => {
      if (req.url === '/widget.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(widget);
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><title>Embed</title><statuspage-widget src="${pageSrc}"></statuspage-widget><script src="/widget.js"></script>`,
        );
    });
    await new Promise<void>((done) => site.listen(0, '127.0.0.1', done));
    const sitePort = (site.address() as AddressInfo).port;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('requestfailed', (r) => problems.push(`${r.url()}: ${r.failure()?.errorText}`));
      let corsHeader: string | null | undefined;
      page.on('response', async (r) => {
        if (r.url() === `${pageSrc}/api/v2/summary.json`) {
          corsHeader = await r.headerValue('access-control-allow-origin');
        }
      });
      await page.goto(`http://embed.localhost:${sitePort}/`);
      // The widget renders into its shadow root; Playwright's locators pierce it. A blocked
      // cross-origin read shows up in `problems` at once rather than as a timeout.
      const text = page.locator('statuspage-widget .status-text');
      await expect
        .poll(async () => (problems.length ? problems : await text.textContent()), {
          timeout: 15_000,
        })
        .toBe('Partial System Outage');
      // Read in an async response listener, which may finish after the widget showed the text.
      await expect.poll(() => corsHeader).toBe('*');
      expect(
        await page.locator('statuspage-widget .status-indicator').getAttribute('class'),
      ).toContain('major');
      expect(await page.locator('statuspage-widget a').getAttribute('href')).toBe(pageSrc);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      site.close();
    }
  }, 60_000);
});
