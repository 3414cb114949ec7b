// Pure: what one render must write to and delete from KV, given what the previous renders
// wrote (the coordinator remembers each document's ETag in SQL). A document's ETag is the
// fingerprint of what it reads (render/fingerprint.ts), known before rendering: only documents
// whose ETag changed are rendered and written; documents that no longer exist (a deleted
// incident's page, a removed audience) are deleted; hostname records follow the page's
// hostnames.
import type { StatusPage } from '../domain/schema.ts';
import { wwwRedirectTarget } from '../domain/www-redirect.ts';
import type { PlannedDocument } from '../render/documents.ts';
import { docKey, type HostRecord } from '../store/keys.ts';

export interface DesiredDocument extends PlannedDocument {
  key: string;
  variant: string;
}

export interface DocumentPlan {
  /** To render and write: new, or their inputs changed since KV got them. */
  put: DesiredDocument[];
  /** Keys of documents a previous render wrote that no render of this page produces now. */
  remove: string[];
}

export function keyedDocuments(
  pageId: string,
  variant: string,
  docs: readonly PlannedDocument[],
): DesiredDocument[] {
  return docs.map((d) => ({ ...d, key: docKey(pageId, variant, d.path), variant }));
}

/** `written`: key → etag of what is in KV. */
export function planDocuments(
  desired: readonly DesiredDocument[],
  written: ReadonlyMap<string, string>,
): DocumentPlan {
  const wanted = new Set<string>();
  const put: DesiredDocument[] = [];
  for (const doc of desired) {
    wanted.add(doc.key);
    if (written.get(doc.key) !== doc.etag) put.push(doc);
  }
  const remove = [...written.keys()].filter((k) => !wanted.has(k));
  return { put, remove };
}

/**
 * What the read path needs to know about a page before reading a document; with `hostname`,
 * also where that hostname redirects to (the page's `wwwRedirect`).
 */
export function hostRecordOf(page: StatusPage, hostname?: string): HostRecord {
  const redirectTo = hostname === undefined ? undefined : wwwRedirectTarget(page, hostname);
  return {
    pageId: page.id,
    visibility: page.visibility,
    ...(page.access ? { access: page.access } : {}),
    ...(page.audiences ? { audiences: page.audiences.map((a) => a.id) } : {}),
    ...(redirectTo ? { redirectTo } : {}),
    ...(page.locale ? { locale: page.locale } : {}),
  };
}

export interface HostPlan {
  /** hostname → record JSON to write. */
  put: [string, string][];
  /** Hostnames this page no longer has: delete their record if it still names this page. */
  remove: string[];
}

/**
 * `page` null: the page is gone, every hostname it had is removed. `rewriteAll`: put every
 * record even if unchanged (after a takeover, in case the old owner deleted ours).
 */
export function planHosts(
  page: StatusPage | null,
  written: ReadonlyMap<string, string>,
  rewriteAll = false,
): HostPlan {
  const desired = new Map<string, string>();
  if (page) {
    for (const host of page.hostnames) desired.set(host, JSON.stringify(hostRecordOf(page, host)));
  }
  const put = [...desired].filter(([host, record]) => rewriteAll || written.get(host) !== record);
  const remove = [...written.keys()].filter((host) => !desired.has(host));
  return { put, remove };
}
