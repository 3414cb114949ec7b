// A page's `jwksUrl` key set, fetched with limits (issue 12). jose's remote key set buffers any
// response whole and retries a dead endpoint on every request; an identity provider that is
// down, slow or hostile must cost the edge little:
//   - a response over MAX_JWKS_BYTES is refused (read as it streams, never buffered whole);
//   - a failed fetch is remembered with backoff: while it lasts, tokens are refused at once,
//     so a dead endpoint costs one fetch per interval however many viewers knock;
//   - a token's header is checked before any fetch: it must name an algorithm the page could
//     accept and a `kid`; a `kid` unknown to a fresh set triggers at most one refetch per
//     cooldown.
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { readBodyWithin } from '../sync/read-body.ts';

export const MAX_JWKS_BYTES = 64 * 1024;

export interface RemoteKeySetOptions {
  timeoutMs: number;
  /** A good set is used for this long before it is fetched again. */
  maxAgeMs: number;
  /** An unknown `kid` refetches at most this often. */
  cooldownMs: number;
  /** After a failure, the first wait; it doubles per failure up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  now?: () => number;
}

const KeySetJson = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(32) });

class KeySetUnavailable extends Error {}

/** The body as text, refusing one over `max` bytes whatever Content-Length says. */
async function boundedText(res: Response, max: number): Promise<string> {
  if (Number(res.headers.get('Content-Length') ?? '0') > max) {
    await res.body?.cancel();
    throw new KeySetUnavailable(`key set larger than ${max} bytes`);
  }
  const read = await readBodyWithin(res.body, max);
  if (!read.ok) throw new KeySetUnavailable(`key set larger than ${max} bytes`);
  return new TextDecoder().decode(read.bytes);
}

export function remoteKeySet(
  url: string,
  algorithms: readonly string[],
  opts: RemoteKeySetOptions,
): JWTVerifyGetKey {
  const now = opts.now ?? Date.now;
  let keys: { getKey: JWTVerifyGetKey; kids: Set<string>; at: number } | null = null;
  let failures = 0;
  let retryAt = 0;
  let lastFetchAt = -Infinity;
  let inFlight: Promise<void> | null = null;

  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      lastFetchAt = now();
      try {
        const res = await fetch(url, {
          headers: { Accept: 'application/json' },
          redirect: 'error',
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        if (!res.ok) {
          await res.body?.cancel();
          throw new KeySetUnavailable(`key set answered ${res.status}`);
        }
        const set = KeySetJson.parse(JSON.parse(await boundedText(res, MAX_JWKS_BYTES)));
        keys = {
          getKey: createLocalJWKSet(set as JSONWebKeySet),
          kids: new Set(set.keys.flatMap((k) => (typeof k.kid === 'string' ? [k.kid] : []))),
          at: now(),
        };
        failures = 0;
        retryAt = 0;
      } catch (err) {
        failures += 1;
        retryAt = now() + Math.min(opts.backoffMs * 2 ** (failures - 1), opts.maxBackoffMs);
        throw err;
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  };

  return async (header, token) => {
    // Nothing is fetched for a token the page could never accept.
    if (!header.alg || !algorithms.includes(header.alg)) {
      throw new KeySetUnavailable('algorithm not accepted');
    }
    if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 256) {
      throw new KeySetUnavailable('a token for a remote key set names its kid');
    }
    const t = now();
    const fresh = keys !== null && t - keys.at < opts.maxAgeMs;
    const unknownKid = keys !== null && !keys.kids.has(header.kid);
    const mayFetch = t >= retryAt && (!fresh || (unknownKid && t - lastFetchAt >= opts.cooldownMs));
    if (mayFetch) await refresh().catch(() => {});
    const current = keys as { getKey: JWTVerifyGetKey } | null;
    if (current === null) throw new KeySetUnavailable('key set unavailable');
    return current.getKey(header, token);
  };
}
