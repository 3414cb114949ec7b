// The API, feeds and badge through the worker: content types, ETag/304, CORS and CSP.
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HOST, demoEvents } from '../../scripts/lib/demo-events.ts';
import { API_PATHS } from '../../worker/domain/visitor-paths.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { seedPage } from './support/seed.ts';

const now = new Date();
const PRIVATE = 'api-private.example.com';
const XSS_HOST = 'api-xss.example.com';
const XSS = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;
const get = (url: string, init?: RequestInit) => exports.default.fetch(new Request(url, init));

const TYPES: Record<string, string> = {
  ...Object.fromEntries(API_PATHS.map((p) => [p, 'application/json; charset=utf-8'])),
  '/history.atom': 'application/atom+xml; charset=utf-8',
  '/history.rss': 'application/rss+xml; charset=utf-8',
  '/badge.svg': 'image/svg+xml',
};

beforeAll(async () => {
  const demo = snapshotFromEvents(demoEvents({ now }), 'page_demo');
  await seedPage(demo, now);
  await seedPage(
    {
      ...demo,
      page: { ...demo.page, id: 'page_api_private', hostnames: [PRIVATE], visibility: 'private' },
    },
    now,
  );
  await seedPage(
    {
      ...demo,
      page: { ...demo.page, id: 'page_api_xss', name: `Evil ${XSS}`, hostnames: [XSS_HOST] },
      services: demo.services.map((svc) => ({ ...svc, name: `${svc.name} ${XSS}` })),
      incidents: demo.incidents.map((i) => ({
        ...i,
        name: `${i.name} ${XSS}`,
        updates: i.updates.map((u) => ({ ...u, body: `${u.body} ${XSS}` })),
      })),
    },
    now,
  );
});

describe('machine-readable documents', () => {
  it('serves each with its content type, open to other origins on a public page', async () => {
    for (const [path, type] of Object.entries(TYPES)) {
      const res = await get(`http://${DEMO_HOST}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('Content-Type'), path).toBe(type);
      expect(res.headers.get('Access-Control-Allow-Origin'), path).toBe('*');
      expect(res.headers.get('Content-Security-Policy'), path).toBe("default-src 'none'");
      expect(res.headers.get('Cache-Control'), path).toBe('public, max-age=0, must-revalidate');
      expect(res.headers.get('X-Content-Type-Options'), path).toBe('nosniff');
      expect((await res.text()).length, path).toBeGreaterThan(0);
    }
  });

  it('keeps the HTML pages same-origin', async () => {
    for (const path of ['/', '/history', '/incidents/inc_api_errors']) {
      const res = await get(`http://${DEMO_HOST}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('Access-Control-Allow-Origin'), path).toBeNull();
    }
  });

  it('answers If-None-Match with 304, keeping CORS so a widget can revalidate', async () => {
    for (const path of ['/api/v2/summary.json', '/badge.svg', '/history.atom']) {
      const first = await get(`http://${DEMO_HOST}${path}`);
      const etag = first.headers.get('ETag')!;
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      const again = await get(`http://${DEMO_HOST}${path}`, {
        headers: { 'If-None-Match': etag, Origin: 'https://dashboard.example.net' },
      });
      expect(again.status, path).toBe(304);
      expect(await again.text()).toBe('');
      expect(again.headers.get('ETag')).toBe(etag);
      expect(again.headers.get('Access-Control-Allow-Origin')).toBe('*');
    }
  });

  it('says in JSON what the page says in HTML', async () => {
    const summary = (await (await get(`http://${DEMO_HOST}/api/v2/summary.json`)).json()) as {
      status: { description: string };
      components: { name: string; group: boolean }[];
    };
    const html = await (await get(`http://${DEMO_HOST}/`)).text();
    expect(html).toContain(summary.status.description);
    const names = summary.components.filter((c) => !c.group).map((c) => c.name);
    const positions = names.map((n) => html.indexOf(`<span class="svc-name"><bdi>${n}</bdi>`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('never opens a private page to other origins', async () => {
    for (const path of Object.keys(TYPES)) {
      const res = await get(`http://${PRIVATE}${path}`, {
        headers: { Origin: 'https://evil.example' },
      });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('Access-Control-Allow-Origin'), path).toBeNull();
      const body = await res.text();
      expect(body, path).not.toContain('Acme');
    }
  });

  it('keeps hostile customer text inert in JSON, XML and SVG', async () => {
    for (const path of Object.keys(TYPES)) {
      const res = await get(`http://${XSS_HOST}${path}`);
      expect(res.status, path).toBe(200);
      const body = await res.text();
      expect(body, path).not.toMatch(/<script|<img/i);
      if (path.endsWith('.json')) {
        expect(body, path).not.toMatch(/[<>]/);
        expect((JSON.parse(body) as { page: { name: string } }).page.name).toBe(`Evil ${XSS}`);
      }
    }
  });
});
