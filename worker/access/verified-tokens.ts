// Recently verified viewer tokens, per isolate, so a viewer clicking around a private page
// costs one hash instead of a signature check per request. Keyed by page and a hash of the
// token (never the token itself), bound to the exact settings object it was checked against
// (a re-read host record or rotated keys mean one fresh verification), and never kept past
// the token's own `exp`.
import type { JWTPayload } from 'jose';
import type { JwtSettings } from './key-sets.ts';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  settings: JwtSettings;
  claims: JWTPayload;
  expiresAt: number;
  /** When the cache entry itself lapses: min(now + TTL, the token's exp). */
  until: number;
}

const verified = new Map<string, Entry>();

export async function tokenCacheKey(pageId: string, token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return `${pageId}\n${hex}`;
}

export function recallVerified(
  key: string,
  settings: JwtSettings,
  now: number,
): { claims: JWTPayload; expiresAt: number } | null {
  const hit = verified.get(key);
  if (!hit) return null;
  if (hit.until <= now || hit.settings !== settings) {
    verified.delete(key);
    return null;
  }
  return { claims: hit.claims, expiresAt: hit.expiresAt };
}

export function rememberVerified(
  key: string,
  settings: JwtSettings,
  claims: JWTPayload,
  expiresAt: number,
  now: number,
): void {
  if (verified.size >= MAX_ENTRIES) verified.delete(verified.keys().next().value as string);
  verified.set(key, { settings, claims, expiresAt, until: Math.min(now + TTL_MS, expiresAt) });
}

/** Forget every remembered verification (tests). */
export function forgetVerifiedTokens(): void {
  verified.clear();
}
