// The visitor pages of subscriptions (docs/contract.md §5): the form, "check your inbox", the
// confirmation, manage and unsubscribe pages, and their refusals. HTML without JavaScript, in
// the page's language and theme; every customer text escaped by Mustache.
import Mustache from 'mustache';
import subscribePage from '../../templates/subscribe-page.mustache';
import { isRightToLeft, type Language } from '../domain/languages.ts';
import type { Branding } from '../domain/schema.ts';
import { styleHashSource } from '../render/digest.ts';
import { PAGE_CSS } from '../render/html.ts';
import { translator } from '../render/i18n/catalogue.ts';
import { themeCss } from '../render/theme.ts';

const FORM_CSS = `.sub{max-width:640px;padding-top:24px;padding-bottom:48px}.sub label{display:block;font-weight:600}.sub input[type=email],.sub input[type=url],.sub-secret{display:block;width:100%;max-width:32rem;padding:8px;margin-top:4px;font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--muted);border-radius:6px}.sub fieldset{border:1px solid var(--line);border-radius:6px;margin:0 0 16px;padding:8px 16px 16px}.sub legend{font-weight:600;padding:0 4px}.sub .sub-check{font-weight:400;margin:6px 0}.sub-hint{display:block;color:var(--muted);font-size:.9rem}.sub-error{display:block;color:var(--major);font-weight:600}.sub-errors{border:2px solid var(--major);border-radius:6px;padding:8px 16px;margin-bottom:16px}.sub-errors h2{font-size:1rem;margin:8px 0}.sub button{font:inherit;padding:8px 16px;border-radius:6px;border:0;background:var(--accent);color:var(--accent-fg);cursor:pointer}.sub form{margin:0 0 8px}`;

export interface PageLook {
  name: string;
  branding?: Branding;
}

export interface ServiceBox {
  id: string;
  name: string;
  checked: boolean;
}

export type FieldError = 'email' | 'webhook' | 'component' | 'incident';

export type SubscriptionPage =
  | {
      kind: 'form';
      action: string;
      email: string;
      webhook: string;
      services: ServiceBox[];
      incident: { id: string; name: string } | null;
      errors: FieldError[];
    }
  | { kind: 'check_inbox' }
  | { kind: 'confirm'; action: string }
  | { kind: 'confirmed'; secret: string | null }
  | {
      kind: 'manage';
      action: string;
      address: string;
      services: ServiceBox[];
      stopped: boolean;
      saved: boolean;
    }
  | { kind: 'unsubscribe'; action: string; address: string; manageHref: string }
  | { kind: 'unsubscribed' }
  | { kind: 'deleted' }
  | { kind: 'bad_link' }
  | { kind: 'too_many' };

export interface RenderedPage {
  body: string;
  styleSrc: string;
}

const ERROR_KEYS = {
  email: 'errorEmail',
  webhook: 'errorWebhook',
  component: 'errorComponent',
  incident: 'errorIncident',
} as const;

export async function renderSubscriptionPage(
  look: PageLook,
  language: Language,
  homeHref: string,
  page: SubscriptionPage,
): Promise<RenderedPage> {
  const t = translator(language);
  const name = look.name;
  const style = `${PAGE_CSS}\n${themeCss(look.branding?.accentColor)}\n${FORM_CSS}`;
  let heading = '';
  let paragraphs: string[] = [];
  const view: Record<string, unknown> = {};
  const errors =
    page.kind === 'form'
      ? page.errors.map((field) => ({
          field: field === 'incident' ? 'email' : field,
          text: t.text(ERROR_KEYS[field]),
        }))
      : [];
  const serviceWords = {
    servicesLegend: t.text('subscribeServicesLegend'),
    servicesHint: t.text('subscribeServicesHint'),
  };
  // One case per page, written out: the cases look alike (a heading, paragraphs, maybe a form)
  // but each names its own words, and the switch fails to compile when a page kind is added.
  switch (page.kind) {
    case 'form':
      heading = t.text('subscribeToUpdates');
      paragraphs = [t.text('subscribeIntro', { page: name })];
      view.subscribeForm = {
        action: page.action,
        email: page.email,
        webhook: page.webhook,
        emailLabel: t.text('subscribeEmailLabel'),
        webhookLabel: t.text('subscribeWebhookLabel'),
        webhookHint: t.text('subscribeWebhookHint'),
        emailError: page.errors.includes('email') ? t.text('errorEmail') : null,
        webhookError: page.errors.includes('webhook') ? t.text('errorWebhook') : null,
        componentError: page.errors.includes('component') ? t.text('errorComponent') : null,
        services: page.services,
        incident: page.incident
          ? {
              id: page.incident.id,
              label: t.text('subscribeFollowIncident', { incident: page.incident.name }),
            }
          : null,
        submit: t.text('subscribeSubmit'),
        ...serviceWords,
      };
      break;
    case 'check_inbox':
      heading = t.text('checkInboxTitle');
      paragraphs = [t.text('checkInboxMessage')];
      break;
    case 'confirm':
      heading = t.text('confirmTitle');
      paragraphs = [t.text('confirmMessage', { page: name })];
      view.confirmForm = { action: page.action, button: t.text('confirmButton') };
      break;
    case 'confirmed':
      heading = t.text('confirmedTitle');
      paragraphs = [t.text('confirmedMessage', { page: name })];
      if (page.secret) view.secret = { label: t.text('webhookSecretLabel'), value: page.secret };
      break;
    case 'manage':
      heading = t.text('manageTitle');
      paragraphs = [
        t.text('manageFor', { page: name, address: page.address }),
        ...(page.saved ? [t.text('manageSaved')] : []),
      ];
      view.manageForm = {
        action: page.action,
        services: page.stopped ? [] : page.services,
        stopped: page.stopped ? t.text('manageStopped') : null,
        resubscribe: t.text('manageResubscribe'),
        save: t.text('manageSave'),
        unsubscribe: t.text('unsubscribeAction'),
        delete: t.text('deleteData'),
        deleteHint: t.text('deleteDataHint'),
        ...serviceWords,
      };
      break;
    case 'unsubscribe':
      heading = t.text('unsubscribeAction');
      paragraphs = [t.text('unsubscribeQuestion', { page: name, address: page.address })];
      view.unsubscribeForm = {
        action: page.action,
        button: t.text('unsubscribeAction'),
        manageHref: page.manageHref,
        manageText: t.text('manageLink'),
      };
      break;
    case 'unsubscribed':
      heading = t.text('unsubscribedTitle');
      paragraphs = [t.text('unsubscribedMessage', { page: name })];
      break;
    case 'deleted':
      heading = t.text('deletedTitle');
      paragraphs = [t.text('deletedMessage')];
      break;
    case 'bad_link':
      heading = t.text('badLinkTitle');
      paragraphs = [t.text('badLinkMessage')];
      break;
    case 'too_many':
      heading = t.text('tooManyTitle');
      paragraphs = [t.text('tooManyMessage')];
      break;
  }
  const theme = look.branding?.theme;
  const body = Mustache.render(subscribePage, {
    lang: language,
    dir: isRightToLeft(language) ? 'rtl' : 'ltr',
    theme: theme === 'light' || theme === 'dark' ? theme : null,
    title: `${heading} · ${name}`,
    style,
    pageName: name,
    logoUrl: look.branding?.logoUrl ?? null,
    homeHref,
    heading,
    errors,
    errorsHeading: t.text('formErrors'),
    paragraphs,
    backText: t.text('backToPage'),
    ...view,
  });
  return { body, styleSrc: await styleHashSource(style) };
}
