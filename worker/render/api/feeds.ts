// `/history.atom` (Atom 1.0, RFC 4287) and `/history.rss` (RSS 2.0): one entry per incident,
// the 50 most recent, newest first, its updates newest first in the entry's HTML, as
// Statuspage's feeds do; links are absolute, on the page's first hostname, and a language
// version's feed (`/<lang>/history.atom`) links to that version's pages and to itself. Every
// customer string is escaped twice where it sits in HTML carried by XML: once as HTML, then
// the whole HTML as XML text, so a feed reader shows `<script>` as text and never runs it.

import { jsonOfIncident } from '../../domain/incident-json.ts';
import type { Incident } from '../../domain/schema.ts';
import type { PageSnapshot } from '../../domain/snapshot.ts';
import { formatDateTime } from '../../domain/time.ts';
import { allIncidentsNewestFirst } from '../../domain/timeline.ts';
import type { DocumentSource } from '../documents.ts';
import { pageLanguage, translator } from '../i18n/catalogue.ts';
import { INCIDENT_STATUS_KEY } from '../labels.ts';
import { ContentMemo } from '../memo.ts';
import { htmlEscape, xmlEscape } from '../xml.ts';
import { incidentUrl, type PageFacts, pageFacts } from './facts.ts';
import { RECENT_LIMIT } from './statuspage.ts';

export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';
export const RSS_CONTENT_TYPE = 'application/rss+xml; charset=utf-8';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

interface FeedEntry {
  id: string;
  title: string;
  link: string;
  published: string;
  updated: string;
  html: string;
}

function entryHtml(snapshot: PageSnapshot, incident: Incident): string {
  const zone = snapshot.page.timeZone ?? 'UTC';
  const locale = snapshot.page.locale ?? 'en-US';
  const t = translator(pageLanguage(snapshot.page.locale));
  return [...incident.updates]
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id.localeCompare(a.id))
    .map(
      (u) =>
        `<p><small>${htmlEscape(formatDateTime(u.createdAt, zone, locale))}</small><br>` +
        `<strong>${htmlEscape(t.text(INCIDENT_STATUS_KEY[u.status]))}</strong> - ` +
        `${htmlEscape(u.body).replace(/\r?\n/g, '<br>')}</p>`,
    )
    .join('');
}

/** The incidents a feed lists, newest first, with what each entry says. */
export interface Listed {
  incident: Incident;
  updated: string;
  /** Everything the entry's markup is made of (see entryXml). */
  key: string;
}

function listed(snapshot: PageSnapshot, facts: PageFacts, prefix: string): Listed[] {
  const head = `${facts.url}${prefix}\n${facts.timeZone}\n${snapshot.page.locale ?? ''}\n`;
  return allIncidentsNewestFirst(snapshot.incidents)
    .slice(0, RECENT_LIMIT)
    .map((incident) => ({
      incident,
      updated: facts.incidents.get(incident.id)!.updatedAt,
      key: head + jsonOfIncident(incident),
    }));
}

function entry(
  snapshot: PageSnapshot,
  facts: PageFacts,
  incident: Incident,
  prefix: string,
): FeedEntry {
  const link = incidentUrl(snapshot, incident.id, prefix);
  return {
    id: link,
    title: incident.name,
    link,
    published: incident.createdAt,
    updated: facts.incidents.get(incident.id)!.updatedAt,
    html: entryHtml(snapshot, incident),
  };
}

// An entry's markup is a function of the incident, the page's address, zone and locale: while
// an incident burns, the feeds are rendered again for each change with all other entries as
// they were, so each entry's markup is kept (keyed by those inputs).
const atomEntries = new ContentMemo<string>(512);
const rssEntries = new ContentMemo<string>(512);

function feedTitle(snapshot: PageSnapshot): string {
  return translator(pageLanguage(snapshot.page.locale)).text('feedTitle', {
    page: snapshot.page.name,
  });
}

/**
 * A feed changes when an entry does: its date is its newest entry's (a service changing its
 * status alone is no news to a feed, nor a reason to write it again). An empty feed says when
 * the page last changed.
 */
function newest(feed: readonly { updated: string }[], fallback: string): string {
  let best = feed[0]?.updated ?? fallback;
  for (const e of feed) if (Date.parse(e.updated) > Date.parse(best)) best = e.updated;
  return best;
}

