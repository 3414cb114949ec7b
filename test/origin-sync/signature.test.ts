import { describe, expect, it } from 'vitest';
import {
  checkTimestamp,
  computeSignature,
  parseSignatureHeader,
  signatureHeader,
  verifySignature,
} from '../../origin-sync/http/signature.ts';

const enc = new TextEncoder();
const body = enc.encode('{"events":[]}');

describe('core request signatures', () => {
  it('verifies the signature the core computes over "<t>.<raw body>"', () => {
    const header = signatureHeader('s3cret', body, 1_700_000_000);
    const parsed = parseSignatureHeader(header);
    expect(parsed?.t).toBe(1_700_000_000);
    expect(verifySignature('s3cret', parsed!, body)).toEqual({ ok: true });
    expect(verifySignature('other', parsed!, body).ok).toBe(false);
    expect(verifySignature('s3cret', parsed!, enc.encode('{"events":[] }')).ok).toBe(false);
  });

  it('matches an independent HMAC computation', async () => {
    const key = await crypto.subtle.importKey(
      'raw',
      enc.encode('k'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode('42.hello')));
    expect(computeSignature('k', 42, 'hello')).toBe(Buffer.from(mac).toString('hex'));
  });

  it('accepts any of several v1 values (secret rotation) and ignores other schemes', () => {
    const good = computeSignature('s', 10, body);
    const parsed = parseSignatureHeader(`t=10,v0=abc,v1=${'0'.repeat(64)},v1=${good}`);
    expect(verifySignature('s', parsed!, body).ok).toBe(true);
  });

  it('refuses malformed headers', () => {
    for (const header of [
      undefined,
      '',
      'v1=abc',
      't=10',
      `t=abc,v1=${'0'.repeat(64)}`,
      `t=10,v1=${'0'.repeat(63)}`,
      `t=10,t=11,v1=${'0'.repeat(64)}`,
      'garbage',
    ]) {
      expect(parseSignatureHeader(header), String(header)).toBeNull();
    }
  });

  it('keeps a 300 s replay window on both sides of now', () => {
    const now = 1_000_000_000;
    const at = (t: number) => ({ t, v1: [] });
    expect(checkTimestamp(at(now / 1000 - 300), now)).toBe(true);
    expect(checkTimestamp(at(now / 1000 - 301), now)).toBe(false);
    expect(checkTimestamp(at(now / 1000 + 300), now)).toBe(true);
    expect(checkTimestamp(at(now / 1000 + 301), now)).toBe(false);
  });
});
