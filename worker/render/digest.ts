// Hashes for strong ETags (fingerprint.ts) and CSP style hashes, with the Web Crypto API of
// workerd and Node.

const encoder = new TextEncoder();

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
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

/** The CSP source that allows exactly one inline <style> block. */
export async function styleHashSource(css: string): Promise<string> {
  return `'sha256-${toBase64(await sha256(css))}'`;
}
