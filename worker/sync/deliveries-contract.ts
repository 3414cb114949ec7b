// The /_sync contract for notification delivery (docs/contract.md §5): the worker decides who
// must hear of what and renders each message; origin-sync only carries messages to SMTP relays
// and webhook endpoints, then says how it went. Internal, like worker/sync/contract.ts: both
// sides import this file, so they cannot drift apart.
//
// Why the edge owns the queue: the decision "this subscriber must hear of this" is made once, in
// the page coordinator's transaction that applies the event (every origin-sync replica and every
// retry goes through it), so the state that makes delivery exactly-once lives beside it, per page.
// origin-sync replicas pull work with leases; a lease that is not reported in time lapses and the
// same delivery (same id, same Message-ID) is leased again.
//
//   POST /_sync/deliveries/lease
//   Authorization: Bearer <JWT>   a write token (worker/sync/contract.ts) with page = DELIVERIES_PATH
//   Body: DeliveryLeaseRequest
//   200 DeliveryLease             due deliveries, each leased to `consumer` until its leaseExpiresAt,
//                                 taken round-robin over pages so one page never starves another
//
//   POST /_sync/deliveries/report
//   Authorization: Bearer <JWT>   a write token with page = DELIVERIES_PATH
//   Body: DeliveryReports
//   200 DeliveryReportResult      `delivered` is final even under a lapsed lease (the receiver has
//                                 it); `retry` schedules the next attempt with backoff and jitter;
//                                 `failed_permanently` (a permanent bounce) quarantines at once. A
//                                 webhook failing 10 times over at least an hour is quarantined
//                                 and its contact told once (a delivery of kind `quarantine_notice`).
//
//   GET /_sync/pages/:pageId/subscriptions                          (read token, as for /status)
//   200 SubscriptionsOverview      for the operator view
//   GET /_sync/pages/:pageId/notifications/:notificationId          (read token)
//   200 NotificationDeliveries     every delivery of one notification and its attempts
//   404 problem+json               unknown page or notification
//
// Both POSTs answer 400 (problem+json with `errors`), 401 and 503 as a page's batch does.
import { z } from 'zod';
import { ResourceId } from '../domain/schema.ts';
import { syncPath } from './contract.ts';

export const DELIVERIES_PATH = '/_sync/deliveries';
export const DELIVERY_LEASE_PATH = `${DELIVERIES_PATH}/lease`;
export const DELIVERY_REPORT_PATH = `${DELIVERIES_PATH}/report`;
export const MAX_LEASE = 500;
export const MAX_REPORTS = 500;

export function subscriptionsPath(pageId: string): string {
  return `${syncPath(pageId)}/subscriptions`;
}

export function notificationPath(pageId: string, notificationId: string): string {
  return `${syncPath(pageId)}/notifications/${encodeURIComponent(notificationId)}`;
}

const DeliveryId = z.string().min(1).max(128);
const Iso = z.iso.datetime();

export const DeliveryLeaseRequest = z.object({
  /** Which origin-sync process asks (stable for its lifetime); recorded with each attempt. */
  consumer: z.string().min(1).max(128),
  max: z.number().int().min(1).max(MAX_LEASE),
  leaseMs: z.number().int().min(5_000).max(600_000),
});
export type DeliveryLeaseRequest = z.infer<typeof DeliveryLeaseRequest>;

export const NotificationKind = z.enum([
  'incident_created',
  'incident_updated',
  'incident_resolved',
  'incident_postmortem',
  'maintenance_scheduled',
  'maintenance_started',
  'maintenance_completed',
  'component_updated',
  'subscription_confirm',
  'quarantine_notice',
]);
export type NotificationKind = z.infer<typeof NotificationKind>;

export const EmailMessage = z.object({
  to: z.email().max(254),
  /** The page's name: origin-sync sends From: "<fromName>" <MAIL_FROM>. */
  fromName: z.string().min(1).max(200),
  subject: z.string().min(1).max(998),
  text: z.string().max(1_000_000),
  html: z.string().max(1_000_000),
  /** Without angle brackets; the same on every attempt at this delivery. */
  messageId: z.string().min(3).max(250),
  /** List-Unsubscribe, List-Unsubscribe-Post, List-Id (absent on a confirmation request). */
  headers: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/), z.string().max(2000)),
  language: z.string().min(2).max(35),
});
export type EmailMessage = z.infer<typeof EmailMessage>;

