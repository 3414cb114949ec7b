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
}

export function pageStyle(accent: string | undefined): string {
  return `${PAGE_CSS}\n${themeCss(accent)}`;
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

  const sources: DocumentSource[] = [
    { path: '/', contentType: HTML, body: renderStatusPage(statusPageView(ctx), style), styleSrc },
    {
      path: '/history',
      contentType: HTML,
      body: renderHistoryPage(historyPageView(ctx), style),
      styleSrc,
    },
    ...slice.incidents.map((incident) => ({
      path: `/incidents/${incident.id}`,
      contentType: HTML,
      body: renderIncidentPage(incidentPageView(ctx, incident), style),
      styleSrc,
    })),
    // The machine-readable documents: Statuspage API v2, feeds and the badge.
    ...statuspageDocuments(slice, now, facts),
    ...feedDocuments(slice, now, facts),
    badgeDocument(slice, now),
  ];
  return Promise.all(sources.map(async (s) => ({ ...s, etag: await contentEtag(s.body) })));
}
