// What the updater knows about one hostname, and how an answer from Cloudflare moves it on.
// Pure: no I/O, no clock of its own; the updater feeds in `now` and the settings.
import { z } from 'zod';
import { backoffDelay } from '../backoff-delay.ts';
import type { CustomHostname } from './cloudflare-api.ts';
import type { CertificateTiming } from './config.ts';

/**
 * - `provisioning`: wanted, not yet created (or adopted) at Cloudflare;
 * - `pending`: created; followed with backoff until active, failed or timed out;
 * - `active`: hostname and certificate active; re-checked rarely;
 * - `failed`: Cloudflare gave up (validation timed out, hostname moved or blocked, ...)
 *   or refused the request; re-checked rarely, restarted when the page is saved again;
 * - `timed_out`: still pending after `followTimeoutMs`; re-checked rarely, same restart;
 * - `removing`: no page wants it any more; deleted after a grace period (so that a move
 *   from page A to page B arriving as two events in either order keeps the certificate);
 * - `disabled`: the updater is off (no zone/token); the hostname is only listed.
 */
export const HostnamePhase = z.enum([
  'provisioning',
  'pending',
  'active',
  'failed',
  'timed_out',
  'removing',
  'disabled',
]);
export type HostnamePhase = z.infer<typeof HostnamePhase>;

/** A DNS record or HTTP token the customer has to publish, in the words an operator uses. */
export const ValidationRecordView = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('txt'),
    purpose: z.enum(['ownership', 'certificate']),
    name: z.string(),
    value: z.string(),
  }),
  z.object({
    type: z.literal('http'),
    purpose: z.enum(['ownership', 'certificate']),
    url: z.string(),
    body: z.string(),
  }),
  z.object({
    type: z.literal('cname'),
    purpose: z.literal('certificate'),
    name: z.string(),
    target: z.string(),
  }),
  z.object({
    type: z.literal('email'),
    purpose: z.literal('certificate'),
    emails: z.array(z.string()),
  }),
]);
export type ValidationRecordView = z.infer<typeof ValidationRecordView>;

export const LastError = z.object({ at: z.string(), message: z.string() });
export type LastError = z.infer<typeof LastError>;

export const HostnameState = z.object({
  hostname: z.string(),
  /** The page that claimed it last (still set while `removing`, for the operator's view). */
  pageId: z.string(),
  desired: z.enum(['present', 'absent']),
  phase: HostnamePhase,
  customHostnameId: z.string().optional(),
  hostnameStatus: z.string().optional(),
  certificateStatus: z.string().optional(),
  validationRecords: z.array(ValidationRecordView),
  verificationErrors: z.array(z.string()),
  validationErrors: z.array(z.string()),
  lastError: LastError.optional(),
  /** Follow polls since the last (re)start; drives the poll backoff. */
  polls: z.number().int().min(0),
  /** API failures in a row for this hostname (for the operator; waiting is global). */
  failures: z.number().int().min(0),
  followingSince: z.number(),
  /** When the next API call for this hostname is due (epoch ms). */
  nextAttemptAt: z.number(),
  /** Ask Cloudflare to retry domain control validation on the next call (PATCH). */
  revalidate: z.boolean().optional(),
  /** The core event that caused the last change: later steps are recorded under it. */
  eventId: z.string().optional(),
  updatedAt: z.string(),
});
export type HostnameState = z.infer<typeof HostnameState>;

export type FollowSettings = Pick<
  CertificateTiming,
  'poll' | 'followTimeoutMs' | 'recheckActiveMs' | 'recheckStalledMs'
> & { random?: () => number };

export type StepAction =
  | 'requested'
  | 'created'
  | 'adopted'
  | 'pending'
  | 'active'
  | 'failed'
  | 'timed_out'
  | 'moved'
  | 'restarted'
  | 'recreating'
  | 'retrying'
  | 'removal_scheduled'
  | 'removal_cancelled'
  | 'deleted';

export interface StepDraft {
  action: StepAction;
  detail: string;
  error?: string;
}

