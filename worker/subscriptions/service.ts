// The subscriptions side of a page's coordinator: sign-ups, their links, the decisions made
// while an event applies, and the delivery queue origin-sync leases from. The coordinator
// owns the storage and the transaction; this is what it does with them for subscriptions.
import { type OverallStatus, overallStatus } from '../domain/indicator.ts';
import type { Incident, Maintenance, Service, StatusPage } from '../domain/schema.ts';
import {
  audienceOfVariant,
  type PageSnapshot,
  shownServices,
  sliceForAudience,
  variantIds,
} from '../domain/snapshot.ts';
import { pageLanguage } from '../render/i18n/catalogue.ts';
import type {
  DeliveryReport,
  DeliveryReportResult,
  LeasedDelivery,
  NotificationDeliveries,
  SubscriptionsOverview,
} from '../sync/deliveries-contract.ts';
import {
  clockMaintenanceNotifications,
  componentNotifications,
  incidentNotifications,
  maintenanceNotifications,
} from './decide.ts';
import { type MessageLinks, renderEmail, renderWebhookBody } from './messages.ts';
import type { NotificationDraft, NotificationPayload, PageFacts, Subscriber } from './model.ts';
import { DEFAULT_SETTINGS, type SubscriptionSettings } from './settings.ts';
import { deliveryWireId, type LeasedRow, notificationWireId, SubscriptionStore } from './store.ts';
import { importLinkKey, type LinkPurpose, linkToken, verifyLinkToken } from './tokens.ts';

/** The windows of the sign-up limits; the limits themselves are settings (settings.ts). */
export const CLIENT_WINDOW_MS = 10 * 60 * 1000;
export const PAGE_WINDOW_MS = 60 * 1000;
/** Confirmation emails one address gets per hour; more sign-ups are answered alike, silently. */
export const EMAIL_LIMIT = 3;
export const EMAIL_WINDOW_MS = 60 * 60 * 1000;
/** Subscribers looked at per lease to make delivery rows: bounds one call's work and memory. */
export const EXPAND_BUDGET = 2000;

/** What the coordinator's storage gives this module (page-storage.ts). */
export interface PageReader {
  page(): StatusPage | null;
  live<T>(kind: 'service' | 'incident' | 'maintenance'): T[];
}

export interface ServiceChoice {
  id: string;
  name: string;
}

export interface SubscribeContext {
  page: Pick<StatusPage, 'id' | 'name' | 'locale' | 'locales' | 'branding' | 'hostnames'>;
  services: ServiceChoice[];
  incident: { id: string; name: string } | null;
}

export interface SubscribeInput {
  email: string;
  webhookUrl: string | null;
  components: string[];
  incidentId: string | null;
  variant: string;
  language: string;
  origin: string;
  clientKey: string;
  emailKey: string;
}

export type SubscribeAnswer =
  | { kind: 'ok' }
  | { kind: 'invalid'; fields: ('component' | 'incident')[] }
  | { kind: 'limited'; retryAfterS: number }
  | { kind: 'no_page' };

export interface LinkSubject {
  page: SubscribeContext['page'];
  subscriber: Pick<
    Subscriber,
    'email' | 'webhookUrl' | 'components' | 'incidentId' | 'state' | 'language' | 'variant'
  >;
  services: ServiceChoice[];
}

export type ManageAction = 'save' | 'unsubscribe' | 'resubscribe' | 'delete';

export interface LeaseAnswer {
  deliveries: LeasedDelivery[];
  nextDueAt: number | null;
}

export class PageSubscriptions {
  readonly store: SubscriptionStore;
  private readonly reader: PageReader;
  private readonly settings: SubscriptionSettings;
  private key: Promise<CryptoKey> | null = null;

  constructor(sql: SqlStorage, reader: PageReader, settings = DEFAULT_SETTINGS) {
    this.store = new SubscriptionStore(sql, settings.retryScale);
    this.reader = reader;
    this.settings = settings;
  }

  private linkKey(): Promise<CryptoKey> {
    this.key ??= importLinkKey(this.store.linkKey());
    return this.key;
  }

