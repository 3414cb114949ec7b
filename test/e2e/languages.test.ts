// A page in more than one language, through the real worker (Miniflare, the built bundle):
// `/de/` and `/` link to each other (hreflang alternates, absolute on the page's hostname, and
// the language menu), `Accept-Language` never changes what a URL holds, a language the page
// lacks is a 404 in that language, and the JSON API is the same under every prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type System, type SystemWorker, startSystem } from '../../scripts/lib/system.ts';
import { maskedDemoPage } from '../support/i18n-pages.ts';
import { seedKv } from '../support/seed-kv.ts';

let system: System;
let worker: SystemWorker;
const NOW = new Date();
const HOST = 'demo.localhost';

beforeAll(async () => {
  system = await startSystem({ originSync: false });
  worker = system.worker;
  const page = maskedDemoPage(NOW, 'en', ['de']);
  const kv = await worker.kv();
  await seedKv(kv, { ...page, page: { ...page.page, hostnames: [HOST] } }, NOW);
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  worker.visit(`http://${HOST}${path}`, { headers: { Accept: 'text/html', ...headers } });

/** The links of an HTML document as `rel|hreflang|href` and `a|hreflang|href`, entities decoded. */
function links(html: string): string[] {
  const decoded = html.replace(/&#x2F;/g, '/');
  return [
    ...[...decoded.matchAll(/<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">/g)].map(
      (m) => `alternate|${m[1]}|${m[2]}`,
    ),
    ...[...decoded.matchAll(/<a href="([^"]+)" hreflang="([^"]+)"/g)].map(
      (m) => `menu|${m[2]}|${m[1]}`,
    ),
  ];
}

describe('a page with locales: ["de"]', () => {
  it('serves / in English and /de/ in German, each linking to the other', async () => {
    const [en, de] = await Promise.all([get('/'), get('/de/')]);
    expect(en.status).toBe(200);
    expect(de.status).toBe(200);
    const [enHtml, deHtml] = await Promise.all([en.text(), de.text()]);
    expect(enHtml).toContain('<html lang="en" dir="ltr"');
    expect(deHtml).toContain('<html lang="de" dir="ltr"');
    expect(deHtml).toContain('Vergangene Störungen');
    const expected = [
      `alternate|en|https://${HOST}/`,
      `alternate|de|https://${HOST}/de/`,
      `alternate|x-default|https://${HOST}/`,
      'menu|en|/',
      'menu|de|/de/',
    ];
    expect(links(enHtml)).toEqual(expected);
    expect(links(deHtml)).toEqual(expected);
  });

  it('links an incident to the same incident in the other language', async () => {
    const html = await (await get('/de/incidents/inc_api_errors')).text();
    expect(links(html)).toContain(`alternate|en|https://${HOST}/incidents/inc_api_errors`);
    expect(links(html)).toContain('menu|en|/incidents/inc_api_errors');
  });

  it('answers / the same whatever Accept-Language says', async () => {
    const plain = await get('/');
    const german = await get('/', { 'Accept-Language': 'de-DE,de;q=0.9' });
    expect(german.headers.get('ETag')).toBe(plain.headers.get('ETag'));
    expect(await german.text()).toBe(await plain.text());
    expect(german.headers.get('Vary') ?? '').not.toMatch(/accept-language/i);
  });

  it('answers a language the page is not served in with a 404 in that language', async () => {
    const res = await get('/fr/');
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('<html lang="fr" dir="ltr">');
    expect(html).toContain('Il n’y a pas de page d’état ici');
  });

  it('serves the same JSON API under /de/', async () => {
    const [a, b] = await Promise.all([
      worker.visit(`http://${HOST}/api/v2/summary.json`),
      worker.visit(`http://${HOST}/de/api/v2/summary.json`),
    ]);
    expect(b.status).toBe(200);
    expect(await b.text()).toBe(await a.text());
  });
});
