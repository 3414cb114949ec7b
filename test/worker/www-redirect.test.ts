import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import type { StatusPage } from '../../worker/domain/schema.ts';
import { forgetHosts } from '../../worker/store/host-lookup.ts';
import { pageEvent } from '../support/events.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';
import { seedPage } from './support/seed.ts';
import { TestPage } from './support/sync-client.ts';

const now = new Date();
// `manual`: a service-binding fetch would otherwise follow the redirect itself.
const get = (url: string, init?: RequestInit) =>
  exports.default.fetch(new Request(url, { redirect: 'manual', ...init }));

async function seedWith(id: string, page: Partial<StatusPage>): Promise<void> {
  const snapshot = snapshotFromEvents(demoEvents({ now }), 'page_demo');
  await seedPage({ ...snapshot, page: { ...snapshot.page, id, ...page } }, now);
}

beforeAll(async () => {
  await seedWith('page_to_apex', {
    hostnames: ['apex-first.localhost', 'www.apex-first.localhost'],
    wwwRedirect: 'to_apex',
  });
  await seedWith('page_to_www', {
    hostnames: ['www-first.localhost', 'www.www-first.localhost'],
    wwwRedirect: 'to_www',
  });
  await seedWith('page_lone_www', {
    hostnames: ['www.lone.localhost'],
    wwwRedirect: 'to_apex',
  });
});

describe('www redirect', () => {
  it('sends www visitors to the apex with path and query intact (to_apex)', async () => {
    const res = await get('http://www.apex-first.localhost:8787/incidents/inc_api_errors?x=1');
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe(
      'http://apex-first.localhost:8787/incidents/inc_api_errors?x=1',
    );
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300');
    expect(await res.text()).toBe('');
    const apex = await get('http://apex-first.localhost/');
    expect(apex.status).toBe(200);
    expect(await apex.text()).toContain('Acme Cloud');
  });

  it('sends apex visitors to www (to_www), also for HEAD and unknown paths', async () => {
    const res = await get('https://www-first.localhost/', { method: 'HEAD' });
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe('https://www.www-first.localhost/');
    const odd = await get('https://www-first.localhost/wp-admin');
    expect(odd.headers.get('Location')).toBe('https://www.www-first.localhost/wp-admin');
    expect((await get('https://www.www-first.localhost/')).status).toBe(200);
  });

  it("keeps a public page's API readable cross-origin through the redirect, and only that", async () => {
    const api = await get('https://www.apex-first.localhost/api/v2/summary.json');
    expect(api.status).toBe(301);
    expect(api.headers.get('Access-Control-Allow-Origin')).toBe('*');
    const html = await get('https://www.apex-first.localhost/');
    expect(html.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('never redirects to a hostname the page does not have', async () => {
    const res = await get('http://www.lone.localhost/');
    expect(res.status).toBe(200);
    expect((await get('http://lone.localhost/')).status).toBe(404);
  });

  it('follows the page setting through /_sync and the coordinator, and drops it when unset', async () => {
    const p = new TestPage('page_www_sync');
    await p.setClock();
    const hostnames = ['synced.example', 'www.synced.example'];
    await p.sync([pageEvent({ id: p.pageId, hostnames, wwwRedirect: 'to_apex' }, 1)]);
    await p.render();
    const res = await get('https://www.synced.example/history');
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe('https://synced.example/history');
    expect((await get('https://synced.example/')).status).toBe(200);

    await p.sync([pageEvent({ id: p.pageId, hostnames }, 2)]);
    await p.render();
    forgetHosts();
    expect((await get('https://www.synced.example/')).status).toBe(200);
  });
});
