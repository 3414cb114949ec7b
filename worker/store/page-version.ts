// Each page's latest complete render version, memoised in the isolate for a second. The read
// path puts it in the Cache API key of public documents, so a new render gets new keys and is
// never hidden behind an older cached copy. It is learnt from `ver:<pageId>` in the same KV
// round trip as a document (see read-document.ts), so memoising it costs no extra read; the
// coordinator also updates it directly when it runs in the same isolate.
const TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

interface Entry {
  /** null: the page has no complete render in KV. */
  version: number | null;
  expires: number;
}

const memo = new Map<string, Entry>();

/** The memoised version, or undefined when it must be read again. */
export function memoisedVersion(pageId: string, now = Date.now()): number | null | undefined {
  const hit = memo.get(pageId);
  if (!hit || hit.expires <= now) return undefined;
  return hit.version;
}

export function rememberVersion(pageId: string, version: number | null, now = Date.now()): void {
  const current = memo.get(pageId);
  // A slower read must not roll the memo back past a version this isolate already saw.
  if (current && current.expires > now && version !== null && (current.version ?? 0) > version) {
    return;
  }
  if (!current && memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value as string);
  memo.set(pageId, { version, expires: now + TTL_MS });
}

/** Parses the value of `ver:<pageId>`. */
export function parseVersion(raw: string | null): number | null {
  if (raw === null) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function forgetVersions(pageId?: string): void {
  if (pageId === undefined) memo.clear();
  else memo.delete(pageId);
}
