// SHA-256 and its encodings with the Web Crypto API, which workerd and Node both have: the
// worker's fingerprints and CSP hashes (render/) and the /_sync token's body digest (sync/),
// which origin-sync computes with the same code.

const encoder = new TextEncoder();

/** Of a text (as UTF-8) or of bytes already encoded (origin-sync's push bodies: no second copy). */
export async function sha256(data: string | Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
