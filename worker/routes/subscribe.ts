// The subscription pages on every page hostname (docs/contract.md §5), also under `/<lang>/`:
//   GET/POST /subscribe                     the form; a sign-up answers 303 to /subscribe/check
//   GET      /subscribe/check               "check your inbox" (the same for new and known)
//   GET/POST /subscribe/confirm/:token      one form; only its POST confirms (scanners GET)
//   GET/POST /subscribe/manage/:token       services, unsubscribe, resubscribe, delete my data
//   GET/POST /subscribe/unsubscribe/:token  List-Unsubscribe: POST `List-Unsubscribe=One-Click`
// The form is for viewers with access (private and audience pages: the access check of the
// read path, and the subscription keeps the viewer's variant). Links carry their own
// credential (tokens.ts). Every answer is `private, no-store`: never in a shared cache.
import type { Context } from 'hono';
import { z } from 'zod';
import { decideAccess } from '../access/decide.ts';
import type { PageCoordinator } from '../coordinator/page-coordinator.ts';
import type { Language } from '../domain/languages.ts';
import { ResourceId } from '../domain/schema.ts';
import { pathLanguage, withoutLanguage } from '../domain/visitor-paths.ts';
import type { Env } from '../env.ts';
import { contentSecurityPolicy, PRIVATE_CACHE_CONTROL } from '../http/headers.ts';
import { requestHostname } from '../http/hostname.ts';
import { wwwRedirect } from '../http/www-redirect.ts';
import { pageLanguage } from '../render/i18n/catalogue.ts';
import { lookupHost } from '../store/host-lookup.ts';
import type { HostRecord } from '../store/keys.ts';
import {
  type FieldError,
  type PageLook,
  renderSubscriptionPage,
  type ServiceBox,
  type SubscriptionPage,
} from '../subscriptions/pages.ts';
import type { ManageAction, SubscribeContext } from '../subscriptions/service.ts';
import { hashKey, looksLikeLinkToken } from '../subscriptions/tokens.ts';
import { languageAsked } from './read-document.ts';
import { accessDetour, refuse } from './visitor.ts';

type AppContext = Context<{ Bindings: Env }>;

/** Form bodies are small: an address, a URL, a few hundred service ids. */
const MAX_FORM_BYTES = 32 * 1024;

export type SubscriptionRoute =
  | { kind: 'form' }
  | { kind: 'check' }
  | { kind: 'confirm' | 'manage' | 'unsubscribe'; token: string };

/** Which subscription page a path is (null: none, the read path's to answer). */
export function subscriptionRoute(pathname: string): SubscriptionRoute | null {
  const path = withoutLanguage(pathname);
  if (path === '/subscribe') return { kind: 'form' };
  if (path === '/subscribe/check') return { kind: 'check' };
  const m = /^\/subscribe\/(confirm|manage|unsubscribe)\/([^/]+)$/.exec(path);
  if (!m) return null;
  return { kind: m[1] as 'confirm' | 'manage' | 'unsubscribe', token: m[2] ?? '' };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https anywhere; http only to loopback, for local development (origin-sync refuses it in
 * production, where it also refuses private and link-local addresses after resolving). */
const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || LOOPBACK.has(url.hostname);
  });

const SubscribeForm = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email().max(254)),
  webhook: z
    .string()
    .trim()
    .transform((s) => (s === '' ? null : s))
    .pipe(WebhookUrl.nullable()),
  component: z.array(ResourceId).max(500),
  incident: z
    .string()
    .trim()
    .transform((s) => (s === '' ? null : s))
    .pipe(ResourceId.nullable()),
});

function headersFor(styleSrc: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': PRIVATE_CACHE_CONTROL,
    Vary: 'Cookie, Authorization',
    // Token URLs must not leave in a Referer.
    'Referrer-Policy': 'no-referrer',
    'X-Robots-Tag': 'noindex',
    'Content-Security-Policy': contentSecurityPolicy(styleSrc).replace(
      "form-action 'none'",
      "form-action 'self'",
    ),
    ...extra,
  };
}

async function pageResponse(
  look: PageLook,
  language: Language,
  base: string,
  page: SubscriptionPage,
  status = 200,
  extra: Record<string, string> = {},
): Promise<Response> {
  const rendered = await renderSubscriptionPage(look, language, `${base}/`, page);
  return new Response(rendered.body, { status, headers: headersFor(rendered.styleSrc, extra) });
}

/** The language a path asks for, if the page has it: `/de/…` on a page with German. */
function languageOfPath(
  pathname: string,
  page: Pick<SubscribeContext['page'], 'locale' | 'locales'>,
): { language: Language; base: string } | null {
  const own = pageLanguage(page.locale);
  const asked = pathLanguage(pathname);
  if (asked === null) return { language: own, base: '' };
  if (asked === own || (page.locales ?? []).includes(asked))
    return { language: asked, base: `/${asked}` };
  return null;
}

