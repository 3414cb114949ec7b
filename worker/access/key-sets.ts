// Verification keys per page, memoised in the isolate so a hot page never re-imports a key or
// re-fetches a key set: inline JWKS become a local key set (jose caches each imported key);
// a `jwksUrl` becomes a remote key set that jose refreshes after `cacheMaxAge`, refetches at
// most once per cooldown when a token names an unknown `kid` (key rotation), and gives up on
// after a timeout so a slow identity provider cannot hold a visitor's request.
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Access } from '../domain/schema.ts';
import { ASYMMETRIC_ALGORITHMS, algorithmsForKeys } from './algorithms.ts';
import { type RemoteKeySetOptions, remoteKeySet } from './remote-key-set.ts';

export type JwtSettings = NonNullable<Access['jwt']>;

export interface PageKeys {
  getKey: JWTVerifyGetKey;
  algorithms: string[];
}

export const REMOTE_JWKS_OPTIONS: RemoteKeySetOptions = {
  /** Give up fetching a key set after this long: the visitor gets an answer, not a hang. */
  timeoutMs: 3_000,
  /** An unknown `kid` triggers a refetch at most this often (a flood of forged kids costs one fetch). */
  cooldownMs: 30_000,
  /** Keys older than this are refetched on next use, so a revoked key stops working soon. */
  maxAgeMs: 10 * 60_000,
  /** A dead endpoint is asked again after 30 s, then 1, 2, 4… minutes, at most every 10. */
  backoffMs: 30_000,
  maxBackoffMs: 10 * 60_000,
};

const MAX_ENTRIES = 1_000;

// Host records are re-read every few seconds, so the settings object changes identity; the
// content key (the key set's JSON) keeps imported keys across those refreshes.
const bySettings = new WeakMap<JwtSettings, PageKeys>();
const inline = new Map<string, PageKeys>();
const remote = new Map<string, PageKeys>();

function remember(map: Map<string, PageKeys>, key: string, value: PageKeys): PageKeys {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string);
  map.set(key, value);
  return value;
}

/** The key set that verifies a page's viewer tokens; inline keys win over a URL when both are set. */
export function pageKeys(settings: JwtSettings): PageKeys | null {
  const memo = bySettings.get(settings);
  if (memo) return memo;
  let keys: PageKeys | null = null;
  if (settings.jwks) {
    const id = JSON.stringify(settings.jwks);
    keys =
      inline.get(id) ??
      remember(inline, id, {
        getKey: createLocalJWKSet(settings.jwks as JSONWebKeySet),
        algorithms: algorithmsForKeys(settings.jwks.keys),
      });
  } else if (settings.jwksUrl) {
    const url = settings.jwksUrl;
    keys =
      remote.get(url) ??
      remember(remote, url, {
        getKey: remoteKeySet(url, ASYMMETRIC_ALGORITHMS, REMOTE_JWKS_OPTIONS),
        algorithms: [...ASYMMETRIC_ALGORITHMS],
      });
  }
  if (keys) bySettings.set(settings, keys);
  return keys;
}
