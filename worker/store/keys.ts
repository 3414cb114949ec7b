// The KV layout (internal; docs/contract.md leaves it to us). Written only by PageCoordinator.
//   host:<hostname>                 → HostRecord (JSON): which page a hostname serves, and how
//   doc:<pageId>:<variant>:<path>@<etag> → one content of a rendered document (immutable),
//                                     with DocumentMeta as KV metadata (pointer.ts)
//   ptr:<pageId>                    → the page's render pointer (JSON), written after every
//                                     document it names; the coordinator's answer is the
//                                     current one, this copy the fallback (pointer.ts)
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
  /** The page's `locale`: the language of what the read path says itself (the skeleton page). */
  locale?: string;
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
