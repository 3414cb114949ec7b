// The read path in front of KV: the Cache API for public documents (keyed by content, so a new
// render shows at once), never for private ones; the coordinator on a KV miss within a time
// budget, and the skeleton page past it.

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../worker/env.ts';
import worker from '../../worker/index.ts';
import { readDocument } from '../../worker/routes/read-document.ts';
import type { HostRecord } from '../../worker/store/keys.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import { contentKeyInKv, forgetIsolate } from './support/seed.ts';
import { TestPage } from './support/sync-client.ts';

/** A visit through the worker, waiting for its background work (cache fills, renders). */
async function visit(
  host: string,
  path = '/',
  overrides: Partial<Env> = {},
): Promise<{ res: Response; text: string }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://${host}${path}`),
    { ...env, ...overrides },
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, text };
}

async function publicPage(id: string, host: string, serviceName: string): Promise<TestPage> {
  const p = new TestPage(id);
  await p.setClock();
  // Readers here are in another location than the coordinator: they learn through KV.
  await p.elsewhere();
  await p.sync([
    pageEvent({ id, name: `Page ${id}`, hostnames: [host], serviceIds: ['api'] }, 1),
    serviceEvent({ id: 'api', name: serviceName }, 1),
    incidentEvent({ id: 'i1', name: 'Slow API', serviceIds: ['api'] }, 1),
  ]);
  await p.render();
  return p;
}

/** A document KV lost long after it was published (KV's copy of the pointer too), in an
 * isolate that never held it. */
async function loseRender(p: TestPage, path = '/'): Promise<void> {
  const key = await contentKeyInKv(p.pageId, 'public', path);
  if (key) await env.PAGES_KV.delete(key);
  await env.PAGES_KV.delete(`ptr:${p.pageId}`);
  forgetIsolate(p.pageId);
  await p.advance(5 * 60_000);
}

describe('edge cache', () => {
  it('serves a public page from the cache, and a new render at once', async () => {
    const p = await publicPage('page_l1', 'l1.example', 'Cached API');
    const first = await visit('l1.example');
    expect(first.res.status).toBe(200);
    expect(first.text).toContain('Cached API');

    // With the document gone from KV and the isolate fresh, the same content is still served
    // from the location's cache.
    const key = await contentKeyInKv('page_l1', 'public', '/');
    expect(key).not.toBeNull();
    await env.PAGES_KV.delete(key as string);
    forgetIsolate('page_l1');
    const cached = await visit('l1.example');
    expect(cached.res.status).toBe(200);
    expect(cached.res.headers.get('ETag')).toBe(first.res.headers.get('ETag'));
    expect(cached.text).toContain('Cached API');

    // A new render takes new cache keys: the change shows on the next view.
    await p.sync([serviceEvent({ id: 'api', name: 'Renamed API' }, 2)]);
    await p.render();
    const fresh = await visit('l1.example');
    expect(fresh.text).toContain('Renamed API');
    expect(fresh.res.headers.get('Cache-Control')).toBe('public, max-age=0, must-revalidate');
  });

  it('never puts a private or audience document in the cache', async () => {
    for (const visibility of ['private', 'audience'] as const) {
      const id = `page_${visibility}_l1`;
      const p = new TestPage(id);
      await p.setClock();
      await p.sync([
        pageEvent(
          {
            id,
            name: `Secret ${visibility}`,
            hostnames: [`${visibility}-l1.example`],
            visibility,
            serviceIds: ['api'],
            audiences: [{ id: 'gold', name: 'Gold', serviceIds: ['api'] }],
          },
          1,
        ),
        serviceEvent({ id: 'api' }, 1),
      ]);
      await p.render();
      const variant = visibility === 'private' ? 'private' : 'audience:gold';
      const record: HostRecord = { pageId: id, visibility };
      const read = async () => {
        const ctx = createExecutionContext();
        const doc = await readDocument({
          env: { ...env, RENDER_BUDGET_MS: '30000' },
          ctx,
          hostname: `${visibility}-l1.example`,
          record,
          variant,
          path: '/',
        });
        await waitOnExecutionContext(ctx);
        return doc;
      };
      const first = await read();
      expect(first.kind === 'document' && first.source, visibility).toBe('kv');
      await env.PAGES_KV.delete((await contentKeyInKv(id, variant, '/')) as string);
      const second = await read();
      // Not from a cache: KV no longer has it, so only the coordinator could answer.
      expect(second.kind === 'document' && second.source, visibility).toBe('coordinator');
    }
  });
});