  /** The services a variant may see, in the page's order. */
  private servicesFor(page: StatusPage, variant: string): ServiceChoice[] {
    const slice = this.allowedServices(page, variant);
    const byId = new Map(this.reader.live<Service>('service').map((s) => [s.id, s]));
    return page.serviceIds.flatMap((id) => {
      const s = byId.get(id);
      return s && (slice === null || slice.has(id)) ? [{ id, name: s.name }] : [];
    });
  }

  private allowedServices(page: StatusPage, variant: string): ReadonlySet<string> | null {
    const audience = audienceOfVariant(variant);
    if (audience === null) return null;
    const a = page.audiences?.find((x) => x.id === audience);
    return new Set(a?.serviceIds.filter((id) => page.serviceIds.includes(id)) ?? []);
  }

  private pageView(page: StatusPage): SubscribeContext['page'] {
    return {
      id: page.id,
      name: page.name,
      hostnames: page.hostnames,
      ...(page.locale ? { locale: page.locale } : {}),
      ...(page.locales ? { locales: page.locales } : {}),
      ...(page.branding ? { branding: page.branding } : {}),
    };
  }

  private visibleIncident(page: StatusPage, variant: string, id: string): Incident | null {
    const incident = this.reader.live<Incident>('incident').find((i) => i.id === id);
    if (!incident) return null;
    const slice = this.allowedServices(page, variant);
    if (slice !== null && !incident.serviceIds.some((s) => slice.has(s))) return null;
    return incident;
  }

  context(variant: string, incidentId: string | null): SubscribeContext | null {
    const page = this.reader.page();
    if (!page) return null;
    const incident = incidentId ? this.visibleIncident(page, variant, incidentId) : null;
    return {
      page: this.pageView(page),
      services: this.servicesFor(page, variant),
      incident: incident ? { id: incident.id, name: incident.name } : null,
    };
  }

  /** A sign-up, inside the caller's transaction: checked, rate-limited, stored as pending. */
  subscribe(input: SubscribeInput, now: number): SubscribeAnswer {
    const page = this.reader.page();
    if (!page) return { kind: 'no_page' };
    const allowed = new Set(this.servicesFor(page, input.variant).map((s) => s.id));
    const fields: ('component' | 'incident')[] = [];
    if (input.components.some((c) => !allowed.has(c))) fields.push('component');
    if (input.incidentId && !this.visibleIncident(page, input.variant, input.incidentId)) {
      fields.push('incident');
    }
    if (fields.length) return { kind: 'invalid', fields };
    if (
      !this.store.hit(`client:${input.clientKey}`, this.settings.clientLimit, CLIENT_WINDOW_MS, now)
    ) {
      return {
        kind: 'limited',
        retryAfterS: Math.ceil((CLIENT_WINDOW_MS - (now % CLIENT_WINDOW_MS)) / 1000),
      };
    }
    if (!this.store.hit('page', this.settings.pageLimit, PAGE_WINDOW_MS, now)) {
      return {
        kind: 'limited',
        retryAfterS: Math.ceil((PAGE_WINDOW_MS - (now % PAGE_WINDOW_MS)) / 1000),
      };
    }
    // The answer is the same either way: an address is never told it is known or limited.
    if (!this.store.hit(`email:${input.emailKey}`, EMAIL_LIMIT, EMAIL_WINDOW_MS, now)) {
      return { kind: 'ok' };
    }
    this.store.addPending(
      {
        email: input.email,
        webhookUrl: input.webhookUrl,
        components: input.components.length ? [...new Set(input.components)] : null,
        incidentId: input.incidentId,
        variant: input.variant,
        language: input.language,
        origin: input.origin,
      },
      now,
    );
    return { kind: 'ok' };
  }

  async subscriberOfToken(purpose: LinkPurpose, token: string) {
    const id = await verifyLinkToken(await this.linkKey(), purpose, token);
    return id === null ? null : this.store.byId(id);
  }

  linkSubject(s: Subscriber): LinkSubject | null {
    const page = this.reader.page();
    if (!page) return null;
    return {
      page: this.pageView(page),
      subscriber: s,
      services: this.servicesFor(page, s.variant),
    };
  }

  /** Checks components for a manage "save": only what the subscriber's variant may see. */
  validComponents(s: Subscriber, components: readonly string[]): boolean {
    const page = this.reader.page();
    if (!page) return false;
    const allowed = new Set(this.servicesFor(page, s.variant).map((x) => x.id));
    return components.every((c) => allowed.has(c));
  }

