// Test helper: the demo page with every customer-written text replaced by a made-up word, so
// that whatever words a rendered page shows besides it are ours (the catalogues').
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import type { Language } from '../../worker/domain/languages.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { snapshotFromEvents } from './snapshot-from-events.ts';

export const CUSTOMER_WORD = 'Zorblax';

/** The demo page (active and past incidents, maintenance, outages) in `locale`, words masked. */
export function maskedDemoPage(now: Date, locale: string, locales?: Language[]): PageSnapshot {
  const snap = snapshotFromEvents(demoEvents({ now }), 'page_demo');
  const w = CUSTOMER_WORD;
  return {
    ...snap,
    page: {
      ...snap.page,
      name: w,
      locale,
      ...(locales ? { locales } : { locales: [] }),
      groups: snap.page.groups?.map((g) => ({ ...g, name: w })),
    },
    services: snap.services.map((s) => ({ ...s, name: w, description: w })),
    incidents: snap.incidents.map((i) => ({
      ...i,
      name: w,
      updates: i.updates.map((u) => ({ ...u, body: w })),
    })),
    maintenances: snap.maintenances.map((m) => ({
      ...m,
      name: w,
      updates: m.updates.map((u) => ({ ...u, body: w })),
    })),
  };
}

/** What a reader gets of a document: its text and the text of its attributes people read. */
export function readableText(html: string): string {
  // data-message: what the live script says to screen readers (live-script.txt).
  const attrs = [
    ...html.matchAll(/\s(?:title|aria-label|alt|content|data-message)="([^"]*)"/g),
  ].map((m) => m[1]);
  // Code is not text a reader sees: the inline style, and the scripts (their words come as data).
  const text = html
    .replace(/<style>[\s\S]*?<\/style>/g, ' ')
    .replace(/<script>[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ');
  return decode(`${text} ${attrs.join(' ')}`).replace(/\s+/g, ' ');
}

function decode(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
