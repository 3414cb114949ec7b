// The KV layout (internal; docs/contract.md leaves it to us). Written only by PageCoordinator.
//   host:<hostname>                 → HostRecord (JSON): which page a hostname serves, and how
//   doc:<pageId>:<variant>:<path>   → a rendered document, with DocumentMeta as KV metadata
//   ver:<pageId>                    → the page's latest complete render version (a number),
//                                     written after every document of that render
import type { Access, Visibility } from '../domain/schema.ts';

// Each part but the last is percent-encoded, so no part can contain the separator: page `acme`
// with the variant `audience:private` and a page `acme:audience` with the variant `private`
// once wrote the same key (issue 12). Ids of letters, digits, `_`, `-`, `.` and `~` encode to
// themselves, so their keys are what they always were.
const part = (text: string) => encodeURIComponent(text);

export function hostKey(hostname: string): string {
  return `host:${part(hostname)}`;
}

export function docKey(pageId: string, variant: string, path: string): string {
  return `doc:${part(pageId)}:${part(variant)}:${path}`;
}

export function docPrefix(pageId: string): string {
  return `doc:${part(pageId)}:`;
}

export function versionKey(pageId: string): string {
  return `ver:${part(pageId)}`;
}

/** What the read path must know about a page before its one document read. */
export interface HostRecord {
  pageId: string;
  visibility: Visibility;
  /** Access settings for private and audience pages. */
  access?: Access;
  /** Audience ids of an audience page, each rendered as the variant `audience:<id>`. */
  audiences?: string[];
  /**
   * Another hostname of the same page that visitors of this one are redirected to (301): the
   * page's `wwwRedirect`, resolved per hostname by `wwwRedirectTarget` (domain/www-redirect.ts).
   */
  redirectTo?: string;
}

/** KV metadata of a document (KV allows 1 KiB of it). */
export interface DocumentMeta {
  etag: string;
  contentType: string;
  /** The coordinator's render version that produced the document. */
  version: number;
  renderedAt: string;
  styleSrc?: string;
}