  // --- decisions, inside the applying transaction ----------------------------------------

  /** Drafts for one applied change, from what was stored before and what is stored now. */
  draftsFor(
    kind: string,
    before: unknown,
    after: unknown,
    version: number,
    occurredAt: string,
    now: number,
  ): NotificationDraft[] {
    if (kind === 'incident') {
      return incidentNotifications(before as Incident | null, after as Incident | null, now);
    }
    if (kind === 'maintenance') {
      return maintenanceNotifications(
        before as Maintenance | null,
        after as Maintenance | null,
        now,
      );
    }
    if (kind === 'service') {
      const page = this.reader.page();
      const shown = new Set(page?.serviceIds ?? []);
      return componentNotifications(
        before as Service | null,
        after as Service | null,
        version,
        occurredAt,
        shown,
      );
    }
    return [];
  }

  clockDrafts(now: number): NotificationDraft[] {
    return clockMaintenanceNotifications(this.reader.live<Maintenance>('maintenance'), now);
  }

  /**
   * Stores drafts not yet known by key, with the page's state as it is now (the caller has
   * written the changes). Nothing when nobody is confirmed: a subscriber confirmed later
   * would not hear of it anyway. How many were new.
   */
  record(drafts: readonly NotificationDraft[], now: number): number {
    if (drafts.length === 0 || !this.store.hasConfirmed()) return 0;
    const fresh = drafts.filter((d) => !this.store.hasNotification(d.key));
    if (fresh.length === 0) return 0;
    const page = this.reader.page();
    if (!page) return 0;
    const services = this.reader.live<Service>('service');
    const snapshot: PageSnapshot = {
      page,
      services,
      incidents: this.reader.live<Incident>('incident'),
      maintenances: this.reader.live<Maintenance>('maintenance'),
      uptime: [],
    };
    const status: Record<string, OverallStatus> = {};
    for (const variant of variantIds(page)) {
      const slice = sliceForAudience(snapshot, audienceOfVariant(variant));
      status[variant] = overallStatus(
        shownServices(slice),
        slice.incidents,
        slice.maintenances,
        new Date(now),
      );
    }
    const names = new Map(services.map((s) => [s.id, s.name]));
    const made = fresh.map((d) => ({
      ...d,
      serviceNames: Object.fromEntries(d.serviceIds.map((id) => [id, names.get(id) ?? id])),
    }));
    let count = 0;
    for (const d of made) {
      count += this.store.record(
        [d],
        {
          page: factsOf(page),
          serviceNames: d.serviceNames,
          status,
          createdAt: new Date(now).toISOString(),
        },
        now,
      );
    }
    return count;
  }

  // --- the queue --------------------------------------------------------------------------

  /** Expands and leases in the caller's transaction; the messages are rendered afterwards. */
  leaseRows(consumer: string, max: number, leaseMs: number, now: number): LeasedRow[] {
    const page = this.reader.page();
    const audience = (variant: string) => (page ? this.allowedServices(page, variant) : null);
    this.store.expand(EXPAND_BUDGET, audience, now);
    return this.store.lease(consumer, max, leaseMs, now);
  }

  async render(pageId: string, rows: readonly LeasedRow[]): Promise<LeasedDelivery[]> {
    const page = this.reader.page();
    const key = await this.linkKey();
    const out: LeasedDelivery[] = [];
    for (const row of rows) {
      const s = row.subscriber;
      const facts = page ? factsOf(page) : row.notification.payload.page;
      // A personal notice (confirm, quarantine) stores only its subject: the rest is now's.
      const stored: Partial<NotificationPayload> = row.notification.payload;
      const payload: NotificationPayload = {
        subject: stored.subject ?? { type: 'confirm' },
        serviceIds: stored.serviceIds ?? [],
        serviceNames: stored.serviceNames ?? {},
        status: stored.status ?? {},
        createdAt: stored.createdAt ?? new Date(row.notification.createdAt).toISOString(),
        kind: row.notification.kind,
        page: stored.page ?? facts,
      };
      const links = await linksFor(key, s, facts);
      const id = deliveryWireId(pageId, row.n);
      const base = {
        id,
        pageId,
        notificationId: notificationWireId(row.notification.n, row.notification.key),
        kind: row.notification.kind,
        attempt: row.attempt,
        leaseId: row.leaseId,
        leaseExpiresAt: new Date(row.leaseExpiresAt).toISOString(),
      };
      const host = new URL(links.page).hostname;
      if (row.channel === 'webhook' && s.webhookUrl && s.secret) {
        out.push({
          ...base,
          channel: 'webhook',
          webhook: {
            url: s.webhookUrl,
            secret: s.secret,
            body: renderWebhookBody(id, row.notification.kind, payload, s, links),
          },
        });
      } else {
        out.push({
          ...base,
          channel: 'email',
          email: renderEmail(
            row.notification.kind,
            payload,
            s,
            links,
            listId(facts, host),
            `n${row.notification.n}.s${s.id}@${host}`,
          ),
        });
      }
    }
    return out;
  }

