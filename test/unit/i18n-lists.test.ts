// Lists in a page's language: the services an incident affects are joined as the language joins
// a list (Intl.ListFormat), never with an English comma, and each name keeps its own direction.
import { describe, expect, it } from 'vitest';
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import { snapshotFromEvents } from '../support/snapshot-from-events.ts';

const NOW = new Date('2026-11-21T17:00:00Z');
const IDS = ['svc_api', 'svc_auth', 'svc_db'];

function page(locale: string): { snapshot: PageSnapshot; names: string[] } {
  const snapshot = snapshotFromEvents(demoEvents({ now: NOW }), 'page_demo');
  snapshot.page = { ...snapshot.page, locale };
  snapshot.incidents = snapshot.incidents.map((i) =>
    i.id === 'inc_api_errors' ? { ...i, serviceIds: IDS } : i,
  );
  const names = IDS.map((id) => snapshot.services.find((s) => s.id === id)!.name);
  return { snapshot, names };
}

async function incidentPage(locale: string): Promise<{ html: string; names: string[] }> {
  const { snapshot, names } = page(locale);
  const docs = await renderVariant(snapshot, 'public', NOW);
  const html = docs.find((d) => d.path === '/incidents/inc_api_errors')!.body;
  return { html, names: names.map((n) => `<bdi>${n}</bdi>`) };
}

describe('lists in the page’s language', () => {
  it('joins affected services with “und” in German', async () => {
    const {
      html,
      names: [a, b, c],
    } = await incidentPage('de');
    expect(html).toContain(`Betrifft ${a}, ${b} und ${c}`);
  });

  it('joins them with the ideographic comma in Japanese', async () => {
    const {
      html,
      names: [a, b, c],
    } = await incidentPage('ja');
    expect(html).toContain(`影響範囲: ${a}、${b}、${c}`);
    expect(html).not.toContain(`${a}, `);
  });

  it('joins them with “و” in Arabic, each name isolated in its own direction', async () => {
    const {
      html,
      names: [a, b, c],
    } = await incidentPage('ar');
    expect(html).toContain(`يؤثر على ${a} و${b} و${c}`);
    expect(html).not.toContain(`${a}, `);
  });

  it('lists them in the status page’s incident cards too', async () => {
    const { snapshot, names } = page('de');
    const [status] = await renderVariant(snapshot, 'public', NOW);
    expect(status!.body).toContain(`Betrifft <bdi>${names[0]}</bdi>, <bdi>${names[1]}</bdi> und`);
  });
});
