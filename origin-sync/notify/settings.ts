// The notifier's settings, from the environment (docs/contract.md §4 and §5: SMTP_URL,
// MAIL_FROM; the rest are origin-sync's own). Without SMTP_URL the notifier is off and says
// so: the worker keeps every delivery queued until an origin-sync that can send leases it.
import { z } from 'zod';
import { parseEnv } from '../config.ts';

const Positive = z.coerce.number().int().min(1);
const Flag = z.enum(['0', '1']).transform((v) => v === '1');

const SmtpUrl = z
  .url({ protocol: /^smtps?$/ })
  .refine((u) => new URL(u).hostname !== '', 'needs a host');

const Env = z.object({
  SMTP_URL: SmtpUrl.optional(),
  MAIL_FROM: z.email().max(254).optional(),
  /** Deliveries sent at once (emails and webhooks together). */
  NOTIFY_CONCURRENCY: Positive.max(256).default(8),
  /** Emails per second at most (the relay's limit); 0: as fast as the concurrency allows. */
  SMTP_RATE_PER_S: z.coerce.number().int().min(0).max(100_000).default(0),
  /** Connections kept open to the relay (pooled); default: the concurrency. */
  SMTP_MAX_CONNECTIONS: Positive.max(256).optional(),
  /** Messages sent over one connection before it is replaced. */
  SMTP_MAX_MESSAGES: Positive.default(1_000),
  /** How often the worker is asked for due deliveries when nothing told us to ask sooner. */
  NOTIFY_POLL_MS: Positive.max(60_000).default(1_000),
  /** How long a lease lasts; a delivery not reported by then goes to another attempt. */
  NOTIFY_LEASE_MS: z.coerce.number().int().min(5_000).max(600_000).default(60_000),
  WEBHOOK_TIMEOUT_MS: Positive.max(120_000).default(10_000),
  SMTP_TIMEOUT_MS: Positive.max(300_000).default(30_000),
  /**
   * Development only (npm start sets it): webhooks may go to loopback (127.0.0.1, ::1,
   * localhost), over http:// too. Production sends only https:// to global addresses.
   */
  WEBHOOK_ALLOW_LOOPBACK: Flag.default(false),
});

export interface NotifySettings {
  smtp: { url: string; from: string } | null;
  /** Why the notifier is off, when it is. */
  off: string | null;
  concurrency: number;
  smtpRatePerS: number;
  smtpMaxConnections: number;
  smtpMaxMessages: number;
  pollMs: number;
  leaseMs: number;
  webhookTimeoutMs: number;
  smtpTimeoutMs: number;
  allowLoopback: boolean;
}

export function notifySettings(env: Record<string, string | undefined>): NotifySettings {
  const e = parseEnv(Env, env);
  let off: string | null = null;
  if (!e.SMTP_URL) off = 'SMTP_URL not set';
  else if (!e.MAIL_FROM) off = 'MAIL_FROM not set';
  return {
    smtp: e.SMTP_URL && e.MAIL_FROM ? { url: e.SMTP_URL, from: e.MAIL_FROM } : null,
    off,
    concurrency: e.NOTIFY_CONCURRENCY,
    smtpRatePerS: e.SMTP_RATE_PER_S,
    smtpMaxConnections: e.SMTP_MAX_CONNECTIONS ?? e.NOTIFY_CONCURRENCY,
    smtpMaxMessages: e.SMTP_MAX_MESSAGES,
    pollMs: e.NOTIFY_POLL_MS,
    leaseMs: e.NOTIFY_LEASE_MS,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    smtpTimeoutMs: e.SMTP_TIMEOUT_MS,
    allowLoopback: e.WEBHOOK_ALLOW_LOOPBACK,
  };
}