  report(pageId: string, reports: readonly DeliveryReport[], now: number): DeliveryReportResult {
    let recorded = 0;
    const lapsed: string[] = [];
    for (const r of reports) {
      const result = this.store.report(pageId, r, now);
      if (result === 'unknown') continue;
      recorded += 1;
      if (result === 'lapsed') lapsed.push(r.id);
    }
    return { recorded, lapsed };
  }

  overview(pageId: string): SubscriptionsOverview {
    return {
      pageId,
      subscribers: this.store.countsByState(),
      notifications: this.store.recentNotifications(100).map((n) => ({
        id: notificationWireId(n.n, n.key),
        kind: n.kind,
        createdAt: new Date(n.createdAt).toISOString(),
        recipients: n.recipients,
        queued: n.queued,
        sent: n.sent,
        failed: n.failed,
      })),
    };
  }

  deliveries(pageId: string, notificationId: string): NotificationDeliveries | null {
    const n = this.store.notificationByWireId(notificationId);
    if (!n) return null;
    return {
      pageId,
      notificationId: notificationWireId(n.n, n.key),
      kind: n.kind,
      deliveries: this.store.deliveriesOf(n.n, 1000).map((d) => ({
        id: deliveryWireId(pageId, d.n),
        channel: d.channel,
        recipient: d.recipient,
        state: d.state as NotificationDeliveries['deliveries'][number]['state'],
        attempts: d.attempts.map((a) => ({
          attempt: a.attempt,
          consumer: a.consumer,
          leasedAt: new Date(a.leasedAt).toISOString(),
          outcome:
            a.outcome as NotificationDeliveries['deliveries'][number]['attempts'][number]['outcome'],
          at: a.at === null ? null : new Date(a.at).toISOString(),
          ...(a.status === undefined ? {} : { status: a.status }),
          ...(a.error === undefined ? {} : { error: a.error }),
        })),
      })),
    };
  }
}

function factsOf(page: StatusPage): PageFacts {
  return {
    id: page.id,
    name: page.name,
    locale: page.locale ?? null,
    hostnames: page.hostnames,
    timeZone: page.timeZone ?? null,
  };
}

/** The subscriber's origin while it is still one of the page's hostnames, else its first. */
function originFor(s: Subscriber, page: PageFacts): string {
  try {
    const url = new URL(s.origin);
    if (page.hostnames.includes(url.hostname) || page.hostnames.length === 0) return url.origin;
  } catch {
    // fall through
  }
  return page.hostnames[0] ? `https://${page.hostnames[0]}` : s.origin;
}

export function languagePrefix(language: string, page: Pick<PageFacts, 'locale'>): string {
  return language === pageLanguage(page.locale ?? undefined) ? '' : `/${language}`;
}

async function linksFor(key: CryptoKey, s: Subscriber, page: PageFacts): Promise<MessageLinks> {
  const base = `${originFor(s, page)}${languagePrefix(s.language, page)}`;
  const manage = await linkToken(key, 'manage', s.id);
  return {
    page: `${base}/`,
    manage: `${base}/subscribe/manage/${manage}`,
    unsubscribe: `${base}/subscribe/unsubscribe/${manage}`,
    confirm: `${base}/subscribe/confirm/${await linkToken(key, 'confirm', s.id)}`,
  };
}

function listId(page: PageFacts, host: string): string {
  const name = page.name.replace(/["\\\r\n<>]/g, '').slice(0, 100);
  const label =
    page.id
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'page';
  return `"${name}" <${label}.${host}>`;
}