const utc = (iso: string) => new Date(iso).toISOString();
const rfc822 = (iso: string) => new Date(iso).toUTCString();

/** `prefix`: the language version's path prefix (`/de`), `''` for the page's own language. */
export function atomFeed(
  snapshot: PageSnapshot,
  facts: PageFacts,
  prefix = '',
  feed: readonly Listed[] = listed(snapshot, facts, prefix),
): string {
  const base = `${facts.url}${prefix}`;
  const lang = xmlEscape(snapshot.page.locale ?? 'en');
  const out = [
    `${XML_DECLARATION}<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">`,
    `<id>${xmlEscape(`${base}/history`)}</id>`,
    `<title>${xmlEscape(feedTitle(snapshot))}</title>`,
    `<link rel="alternate" type="text/html" href="${xmlEscape(`${base}/history`)}"/>`,
    `<link rel="self" type="application/atom+xml" href="${xmlEscape(`${base}/history.atom`)}"/>`,
    `<updated>${utc(newest(feed, facts.updatedAt))}</updated>`,
    `<author><name>${xmlEscape(snapshot.page.name)}</name><uri>${xmlEscape(`${base}/`)}</uri></author>`,
  ];
  for (const { incident, key } of feed) {
    out.push(
      atomEntries.get(key, () => {
        const e = entry(snapshot, facts, incident, prefix);
        return [
          '<entry>',
          `<id>${xmlEscape(e.id)}</id>`,
          `<title>${xmlEscape(e.title)}</title>`,
          `<link rel="alternate" type="text/html" href="${xmlEscape(e.link)}"/>`,
          `<published>${utc(e.published)}</published>`,
          `<updated>${utc(e.updated)}</updated>`,
          `<content type="html">${xmlEscape(e.html)}</content>`,
          '</entry>',
        ].join('\n');
      }),
    );
  }
  out.push('</feed>\n');
  return out.join('\n');
}

export function rssFeed(
  snapshot: PageSnapshot,
  facts: PageFacts,
  prefix = '',
  feed: readonly Listed[] = listed(snapshot, facts, prefix),
): string {
  const base = `${facts.url}${prefix}`;
  const t = translator(pageLanguage(snapshot.page.locale));
  const out = [
    `${XML_DECLARATION}<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">`,
    '<channel>',
    `<title>${xmlEscape(feedTitle(snapshot))}</title>`,
    `<link>${xmlEscape(`${base}/history`)}</link>`,
    `<description>${xmlEscape(t.text('historyDescription', { page: snapshot.page.name }))}</description>`,
    `<language>${xmlEscape((snapshot.page.locale ?? 'en').toLowerCase())}</language>`,
    `<pubDate>${rfc822(newest(feed, facts.updatedAt))}</pubDate>`,
    `<atom:link href="${xmlEscape(`${base}/history.rss`)}" rel="self" type="application/rss+xml"/>`,
  ];
  // The same loop as atomFeed's, over the same entries: only the format differs, and each
  // format's elements read best written out whole.
  for (const { incident, key } of feed) {
    out.push(
      rssEntries.get(key, () => {
        const e = entry(snapshot, facts, incident, prefix);
        return [
          '<item>',
          `<title>${xmlEscape(e.title)}</title>`,
          `<link>${xmlEscape(e.link)}</link>`,
          `<guid isPermaLink="true">${xmlEscape(e.id)}</guid>`,
          `<pubDate>${rfc822(e.published)}</pubDate>`,
          `<description>${xmlEscape(e.html)}</description>`,
          '</item>',
        ].join('\n');
      }),
    );
  }
  out.push('</channel>', '</rss>\n');
  return out.join('\n');
}

export function feedDocuments(
  snapshot: PageSnapshot,
  now: Date,
  facts: PageFacts = pageFacts(snapshot, now),
  prefix = '',
): DocumentSource[] {
  const feed = listed(snapshot, facts, prefix);
  return [
    {
      path: '/history.atom',
      contentType: ATOM_CONTENT_TYPE,
      body: atomFeed(snapshot, facts, prefix, feed),
    },
    {
      path: '/history.rss',
      contentType: RSS_CONTENT_TYPE,
      body: rssFeed(snapshot, facts, prefix, feed),
    },
  ];
}
