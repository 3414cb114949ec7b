// A document's strong ETag from what its bytes are a function of, instead of from the bytes.
//
// A render is deterministic: the same build of the renderer, given the same inputs, writes the
// same bytes. So a hash over (build id, the inputs a document reads) names its bytes as surely
// as a hash of the bytes would, at a fraction of the cost (a huge page's status page is a
// megabyte of markup from a few hundred kilobytes of data; an incident page reads one
// incident), and it is known before rendering: the coordinator skips documents whose tag did
// not change since the last publish (render only what changed).
//
// The rule every fingerprint keeps: when the bytes change, the tag changes. Two renders with
// the same bytes may have different tags (an input that does not show, or a new build), which
// costs one needless KV write and one 200 instead of a 304, never a stale page. Hence:
// - the build id covers every template, the stylesheet and RENDER_REVISION (render code), and
//   the deployment's version id where the runtime gives it (every deploy is a new build);
// - each document lists everything it reads, erring on the side of more (a test renders random
//   changes and checks that no document changes its bytes but not its tag);
// - Intl output (dates, months, offsets) comes from the runtime's ICU data, which can change
//   under a deployed worker: a probe of the page's locale and zone at fixed instants is an
//   input of every document that formats dates.

import { sha256, toHex } from '../domain/sha256.ts';
import { formatBarDay, formatDateTime, formatDay, formatMonth, isoInZone } from '../domain/time.ts';
import { PAGE_CSS, TEMPLATES } from './html.ts';
import { ContentMemo } from './memo.ts';

/**
 * Bump when a change to the render code (not a template or the stylesheet, which are hashed)
 * changes what any document says for the same inputs. A deployment's version id covers this
 * in production too; this keeps local state and tests honest.
 */
export const RENDER_REVISION = 4;

/** What a build of the renderer is made of: its templates, its stylesheet, its revision. */
export interface BuildParts {
  revision: number;
  templates: Readonly<Record<string, string>>;
  css: string;
  /** The deployment's version id (Workers version metadata), when the runtime has one. */
  deployment?: string;
}

export const BUILD_PARTS: BuildParts = {
  revision: RENDER_REVISION,
  templates: TEMPLATES,
  css: PAGE_CSS,
};

/** One string from many, unambiguously: each part is prefixed with its length. */
export function joinParts(parts: readonly string[]): string {
  let out = '';
  for (const p of parts) out += `${p.length}:${p}`;
  return out;
}

export async function digestHex(text: string): Promise<string> {
  return toHex(await sha256(text));
}

const encoder = new TextEncoder();
const COLON = 0x3a;
// The bytes a digest of parts is written into, kept between digests: `crypto.subtle.digest`
// copies its input when called, and workerd fills a new array buffer slowly. Not kept once a
// very large input grew it.
const SCRATCH_KEPT = 1 << 20;
let scratch = new Uint8Array(64 * 1024);

/**
 * `digestHex(joinParts(parts))`, the same digest, with each part encoded on its own. Joined,
 * one wide character anywhere (a dash in a service's name) makes the whole string two bytes a
 * character, and UTF-8-encoding that costs more than the hash; apart, our own ASCII (uptime
 * records, dates, ids) is copied a byte a character and only the customer's text is transcoded.
 */
export async function digestPartsHex(parts: readonly string[]): Promise<string> {
  let chars = 0;
  for (const p of parts) chars += p.length + 12;
  // Most input is one byte a character: start there, grow when a part needs more.
  let buf = scratch.byteLength >= chars ? scratch : new Uint8Array(chars + (chars >> 2));
  let at = 0;
  for (const p of parts) {
    // The length prefix, as joinParts writes it (UTF-16 units, in decimal).
    const digits = String(p.length);
    if (at + digits.length + 1 > buf.byteLength) buf = grown(buf, at, digits.length + 1);
    for (let i = 0; i < digits.length; i++) buf[at++] = digits.charCodeAt(i);
    buf[at++] = COLON;
    let rest = p;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, buf.subarray(at));
      at += written;
      if (read === rest.length) break;
      rest = rest.slice(read);
      // At most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
      buf = grown(buf, at, rest.length * 3);
    }
  }
  if (buf.byteLength <= SCRATCH_KEPT) scratch = buf;
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', buf.subarray(0, at))));
}

