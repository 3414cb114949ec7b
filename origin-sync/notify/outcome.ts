// What one attempt at a delivery came to, as the worker is told it (DeliveryReport), and the
// scrubbing that keeps addresses and URLs out of what is reported and logged.
import type { DeliveryOutcome } from '../../worker/sync/deliveries-contract.ts';

export interface SendResult {
  outcome: DeliveryOutcome;
  /** SMTP reply code or HTTP status, when there was one. */
  status?: number;
  error?: string;
}

/**
 * An error text without personal data: relays and resolvers quote addresses and host names
 * ("550 <ann@example.com> no such user", "getaddrinfo ENOTFOUND hooks.example.com").
 */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('[redacted]');
  return out
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '[url]')
    .replace(/[^\s<>"'()[\],;:]+@[^\s<>"'()[\],;:]+/g, '[address]')
    .slice(0, 500);
}