export const WebhookMessage = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  /** The subscription's signing secret: X-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "t.body")>. */
  secret: z.string().min(16).max(200),
  /** The JSON exactly as it is to be signed and sent (Statuspage's shape plus `id` and `type`). */
  body: z.string().max(1_000_000),
});
export type WebhookMessage = z.infer<typeof WebhookMessage>;

const LeasedBase = {
  id: DeliveryId,
  pageId: ResourceId,
  notificationId: z.string().min(1).max(128),
  kind: NotificationKind,
  /** 1 on the first lease; a lapsed lease or a retry leases the same id with attempt + 1. */
  attempt: z.number().int().min(1),
  leaseId: z.string().min(1).max(128),
  leaseExpiresAt: Iso,
};

export const LeasedDelivery = z.discriminatedUnion('channel', [
  z.object({ ...LeasedBase, channel: z.literal('email'), email: EmailMessage }),
  z.object({ ...LeasedBase, channel: z.literal('webhook'), webhook: WebhookMessage }),
]);
export type LeasedDelivery = z.infer<typeof LeasedDelivery>;

export const DeliveryLease = z.object({ deliveries: z.array(LeasedDelivery).max(MAX_LEASE) });
export type DeliveryLease = z.infer<typeof DeliveryLease>;

export const DeliveryOutcome = z.enum(['delivered', 'retry', 'failed_permanently']);
export type DeliveryOutcome = z.infer<typeof DeliveryOutcome>;

export const DeliveryReport = z.object({
  id: DeliveryId,
  pageId: ResourceId,
  leaseId: z.string().min(1).max(128),
  outcome: DeliveryOutcome,
  at: Iso,
  /** SMTP reply code or HTTP status, when there was one. */
  status: z.number().int().min(0).max(999).optional(),
  /** What went wrong, without addresses or URLs (they are personal data). */
  error: z.string().max(500).optional(),
});
export type DeliveryReport = z.infer<typeof DeliveryReport>;

export const DeliveryReports = z.object({
  consumer: z.string().min(1).max(128),
  reports: z.array(DeliveryReport).min(1).max(MAX_REPORTS),
});
export type DeliveryReports = z.infer<typeof DeliveryReports>;

export const DeliveryReportResult = z.object({
  /** Reports recorded. */
  recorded: z.number().int().min(0),
  /** Ids whose lease had lapsed and passed to another attempt (a `delivered` still counts). */
  lapsed: z.array(DeliveryId),
});
export type DeliveryReportResult = z.infer<typeof DeliveryReportResult>;

export const SubscriberState = z.enum(['pending', 'confirmed', 'quarantined', 'unsubscribed']);
export type SubscriberState = z.infer<typeof SubscriberState>;

export const SubscriptionsOverview = z.object({
  pageId: ResourceId,
  subscribers: z.record(SubscriberState, z.number().int().min(0)),
  notifications: z.array(
    z.object({
      id: z.string(),
      kind: NotificationKind,
      createdAt: Iso,
      /** Recipients decided for it; of them queued (not yet delivered), sent and failed. */
      recipients: z.number().int().min(0),
      queued: z.number().int().min(0),
      sent: z.number().int().min(0),
      failed: z.number().int().min(0),
    }),
  ),
});
export type SubscriptionsOverview = z.infer<typeof SubscriptionsOverview>;

export const DeliveryAttempt = z.object({
  attempt: z.number().int().min(1),
  consumer: z.string(),
  leasedAt: Iso,
  outcome: z.union([DeliveryOutcome, z.literal('lapsed')]).nullable(),
  at: Iso.nullable(),
  status: z.number().int().optional(),
  error: z.string().optional(),
});

export const NotificationDeliveries = z.object({
  pageId: ResourceId,
  notificationId: z.string(),
  kind: NotificationKind,
  deliveries: z.array(
    z.object({
      id: DeliveryId,
      channel: z.enum(['email', 'webhook']),
      /** Operators may see the address; nothing else does. */
      recipient: z.string(),
      state: z.enum(['queued', 'leased', 'delivered', 'failed', 'quarantined', 'dropped']),
      attempts: z.array(DeliveryAttempt),
    }),
  ),
});
export type NotificationDeliveries = z.infer<typeof NotificationDeliveries>;
