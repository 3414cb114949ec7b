// A page in several languages names its other versions in <link rel="alternate" hreflang>, and
// those hrefs are absolute on the page's canonical origin (its first hostname): search engines
// and Lighthouse's SEO audit ("hreflang: relative href") take them as full URLs. The origin is
// part of the documents' fingerprint, so a page that changes hostname gets new documents.
import { describe, expect, it } from 'vitest';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import { maskedDemoPage } from '../support/i18n-pages.ts';

const NOW = new Date('2026-11-21T17:00:00Z');

function withHosts(hostnames: string[]): PageSnapshot {
  const snap = maskedDemoPage(NOW, 'en', ['de']);
  return { ...snap, page: { ...snap.page, hostnames } };
}

function alternates(html: string): string[] {
  return [...html.matchAll(/<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">/g)].map(
    (m) => `${m[1]} ${m[2]?.replace(/&#x2F;/g, '/')}`,
  );
}

describe('hreflang alternates', () => {
  it('are absolute on the first hostname, x-default included, on every document', async () => {
    const docs = await renderVariant(
      withHosts(['status.example.com', 'other.example.net']),
      'public',
      NOW,
    );
    const html = (path: string) => docs.find((d) => d.path === path)?.body ?? '';
    const expected = [
      'en https://status.example.com/',
      'de https://status.example.com/de/',
      'x-default https://status.example.com/',
    ];
    expect(alternates(html('/'))).toEqual(expected);
    expect(alternates(html('/de/'))).toEqual(expected);
    expect(alternates(html('/de/history'))).toEqual([
      'en https://status.example.com/history',
      'de https://status.example.com/de/history',
      'x-default https://status.example.com/history',
    ]);
    const incident = docs.find((d) => d.path.startsWith('/de/incidents/'));
    expect(incident).toBeDefined();
    for (const line of alternates(incident!.body)) {
      expect(line).toMatch(/ https:\/\/status\.example\.com\/(de\/)?incidents\//);
    }
  });

  it('change the documents’ ETags when the canonical hostname changes', async () => {
    const [a, b] = await Promise.all([
      renderVariant(withHosts(['status.example.com']), 'public', NOW),
      renderVariant(withHosts(['status.example.org']), 'public', NOW),
    ]);
    const etag = (docs: typeof a, path: string) => docs.find((d) => d.path === path)?.etag;
    expect(etag(a, '/de/history')).toBeDefined();
    expect(etag(a, '/de/history')).not.toBe(etag(b, '/de/history'));
  });
});
