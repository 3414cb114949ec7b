// Pure: what a failed Cloudflare API call does to a hostname's record, and what the operator
// is told. Cloudflare's limits are per user across the whole API, and a 5xx says the API is
// unwell rather than one hostname, so rate limits and outages hold every call (the gate);
// a refusal fails the hostname alone; a custom hostname deleted behind our back is created
// again. No I/O and no clock: the updater passes `now` in, then saves and records the step.
import type { ApiGate } from './backoff.ts';
import { CloudflareApiError } from './cloudflare-api.ts';
import type { CertificateTiming } from './config.ts';
import { type HostnameState, restartFollowing, type StepDraft } from './hostname-state.ts';

/** The first failure of a streak is worth a step; an outage is not worth hundreds. */
const ERROR_STEP_EVERY = 10;

export interface FailureContext {
  now: number;
  timing: Pick<CertificateTiming, 'outageBackoff' | 'recheckStalledMs'>;
  /** The global hold; its own arithmetic is pure too (time passed in). */
  gate: Pick<ApiGate, 'rateLimited' | 'unavailable'>;
  /** Named in the advice for a token without permission. */
  zoneId: string;
}

/** Moves the record on after `err` (mutating it); returns the steps worth recording. */
export function afterFailure(
  record: HostnameState,
  err: unknown,
  ctx: FailureContext,
): StepDraft[] {
  const { now, timing } = ctx;
  const at = new Date(now).toISOString();
  const kind = err instanceof CloudflareApiError ? err.kind : 'unexpected';
  let message = err instanceof Error ? err.message : String(err);
  let failed = false;

  switch (kind) {
    case 'rate_limited': {
      const retryAfter = err instanceof CloudflareApiError ? err.retryAfterMs : undefined;
      const until = ctx.gate.rateLimited(now, retryAfter);
      record.nextAttemptAt = until;
      message = `rate limited by Cloudflare (${message}); all calls wait until ${new Date(until).toISOString()}`;
      break;
    }
    case 'unavailable':
    case 'invalid_response': {
      record.nextAttemptAt = ctx.gate.unavailable(now);
      break;
    }
    case 'not_found': {
      if (!record.customHostnameId) {
        // Even listing 404s: the zone id is wrong. Nothing to follow until that is fixed.
        message = `${message}: is CLOUDFLARE_ZONE_ID right?`;
        record.nextAttemptAt = now + timing.outageBackoff.maxMs;
        break;
      }
      // The custom hostname we followed is gone (deleted out of band): create it again.
      delete record.customHostnameId;
      if (record.desired !== 'present') return [];
      restartFollowing(record, 'provisioning', now);
      return [{ action: 'recreating', detail: `not found at Cloudflare (${message})` }];
    }
    case 'unauthorized': {
      message = `${message}: the API token needs the "SSL and Certificates Write" permission on zone ${ctx.zoneId}`;
      record.nextAttemptAt = now + timing.outageBackoff.maxMs;
      break;
    }
    case 'rejected': {
      if (record.desired === 'present') record.phase = 'failed';
      record.nextAttemptAt = now + timing.recheckStalledMs;
      failed = true;
      break;
    }
    default: {
      record.nextAttemptAt = now + timing.outageBackoff.maxMs;
    }
  }
  record.failures += 1;
  record.lastError = { at, message };
  record.updatedAt = at;
  if (!failed && record.failures % ERROR_STEP_EVERY !== 1) return [];
  return [
    {
      action: failed ? 'failed' : 'retrying',
      detail: failed
        ? 'Cloudflare refused the request'
        : `next attempt at ${new Date(record.nextAttemptAt).toISOString()}`,
      error: message,
    },
  ];
}
