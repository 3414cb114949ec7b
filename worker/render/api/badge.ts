// `/badge.svg`: the page's overall status as a small badge for READMEs and dashboards. The
// status is told in words as well as colour (and to screen readers via role="img", <title>
// and aria-label); text colours keep at least 4.5:1 contrast. No script, no external
// reference: the SVG is served with `default-src 'none'`.
import { type OverallStatus, overallStatus } from '../../domain/indicator.ts';
import { type PageSnapshot, shownServices } from '../../domain/snapshot.ts';
import type { DocumentSource } from '../documents.ts';
import { pageLanguage, type Translator, translator } from '../i18n/catalogue.ts';
import { overallStatusKey } from '../labels.ts';
import { xmlEscape } from '../xml.ts';

export const SVG_CONTENT_TYPE = 'image/svg+xml';

export type BadgeTone = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

/** Background and text colour per tone; light backgrounds get dark text. */
export const BADGE_COLOURS: Record<BadgeTone | 'label', { fill: string; text: string }> = {
  label: { fill: '#3d3d3d', text: '#ffffff' },
  none: { fill: '#1e7e34', text: '#ffffff' },
  minor: { fill: '#f2c200', text: '#1a1a1a' },
  major: { fill: '#f07d00', text: '#1a1a1a' },
  critical: { fill: '#c62828', text: '#ffffff' },
  maintenance: { fill: '#1565c0', text: '#ffffff' },
};

export function badgeTone(status: OverallStatus): BadgeTone {
  return status.indicator === 'none' && status.description === 'Service Under Maintenance'
    ? 'maintenance'
    : status.indicator;
}

/** Longest page name shown on the badge; the full name stays in <title> and aria-label. */
const MAX_NAME = 40;

function truncate(text: string): string {
  const chars = Array.from(text);
  return chars.length > MAX_NAME ? `${chars.slice(0, MAX_NAME - 1).join('')}…` : text;
}

/** Verdana 11px advance widths, roughly: enough to size the two halves without a font. */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x2e80) w += 11;
    else if ("iljI.,:;!|' ".includes(ch)) w += 3.6;
    else if ('mwMW@%'.includes(ch)) w += 10;
    else if (ch >= 'A' && ch <= 'Z') w += 7.6;
    else w += 6.6;
  }
  return Math.ceil(w);
}

export function renderBadge(
  pageName: string,
  status: OverallStatus,
  t: Translator = translator('en'),
): string {
  const tone = BADGE_COLOURS[badgeTone(status)];
  const label = truncate(pageName);
  const value = t.text(overallStatusKey(status));
  const lw = textWidth(label) + 12;
  const vw = textWidth(value) + 12;
  const width = lw + vw;
  const title = xmlEscape(`${t.text('pageStatus', { page: pageName })}: ${value}`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" viewBox="0 0 ${width} 20" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    // Rounded outer corners, a square seam: value background, label over it, seam squared.
    `<rect width="${width}" height="20" rx="3" fill="${tone.fill}"/>`,
    `<rect width="${lw}" height="20" rx="3" fill="${BADGE_COLOURS.label.fill}"/>`,
    `<rect x="${lw - 3}" width="3" height="20" fill="${BADGE_COLOURS.label.fill}"/>`,
    '<g font-family="Verdana,DejaVu Sans,Geneva,sans-serif" font-size="11" text-anchor="middle" aria-hidden="true">',
    `<text x="${lw / 2}" y="14" fill="${BADGE_COLOURS.label.text}" textLength="${lw - 12}">${xmlEscape(label)}</text>`,
    `<text x="${lw + vw / 2}" y="14" fill="${tone.text}" textLength="${vw - 12}">${xmlEscape(value)}</text>`,
    '</g>',
    '</svg>\n',
  ].join('');
}

export function badgeDocument(snapshot: PageSnapshot, now: Date): DocumentSource {
  const status = overallStatus(
    shownServices(snapshot),
    snapshot.incidents,
    snapshot.maintenances,
    now,
  );
  return {
    path: '/badge.svg',
    contentType: SVG_CONTENT_TYPE,
    body: renderBadge(snapshot.page.name, status, translator(pageLanguage(snapshot.page.locale))),
  };
}
