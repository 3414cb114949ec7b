// L0: public documents held in the isolate's memory, in front of the Cache API (L1) and KV.
// Keyed like L1, by the document's immutable content key, so an entry is never wrong: a new
// render's pointer names new keys and old entries are never asked for again; they age out. A
// hot page then costs no storage operation at all per view, which during an incident's
// traffic spike is most views.
import type { DocumentMeta } from '../store/keys.ts';

/** Bounds how long an unused entry holds memory (its content never goes stale). */
const ENTRY_TTL_MS = 60_000;
/** Well inside an isolate's 128 MB; a status page is typically 50–250 kB. */
const MAX_CHARS = 8 * 1024 * 1024;
const MAX_ENTRIES = 256;

/** Text from KV and the Cache API, UTF-8 from the coordinator (a response copies either). */
type Body = string | Uint8Array;

/** What an entry costs: a character of text (most are one byte), or a byte. */
function sizeOf(body: Body): number {
  return typeof body === 'string' ? body.length : body.byteLength;
}

interface Entry {
  body: Body;
  meta: DocumentMeta;
  expires: number;
}

export class DocumentMemory {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.chars -= sizeOf(e.body);
    this.entries.delete(key);
  }

  hit(key: string, now = Date.now()): { body: Body; meta: DocumentMeta } | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expires <= now) {
      this.drop(key);
      return null;
    }
    // Most recently used last: eviction takes the oldest first.
    this.entries.delete(key);
    this.entries.set(key, e);
    return { body: e.body, meta: e.meta };
  }

  remember(key: string, body: Body, meta: DocumentMeta, now = Date.now()): void {
    const size = sizeOf(body);
    if (size > MAX_CHARS / 4) return; // a huge page would evict every other
    this.drop(key);
    while (
      this.entries.size > 0 &&
      (this.entries.size >= MAX_ENTRIES || this.chars + size > MAX_CHARS)
    ) {
      this.drop(this.entries.keys().next().value as string);
    }
    this.entries.set(key, { body, meta, expires: now + ENTRY_TTL_MS });
    this.chars += size;
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }
}

/** This isolate's documents. */
export const isolateDocuments = new DocumentMemory();
