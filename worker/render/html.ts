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

// A row is rendered as three pieces: the markup before its bars, the bars, the markup after.
// The bars are most of a row's bytes and are plain ASCII of our own making, so they stay a
// one-byte string that UTF-8 encoding copies at memory speed; the pieces around them carry
// the service's name (customer text, any script) and the status icon, and are small.
const BARS_TAG = '{{{barsHtml}}}';
const [rowHeadTemplate = '', rowTailTemplate = ''] = serviceRow.split(BARS_TAG);
if (serviceRow.split(BARS_TAG).length !== 2)
  throw new Error(`service-row.mustache must print ${BARS_TAG} exactly once`);
const renderRowHead = compileTemplate(rowHeadTemplate);
const renderRowTail = compileTemplate(rowTailTemplate);

// A row's markup is a function of its inputs (its key and text: its service, its uptime
// records, the day and locale of the bars): while an incident burns, the page is rendered again for each
// change with all other rows as they were. Kept per service (its slot), with the key it was
// made from: a publish compares each row's new key with the kept one, which costs less than
// hashing hundreds of keys of a few hundred characters into a map on every render.
interface KeptRow {
  key: string;
  text: string;
  head: string;
  bars: string;
  tail: string;
  /** The whole row as one flat string, once the page has been rendered as text with it. */
  html?: string;
  /** Written into a page's bytes before: the next time, its bytes are kept (see below). */
  written?: boolean;
  /** Its UTF-8 bytes, kept once the row has outlived a render. */
  bytes?: Uint8Array;
}
const rows = new ContentMemo<KeptRow>(1024);

function keptRow(s: ServiceRowSource): KeptRow {
  const make = (): KeptRow => {
    const row = s.row();
    return {
      key: s.key,
      text: s.text,
      head: renderRowHead(row),
      bars: row.barsHtml,
      tail: renderRowTail(row),
    };
  };
  let kept = rows.get(s.slot, make);
  if (kept.key !== s.key || kept.text !== s.text) {
    kept = make();
    rows.set(s.slot, kept);
  }
  return kept;
}

function rowHtml(kept: KeptRow): string {
  // join() yields one flat string: cheap to put into a page and turn into bytes later.
  kept.html ??= [kept.head, kept.bars, kept.tail].join('');
  return kept.html;
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
    rowsHtml: section.services.reduce((html, s) => html + rowHtml(keptRow(s)), ''),
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

/**
 * UTF-8 written into one growing buffer with `encodeInto`: no intermediate array per piece
 * (`encode` allocates one for every call, a few microseconds each in workerd), and a one-byte
 * string (the bars, most template text) is copied rather than transcoded.
 */
class Utf8Writer {
  private buffer: Uint8Array;
  private length = 0;

  /** `capacity`: a guess at the bytes to come; the buffer grows when the guess is short. */
  constructor(capacity: number) {
    this.buffer = new Uint8Array(Math.max(capacity, 1024));
  }

  get offset(): number {
    return this.length;
  }

  text(s: string): void {
    let rest = s;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, this.buffer.subarray(this.length));
      this.length += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      // At most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
      this.grow(rest.length * 3);
    }
  }

  bytes(b: Uint8Array): void {
    if (this.length + b.byteLength > this.buffer.byteLength) this.grow(b.byteLength);
    this.buffer.set(b, this.length);
    this.length += b.byteLength;
  }

  /** A copy of the bytes written since `from`. */
  copy(from: number): Uint8Array {
    return this.buffer.slice(from, this.length);
  }

  /**
   * Everything written. A view of the buffer when little of it is unused (a copy of a page
   * costs about what writing it did: workerd allocates and fills array buffers slowly).
   */
  done(): Uint8Array {
    const unused = this.buffer.byteLength - this.length;
    return unused <= this.length / 16
      ? this.buffer.subarray(0, this.length)
      : this.buffer.slice(0, this.length);
  }

  private grow(needed: number): void {
    const bigger = new Uint8Array(Math.max(this.buffer.byteLength * 2, this.length + needed));
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
  }
}

// Where each section's rows go in the page's shell. No customer text can contain it: it is
// made of a NUL and a random id drawn on first use (Workers allow no randomness at start-up).
let rowsMark: string | undefined;

/**
 * The status page as UTF-8, exactly `encode(renderStatusPage(view, style))`, written in
 * pieces into one buffer: the page's shell, and each service row as its three pieces (see
 * above). Turning the page into bytes in one go means first copying its tree of rows into one
 * string, two bytes a character as soon as one name needs it, then encoding all of it; the
 * pieces skip that copy, and the bars, most of the bytes, are never widened. A row's bytes
 * are kept from the second page it is written into: during an incident a publish copies the
 * unchanged rows' bytes instead of encoding them again (three times for a page in three
 * languages), while a cold miss allocates no array per row (in workerd allocating and filling
 * a row's own 2.5 kB array costs about what encoding it does).
 */
export function renderStatusPageBytes(view: StatusView, style: string): Uint8Array {
  rowsMark ??= `\u0000rows-${crypto.randomUUID()}:`;
  const mark0 = rowsMark;
  const sections = view.sections.map((section, i) => ({
    name: section.name,
    rowsHtml: `${mark0}${i}\u0000`,
  }));
  const shell = statusPageShell(view, style, sections);
  const kept = view.sections.map((section) => section.services.map(keptRow));
  // Mostly ASCII: a character is a byte, give or take the names and the catalogue's words;
  // the writer grows when the guess is short.
  let chars = shell.length;
  for (const section of kept)
    for (const row of section)
      chars += row.bytes?.byteLength ?? row.head.length + row.bars.length + row.tail.length;
  const out = new Utf8Writer(chars + (chars >> 5) + 256);
  let at = 0;
  for (let i = 0; i < kept.length; i++) {
    const mark = `${mark0}${i}\u0000`;
    const found = shell.indexOf(mark, at);
    // The template printed a section's rows elsewhere or not at all: no shortcut, then.
    if (found < 0) return encoder.encode(renderStatusPage(view, style));
    out.text(shell.slice(at, found));
    for (const row of kept[i]!) {
      if (row.bytes) {
        out.bytes(row.bytes);
        continue;
      }
      const from = out.offset;
      out.text(row.head);
      out.text(row.bars);
      out.text(row.tail);
      if (row.written) row.bytes = out.copy(from);
      row.written = true;
    }
    at = found + mark.length;
  }
  out.text(shell.slice(at));
  return out.done();
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
