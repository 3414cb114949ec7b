import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HOST, demoEvents } from '../../scripts/lib/demo-events.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { seedPage } from './support/seed.ts';

const now = new Date();
const get = (url: string, init?: RequestInit) => exports.default.fetch(new Request(url, init));

beforeAll(async () => {
  await seedPage(snapshotFromEvents(demoEvents({ now }), 'page_demo'), now);
});

describe('routing by hostname', () => {
  it('serves the demo page with its content', async () => {
    const res = await get(`http://${DEMO_HOST}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<title>Acme Cloud status</title>');
    expect(html).toContain('Partial System Outage');
    expect(html).toContain('Elevated API error rates in eu-west');
    expect(html).toContain('Managed database engine upgrade');
    expect(html).toContain('Core platform');
    expect((html.match(/<ol class="bars"/g) ?? []).length).toBe(9);
    expect((html.match(/<li class="m">/g) ?? []).length).toBeGreaterThan(0);
    expect((html.match(/<li class="p">/g) ?? []).length).toBeGreaterThan(0);
    // Narrow screens show the last 30 bars, with the percentage of those 30 days.
    expect(html).toMatch(
      /<span class="d90"><bdi>\d+\.\d\d%<\/bdi> uptime<\/span><span class="d30"><bdi>\d+\.\d\d%<\/bdi> uptime<\/span>/,
    );
  });

  it('ignores hostname case, port and a trailing dot', async () => {
    for (const host of ['DEMO.Localhost', 'demo.localhost:8787', 'demo.localhost.']) {
      const res = await get(`http://${host}/`);
      expect(res.status, host).toBe(200);
      expect(await res.text()).toContain('Acme Cloud');
    }
  });

  it('answers an unknown hostname with the 404 page, naming no page', async () => {
    const res = await get('http://nobody.example.com/');
    expect(res.status).toBe(404);
    expect(res.headers.get('Content-Type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('There is no status page here');
    expect(html).not.toContain('Acme');
  });

  it('serves incident and history pages, and 404s what does not exist', async () => {
    const incident = await get(`http://${DEMO_HOST}/incidents/inc_api_errors`);
    expect(incident.status).toBe(200);
    const html = await incident.text();
    expect(html).toContain('<h1><bdi>Elevated API error rates in eu-west</bdi></h1>');
    expect(html.indexOf('rollback is complete')).toBeLessThan(
      html.indexOf('investigating elevated'),
    );
    const history = await get(`http://${DEMO_HOST}/history`);
    expect(await history.text()).toContain('Object storage unavailable');
    expect((await get(`http://${DEMO_HOST}/incidents/nope`)).status).toBe(404);
    expect((await get(`http://${DEMO_HOST}/wp-admin`)).status).toBe(404);
    const api = await get(`http://${DEMO_HOST}/api/v2/nope.json`);
    expect(api.status).toBe(404);
    expect(api.headers.get('Content-Type')).toBe('application/problem+json');
  });
});

describe('HTTP caching', () => {
  it('sends a strong ETag and answers If-None-Match with 304', async () => {
    const first = await get(`http://${DEMO_HOST}/`);
    const etag = first.headers.get('ETag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.get('Cache-Control')).toBe('public, max-age=0, must-revalidate');
    const again = await get(`http://${DEMO_HOST}/`, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('ETag')).toBe(etag);
    const other = await get(`http://${DEMO_HOST}/`, { headers: { 'If-None-Match': '"deadbeef"' } });
    expect(other.status).toBe(200);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await get(`http://${DEMO_HOST}/`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toMatch(/^"/);
    expect(await res.text()).toBe('');
  });

  it('refuses other methods', async () => {
    const res = await get(`http://${DEMO_HOST}/`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, HEAD');
  });
});

describe('security headers', () => {
  it('sends a CSP allowing only the hashed inline style and the hashed live script', async () => {
    const res = await get(`http://${DEMO_HOST}/`);
    const csp = res.headers.get('Content-Security-Policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // Exactly one script source, a hash (live-document.test.ts checks it is the page's script).
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(await res.text())![1]!;
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(style)),
    );
    expect(csp).toContain(`'sha256-${btoa(String.fromCharCode(...digest))}'`);
  });

  it('sends nosniff, a referrer policy and HSTS on every answer', async () => {
    for (const url of [
      `http://${DEMO_HOST}/`,
      'http://unknown.example/',
      `http://${DEMO_HOST}/healthz`,
    ]) {
      const res = await get(url);
      expect(res.headers.get('X-Content-Type-Options'), url).toBe('nosniff');
      expect(res.headers.get('Referrer-Policy'), url).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('Strict-Transport-Security'), url).toContain('max-age=31536000');
    }
  });
});
