// Reads a body while counting, and stops as soon as it passes the limit: an oversized body is
// refused at the first chunk over it, without ever being held in memory whole. The one bounded
// reader of the repository: /_sync (hashing as it reads), a page's remote key set, and
// origin-sync's POST /v1/events all read through it. Plain Web streams: workerd and Node alike.

export type BodyRead = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'too_large' };

export async function readBodyWithin(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  /** Sees each chunk as it arrives (e.g. a hash fed as the body streams). */
  onChunk?: (chunk: Uint8Array) => Promise<void>,
): Promise<BodyRead> {
  if (!body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel().catch(() => {});
      return { ok: false, reason: 'too_large' };
    }
    chunks.push(value);
    await onChunk?.(value);
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return { ok: true, bytes: out };
}
