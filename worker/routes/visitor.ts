// The read path: hostname → page → access → the rendered document (read-document.ts: edge
// cache, then one KV read, then the page's coordinator).
import type { Context } from 'hono';
import { type AccessDecision, decideAccess } from '../access/decide.ts';
import type { Language } from '../domain/languages.ts';
import { documentPath, isApiPath, pathLanguage } from '../domain/visitor-paths.ts';
import type { Env } from '../env.ts';
import { crossOriginHeaders } from '../http/cors.ts';
import {
  contentSecurityPolicy,
  DATA_DOCUMENT_CSP,
  etagMatches,
  NO_STORE,
  PRIVATE_CACHE_CONTROL,
  PUBLIC_CACHE_CONTROL,
} from '../http/headers.ts';
import { requestHostname } from '../http/hostname.ts';
import { problemResponse } from '../http/problem.ts';
import { wwwRedirect } from '../http/www-redirect.ts';
import { liveScriptHashSource } from '../render/live-script.ts';
import { type MessageKind, messagePage } from '../render/message-pages.ts';
import { renderSessionSwap } from '../render/session-swap.ts';
import { lookupHost } from '../store/host-lookup.ts';
import type { HostRecord } from '../store/keys.ts';
import { languageAsked, readDocument } from './read-document.ts';

type AppContext = Context<{ Bindings: Env }>;

/** The same realm for every page: naming the page would tell a stranger whose page it is. */
export const REALM = 'status page';
export const PERSONAL_VARY = 'Cookie, Authorization';

const PROBLEM_TITLES: Record<MessageKind, string> = {
  not_found: 'Not found',
  unauthorized: 'Authentication required',
  forbidden: 'Forbidden',
  bad_request: 'Bad request',
};

/** A 4xx that tells nothing about the page: an HTML page for browsers, problem+json for APIs. */
export async function refuse(
  pathname: string,
  kind: MessageKind,
  headers: Record<string, string> = {},
  language: Language = pathLanguage(pathname) ?? 'en',
): Promise<Response> {
  const page = await messagePage(kind, language);
  if (isApiPath(pathname)) {
    return problemResponse({ title: PROBLEM_TITLES[kind], status: page.status }, headers);
  }
  return new Response(page.body, {
    status: page.status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': NO_STORE,
      'Content-Security-Policy': contentSecurityPolicy(page.styleSrc),
      ...headers,
    },
  });
}

/**
 * The answer to a viewer without access. 401 tells a client to authenticate (RFC 6750), or
 * sends a browser to the page's sign-in when it has one; 403 is for a valid viewer whose
 * credential does not reach this page. Neither says anything about the page itself.
 */
export function refuseViewer(
  request: Request,
  url: URL,
  record: HostRecord,
  denial: Extract<AccessDecision, { kind: 'deny' }>,
): Promise<Response> {
  const headers = { Vary: PERSONAL_VARY };
  if (denial.status === 403) return refuse(url.pathname, 'forbidden', headers);
  const loginUrl = record.access?.loginUrl;
  if (loginUrl && !isApiPath(url.pathname) && acceptsHtml(request)) {
    return Promise.resolve(
      new Response(null, {
        status: 302,
        headers: { Location: loginUrl, 'Cache-Control': NO_STORE, ...headers },
      }),
    );
  }
  const challenge = denial.invalidToken
    ? `Bearer realm="${REALM}", error="invalid_token"`
    : `Bearer realm="${REALM}"`;
  return refuse(url.pathname, 'unauthorized', { 'WWW-Authenticate': challenge, ...headers });
}

function acceptsHtml(request: Request): boolean {
  return (request.headers.get('Accept') ?? '').includes('text/html');
}

export async function serveVisitor(c: AppContext): Promise<Response> {
  const url = new URL(c.req.url);
  const hostname = requestHostname(c.req.url);
  const path = documentPath(url.pathname);
  if (!hostname) return refuse(url.pathname, 'bad_request');
  const record = await lookupHost(c.env.PAGES_KV, hostname);
  const redirect = record && wwwRedirect(c.req.url, record);
  if (redirect) return redirect;
  if (!record || !path) return refuse(url.pathname, 'not_found');
  const res = await serveRecord(c, url, hostname, path, record);
  // Another site may not embed a private page's answers, refusals included, and learn from
  // their size or success which viewer it has (a private badge, a feed).
  if (record.visibility !== 'public' || record.access) {
    res.headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  }
  return res;
}