describe('a KV miss', () => {
  it('serves the coordinator render within the budget and writes it back to KV', async () => {
    const p = await publicPage('page_miss', 'miss.example', 'Missing API');
    await loseRender(p);
    const { res, text } = await visit('miss.example', '/', { RENDER_BUDGET_MS: '30000' });
    expect(res.status).toBe(200);
    expect(text).toContain('Missing API');
    expect(text).toContain('<ol class="bars"');
    expect(res.headers.get('ETag')).toMatch(/^"[0-9a-f]{32}"$/);

    expect((await p.status()).dirty).toBe(true);
    await p.render();
    const key = await contentKeyInKv('page_miss', 'public', '/');
    expect(await env.PAGES_KV.get(key as string)).toContain('Missing API');
  });

  it('sends the skeleton page past the budget and finishes the render in the background', async () => {
    const p = await publicPage('page_skel', 'skel.example', 'Skeleton API');
    await loseRender(p);
    const { res, text } = await visit('skel.example', '/', { RENDER_BUDGET_MS: '0' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const csp = res.headers.get('Content-Security-Policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(text).toContain('<script src="/_edge/skeleton.js" defer></script>');
    expect(text).not.toMatch(/<script>/);
    // Useful without JavaScript, and it names nothing of the page.
    expect(text).toContain('being brought up to date');
    expect(text).toContain('http-equiv="refresh"');
    expect(text).not.toContain('Skeleton API');

    // The page's JSON, which the skeleton completes itself from, is there meanwhile.
    const json = await visit('skel.example', '/api/v2/summary.json', { RENDER_BUDGET_MS: '0' });
    expect(json.res.status).toBe(200);
    const summary = JSON.parse(json.text) as {
      page: { name: string };
      components: { name: string }[];
    };
    expect(summary.page.name).toBe('Page page_skel');
    expect(summary.components.map((c) => c.name)).toContain('Skeleton API');

    // The render the visitor did not wait for lands in KV.
    expect((await p.status()).dirty).toBe(true);
    await p.render();
    const key = await contentKeyInKv('page_skel', 'public', '/');
    expect(await env.PAGES_KV.get(key as string)).toContain('Skeleton API');
    const full = await visit('skel.example');
    expect(full.text).toContain('<ol class="bars"');
  });

  it('sends the skeleton in the language asked for: the page’s own at /, the prefix’s under it', async () => {
    const p = new TestPage('page_skel_de');
    await p.setClock();
    await p.elsewhere();
    await p.sync([
      pageEvent(
        {
          id: 'page_skel_de',
          hostnames: ['skel-de.example'],
          serviceIds: ['api'],
          locale: 'de-CH',
          locales: ['ar'],
        },
        1,
      ),
      serviceEvent({ id: 'api', name: 'API' }, 1),
    ]);
    await p.render();
    const arKey = await contentKeyInKv('page_skel_de', 'public', '/ar/');
    expect(arKey).not.toBeNull();
    await env.PAGES_KV.delete(arKey as string);
    await loseRender(p, '/');
    const own = await visit('skel-de.example', '/', { RENDER_BUDGET_MS: '0' });
    expect(own.text).toContain('<html lang="de-CH" dir="ltr">');
    expect(own.text).toContain('Aktueller Status wird geladen');
    expect(own.text.replaceAll('&#x2F;', '/')).toContain('<a href="/history">Störungsverlauf</a>');
    expect(own.text).not.toContain('being brought up to date');
    // The script's words come with the page, in its language; the script is one file.
    const words = JSON.parse(
      /<script type="application\/json" id="sk-words">([^<]*)<\/script>/.exec(own.text)![1]!,
    ) as { service: Record<string, string>; overall: Record<string, string> };
    expect(words.service.partial_outage).toBe('Teilweiser Ausfall');
    expect(words.overall.none).toBe('Alle Systeme betriebsbereit');

    const ar = await visit('skel-de.example', '/ar/', { RENDER_BUDGET_MS: '0' });
    const arText = ar.text.replaceAll('&#x2F;', '/');
    expect(arText).toContain('<html lang="ar" dir="rtl">');
    expect(arText).toContain('جارٍ تحميل الحالة الحالية');
    expect(arText).toContain('data-base="/ar"');
    expect(arText).toContain('<a href="/ar/history">سجل الأعطال</a>');
    expect(ar.res.headers.get('Content-Security-Policy')).toBe(
      own.res.headers.get('Content-Security-Policy'),
    );

    // A document the page does not have: the 404 speaks the page's language too.
    const missing = await visit('skel-de.example', '/incidents/nope');
    expect(missing.res.status).toBe(404);
    expect(missing.text).toContain('<html lang="de" dir="ltr">');
    expect(missing.text).toContain('Hier gibt es keine Statusseite');
  });

  it('serves the skeleton script as a same-origin file', async () => {
    const { res, text } = await visit('skel.example', '/_edge/skeleton.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(text).toContain('/api/v2/summary.json');
    expect(text).toContain('textContent');
  });

  it('answers 404 for an incident a rendered page does not have, and for one it never had', async () => {
    const p = await publicPage('page_404', 'nf.example', 'API');
    expect((await visit('nf.example', '/incidents/i1')).res.status).toBe(200);
    expect((await visit('nf.example', '/incidents/nope')).res.status).toBe(404);
    await loseRender(p);
    expect((await visit('nf.example', '/incidents/nope')).res.status).toBe(404);
  });
});
