// Configuration from the environment (docs/contract.md §4). Without a zone and a token the
// updater is off: it still tracks which page has which hostnames, it just never calls
// Cloudflare, and the domains endpoint says "disabled".
import type { BackoffPolicy } from '../backoff-delay.ts';
import type { DcvMethod } from './cloudflare-api.ts';

export const DEFAULT_CLOUDFLARE_API_BASE_URL = 'https://api.cloudflare.com/client/v4';

export type CertificateConfig =
  | {
      enabled: true;
      baseUrl: string;
      zoneId: string;
      apiToken: string;
      /** Domain control validation method for new custom hostnames. */
      sslMethod: DcvMethod;
    }
  | { enabled: false; reason: string };

export interface CertificateTiming {
  /** API calls in flight at once. */
  concurrency: number;
  /** Minimum time between two API calls (Cloudflare allows 1200 calls / 5 min per user). */
  minIntervalMs: number;
  requestTimeoutMs: number;
  /** Global hold after 5xx / network errors, doubling per failure in a row. */
  outageBackoff: BackoffPolicy;
  /** Hold after a 429 without `Retry-After` (Cloudflare blocks for up to five minutes). */
  defaultRetryAfterMs: number;
  /** Never believe a `Retry-After` longer than this. */
  maxRetryAfterMs: number;
  /** Following a pending hostname: first poll after `initialMs`, doubling up to `maxMs`. */
  poll: BackoffPolicy;
  /** Give up following (state `timed_out`) after this long without becoming active. */
  followTimeoutMs: number;
  recheckActiveMs: number;
  /** How often a failed or timed-out hostname is looked at again (a customer may fix DNS late). */
  recheckStalledMs: number;
  /** A removed hostname is deleted this long after removal, unless a page claims it again. */
  removalGraceMs: number;
}

export const DEFAULT_TIMING: CertificateTiming = {
  concurrency: 4,
  minIntervalMs: 500,
  requestTimeoutMs: 30_000,
  outageBackoff: { initialMs: 1_000, maxMs: 5 * 60_000 },
  defaultRetryAfterMs: 60_000,
  maxRetryAfterMs: 15 * 60_000,
  poll: { initialMs: 10_000, maxMs: 10 * 60_000 },
  followTimeoutMs: 24 * 3_600_000,
  recheckActiveMs: 24 * 3_600_000,
  recheckStalledMs: 6 * 3_600_000,
  removalGraceMs: 60_000,
};

type Env = Record<string, string | undefined>;

/** Throws on values that are set but unusable: better a clear start-up error than silent drift. */
export function certificateConfigFromEnv(env: Env = process.env): CertificateConfig {
  const zoneId = env.CLOUDFLARE_ZONE_ID?.trim() ?? '';
  const apiToken = env.CLOUDFLARE_API_TOKEN?.trim() ?? '';
  const baseUrl = env.CLOUDFLARE_API_BASE_URL?.trim() || DEFAULT_CLOUDFLARE_API_BASE_URL;
  const method = env.CLOUDFLARE_SSL_METHOD?.trim() || 'http';

  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`CLOUDFLARE_API_BASE_URL is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error('CLOUDFLARE_API_BASE_URL must be an http(s) URL');
  }
  if (method !== 'http' && method !== 'txt') {
    throw new Error(`CLOUDFLARE_SSL_METHOD must be "http" or "txt", not ${JSON.stringify(method)}`);
  }
  if (zoneId !== '' && !/^[A-Za-z0-9_-]{1,64}$/.test(zoneId)) {
    throw new Error('CLOUDFLARE_ZONE_ID must be a zone identifier (32 hex characters)');
  }

  const missing = [
    ...(zoneId === '' ? ['CLOUDFLARE_ZONE_ID'] : []),
    ...(apiToken === '' ? ['CLOUDFLARE_API_TOKEN'] : []),
  ];
  if (missing.length > 0) {
    return { enabled: false, reason: `${missing.join(' and ')} not set` };
  }
  return {
    enabled: true,
    baseUrl: url.href.replace(/\/+$/, ''),
    zoneId,
    apiToken,
    sslMethod: method,
  };
}
