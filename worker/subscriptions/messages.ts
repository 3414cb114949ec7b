// What a leased delivery carries: an email (subject, text and HTML in the subscriber's
// language, headers for one-click unsubscribe) or a webhook body in Atlassian Statuspage's
// subscriber shapes plus `id` and `type`. Pure: made from the notification's payload (what
// was decided, as it was then) and the subscriber, so every attempt carries the same message.
import Mustache from 'mustache';
import emailHtml from '../../templates/email-message.mustache';
import emailText from '../../templates/email-message.txt.mustache';
import { isRightToLeft, LANGUAGES, type Language } from '../domain/languages.ts';
import type { Incident, Maintenance } from '../domain/schema.ts';
import { translator } from '../render/i18n/catalogue.ts';
import {
  INCIDENT_STATUS_KEY,
  MAINTENANCE_STATUS_KEY,
  SERVICE_STATUS_KEY,
} from '../render/labels.ts';
import type { EmailMessage, NotificationKind } from '../sync/deliveries-contract.ts';
import type { NotificationPayload, Subscriber } from './model.ts';

/** The links of one subscriber's message (absolute URLs on the page's hostname). */
export interface MessageLinks {
  /** The status page in the subscriber's language. */
  page: string;
  manage: string;
  /** The one-click List-Unsubscribe URL (RFC 8058). */
  unsubscribe: string;
  /** The confirmation link of a subscription_confirm. */
  confirm?: string;
}

interface EmailView {
  lang: string;
  dir: 'ltr' | 'rtl';
  subject: string;
  pageName: string;
  heading: string;
  facts: string[];
  paragraphs: string[];
  updates: { status: string; time: string; body: string }[];
  action: { href: string; text: string } | null;
  note: string | null;
  footer: string | null;
  manageHref: string;
  manageText: string;
  unsubscribeHref: string;
  unsubscribeText: string;
}

export function languageFor(tag: string): Language {
  return (LANGUAGES as readonly string[]).includes(tag) ? (tag as Language) : 'en';
}

