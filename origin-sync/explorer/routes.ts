// /explorer: the event explorer for people (docs/contract.md §3), server-rendered HTML that works
// without JavaScript, behind the operator token. Without a session every explorer URL answers
// 401 with the sign-in page and nothing else: no page, hostname, event or count.
import { readFileSync } from 'node:fs';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { errorMessage, type Logger } from '../log.ts';
import type { OriginSync } from '../service.ts';
import type { EventTrace } from '../store/trace.ts';
import { html } from './html.ts';
import { operatorTokenMatches } from './operator-token.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, Sessions, sessionCookie } from './session.ts';
import {
  eventView,
  findView,
  type JsonLink,
  layout,
  type Nav,
  pageView,
  requestsView,
  requestView,
  signInView,
  systemView,
} from './views.ts';

const CSS = readFileSync(new URL('./explorer.css', import.meta.url), 'utf8');

/** No script at all, no framing, forms only to ourselves. */
const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const Id = z.string().min(1).max(256);
const EVENTS_SHOWN = 25;
const IsoMinute = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/)
  .transform((s) => new Date(s.endsWith('Z') ? s : `${s}Z`).toISOString());
const PageQuery = z.object({
  type: z
    .string()
    .max(64)
    .optional()
    .transform((s) => s || undefined),
  outcome: z
    .enum(['applied', 'duplicate', 'stale', 'failed', 'dead_lettered', 'pending', ''])
    .optional()
    .transform((s) => s || undefined),
  since: z
    .union([z.literal(''), IsoMinute])
    .optional()
    .transform((s) => s || undefined),
  until: z
    .union([z.literal(''), IsoMinute])
    .optional()
    .transform((s) => s || undefined),
  /** How many of the matching events to list (the newest first). */
  show: z.coerce.number().int().min(1).max(500).default(EVENTS_SHOWN),
});
const RequestsQuery = z.object({
  outcome: z.enum(['accepted', 'refused']).optional(),
});
const SignIn = z.object({
  token: z.string().min(1).max(1024),
  next: z.string().max(2048).optional(),
});

export interface ExplorerOptions {
  sync: OriginSync;
  operatorToken: string | undefined;
  log: Logger;
  now: () => number;
}

/** The explorer page of each §3 JSON answer: a Link header and an `explorer` field. */
export function explorerPathOf(path: string): string | null {
  let m = /^\/v1\/events\/([^/]+)$/.exec(path);
  if (m) return `/explorer/events/${m[1]}`;
  m = /^\/v1\/pages\/([^/]+)\/(events|domains)$/.exec(path);
  if (m) return `/explorer/pages/${m[1]}`;
  m = /^\/v1\/requests\/([^/]+)$/.exec(path);
  if (m) return `/explorer/requests/${m[1]}`;
  m = /^\/v1\/dead-letters\/([^/]+)\/[^/]+\/(retry|discard)$/.exec(path);
  if (m) return `/explorer/pages/${m[1]}`;
  if (path === '/v1/requests') return '/explorer/requests';
  if (path === '/v1/dead-letters' || path === '/healthz') return '/explorer/system';
  return null;
}

export function explorerLinks(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // The core's own door answers the core, not an operator.
    if (c.req.method === 'POST' && c.req.path === '/v1/events') return;
    if (c.req.method !== 'GET' && c.req.method !== 'POST') return;
    const target = explorerPathOf(c.req.path);
    if (!target || c.res.status >= 300) return;
    const query = c.req.path === '/v1/requests' ? new URL(c.req.url).search : '';
    const href = `${target}${query}`;
    const type = c.res.headers.get('Content-Type') ?? '';
    if (!type.startsWith('application/json')) return;
    const body = (await c.res.json()) as unknown;
    const headers = new Headers(c.res.headers);
    headers.set('Link', `<${href}>; rel="alternate"; type="text/html"`);
    headers.delete('Content-Length');
    // A body with an `explorer` of its own (/healthz counts the explorer's events there)
    // keeps it: the Link header alone names the page.
    const linked =
      body !== null && typeof body === 'object' && !Array.isArray(body) && !('explorer' in body)
        ? { ...body, explorer: href }
        : body;
    c.res = new Response(JSON.stringify(linked), { status: c.res.status, headers });
  };
}

