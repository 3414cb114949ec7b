// The feeds as a feed reader sees them: well-formed XML (fast-xml-parser's validator) read by
// an independent feed parser (feedsmith), never by our own code.
import { XMLValidator } from 'fast-xml-parser';
import { parseAtomFeed, parseRssFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { DEMO_HOST, demoEvents } from '../../scripts/lib/demo-events.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';

const now = new Date('2026-11-21T17:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function feeds(snapshot: PageSnapshot, prefix = '') {
  const docs = new Map((await renderVariant(snapshot, 'public', now)).map((d) => [d.path, d]));
  const atom = docs.get(`${prefix}/history.atom`)!;
  const rss = docs.get(`${prefix}/history.rss`)!;
  expect(atom.contentType).toBe('application/atom+xml; charset=utf-8');
  expect(rss.contentType).toBe('application/rss+xml; charset=utf-8');
  expect(XMLValidator.validate(atom.body)).toBe(true);
  expect(XMLValidator.validate(rss.body)).toBe(true);
  return {
    atom: parseAtomFeed(atom.body),
    rss: parseRssFeed(rss.body),
    raw: { atom: atom.body, rss: rss.body },
    html: docs.get(`${prefix}/`)?.body ?? '',
  };
}

describe('incident feeds', () => {
  it('lists the demo incidents newest first with absolute links to their pages', async () => {
    const { atom, rss } = await feeds(snapshotFromEvents(demoEvents({ now }), 'page_demo'));
    const ids = ['inc_api_errors', 'inc_login', 'inc_search', 'inc_storage', 'inc_email'];
    const links = ids.map((id) => `https://${DEMO_HOST}/incidents/${id}`);

    expect(atom.title?.value).toBe('Acme Cloud status - Incident history');
    expect(atom.links?.find((l) => l.rel === 'self')?.href).toBe(
      `https://${DEMO_HOST}/history.atom`,
    );
    expect(atom.entries?.map((e) => e.links?.find((l) => l.rel === 'alternate')?.href)).toEqual(
      links,
    );
    expect(atom.entries?.map((e) => e.title?.value)).toContain('Object storage unavailable');
    expect(atom.entries?.[0]?.published).toBe('2026-11-21T15:25:00.000Z');
    expect(atom.entries?.[0]?.updated).toBe('2026-11-21T16:45:00.000Z');

    expect(rss.title).toBe('Acme Cloud status - Incident history');
    expect(rss.items?.map((i) => i.link)).toEqual(links);
    expect(rss.items?.map((i) => i.guid?.value)).toEqual(links);
    expect(new Date(rss.items![0]!.pubDate!).toISOString()).toBe('2026-11-21T15:25:00.000Z');
  });

  it('carries every update of an incident, newest first, with its status', async () => {
    const { atom, rss } = await feeds(snapshotFromEvents(demoEvents({ now }), 'page_demo'));
    for (const html of [atom.entries![0]!.content!.value!, rss.items![0]!.description!]) {
      const order = ['Monitoring', 'Identified', 'Investigating'].map((s) =>
        html.indexOf(`<strong>${s}</strong>`),
      );
      expect(order.every((at) => at >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(html).toContain('The rollback is complete');
    }
  });

  it('is a valid, empty feed for a page without incidents', async () => {
    const snapshot = snapshotFromEvents(demoEvents({ now }), 'page_demo');
    snapshot.incidents = [];
    const { atom, rss } = await feeds(snapshot);
    expect(atom.entries ?? []).toEqual([]);
    expect(rss.items ?? []).toEqual([]);
  });

  it('keeps hostile text inert and exact, and survives characters XML forbids', async () => {
    const xss = `<script>alert(1)</script><img src=x onerror=alert(2)>&amp; ]]> "'`;
    const snapshot = snapshotFromEvents(demoEvents({ now }), 'page_demo');
    snapshot.page = { ...snapshot.page, name: `Evil ${xss}` };
    snapshot.incidents = [
      {
        id: 'x',
        name: `Name ${xss}`,
        status: 'investigating',
        impact: 'minor',
        serviceIds: ['svc_api'],
        createdAt: iso(now.getTime() - HOUR),
        updates: [
          {
            id: 'u',
            status: 'investigating',
            body: `Body ${xss}\u0000\u001b\uFFFE\uD800 line\ntwo`,
            createdAt: iso(now.getTime() - HOUR),
          },
        ],
      },
    ];
    const { atom, rss } = await feeds(snapshot);
    // Titles are text: the reader shows exactly what was typed.
    expect(atom.entries![0]!.title!.value).toBe(`Name ${xss}`);
    expect(rss.items![0]!.title).toBe(`Name ${xss}`);
    expect(atom.title!.value).toBe(`Evil ${xss} status - Incident history`);
    // Content is HTML: the customer's markup arrives escaped, as text, never as elements.
    for (const html of [atom.entries![0]!.content!.value!, rss.items![0]!.description!]) {
      expect(html).not.toMatch(/<script|<img/i);
      expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
      expect(html).toContain('line<br>two');
      for (const forbidden of ['\u0000', '\u001b', '\uFFFE']) expect(html).not.toContain(forbidden);
    }
  });

  it('links a language version’s feed to itself and to its pages under /<lang>/, in its language', async () => {
    const snapshot = snapshotFromEvents(demoEvents({ now }), 'page_demo');
    snapshot.page = { ...snapshot.page, locale: 'en-GB', locales: ['de', 'ja'] };
    const origin = `https://${DEMO_HOST}`;
    const own = await feeds(snapshot);
    expect(own.atom.links?.find((l) => l.rel === 'self')?.href).toBe(`${origin}/history.atom`);
    expect(own.raw.atom).toContain('xml:lang="en-GB"');

    const de = await feeds(snapshot, '/de');
    expect(de.atom.title?.value).toBe('Status von Acme Cloud – Störungsverlauf');
    expect(de.raw.atom).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">');
    expect(de.atom.links?.find((l) => l.rel === 'self')?.href).toBe(`${origin}/de/history.atom`);
    expect(de.atom.links?.find((l) => l.rel === 'alternate')?.href).toBe(`${origin}/de/history`);
    expect(de.atom.entries?.[0]?.links?.[0]?.href).toBe(`${origin}/de/incidents/inc_api_errors`);
    expect(de.atom.entries?.[0]?.content?.value).toContain('<strong>Wird beobachtet</strong>');
    expect(de.rss.language).toBe('de');
    expect(de.rss.link).toBe(`${origin}/de/history`);
    expect(de.rss.description).toBe('Vergangene Störungen von Acme Cloud');
    expect(de.raw.rss).toContain(
      `<atom:link href="${origin}/de/history.rss" rel="self" type="application/rss+xml"/>`,
    );
    expect(de.rss.items?.[0]?.link).toBe(`${origin}/de/incidents/inc_api_errors`);
    // The German page's head offers the German feeds.
    const head = de.html.replaceAll('&#x2F;', '/');
    expect(head).toMatch(
      /<link rel="alternate" type="application\/atom\+xml" title="[^"]+" href="\/de\/history.atom">/,
    );
    expect(head).toMatch(
      /<link rel="alternate" type="application\/rss\+xml" title="[^"]+" href="\/de\/history.rss">/,
    );

    const ja = await feeds(snapshot, '/ja');
    expect(ja.raw.atom).toContain('xml:lang="ja"');
    expect(ja.rss.language).toBe('ja');
    expect(ja.atom.links?.find((l) => l.rel === 'self')?.href).toBe(`${origin}/ja/history.atom`);
  });
});
