import { describe, expect, it } from 'vitest';
import type { JwtSettings } from '../../worker/access/key-sets.ts';
import {
  forgetVerifiedTokens,
  recallVerified,
  rememberVerified,
  tokenCacheKey,
} from '../../worker/access/verified-tokens.ts';

const settings: JwtSettings = { issuer: 'https://idp.example', jwks: { keys: [{ kty: 'OKP' }] } };
const claims = { iss: 'https://idp.example', aud: 'page_a', exp: 0 };

describe('remembered token verifications', () => {
  it('are scoped to one page and never hold the token itself', async () => {
    const a = await tokenCacheKey('page_a', 'header.payload.sig');
    const b = await tokenCacheKey('page_b', 'header.payload.sig');
    expect(a).not.toBe(b);
    expect(a).not.toContain('payload');
  });

  it('lapse at the token’s exp even when that is sooner than the cache lifetime', async () => {
    forgetVerifiedTokens();
    const key = await tokenCacheKey('page_a', 't');
    const now = 1_000_000;
    rememberVerified(key, settings, claims, now + 5_000, now);
    expect(recallVerified(key, settings, now + 4_999)).not.toBeNull();
    expect(recallVerified(key, settings, now + 5_000)).toBeNull();
  });

  it('lapse after a minute even for long-lived tokens', async () => {
    forgetVerifiedTokens();
    const key = await tokenCacheKey('page_a', 't');
    rememberVerified(key, settings, claims, 10 * 3_600_000, 0);
    expect(recallVerified(key, settings, 59_000)).not.toBeNull();
    expect(recallVerified(key, settings, 61_000)).toBeNull();
  });

  it('are void once the page’s settings change (a re-read record, rotated keys)', async () => {
    forgetVerifiedTokens();
    const key = await tokenCacheKey('page_a', 't');
    rememberVerified(key, settings, claims, 60_000, 0);
    expect(recallVerified(key, { ...settings }, 1_000)).toBeNull();
    // The mismatch dropped the entry: the next viewer is verified afresh.
    expect(recallVerified(key, settings, 1_000)).toBeNull();
  });
});
