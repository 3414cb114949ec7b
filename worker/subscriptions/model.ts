// What a subscription is and what a notification tells, and the one rule of who hears what
// (docs/subscriptions.md). Pure: the page coordinator stores these, the renderer reads them.
import type { OverallStatus } from '../domain/indicator.ts';
import type { Incident, Maintenance, Service, ServiceStatus } from '../domain/schema.ts';
import type { NotificationKind, SubscriberState } from '../sync/deliveries-contract.ts';

export type Channel = 'email' | 'webhook';

export interface Subscriber {
  /** The row number: the cursor notifications expand over, and part of a delivery's id. */
  n: number;
  /** Random, in every link's token (tokens.ts). */
  id: string;
  email: string;
  webhookUrl: string | null;
  secret: string | null;
  /** Service ids; null hears of every service. */
  components: string[] | null;
  /** Follows only this incident. */
  incidentId: string | null;
  /** The page variant the subscriber may see (`public`, `private`, `audience:<id>`). */
  variant: string;
  language: string;
  /** Scheme, host and port the subscriber used: links in messages go back there. */
  origin: string;
  state: SubscriberState;
}

export function channelOf(s: Pick<Subscriber, 'webhookUrl'>): Channel {
  return s.webhookUrl === null ? 'email' : 'webhook';
}

/** What a notification is about, as it was when the coordinator decided it. */
export type NotificationSubject =
  | { type: 'incident'; incident: Incident; updateId: string | null }
  | { type: 'maintenance'; maintenance: Maintenance }
  | { type: 'component'; service: Service; oldStatus: ServiceStatus; at: string }
  | { type: 'confirm' }
  | { type: 'quarantine' };

export interface PageFacts {
  id: string;
  name: string;
  locale: string | null;
  hostnames: string[];
  timeZone: string | null;
}

export interface NotificationPayload {
  kind: NotificationKind;
  subject: NotificationSubject;
  page: PageFacts;
  /** The services it is about: a subscriber with components hears of it only if one is theirs. */
  serviceIds: string[];
  /** Names of the services it is about, as they were. */
  serviceNames: Record<string, string>;
  /** The page's overall status per variant, when decided (webhooks' `page.status_*`). */
  status: Record<string, OverallStatus>;
  createdAt: string;
}

export interface NotificationDraft {
  /** Deterministic from what it tells: the same event again finds the same key. */
  key: string;
  kind: NotificationKind;
  subject: NotificationSubject;
  serviceIds: string[];
}

/** Kinds addressed to one subscriber, whatever their state or components. */
export function isPersonalKind(kind: NotificationKind): boolean {
  return kind === 'subscription_confirm' || kind === 'quarantine_notice';
}

/**
 * Whether a confirmed subscriber hears of a (page-wide) notification: webhooks hear of
 * component changes, emails do not; a follower only of their incident; a subscriber with
 * components only of what touches one; an audience subscriber only of their audience's slice.
 */
export function reaches(
  s: Pick<Subscriber, 'webhookUrl' | 'components' | 'incidentId' | 'variant'>,
  kind: NotificationKind,
  payload: Pick<NotificationPayload, 'subject' | 'serviceIds'>,
  audienceServices: (variant: string) => ReadonlySet<string> | null,
): boolean {
  if (isPersonalKind(kind)) return false;
  if (kind === 'component_updated' && s.webhookUrl === null) return false;
  if (s.incidentId !== null) {
    const subject = payload.subject;
    if (subject.type !== 'incident' || subject.incident.id !== s.incidentId) return false;
  }
  const slice = audienceServices(s.variant);
  if (slice !== null && !payload.serviceIds.some((id) => slice.has(id))) return false;
  if (s.components !== null && s.components.length > 0) {
    const mine = new Set(s.components);
    if (!payload.serviceIds.some((id) => mine.has(id))) return false;
  }
  return true;
}
