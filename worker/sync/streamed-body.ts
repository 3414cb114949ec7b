// A /_sync body read once, hashed while it streams (workerd's DigestStream), and never
// buffered past the limit: an oversized body is refused at the first byte over it, or before
// any byte when Content-Length already says so.
export type StreamedBody =
  | { ok: true; text: string; sha256: Uint8Array }
  | { ok: false; reason: 'too_large' };

export async function readHashedBody(req: Request, max: number): Promise<StreamedBody> {
  const declared = Number(req.headers.get('Content-Length') ?? '0');
  if (declared > max) return { ok: false, reason: 'too_large' };
  const digest = new crypto.DigestStream('SHA-256');
  const hasher = digest.getWriter();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel();
        await hasher.abort();
        return { ok: false, reason: 'too_large' };
      }
      chunks.push(value);
      await hasher.write(value);
    }
  }
  await hasher.close();
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return {
    ok: true,
    text: new TextDecoder().decode(bytes),
    sha256: new Uint8Array(await digest.digest),
  };
}