function page(
  c: Context,
  status: 200 | 401 | 400 | 404,
  title: string,
  nav: Nav,
  body: ReturnType<typeof html>,
  json?: string | JsonLink[],
  signedIn = true,
) {
  const links = typeof json === 'string' ? [{ href: json, label: 'This page as JSON' }] : json;
  return c.body(layout({ title, nav, body, signedIn, ...(links ? { json: links } : {}) }), status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
}

const safeNext = (next: string | undefined) =>
  next && /^\/explorer(\/[^\s\\]*)?(\?[^\s\\]*)?$/.test(next) && !next.startsWith('//')
    ? next
    : '/explorer';

export function explorerRoutes(app: Hono, opts: ExplorerOptions): void {
  const { sync, log } = opts;
  const sessions = new Sessions(opts.now);
  const who = new WeakMap<Request, string>();
  const isHttps = (c: Context) =>
    new URL(c.req.url).protocol === 'https:' || c.req.header('X-Forwarded-Proto') === 'https';

  // The stylesheet says nothing about anyone: it is open, so the sign-in page has its look.
  app.get('/explorer/explorer.css', (c) =>
    c.body(CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'max-age=300' }),
  );

  app.post('/explorer/sign-in', async (c) => {
    if (!sameOrigin(c))
      return page(
        c,
        400,
        'Sign in',
        'none',
        signInView('/explorer', 'Sign in from this site.'),
        undefined,
        false,
      );
    const form = SignIn.safeParse(
      Object.fromEntries(
        Object.entries(await c.req.parseBody()).filter(([, v]) => typeof v === 'string'),
      ),
    );
    const next = safeNext(form.success ? form.data.next : undefined);
    if (!form.success || !operatorTokenMatches(form.data.token, opts.operatorToken)) {
      log.warn('explorer: sign-in refused');
      return page(
        c,
        401,
        'Sign in',
        'none',
        signInView(next, 'That is not the operator token.'),
        undefined,
        false,
      );
    }
    const session = sessions.create();
    log.info('explorer: signed in', { who: session.label });
    c.header('Set-Cookie', sessionCookie(session.id, isHttps(c), SESSION_TTL_MS / 1000));
    return c.redirect(next, 303);
  });

  app.post('/explorer/sign-out', (c) => {
    sessions.end(getCookie(c, SESSION_COOKIE));
    c.header('Set-Cookie', sessionCookie('', isHttps(c), 0));
    return c.redirect('/explorer', 303);
  });

  const gate: MiddlewareHandler = async (c, next) => {
    if (
      c.req.path === '/explorer/explorer.css' ||
      c.req.path === '/explorer/sign-in' ||
      c.req.path === '/explorer/sign-out'
    )
      return next();
    const label = sessions.check(getCookie(c, SESSION_COOKIE));
    if (!label) {
      const url = new URL(c.req.url);
      return page(
        c,
        401,
        'Sign in',
        'none',
        signInView(safeNext(`${url.pathname}${url.search}`)),
        undefined,
        false,
      );
    }
    if (c.req.method === 'POST' && !sameOrigin(c)) {
      return page(c, 400, 'Refused', 'none', html`<p>Forms are accepted from this site only.</p>`);
    }
    who.set(c.req.raw, label);
    return next();
  };
  app.use('/explorer', gate);
  app.use('/explorer/*', gate);

  app.get('/explorer', (c) =>
    page(
      c,
      200,
      'Find',
      'find',
      findView('', null, {
        pages: sync.directory
          .pages()
          .map((p) => ({ id: p.id, name: p.name, hostnames: p.hostnames }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        refused: sync.requests.list({ outcome: 'refused', limit: 5 }),
      }),
    ),
  );

  app.get('/explorer/find', (c) => {
    const q = (c.req.query('q') ?? '').trim().slice(0, 256);
    if (!q) return c.redirect('/explorer', 303);
    const found = find(sync, q);
    if (found.length === 1 && found[0]) return c.redirect(found[0].href, 303);
    const results = html`<h2>Results for “${q}”</h2>${
      found.length === 0
        ? html`<p>Nothing found: no recent event, page, hostname or request has this id.</p>`
        : html`<ul>${found.map((f) => html`<li>${f.kind} <a href="${f.href}">${f.label}</a></li>`)}</ul>`
    }`;
    return page(c, 200, 'Find', 'find', findView(q, results));
  });

  app.get('/explorer/events/:id', (c) => {
    const id = Id.safeParse(c.req.param('id'));
    const trace = id.success ? sync.trace(id.data) : undefined;
    if (!id.success || !trace) {
      // Refused batches are recorded with the ids they carried: say where this one went.
      const refused = id.success
        ? sync.requests.list({ eventId: id.data, outcome: 'refused', limit: 20 })
        : [];
      return page(
        c,
        404,
        'Unknown event',
        'find',
        refused.length
          ? html`<p>No event <code>${id.data ?? ''}</code> was accepted: the core sent it in ${refused.length === 1 ? 'a batch' : `${refused.length} batches`} that origin-sync refused.</p>
<ul>${refused.map((r) => html`<li><a href="/explorer/requests/${encodeURIComponent(r.id)}">${r.id}</a>, ${r.status}: ${String(r.problem?.title ?? '')}</li>`)}</ul>`
          : html`<p>No event ${id.success ? html`<code>${id.data}</code> ` : ''}was accepted recently, and no recorded request carried it. <a href="/explorer/requests?outcome=refused">See the refused requests</a>.</p>`,
      );
    }
    const requests = sync.requests.list({ eventId: id.data, limit: 20 });
    return page(
      c,
      200,
      `Event ${trace.id}`,
      'find',
      eventView(trace, requests),
      `/v1/events/${encodeURIComponent(trace.id)}`,
    );
  });

  app.get('/explorer/pages/:id', async (c) => {
    const id = Id.safeParse(c.req.param('id'));
    const query = PageQuery.safeParse(c.req.query());
    if (!id.success || !query.success) {
      return page(
        c,
        400,
        'Invalid filter',
        'find',
        html`<p>Type, outcome and times (UTC, e.g. 2026-12-02T05:40) are what a page's events can be filtered by.</p>`,
      );
    }
    const pageId = id.data;
    const live = sync.directory.page(pageId);
    const traces = sync.pageTraces(pageId, 500);
    const deadLetters = sync.deadLetters(10_000).filter((d) => d.pageId === pageId);
    const domains = await internalJson(
      app,
      `/v1/pages/${encodeURIComponent(pageId)}/domains`,
      opts.operatorToken,
    );
    // Subscribers and notifications live at the edge; the notifier's route asks it.
    const subscriptions = await internalJson(
      app,
      `/v1/pages/${encodeURIComponent(pageId)}/subscriptions`,
      opts.operatorToken,
    );
    const confirmedVersion = lastConfirmed(traces, pageId);
    // Asked of the edge itself, so the page says what visitors get now, not what was last heard.
    const edge = await Promise.race([
      sync.edgeStatus(pageId),
      new Promise<{ error: string }>((r) =>
        setTimeout(() => r({ error: 'the edge did not answer within 2 s' }), 2_000).unref(),
      ),
    ]);
    const { show, ...rest } = query.data;
    const filter = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    return page(
      c,
      200,
      live ? `${live.name} · page ${pageId}` : `Page ${pageId}`,
      'find',
      pageView({
        pageId,
        name: live?.name ?? null,
        hostnames: live?.hostnames ?? [],
        domains,
        subscriptions,
        traces,
        filter,
        show,
        deadLetters,
        actions: sync.requests.actions(pageId),
        confirmedVersion,
        edge,
        outboxDepth: sync.outboxDepthOf(pageId),
        push: sync.pagePush(pageId),
      }),
      [
        { href: `/v1/pages/${encodeURIComponent(pageId)}/events`, label: 'This page as JSON' },
        { href: `/v1/pages/${encodeURIComponent(pageId)}/domains`, label: 'its domains' },
        { href: '/v1/dead-letters', label: 'dead letters' },
      ],
    );
  });

  for (const action of ['retry', 'discard'] as const) {
    app.post(`/explorer/pages/:pageId/dead-letters/:eventId/${action}`, async (c) => {
      const pageId = Id.safeParse(c.req.param('pageId'));
      const eventId = Id.safeParse(c.req.param('eventId'));
      if (!pageId.success || !eventId.success)
        return page(c, 400, 'Invalid dead letter', 'find', html`<p>No such dead letter.</p>`);
      const done =
        action === 'retry'
          ? await sync.retryDeadLetter(pageId.data, eventId.data)
          : await sync.discardDeadLetter(pageId.data, eventId.data);
      const label = who.get(c.req.raw) ?? 'operator';
      await sync
        .recordAction({
          at: new Date(opts.now()).toISOString(),
          who: label,
          action: `dead letter ${action}`,
          pageId: pageId.data,
          eventId: eventId.data,
          result: done ? 'done' : 'no such dead letter',
        })
        .catch((err: unknown) =>
          log.warn('explorer: action not recorded', { error: errorMessage(err) }),
        );
      log.info('explorer: dead letter action', {
        who: label,
        action,
        pageId: pageId.data,
        eventId: eventId.data,
        done,
      });
      return c.redirect(`/explorer/pages/${encodeURIComponent(pageId.data)}`, 303);
    });
  }

  app.get('/explorer/requests', (c) => {
    const query = RequestsQuery.safeParse(c.req.query());
    const outcome = query.success ? query.data.outcome : undefined;
    const requests = sync.requests.list({ limit: 200, ...(outcome ? { outcome } : {}) });
    const title =
      outcome === 'refused'
        ? 'Refused requests'
        : outcome === 'accepted'
          ? 'Accepted requests'
          : 'Recent requests';
    return page(
      c,
      200,
      title,
      // The navigation's link is to the refused ones: it is marked only there.
      outcome === 'refused' ? 'requests' : 'none',
      requestsView(requests, outcome),
      `/v1/requests${outcome ? `?outcome=${outcome}` : ''}`,
    );
  });

  app.get('/explorer/requests/:id', (c) => {
    const id = Id.safeParse(c.req.param('id'));
    const found = id.success ? sync.requests.get(id.data) : undefined;
    if (!found)
      return page(
        c,
        404,
        'Unknown request',
        'requests',
        html`<p>No request with this id is recorded (they are kept for the retention period).</p>`,
      );
    return page(
      c,
      200,
      `Request ${found.id}`,
      'requests',
      requestView(found),
      `/v1/requests/${encodeURIComponent(found.id)}`,
    );
  });

  app.get('/explorer/system', (c) => {
    const to = Math.ceil(opts.now() / 60_000) * 60_000;
    const from = to - 60 * 60_000;
    return page(
      c,
      200,
      'System',
      'system',
      systemView({
        health: sync.health(),
        minutes: sync.requests.perMinute(from),
        system: sync.minutes(from, to),
        deadLetters: sync.deadLetters(50),
        actions: sync.requests.actions(undefined, 20),
      }),
      [
        { href: '/healthz', label: 'This page as JSON' },
        { href: '/v1/dead-letters', label: 'dead letters' },
        { href: '/v1/requests', label: 'recent requests' },
      ],
    );
  });
}

/** A POST from another site is refused even with the cookie (SameSite=Strict is the first wall). */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header('Origin');
  if (!origin || origin === 'null') return c.req.header('Sec-Fetch-Site') !== 'cross-site';
  try {
    return new URL(origin).host === (c.req.header('Host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

function lastConfirmed(traces: EventTrace[], pageId: string): number | null {
  let best: number | null = null;
  for (const t of traces)
    for (const s of t.steps)
      if (s.pageId === pageId && s.step === 'rendered' && s.renderVersion !== undefined)
        best = Math.max(best ?? 0, s.renderVersion);
  return best;
}

async function internalJson(app: Hono, path: string, token: string | undefined): Promise<unknown> {
  try {
    const res = await app.request(path, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

function find(sync: OriginSync, q: string): { kind: string; label: string; href: string }[] {
  const out: { kind: string; label: string; href: string }[] = [];
  const enc = encodeURIComponent;
  if (sync.requests.get(q))
    out.push({ kind: 'Request', label: q, href: `/explorer/requests/${enc(q)}` });
  if (sync.trace(q)) out.push({ kind: 'Event', label: q, href: `/explorer/events/${enc(q)}` });
  else if (sync.requests.list({ eventId: q, limit: 1 }).length > 0) {
    out.push({
      kind: 'Event (only in refused requests)',
      label: q,
      href: `/explorer/requests?outcome=refused`,
    });
  }
  const host = q.toLowerCase();
  for (const p of sync.directory.pages()) {
    if (p.id === q)
      out.push({
        kind: 'Page',
        label: `${p.name} (${p.id})`,
        href: `/explorer/pages/${enc(p.id)}`,
      });
    else if (p.hostnames.includes(host))
      out.push({
        kind: 'Page with this hostname',
        label: `${p.name} (${p.id})`,
        href: `/explorer/pages/${enc(p.id)}`,
      });
  }
  if (!out.some((o) => o.kind === 'Page') && sync.pageTraces(q, 1).length > 0) {
    out.push({ kind: 'Page (not live)', label: q, href: `/explorer/pages/${enc(q)}` });
  }
  return out;
}
