// Retry timing shared by the pusher, the render confirmer and the certificate updater.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": at least half the exponential step (retries never
 * collapse to zero), the other half random (work that failed together retries apart).
 * `attempt` 1 is the first retry.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const step = policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30);
  const cap = Math.min(policy.maxMs, step);
  return Math.round(cap / 2 + random() * (cap / 2));
}
