// Mustache templates (bundled as text) filled with the views of view-model.ts.
import Mustache from 'mustache';
import foot from '../../templates/foot.mustache';
import head from '../../templates/head.mustache';
import historyPage from '../../templates/history-page.mustache';
import incidentCard from '../../templates/incident-card.mustache';
import incidentPage from '../../templates/incident-page.mustache';
import maintenanceCard from '../../templates/maintenance-card.mustache';
import messagePage from '../../templates/message-page.mustache';
import pageCss from '../../templates/page.css';
import serviceRow from '../../templates/service-row.mustache';
import statusPage from '../../templates/status-page.mustache';
import { compileTemplate, flat } from './compiled-template.ts';
import { LIVE_SCRIPT, LIVE_SCRIPT_ELEMENT } from './live-script.ts';
import { ContentMemo } from './memo.ts';
import type {
  historyPageView,
  incidentPageView,
  ServiceRowSource,
  statusPageView,
} from './view-model.ts';

export const TEMPLATES = {
  foot,
  head,
  historyPage,
  incidentCard,
  incidentPage,
  // Printed by `foot` as `{{{liveScript}}}` (its element); here so that the build id covers it like any
  // template. Not a partial: Mustache.js indents a partial by the text before its tag.
  liveScript: LIVE_SCRIPT,
  maintenanceCard,
  messagePage,
  serviceRow,
  statusPage,
} as const;

const partials = {
  head,
  foot,
  incident: incidentCard,
  maintenance: maintenanceCard,
};

type Token = [string, unknown, number, number, Token[]?, ...unknown[]];

/**
 * Mustache.js builds each text token of a template one character at a time, so every render
 * strings together trees of single characters that the runtime must walk, character by
 * character, to turn the page into bytes (a third of a huge page's cost). The parsed templates
 * are cached by Mustache.parse and reused by every render: their texts are flattened once.
 */
function flattenTexts(tokens: Token[]): void {
  for (const token of tokens) {
    if (token[0] === 'text' && typeof token[1] === 'string') token[1] = flat(token[1]);
    if (Array.isArray(token[4])) flattenTexts(token[4]);
  }
}
for (const template of Object.values(TEMPLATES)) flattenTexts(Mustache.parse(template) as Token[]);

/** The stylesheet as sent: the source stays readable (comments, layout), visitors get neither. */
export const PAGE_CSS = pageCss
  .replace(/\/\*[\s\S]*?\*\//g, '')
  .replace(/\s*\n\s*/g, '')
  .replace(/\s*([{};,>])\s*/g, '$1');

type StatusView = ReturnType<typeof statusPageView>;

const renderRow = compileTemplate(serviceRow);

// A row's markup is a function of its inputs (the key: its service, its uptime records, the
// day and locale of the bars): while an incident burns, the page is rendered again for each
// change with all other rows as they were. Kept per service (its slot), with the key it was
// made from: a publish compares each row's new key with the kept one, which costs less than
// hashing hundreds of keys of a few hundred characters into a map on every render.
interface KeptRow {
  key: string;
  html: string;
  /** Its UTF-8 bytes, once the page has been turned into bytes with it. */
  bytes?: Uint8Array;
}
const rows = new ContentMemo<KeptRow>(1024);

function keptRow(s: ServiceRowSource): KeptRow {
  const make = (): KeptRow => ({ key: s.key, html: renderRow(s.row()) });
  let kept = rows.get(s.slot, make);
  if (kept.key !== s.key) {
    kept = make();
    rows.set(s.slot, kept);
  }
  return kept;
}

/**
 * The service rows of a section: 300 services × 90 bars are most of a huge page, and a few
 * hundred flat rows are far cheaper to turn into bytes than the tens of thousands of fragments
 * a Mustache section leaves. Each row is still its template, with every value escaped as
 * Mustache escapes it (compiled-template.ts).
 */
function sectionHtml(section: StatusView['sections'][number]) {
  return {
    name: section.name,
    // Rows are flat strings (compiled-template.ts): put together as a tree of a few hundred
    // large pieces, the page is copied once, when it is turned into bytes.
    rowsHtml: section.services.reduce((html, s) => html + keptRow(s).html, ''),
  };
}

/** The status page's template filled with `sections` (the rows' markup, or markers for it). */
function statusPageShell(
  view: StatusView,
  style: string,
  sections: readonly { name: string | null; rowsHtml: string }[],
): string {
  return Mustache.render(
    statusPage,
    { ...view, sections, style, liveScript: LIVE_SCRIPT_ELEMENT },
    partials,
  );
}

export function renderStatusPage(view: StatusView, style: string): string {
  return statusPageShell(view, style, view.sections.map(sectionHtml));
}

const encoder = new TextEncoder();
// A row's UTF-8 bytes are kept with its markup: during an incident a publish encodes only the
// rows that changed, not the megabyte of bars around them.
// Where each section's rows go in the page's shell. No customer text can contain it: it is
// made of a NUL and a random id drawn on first use (Workers allow no randomness at start-up).
let rowsMark: string | undefined;

/**
 * The status page as UTF-8, exactly `encode(renderStatusPage(view, style))`, made in pieces:
 * the page's shell once, and each service row from its own encoded bytes. Turning a huge
 * page into bytes in one go means first copying a tree of a few hundred rows into one string,
 * then encoding all of it; the pieces skip the copy, and unchanged rows are not encoded again.
 */
export function renderStatusPageBytes(view: StatusView, style: string): Uint8Array {
  rowsMark ??= `\u0000rows-${crypto.randomUUID()}:`;
  const mark0 = rowsMark;
  const sections = view.sections.map((section, i) => ({
    name: section.name,
    rowsHtml: `${mark0}${i}\u0000`,
  }));
  const shell = statusPageShell(view, style, sections);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < view.sections.length; i++) {
    const mark = `${mark0}${i}\u0000`;
    const found = shell.indexOf(mark, at);
    // The template printed a section's rows elsewhere or not at all: no shortcut, then.
    if (found < 0) return encoder.encode(renderStatusPage(view, style));
    pieces.push(encoder.encode(shell.slice(at, found)));
    for (const s of view.sections[i]!.services) {
      const kept = keptRow(s);
      kept.bytes ??= encoder.encode(kept.html);
      pieces.push(kept.bytes);
    }
    at = found + mark.length;
  }
  pieces.push(encoder.encode(shell.slice(at)));
  let length = 0;
  for (const p of pieces) length += p.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of pieces) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

export function renderIncidentPage(
  view: ReturnType<typeof incidentPageView>,
  style: string,
): string {
  return Mustache.render(
    incidentPage,
    { ...view, style, liveScript: LIVE_SCRIPT_ELEMENT },
    partials,
  );
}

export function renderHistoryPage(view: ReturnType<typeof historyPageView>, style: string): string {
  return Mustache.render(
    historyPage,
    { ...view, style, liveScript: LIVE_SCRIPT_ELEMENT },
    partials,
  );
}

export interface MessagePage {
  lang: string;
  dir: 'ltr' | 'rtl';
  title: string;
  /** HTML: the catalogue's words, escaped. */
  heading: string;
  message: string;
}

/** 404 / 401 / 403 pages: generic on purpose, they must not tell anything about a page. */
export function renderMessagePage(page: MessagePage, style: string): string {
  return Mustache.render(messagePage, { ...page, style });
}
