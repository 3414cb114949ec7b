// A /_sync body read once, hashed while it streams (workerd's DigestStream), and never
// buffered past the limit (read-body.ts): an oversized body is refused at the first byte over
// it, or before any byte when Content-Length already says so.
import { readBodyWithin } from './read-body.ts';

export type StreamedBody =
  | { ok: true; text: string; sha256: Uint8Array }
  | { ok: false; reason: 'too_large' };

export async function readHashedBody(req: Request, max: number): Promise<StreamedBody> {
  const declared = Number(req.headers.get('Content-Length') ?? '0');
  if (declared > max) return { ok: false, reason: 'too_large' };
  const digest = new crypto.DigestStream('SHA-256');
  const hasher = digest.getWriter();
  const read = await readBodyWithin(req.body, max, (chunk) => hasher.write(chunk));
  if (!read.ok) {
    await hasher.abort();
    return read;
  }
  await hasher.close();
  return {
    ok: true,
    text: new TextDecoder().decode(read.bytes),
    sha256: new Uint8Array(await digest.digest),
  };
}
