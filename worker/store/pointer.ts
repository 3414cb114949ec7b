// The render pointer: which document is current for each (variant, path) of a page. The
// page's coordinator answers it (strongly consistent: it is the one writer), and also writes a
// copy to KV (`ptr:<pageId>`) as the fallback for when the coordinator cannot be asked in time.
// Documents themselves are immutable: each lives under a key that carries its ETag (the
// fingerprint of its content), so a reader holding a new pointer can never be answered with an
// older body by a KV location that still caches the previous one. docs/freshness.md has the why.
import { z } from 'zod';
import { docKey, docPrefix } from './keys.ts';

export interface RenderPointer {
  /** The coordinator's render version that published these documents (0: none yet). */
  version: number;
  /** `<variant>:<path>` → the ETag of that document's current content. */
  docs: Record<string, string>;
}

const pointerSchema = z.object({
  version: z.number().int().nonnegative(),
  docs: z.record(z.string(), z.string().min(1)),
});

export function pointerKey(pageId: string): string {
  return `ptr:${encodeURIComponent(pageId)}`; // encoded like every key part (keys.ts)
}

/** Where a document sits in a pointer's `docs`: its slot key without the page's prefix, so the
 * variant is encoded as in `docKey` (an audience variant is `audience%3Agold`). */
export function slotOf(variant: string, path: string): string {
  return `${encodeURIComponent(variant)}:${path}`;
}

/** The immutable KV key of one content of one document. */
export function contentKey(pageId: string, variant: string, path: string, etag: string): string {
  return contentKeyOf(docKey(pageId, variant, path), etag);
}

/** The same, from the document's slot key (what the coordinator remembers it by). */
export function contentKeyOf(slotKey: string, etag: string): string {
  return `${slotKey}@${etag.replaceAll('"', '')}`;
}

/** A pointer from its JSON (KV, the Cache API), or null when absent or not a pointer. */
export function parsePointer(raw: string | null | undefined): RenderPointer | null {
  if (raw === null || raw === undefined) return null;
  try {
    const parsed = pointerSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The pointer of a page from what its coordinator wrote: slot key → ETag. */
export function pointerOf(
  pageId: string,
  version: number,
  written: ReadonlyMap<string, string>,
): RenderPointer {
  const prefix = docPrefix(pageId);
  const docs: Record<string, string> = {};
  for (const [key, etag] of written) {
    if (key.startsWith(prefix)) docs[key.slice(prefix.length)] = etag;
  }
  return { version, docs };
}