function grown(buf: Uint8Array, used: number, needed: number): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(Math.max(buf.byteLength * 2, used + needed));
  bigger.set(buf.subarray(0, used));
  return bigger;
}

// Digests of large inputs that most publishes repeat (every incident of the page, the feeds'
// inputs): a lookup by the text costs a comparison, the hash a pass of SHA-256 over it.
const digests = new ContentMemo<Promise<string>>(64);

/** `digestHex`, remembered for texts seen lately. */
export function memoDigestHex(text: string): Promise<string> {
  const digest = digests.get(text, () => digestHex(text));
  digest.catch(() => digests.delete(text));
  return digest;
}

/** The build id: a hash of everything in `BuildParts`. */
export function buildIdOf(parts: BuildParts): Promise<string> {
  const names = Object.keys(parts.templates).sort();
  return digestHex(
    joinParts([
      String(parts.revision),
      parts.deployment ?? '',
      parts.css,
      ...names.flatMap((n) => [n, parts.templates[n]!]),
    ]),
  );
}

// This build's parts do not change while the isolate lives: one id per deployment id.
const buildIds = new Map<string, Promise<string>>();

/** This build's id; `deployment` is the Workers version id when bound. */
export function buildId(deployment?: string): Promise<string> {
  const key = deployment ?? '';
  let id = buildIds.get(key);
  if (!id) {
    id = buildIdOf(deployment ? { ...BUILD_PARTS, deployment } : BUILD_PARTS);
    if (buildIds.size >= 16) buildIds.clear();
    buildIds.set(key, id);
  }
  return id;
}

const PROBE_INSTANTS = ['2026-01-05T08:09:10Z', '2026-07-05T20:09:10Z'];
const probes = new Map<string, string>();

/** How this runtime formats dates for a locale and zone, at fixed instants (see above). */
export function formattingProbe(locale: string, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  let probe = probes.get(key);
  if (probe === undefined) {
    probe = PROBE_INSTANTS.flatMap((iso) => [
      formatDateTime(iso, timeZone, locale),
      formatDay(iso.slice(0, 10), locale),
      formatBarDay(iso.slice(0, 10), locale),
      formatMonth(new Date(iso), timeZone, locale),
      isoInZone(iso, timeZone),
    ]).join('|');
    if (probes.size >= 256) probes.clear();
    probes.set(key, probe);
  }
  return probe;
}

// A page's documents whose inputs did not change since the last render (most incident pages,
// the history) get their tag without hashing again. Kept per document (its slot) with the
// source it was worked out from: comparing a huge page's hundred incident pages' sources with
// the kept ones costs less than hashing each into a map on every publish.
interface KeptTag {
  source: string;
  tag: Promise<string>;
}
const etags = new ContentMemo<KeptTag>(1024);

/**
 * A strong ETag for a document: the hash of the build id and the document's inputs.
 * `unique`: inputs that never come again (the status page's include the render time) are not
 * kept for later. `slot`: which document this is (page, variant, path), where its tag is kept;
 * without one, the tag is kept by its source.
 */
export function fingerprintEtag(
  build: string,
  inputs: readonly string[],
  unique = false,
  slot?: string,
): Promise<string> {
  const parts = [build, ...inputs];
  const hash = async () => `"${(await digestPartsHex(parts)).slice(0, 32)}"`;
  if (unique) return hash();
  const source = joinParts(parts);
  const at = slot ?? source;
  let kept = etags.get(at, () => ({ source, tag: hash() }));
  if (kept.source !== source) {
    kept = { source, tag: hash() };
    etags.set(at, kept);
  }
  const { tag } = kept;
  tag.catch(() => etags.delete(at));
  return tag;
}
