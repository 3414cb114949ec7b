// The operator route and the extension's wiring, without Cloudflare (updater off).
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CertificateStore,
  CertificateUpdater,
  createCertificateExtension,
  domainsRoute,
  type PageDomains,
  toExplorerStep,
} from '../../../origin-sync/certificates/index.ts';
import { keepLogs, type LogEntry, storageIn, tempDir, waitFor } from './support.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

function offUpdater(logs: LogEntry[] = []): CertificateUpdater {
  return new CertificateUpdater({
    config: { enabled: false, reason: 'CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN not set' },
    store: new CertificateStore(storageIn(dir)),
    log: keepLogs(logs),
  });
}

describe('GET /v1/pages/:id/domains', () => {
  it("lists a page's hostnames with their status", async () => {
    const updater = offUpdater();
    await updater.start();
    await updater.pageHostnamesChanged('page_1', ['b.acme.com', 'A.acme.com']);
    const app = domainsRoute(updater);
    const res = await app.request('/v1/pages/page_1/domains');
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const body = (await res.json()) as { domains: Array<{ hostname: string }> };
    expect(body).toMatchObject({ pageId: 'page_1', certificates: 'disabled' });
    expect(body.domains.map((d) => d.hostname)).toEqual(['a.acme.com', 'b.acme.com']);
    expect(body.domains[0]).toEqual({
      hostname: 'a.acme.com',
      state: 'disabled',
      hostnameStatus: 'disabled',
      certificateStatus: 'disabled',
      customHostnameId: null,
      validationRecords: [],
      verificationErrors: [],
      validationErrors: [],
      lastError: null,
      nextCheckAt: null,
      updatedAt: expect.any(String),
    });
    await updater.stop();
  });

  it('answers problem+json for an unknown page and a malformed id', async () => {
    const updater = offUpdater();
    await updater.start();
    const app = domainsRoute(updater, { pageExists: (id) => id === 'page_known' });
    const unknown = await app.request('/v1/pages/page_nope/domains');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('Content-Type')).toBe('application/problem+json');
    const bad = await app.request('/v1/pages/%3Cscript%3E/domains');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { title: string }).title).toBe('Bad request');
    const known = await app.request('/v1/pages/page_known/domains');
    expect(await known.json()).toEqual({
      pageId: 'page_known',
      certificates: 'disabled',
      domains: [],
    });
    await updater.stop();
  });
});

describe('certificate steps in the event explorer', () => {
  it('maps progress and errors to a "certificate" step, the error beside it (not "failed": the event still reached the page)', () => {
    const base = { at: '2026-11-21T10:00:00.000Z', pageId: 'p1', hostname: 'status.acme.com' };
    expect(toExplorerStep({ ...base, action: 'active', detail: 'certificate active' })).toEqual({
      step: 'certificate',
      at: base.at,
      pageId: 'p1',
      detail: 'status.acme.com: active: certificate active',
    });
    expect(
      toExplorerStep({ ...base, action: 'failed', detail: 'x', error: 'validation_timed_out' }),
    ).toMatchObject({ step: 'certificate', error: 'validation_timed_out' });
  });
});

describe('as an origin-sync extension', () => {
  it('reconciles at start, takes hostname changes, serves the domains route and reports health', async () => {
    const pages = new Map([['page_1', { id: 'page_1', hostnames: ['status.one.com'] }]]);
    const directory = {
      page: (id: string) => pages.get(id) ?? null,
      pages: () => [...pages.values()],
    };
    const ext = createCertificateExtension({
      config: { enabled: false, reason: 'not set' },
      stateDir: dir,
    });
    await ext.start(directory, undefined, storageIn(dir));
    const app = new Hono();
    ext.routes(app, directory);

    const listed = async (id: string) =>
      ((await (await app.request(`/v1/pages/${id}/domains`)).json()) as PageDomains).domains.map(
        (d) => d.hostname,
      );
    expect(await listed('page_1')).toEqual(['status.one.com']);

    pages.set('page_2', { id: 'page_2', hostnames: ['status.two.com'] });
    ext.hostnamesChanged({
      pageId: 'page_2',
      before: [],
      after: ['status.two.com'],
      eventId: 'evt_2',
      version: 1,
    });
    await waitFor(() => ext.health().hostnames === 2, 'the change to land');
    expect(await listed('page_2')).toEqual(['status.two.com']);
    expect(ext.health()).toMatchObject({ enabled: false, states: { disabled: 2 } });
    await ext.stop();
  });
});