/**
 * Where the links in a subscriber's emails go: `https://<hostname>` on a real hostname, whatever
 * scheme or port the sign-up came in on (a Host header's port must not end up in emails);
 * the origin as asked on local names, where `npm start` serves pages on http://<host>:8787.
 */
export function linkOrigin(url: URL): string {
  const host = url.hostname;
  const local = host === 'localhost' || host.endsWith('.localhost') || LOOPBACK.has(host);
  return local ? url.origin : `https://${host}`;
}

async function readForm(request: Request): Promise<URLSearchParams | null> {
  const type = request.headers.get('Content-Type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return null;
  const declared = Number(request.headers.get('Content-Length') ?? '0');
  if (declared > MAX_FORM_BYTES) return null;
  const text = new TextDecoder().decode(await request.arrayBuffer());
  if (text.length > MAX_FORM_BYTES) return null;
  return new URLSearchParams(text);
}

function coordinatorOf(env: Env, pageId: string): DurableObjectStub<PageCoordinator> {
  return env.PAGE_COORDINATOR.get(env.PAGE_COORDINATOR.idFromName(pageId));
}

function boxes(
  services: readonly { id: string; name: string }[],
  chosen: readonly string[] | null,
) {
  const set = new Set(chosen ?? []);
  return services.map((s): ServiceBox => ({ id: s.id, name: s.name, checked: set.has(s.id) }));
}

export async function serveSubscription(
  c: AppContext,
  route: SubscriptionRoute,
): Promise<Response> {
  const url = new URL(c.req.url);
  const hostname = requestHostname(c.req.url);
  if (!hostname) return refuse(url.pathname, 'bad_request');
  const record = await lookupHost(c.env.PAGES_KV, hostname);
  const redirect = record && c.req.method === 'GET' && wwwRedirect(c.req.url, record);
  if (redirect) return redirect;
  if (!record) return refuse(url.pathname, 'not_found');
  const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
  if (method !== 'GET' && method !== 'POST') return notAllowed(url);
  if (route.kind === 'form' || route.kind === 'check') {
    if (route.kind === 'check' && method !== 'GET') return notAllowed(url);
    return serveForm(c, url, record, route.kind, method);
  }
  return serveLink(c, url, record, route, method);
}

async function notAllowed(url: URL): Promise<Response> {
  const res = await refuse(url.pathname, 'bad_request');
  const out = new Response(res.body, { status: 405, headers: res.headers });
  out.headers.set('Allow', 'GET, HEAD, POST');
  return out;
}

async function serveForm(
  c: AppContext,
  url: URL,
  record: HostRecord,
  kind: 'form' | 'check',
  method: 'GET' | 'POST',
): Promise<Response> {
  const access = await decideAccess(record, c.req.raw);
  if (access.kind !== 'allow') {
    return accessDetour(c.req.raw, url, record, access, languageAsked(record, url.pathname));
  }
  const stub = coordinatorOf(c.env, record.pageId);
  const incidentAsked = url.searchParams.get('incident');
  const ctx = await stub.subscribeContext(
    access.variant,
    incidentAsked && ResourceId.safeParse(incidentAsked).success ? incidentAsked : null,
  );
  if (!ctx) return refuse(url.pathname, 'not_found');
  const lang = languageOfPath(url.pathname, ctx.page);
  if (!lang) return refuse(url.pathname, 'not_found', {}, pageLanguage(ctx.page.locale));
  const { language, base } = lang;
  if (kind === 'check') return pageResponse(ctx.page, language, base, { kind: 'check_inbox' });
  const action = `${base}/subscribe`;
  if (method === 'GET') {
    return pageResponse(ctx.page, language, base, {
      kind: 'form',
      action,
      email: '',
      webhook: '',
      services: boxes(ctx.services, null),
      incident: ctx.incident,
      errors: [],
    });
  }

  const form = await readForm(c.req.raw);
  const raw = {
    email: form?.get('email') ?? '',
    webhook: form?.get('webhook') ?? '',
    component: form?.getAll('component') ?? [],
    incident: form?.get('incident') ?? '',
  };
  const again = (errors: FieldError[], status: number, incident = ctx.incident) =>
    pageResponse(
      ctx.page,
      language,
      base,
      {
        kind: 'form',
        action,
        email: raw.email.slice(0, 254),
        webhook: raw.webhook.slice(0, 2048),
        services: boxes(ctx.services, raw.component),
        incident,
        errors,
      },
      status,
    );
  if (!form) return again(['email'], 400);
  const parsed = SubscribeForm.safeParse(raw);
  if (!parsed.success) {
    const fields = new Set(parsed.error.issues.map((i) => String(i.path[0])));
    const errors = (['email', 'webhook', 'component', 'incident'] as const).filter((f) =>
      fields.has(f),
    );
    return again(errors.length ? errors : ['email'], 400);
  }
  const ip = c.req.header('CF-Connecting-IP') ?? 'unknown';
  const answer = await stub.subscribe({
    email: parsed.data.email,
    webhookUrl: parsed.data.webhook,
    components: parsed.data.component,
    incidentId: parsed.data.incident,
    variant: access.variant,
    language,
    origin: linkOrigin(url),
    clientKey: await hashKey(`${record.pageId}\n${ip}`),
    emailKey: await hashKey(`${record.pageId}\n${parsed.data.email}`),
  });
  if (answer.kind === 'no_page') return refuse(url.pathname, 'not_found');
  if (answer.kind === 'invalid') {
    const incident = answer.fields.includes('incident') ? null : ctx.incident;
    return again(answer.fields, 400, incident);
  }
  if (answer.kind === 'limited') {
    return pageResponse(ctx.page, language, base, { kind: 'too_many' }, 429, {
      'Retry-After': String(answer.retryAfterS),
    });
  }
  return new Response(null, {
    status: 303,
    headers: {
      Location: `${base}/subscribe/check`,
      'Cache-Control': PRIVATE_CACHE_CONTROL,
      Vary: 'Cookie, Authorization',
    },
  });
}

const ManageForm = z.object({
  action: z.enum(['save', 'unsubscribe', 'resubscribe', 'delete']),
  component: z.array(ResourceId).max(500),
});

async function serveLink(
  c: AppContext,
  url: URL,
  record: HostRecord,
  route: Extract<SubscriptionRoute, { token: string }>,
  method: 'GET' | 'POST',
): Promise<Response> {
  const fallbackLanguage = pathLanguage(url.pathname) ?? pageLanguage(record.locale);
  const fallbackBase = pathLanguage(url.pathname) ? `/${fallbackLanguage}` : '';
  const badLink = () =>
    pageResponse({ name: '' }, fallbackLanguage, fallbackBase, { kind: 'bad_link' }, 404);
  if (!looksLikeLinkToken(route.token)) return badLink();
  const stub = coordinatorOf(c.env, record.pageId);
  const purpose = route.kind === 'confirm' ? 'confirm' : 'manage';
  const subject = await stub.linkSubject(purpose, route.token);
  if (!subject) return badLink();
  const lang = languageOfPath(url.pathname, subject.page) ?? {
    language: fallbackLanguage,
    base: fallbackBase,
  };
  const { language, base } = lang;
  const look = subject.page;
  const action = url.pathname;
  const address = subject.subscriber.webhookUrl ?? subject.subscriber.email;
  const manageHref = `${base}/subscribe/manage/${route.token}`;

  if (route.kind === 'confirm') {
    if (method === 'GET') {
      return pageResponse(
        look,
        language,
        base,
        subject.pending ? { kind: 'confirm', action } : { kind: 'confirmed', secret: null },
      );
    }
    const done = await stub.confirmSubscription(route.token);
    if (!done) return badLink();
    return pageResponse(look, language, base, { kind: 'confirmed', secret: done.secret });
  }

  if (route.kind === 'unsubscribe') {
    if (method === 'GET') {
      return pageResponse(look, language, base, {
        kind: 'unsubscribe',
        action,
        address,
        manageHref,
      });
    }
    const form = await readForm(c.req.raw);
    // RFC 8058: the one-click POST carries exactly this; anything else changes nothing.
    if (form?.get('List-Unsubscribe') !== 'One-Click') {
      return pageResponse(
        look,
        language,
        base,
        {
          kind: 'unsubscribe',
          action,
          address,
          manageHref,
        },
        400,
      );
    }
    const done = await stub.manageSubscription(route.token, 'unsubscribe', []);
    if (!done) return badLink();
    return pageResponse(look, language, base, { kind: 'unsubscribed' });
  }

  const manage = (
    s: NonNullable<typeof subject>,
    saved: boolean,
    status = 200,
    chosen: string[] | null = s.subscriber.components,
  ) =>
    pageResponse(
      look,
      language,
      base,
      {
        kind: 'manage',
        action,
        address,
        services: boxes(s.services, chosen),
        stopped: s.subscriber.state !== 'confirmed',
        saved,
      },
      status,
    );
  if (method === 'GET') return manage(subject, false);
  const form = await readForm(c.req.raw);
  const parsed = ManageForm.safeParse({
    action: form?.get('action') ?? '',
    component: form?.getAll('component') ?? [],
  });
  if (!parsed.success) return manage(subject, false, 400);
  const action_: ManageAction = parsed.data.action;
  const done = await stub.manageSubscription(route.token, action_, parsed.data.component);
  if (!done) return badLink();
  if (done.done === 'delete') return pageResponse(look, language, base, { kind: 'deleted' });
  if (done.done === 'unsubscribe')
    return pageResponse(look, language, base, { kind: 'unsubscribed' });
  if (done.done === 'invalid') return manage(subject, false, 400, parsed.data.component);
  return manage({ ...subject, ...(done.subject ?? {}) }, done.done === 'save');
}