const HOSTNAME_ACTIVE = new Set(['active', 'active_redeploying']);
const HOSTNAME_FAILED = new Set(['moved', 'blocked', 'test_failed', 'test_blocked']);
const CERT_ACTIVE = new Set(['active']);
const CERT_FAILED = new Set([
  'initializing_timed_out',
  'validation_timed_out',
  'issuance_timed_out',
  'deployment_timed_out',
  'deletion_timed_out',
  'expired',
  'inactive',
  'deleted',
]);
/** A certificate status after which Cloudflare will not retry validation by itself. */
export function certificateNeedsRevalidation(status: string | undefined): boolean {
  return status !== undefined && (status.endsWith('_timed_out') || status === 'expired');
}

export type Verdict =
  | { kind: 'active' }
  | { kind: 'pending' }
  | { kind: 'failed'; reason: string }
  | { kind: 'gone' };

export function classify(ch: CustomHostname): Verdict {
  const host = ch.status ?? 'pending';
  const cert = ch.ssl?.status ?? 'initializing';
  // `pending_deletion` is followed like any pending state until it reads `deleted` or 404s.
  if (host === 'deleted') return { kind: 'gone' };
  if (HOSTNAME_FAILED.has(host)) {
    const why =
      host === 'moved'
        ? 'the hostname no longer points at this zone (status "moved"): the customer must restore the CNAME'
        : `hostname status "${host}"`;
    return { kind: 'failed', reason: why };
  }
  if (CERT_FAILED.has(cert)) {
    const errors = sslErrors(ch);
    return {
      kind: 'failed',
      reason: `certificate status "${cert}"${errors.length ? `: ${errors.join('; ')}` : ''}`,
    };
  }
  if (HOSTNAME_ACTIVE.has(host) && CERT_ACTIVE.has(cert)) return { kind: 'active' };
  return { kind: 'pending' };
}

function sslErrors(ch: CustomHostname): string[] {
  return (ch.ssl?.validation_errors ?? [])
    .map((e) => e.message)
    .filter((m): m is string => typeof m === 'string' && m.length > 0);
}

function verificationErrors(ch: CustomHostname): string[] {
  return (ch.verification_errors ?? []).map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
}

/** Ownership (pre-validation) first, then the certificate's DCV records. */
export function validationRecordsOf(ch: CustomHostname): ValidationRecordView[] {
  const out: ValidationRecordView[] = [];
  const own = ch.ownership_verification;
  if (own?.name && own.value) {
    out.push({ type: 'txt', purpose: 'ownership', name: own.name, value: own.value });
  }
  const ownHttp = ch.ownership_verification_http;
  if (ownHttp?.http_url && ownHttp.http_body !== undefined) {
    out.push({
      type: 'http',
      purpose: 'ownership',
      url: ownHttp.http_url,
      body: ownHttp.http_body,
    });
  }
  for (const r of ch.ssl?.validation_records ?? []) {
    if (r.txt_name && r.txt_value) {
      out.push({ type: 'txt', purpose: 'certificate', name: r.txt_name, value: r.txt_value });
    }
    if (r.http_url && r.http_body !== undefined) {
      out.push({ type: 'http', purpose: 'certificate', url: r.http_url, body: r.http_body });
    }
    if (r.cname && r.cname_target) {
      out.push({ type: 'cname', purpose: 'certificate', name: r.cname, target: r.cname_target });
    }
    if (r.emails && r.emails.length > 0) {
      out.push({ type: 'email', purpose: 'certificate', emails: r.emails });
    }
  }
  return out;
}

