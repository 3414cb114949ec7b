// Pure: which custom hostnames at Cloudflare the certificate updater may take over or delete
// (issue 12). The zone may hold custom hostnames someone else created (by hand, another
// product); adopting one by name used to move a victim's active hostname and certificate to
// whichever page named it, without a new domain-control check, and a later edit of that page
// deleted it. Now the updater marks what it creates (`custom_metadata`) and:
//   - adopts only a marked one: for the same page, or one whose page no longer claims it
//     (a move the edge's hostname registry already allowed);
//   - deletes only a marked one that no other live page claims.
import type { CustomHostname } from './cloudflare-api.ts';

const MANAGED_BY = 'edge-status-pages';

/** What the updater writes into every custom hostname it creates. */
export function ourMetadata(pageId: string): Record<string, string> {
  return { managed_by: MANAGED_BY, page_id: pageId };
}

function markedPage(ch: CustomHostname): string | null {
  const meta = ch.custom_metadata;
  if (!meta || meta.managed_by !== MANAGED_BY) return null;
  return typeof meta.page_id === 'string' ? meta.page_id : null;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** `claims(pageId)`: whether that live page still names the hostname. */
export function mayAdopt(
  ch: CustomHostname,
  pageId: string,
  claims: (pageId: string) => boolean,
): Verdict {
  const owner = markedPage(ch);
  if (owner === null) {
    return {
      ok: false,
      reason: `custom hostname ${ch.id} exists at Cloudflare but was not created by edge status pages: not adopted (remove it there, or prove control of the domain another way)`,
    };
  }
  if (owner !== pageId && claims(owner)) {
    return { ok: false, reason: `custom hostname ${ch.id} belongs to page ${owner}: not adopted` };
  }
  return { ok: true };
}

export function mayDelete(ch: CustomHostname, claims: (pageId: string) => boolean): Verdict {
  const owner = markedPage(ch);
  if (owner === null) {
    return {
      ok: false,
      reason: `custom hostname ${ch.id} was not created by edge status pages: kept`,
    };
  }
  if (claims(owner)) return { ok: false, reason: `page ${owner} claims it: kept` };
  return { ok: true };
}
