// One variant of a page → every document the read path serves for it, ready for KV.
// Pure apart from hashing; the coordinator decides which of these changed and writes them.
import { audienceOfVariant, type PageSnapshot, sliceForAudience } from '../domain/snapshot.ts';
import { badgeDocument } from './api/badge.ts';
import { pageFacts } from './api/facts.ts';
import { feedDocuments } from './api/feeds.ts';
import { statuspageDocuments } from './api/statuspage.ts';
import { contentEtag, styleHashSource } from './digest.ts';
import { PAGE_CSS, renderHistoryPage, renderIncidentPage, renderStatusPage } from './html.ts';
import { themeCss } from './theme.ts';
import { historyPageView, incidentPageView, statusPageView } from './view-model.ts';

export const HTML = 'text/html; charset=utf-8';

export interface RenderedDocument {
  /** The visitor path this answers, e.g. `/`, `/history`, `/incidents/inc_1`. */
  path: string;
  contentType: string;
  body: string;
  etag: string;
  /** For HTML: the CSP source allowing its one inline style block. */
  styleSrc?: string;
}

/** A document before hashing; every producer of documents for a variant returns these. */
export interface DocumentSource {
  path: string;
  contentType: string;
  body: string;
  styleSrc?: string;
  /** What the ETag hashes, when not the whole body (see `withStyle`). */
  etagInput?: string;
}

export function pageStyle(accent: string | undefined): string {
  return `${PAGE_CSS}\n${themeCss(accent)}`;
}

/**
 * An HTML document rendered around its inline stylesheet. Hashing is most of a render's cost
 * and every document of a variant carries the same CSS, so the ETag hashes the markup with the
 * style's CSP hash standing in for the style: as unique as hashing the whole body (the CSS is
 * a function of its hash), at a fraction of the bytes. Customer text is escaped, so it cannot
 * spell the `<style>` slot that is filled.
 */
function withStyle(
  render: (style: string) => string,
  style: string,
  styleSrc: string,
): { body: string; etagInput?: string } {
  const shell = render(styleSrc);
  const slot = `<style>${styleSrc}</style>`;
  const at = shell.indexOf(slot);
  if (at === -1) return { body: render(style) };
  const from = at + '<style>'.length;
  return {
    body: shell.slice(0, from) + style + shell.slice(from + styleSrc.length),
    etagInput: shell,
  };
}

export async function renderVariant(
  snapshot: PageSnapshot,
  variant: string,
  now: Date,
): Promise<RenderedDocument[]> {
  const slice = sliceForAudience(snapshot, audienceOfVariant(variant));
  const ctx = { snapshot: slice, now };
  const style = pageStyle(slice.page.branding?.accentColor);
  const styleSrc = await styleHashSource(style);
  const facts = pageFacts(slice, now);

  const page = (path: string, render: (style: string) => string): DocumentSource => ({
    path,
    contentType: HTML,
    styleSrc,
    ...withStyle(render, style, styleSrc),
  });

  const status = statusPageView(ctx);
  const history = historyPageView(ctx);
  const sources: DocumentSource[] = [
    page('/', (css) => renderStatusPage(status, css)),
    page('/history', (css) => renderHistoryPage(history, css)),
    ...slice.incidents.map((incident) => {
      const view = incidentPageView(ctx, incident);
      return page(`/incidents/${incident.id}`, (css) => renderIncidentPage(view, css));
    }),
    // The machine-readable documents: Statuspage API v2, feeds and the badge.
    ...statuspageDocuments(slice, now, facts),
    ...feedDocuments(slice, now, facts),
    badgeDocument(slice, now),
  ];
  return Promise.all(
    sources.map(async ({ etagInput, ...s }) => ({
      ...s,
      etag: await contentEtag(etagInput ?? s.body),
    })),
  );
}
