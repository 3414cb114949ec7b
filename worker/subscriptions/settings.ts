// The subscription policy's tunable numbers, from the worker's vars (wrangler.toml [vars] holds
// the production values). Tests and benchmarks run the same policy faster or wider: a retry
// scale shrinks every retry delay and the quarantine window together, so the policy keeps its
// shape (doubling from 30 s to an hour, ten failures over at least an hour); the sign-up limits
// are raised for a benchmark that signs up thousands of subscribers from one machine.
import { z } from 'zod';

const Count = z.coerce.number().int().min(1).max(1_000_000_000);

const Vars = z.object({
  /** 1 = real time; 0.001 makes a 30 s retry 30 ms and the one-hour window 3.6 s. */
  DELIVERY_RETRY_SCALE: z.coerce.number().gt(0).max(1).default(1),
  /** Sign-ups one client address may make per 10 minutes. */
  SUBSCRIBE_CLIENT_LIMIT: Count.default(10),
  /** Sign-ups one page takes per minute, from everyone together. */
  SUBSCRIBE_PAGE_LIMIT: Count.default(1_000),
});

export interface SubscriptionSettings {
  retryScale: number;
  clientLimit: number;
  pageLimit: number;
}

export const DEFAULT_SETTINGS: SubscriptionSettings = {
  retryScale: 1,
  clientLimit: 10,
  pageLimit: 1_000,
};

const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);

/**
 * The settings, or an error naming the bad var: a misconfigured deploy fails loudly rather
 * than running with limits nobody chose.
 */
export function subscriptionSettings(env: {
  DELIVERY_RETRY_SCALE?: unknown;
  SUBSCRIBE_CLIENT_LIMIT?: unknown;
  SUBSCRIBE_PAGE_LIMIT?: unknown;
}): SubscriptionSettings {
  const parsed = Vars.safeParse({
    DELIVERY_RETRY_SCALE: blankToUndefined(env.DELIVERY_RETRY_SCALE),
    SUBSCRIBE_CLIENT_LIMIT: blankToUndefined(env.SUBSCRIBE_CLIENT_LIMIT),
    SUBSCRIBE_PAGE_LIMIT: blankToUndefined(env.SUBSCRIBE_PAGE_LIMIT),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`bad worker var ${String(issue?.path[0])}: ${issue?.message ?? 'invalid'}`);
  }
  return {
    retryScale: parsed.data.DELIVERY_RETRY_SCALE,
    clientLimit: parsed.data.SUBSCRIBE_CLIENT_LIMIT,
    pageLimit: parsed.data.SUBSCRIBE_PAGE_LIMIT,
  };
}