async function serveRecord(
  c: AppContext,
  url: URL,
  hostname: string,
  path: NonNullable<ReturnType<typeof documentPath>>,
  record: HostRecord,
): Promise<Response> {
  const access = await decideAccess(record, c.req.raw);
  if (access.kind !== 'allow') {
    return accessDetour(c.req.raw, url, record, access, languageAsked(record, path));
  }

  const doc = await readDocument({
    env: c.env,
    ctx: c.executionCtx,
    hostname,
    record,
    variant: access.variant,
    path,
  });
  // Past the access check the viewer may read the page: its 404 speaks the page's language.
  if (doc.kind === 'missing') {
    return refuse(url.pathname, 'not_found', {}, languageAsked(record, path).language);
  }
  if (doc.kind === 'response') {
    // The skeleton or a 503: no-store already, and still nobody else's to reuse.
    if (access.variant !== 'public') doc.response.headers.set('Vary', PERSONAL_VARY);
    return doc.response;
  }
  const { body, meta: metadata } = doc;

  const isPublic = access.variant === 'public';
  const headers: Record<string, string> = {
    'Content-Type': metadata.contentType,
    ETag: metadata.etag,
    'Cache-Control': isPublic ? PUBLIC_CACHE_CONTROL : PRIVATE_CACHE_CONTROL,
    'Last-Modified': new Date(metadata.renderedAt).toUTCString(),
    // Who asks decides what they get: no cache may answer one viewer with another's copy.
    ...(isPublic ? {} : { Vary: PERSONAL_VARY }),
  };
  if (metadata.contentType.startsWith('text/html')) {
    // Every rendered page carries the live script inline (foot.mustache); a document rendered
    // by an older build with another script simply runs none and stays as it is.
    headers['Content-Security-Policy'] = contentSecurityPolicy(
      metadata.styleSrc,
      await liveScriptHashSource(),
    );
    // The script's starting point: which content this is, to ask /_edge/live about. Headers
    // are not readable by a page's script, Server-Timing is (PerformanceNavigationTiming).
    headers['Server-Timing'] = `etag;desc=${metadata.etag.replace(/^W\//, '')}`;
  } else {
    headers['Content-Security-Policy'] = DATA_DOCUMENT_CSP;
    Object.assign(headers, crossOriginHeaders(record.visibility, access.variant, path));
  }
  if (etagMatches(c.req.header('If-None-Match'), metadata.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(body, { status: 200, headers });
}

/**
 * The answer to a viewer the access check did not simply let in: a refusal, the session-switch
 * question, or the 303 that moves a token link into its cookie. Shared by every visitor path
 * (the subscription pages too).
 */
export async function accessDetour(
  request: Request,
  url: URL,
  record: HostRecord,
  access: Exclude<AccessDecision, { kind: 'allow' }>,
  language: ReturnType<typeof languageAsked>,
): Promise<Response> {
  if (access.kind === 'deny') return refuseViewer(request, url, record, access);
  if (access.kind === 'confirm_swap') {
    const page = await renderSessionSwap({
      action: url.pathname,
      token: access.token,
      swap: access.swap,
      keepUrl: access.keep,
      // Whoever holds a valid link may read the page, so its language tells them nothing new.
      language,
    });
    return new Response(page.body, {
      status: 200,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': NO_STORE,
        Vary: PERSONAL_VARY,
        'Referrer-Policy': 'no-referrer',
        'Content-Security-Policy': contentSecurityPolicy(page.styleSrc).replace(
          "form-action 'none'",
          "form-action 'self'",
        ),
      },
    });
  }
  if (access.kind === 'establish') {
    // The token leaves the address bar (and history, and Referer) at once; the cookie carries it.
    return new Response(null, {
      status: 303,
      headers: {
        Location: access.location,
        'Set-Cookie': access.cookie,
        'Cache-Control': NO_STORE,
        Vary: PERSONAL_VARY,
      },
    });
  }
  // Every kind is answered above.
  return refuse(url.pathname, 'bad_request');
}