function humanDuration(ms: number): string {
  if (ms >= 3_600_000) return `${Math.round(ms / 360_000) / 10} h`;
  if (ms >= 60_000) return `${Math.round(ms / 6_000) / 10} min`;
  if (ms >= 1_000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}

/** Where the hostname stands after Cloudflare described it (create, adopt, get or patch). */
export function observe(
  state: HostnameState,
  ch: CustomHostname,
  now: number,
  settings: FollowSettings,
): { state: HostnameState; steps: StepDraft[] } {
  const verdict = classify(ch);
  const before = state;
  const records = validationRecordsOf(ch);
  const next: HostnameState = {
    ...state,
    customHostnameId: ch.id,
    hostnameStatus: ch.status,
    certificateStatus: ch.ssl?.status,
    // Cloudflare drops the records once validated; until then an empty answer is more likely
    // a momentary gap than a reason to hide from the customer what to publish.
    validationRecords:
      records.length > 0 || verdict.kind === 'active' ? records : state.validationRecords,
    verificationErrors: verificationErrors(ch),
    validationErrors: sslErrors(ch),
    failures: 0,
    updatedAt: new Date(now).toISOString(),
  };
  delete next.lastError;
  const steps: StepDraft[] = [];
  const statuses = `hostname ${ch.status ?? '?'}, certificate ${ch.ssl?.status ?? '?'}`;
  const changed =
    before.hostnameStatus !== next.hostnameStatus ||
    before.certificateStatus !== next.certificateStatus;

  if (state.desired === 'absent') {
    // Being removed: remember what we saw, the deletion is already scheduled.
    return { state: next, steps };
  }

  switch (verdict.kind) {
    case 'gone': {
      delete next.customHostnameId;
      next.phase = 'provisioning';
      next.nextAttemptAt = now + settings.poll.initialMs;
      steps.push({
        action: 'recreating',
        detail: `deleted at Cloudflare (${statuses}); creating it again`,
      });
      break;
    }
    case 'active': {
      next.phase = 'active';
      next.revalidate = false;
      next.nextAttemptAt = now + settings.recheckActiveMs;
      if (before.phase !== 'active') {
        steps.push({ action: 'active', detail: `certificate active (${statuses})` });
      }
      break;
    }
    case 'failed': {
      next.phase = 'failed';
      next.lastError = { at: next.updatedAt, message: verdict.reason };
      next.nextAttemptAt = now + settings.recheckStalledMs;
      // Cloudflare does not retry a timed-out validation by itself: the slow re-check asks it
      // to, so a customer who fixes their DNS late is still picked up without anyone acting.
      next.revalidate = certificateNeedsRevalidation(ch.ssl?.status);
      if (before.phase !== 'failed' || changed) {
        steps.push({ action: 'failed', detail: statuses, error: verdict.reason });
      }
      break;
    }
    case 'pending': {
      if (before.phase === 'failed' || before.phase === 'timed_out') {
        // A slow re-check of a stalled hostname: stay stalled until the page restarts it.
        next.lastError = before.lastError;
        next.nextAttemptAt = now + settings.recheckStalledMs;
        break;
      }
      if (now - state.followingSince >= settings.followTimeoutMs) {
        const errors = [...next.verificationErrors, ...next.validationErrors];
        const message = `not active after ${humanDuration(now - state.followingSince)} (${statuses})${
          errors.length ? `: ${errors.join('; ')}` : ''
        }`;
        next.phase = 'timed_out';
        next.lastError = { at: next.updatedAt, message };
        next.nextAttemptAt = now + settings.recheckStalledMs;
        steps.push({ action: 'timed_out', detail: statuses, error: message });
        break;
      }
      next.phase = 'pending';
      next.polls = state.polls + 1;
      next.nextAttemptAt = now + backoffDelay(state.polls + 1, settings.poll, settings.random);
      if (changed || before.phase === 'provisioning') {
        steps.push({ action: 'pending', detail: statuses });
      }
      break;
    }
  }
  return { state: next, steps };
}

/** A fresh record for a hostname a page just claimed. */
export function newHostnameState(
  hostname: string,
  pageId: string,
  now: number,
  enabled: boolean,
  eventId: string | undefined,
): HostnameState {
  return {
    hostname,
    pageId,
    desired: 'present',
    phase: enabled ? 'provisioning' : 'disabled',
    validationRecords: [],
    verificationErrors: [],
    validationErrors: [],
    polls: 0,
    failures: 0,
    followingSince: now,
    nextAttemptAt: now,
    ...(eventId !== undefined ? { eventId } : {}),
    updatedAt: new Date(now).toISOString(),
  };
}

/** Follows the hostname again from the start (re-created, or claimed again while deleted). */
export function restartFollowing(record: HostnameState, phase: HostnamePhase, now: number): void {
  record.phase = phase;
  record.polls = 0;
  record.followingSince = now;
  record.nextAttemptAt = now;
  record.updatedAt = new Date(now).toISOString();
}