function formatTime(iso: string, language: Language, timeZone: string | null): string {
  try {
    // dateStyle cannot be combined with timeZoneName: the parts are named one by one.
    return new Intl.DateTimeFormat(language, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: timeZone ?? 'UTC',
      timeZoneName: 'short',
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}

function newestFirst<T extends { createdAt: string; id: string }>(list: readonly T[]): T[] {
  return [...list].sort(
    (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id.localeCompare(a.id),
  );
}

/** Where the message points: an incident's own page, or the status page. */
function subjectUrl(payload: NotificationPayload, links: MessageLinks): string {
  const s = payload.subject;
  if (s.type === 'incident') return `${links.page.replace(/\/$/, '')}/incidents/${s.incident.id}`;
  return links.page;
}

export function renderEmail(
  kind: NotificationKind,
  payload: NotificationPayload,
  subscriber: Subscriber,
  links: MessageLinks,
  listId: string,
  messageId: string,
): EmailMessage {
  const language = languageFor(subscriber.language);
  const t = translator(language);
  const page = payload.page.name;
  const zone = payload.page.timeZone;
  const time = (iso: string) => formatTime(iso, language, zone);
  const view: EmailView = {
    lang: language,
    dir: isRightToLeft(language) ? 'rtl' : 'ltr',
    subject: '',
    pageName: page,
    heading: '',
    facts: [],
    paragraphs: [],
    updates: [],
    action: null,
    note: null,
    footer: t.text('emailFooter', { page }),
    manageHref: links.manage,
    manageText: t.text('manageLink'),
    unsubscribeHref: links.unsubscribe,
    unsubscribeText: t.text('unsubscribeAction'),
  };
  const s = payload.subject;
  const affects = (ids: readonly string[], names: ReadonlyMap<string, string>) => {
    const shown = ids.map((id) => names.get(id) ?? id);
    return shown.length ? [t.text('affects', { services: shown.join(', ') })] : [];
  };
  if (s.type === 'confirm') {
    view.subject = t.text('emailConfirmSubject', { page });
    view.heading = t.text('confirmTitle');
    view.paragraphs = [t.text('emailConfirmText', { page })];
    view.action = { href: links.confirm ?? links.manage, text: t.text('confirmButton') };
    view.note = t.text('emailConfirmIgnore');
    view.footer = null;
  } else if (s.type === 'quarantine') {
    view.subject = t.text('emailQuarantineSubject', { page });
    view.heading = t.text('emailQuarantineSubject', { page });
    view.paragraphs = [t.text('emailQuarantineText', { page })];
    view.action = { href: links.manage, text: t.text('manageLink') };
  } else if (s.type === 'incident') {
    const i: Incident = s.incident;
    const shown = s.updateId ? i.updates.find((u) => u.id === s.updateId) : undefined;
    const status = t.text(INCIDENT_STATUS_KEY[shown?.status ?? i.status]);
    view.subject = t.text('emailIncidentSubject', { page, incident: i.name, status });
    view.heading = i.name;
    view.facts = affects(i.serviceIds, serviceNames(payload));
    view.updates = newestFirst(i.updates).map((u) => ({
      status: t.text(INCIDENT_STATUS_KEY[u.status]),
      time: time(u.createdAt),
      body: u.body,
    }));
    view.action = { href: subjectUrl(payload, links), text: t.text('emailViewOnPage') };
  } else if (s.type === 'maintenance') {
    const m: Maintenance = s.maintenance;
    const key =
      kind === 'maintenance_scheduled'
        ? 'emailMaintenanceScheduled'
        : kind === 'maintenance_started'
          ? 'emailMaintenanceStarted'
          : 'emailMaintenanceCompleted';
    view.subject = t.text(key, { page, maintenance: m.name });
    view.heading = m.name;
    view.facts = [
      t.text('emailMaintenanceWindow', {
        start: time(m.scheduledFor),
        end: time(m.scheduledUntil),
      }),
      ...affects(m.serviceIds, serviceNames(payload)),
    ];
    view.updates = newestFirst(m.updates).map((u) => ({
      status: t.text(MAINTENANCE_STATUS_KEY[u.status]),
      time: time(u.createdAt),
      body: u.body,
    }));
    view.action = { href: links.page, text: t.text('emailViewOnPage') };
  } else {
    view.subject = t.text('emailComponentSubject', {
      page,
      service: s.service.name,
      status: t.text(SERVICE_STATUS_KEY[s.service.status]),
    });
    view.heading = view.subject;
    view.action = { href: links.page, text: t.text('emailViewOnPage') };
  }
  const headers: Record<string, string> =
    s.type === 'confirm'
      ? {}
      : {
          'List-Unsubscribe': `<${links.unsubscribe}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'List-Id': listId,
        };
  return {
    to: subscriber.email,
    fromName: page,
    subject: view.subject.replace(/[\r\n]+/g, ' ').slice(0, 998),
    text: Mustache.render(emailText, view),
    html: Mustache.render(emailHtml, view),
    messageId,
    headers,
    language,
  };
}

function serviceNames(payload: NotificationPayload): Map<string, string> {
  return new Map(Object.entries(payload.serviceNames ?? {}));
}

const sp = (iso: string | undefined | null) => (iso ? new Date(iso).toISOString() : null);

/** Statuspage's `incident` object, for incidents and (as Statuspage sends them) maintenance. */
function spIncident(payload: NotificationPayload, url: string): Record<string, unknown> | null {
  const s = payload.subject;
  const names = serviceNames(payload);
  const components = (ids: readonly string[]) =>
    ids.map((id) => ({ id, name: names.get(id) ?? id }));
  if (s.type === 'incident') {
    const i = s.incident;
    const latest = newestFirst(i.updates)[0];
    return {
      backfilled: false,
      id: i.id,
      name: i.name,
      status: i.status,
      impact: i.impact,
      created_at: sp(i.createdAt),
      updated_at: sp(latest?.createdAt ?? i.createdAt),
      resolved_at: sp(i.resolvedAt),
      scheduled_for: null,
      scheduled_until: null,
      shortlink: url,
      page_id: payload.page.id,
      components: components(i.serviceIds),
      incident_updates: newestFirst(i.updates).map((u) => ({
        id: u.id,
        incident_id: i.id,
        status: u.status,
        body: u.body,
        created_at: sp(u.createdAt),
        updated_at: sp(u.createdAt),
        display_at: sp(u.createdAt),
      })),
    };
  }
  if (s.type === 'maintenance') {
    const m = s.maintenance;
    const latest = newestFirst(m.updates)[0];
    const status =
      payload.kind === 'maintenance_completed'
        ? 'completed'
        : payload.kind === 'maintenance_started'
          ? 'in_progress'
          : 'scheduled';
    return {
      backfilled: false,
      id: m.id,
      name: m.name,
      status,
      impact: 'maintenance',
      created_at: sp(m.updates.at(0)?.createdAt ?? m.scheduledFor),
      updated_at: sp(latest?.createdAt ?? m.scheduledFor),
      resolved_at: status === 'completed' ? sp(latest?.createdAt ?? m.scheduledUntil) : null,
      scheduled_for: sp(m.scheduledFor),
      scheduled_until: sp(m.scheduledUntil),
      shortlink: url,
      page_id: payload.page.id,
      components: components(m.serviceIds),
      incident_updates: newestFirst(m.updates).map((u) => ({
        id: u.id,
        incident_id: m.id,
        status: u.status,
        body: u.body,
        created_at: sp(u.createdAt),
        updated_at: sp(u.createdAt),
        display_at: sp(u.createdAt),
      })),
    };
  }
  return null;
}

/** The webhook body, exactly as it is signed and sent. */
export function renderWebhookBody(
  deliveryId: string,
  kind: NotificationKind,
  payload: NotificationPayload,
  subscriber: Subscriber,
  links: MessageLinks,
): string {
  const status = payload.status[subscriber.variant] ?? {
    indicator: 'none',
    description: 'All Systems Operational',
  };
  const body: Record<string, unknown> = {
    id: deliveryId,
    type: kind,
    meta: { unsubscribe: links.unsubscribe, generated_at: payload.createdAt },
    page: {
      id: payload.page.id,
      status_indicator: status.indicator,
      status_description: status.description,
    },
  };
  const s = payload.subject;
  if (s.type === 'component') {
    body.component_update = {
      id: `${s.service.id}:${payload.createdAt}`,
      component_id: s.service.id,
      created_at: sp(s.at),
      old_status: s.oldStatus,
      new_status: s.service.status,
    };
    body.component = {
      id: s.service.id,
      name: s.service.name,
      status: s.service.status,
      created_at: sp(s.at),
    };
  } else {
    const incident = spIncident(payload, subjectUrl(payload, links));
    if (incident) body.incident = incident;
  }
  return JSON.stringify(body);
}
