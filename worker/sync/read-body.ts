// Reads a request body while counting, and stops as soon as it passes the limit: an oversized
// body is refused without ever being held in memory whole. Shared by both sides of /_sync and
// origin-sync's core door, so it uses only web streams (workerd and Node both have them);
// `onChunk` sees each chunk as it arrives (the worker hashes the body while it streams).

export type BodyRead = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'too_large' };

export async function readBodyWithin(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  onChunk?: (chunk: Uint8Array) => Promise<void> | void,
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
    if (onChunk) await onChunk(value);
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return { ok: true, bytes: out };
}
