// The core's request signature (docs/contract.md §1):
//   X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// Several v1 values may be present (the core rotating its secret); any one matching suffices.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Signature';
export const REPLAY_WINDOW_S = 300;

export interface ParsedSignature {
  t: number;
  v1: string[];
}

export function parseSignatureHeader(header: string | null | undefined): ParsedSignature | null {
  if (!header || header.length > 2048) return null;
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || t !== null) return null;
      t = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return null;
      v1.push(value.toLowerCase());
    }
    // Other schemes (v0, v2, ...) are ignored, as the format intends.
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}

export function computeSignature(secret: string, t: number, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/** The header value a core would send for this body (also used by npm start, tests, bench). */
export function signatureHeader(secret: string, body: Uint8Array | string, t?: number): string {
  const ts = t ?? Math.floor(Date.now() / 1000);
  return `t=${ts},v1=${computeSignature(secret, ts, body)}`;
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

/** Is the timestamp within the replay window? Checked before the body is even read. */
export function checkTimestamp(
  parsed: ParsedSignature,
  nowMs: number,
  windowS = REPLAY_WINDOW_S,
): boolean {
  return Math.abs(nowMs / 1000 - parsed.t) <= windowS;
}

export function verifySignature(
  secret: string,
  parsed: ParsedSignature,
  body: Uint8Array,
): SignatureCheck {
  const expected = Buffer.from(computeSignature(secret, parsed.t, body), 'hex');
  let match = false;
  for (const candidate of parsed.v1) {
    // Both are 32 bytes (the header format guarantees it), so the comparison is constant-time.
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) match = true;
  }
  return match ? { ok: true } : { ok: false, reason: 'mismatch' };
}
