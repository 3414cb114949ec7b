// The event explorer's shapes (docs/contract.md §3): what happened to one core event, step by step.
// The steps live in the database (store.ts); these are what the API answers.

export type StepName =
  | 'received'
  | 'validated'
  | 'journaled'
  | 'fanned_out'
  | 'pushed'
  | 'applied'
  | 'skipped'
  | 'rendered'
  /** An extension of docs/contract.md §3: the certificate updater's progress for a page event. */
  | 'certificate'
  /**
   * An extension of docs/contract.md §3: subscribers were told of the event on one page (§5),
   * one step per notification, with how many deliveries were sent, failed or are still queued.
   * Written by notification delivery through an extension's trace sink (notifiedStep below).
   */
  | 'notified'
  | 'failed';

export interface TraceStep {
  step: StepName;
  at: string;
  pageId?: string;
  renderVersion?: number;
  detail?: string;
  error?: string;
}

export interface EventTrace {
  id: string;
  type: string;
  receivedAt: string;
  steps: TraceStep[];
}

/** What one notification of an event came to on one page, for its `notified` step. */
export interface NotificationSummary {
  pageId: string;
  notificationId: string;
  /** NotificationKind of worker/sync/deliveries-contract.ts, e.g. incident_created. */
  kind: string;
  at: string;
  sent: number;
  failed: number;
  queued: number;
  /** The last delivery error, without addresses or URLs (they are personal data). */
  error?: string;
}

/**
 * The `notified` step of a notification: its detail reads as a sentence the explorer shows as it
 * is; `error` is set only when a delivery failed for good.
 */
export function notifiedStep(n: NotificationSummary): TraceStep {
  const parts = [`${n.sent} sent`];
  if (n.failed > 0) parts.push(`${n.failed} failed`);
  if (n.queued > 0) parts.push(`${n.queued} queued`);
  return {
    step: 'notified',
    at: n.at,
    pageId: n.pageId,
    detail: `${n.kind} ${n.notificationId}: ${parts.join(', ')}`,
    ...(n.failed > 0 && n.error ? { error: n.error } : {}),
  };
}
