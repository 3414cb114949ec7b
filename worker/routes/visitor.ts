// The read path: hostname → page → access → the rendered document (read-document.ts: edge
// cache, then one KV read, then the page's coordinator).
import type { Context } from 'hono';
import { decideAccess } from '../access/decide.ts';
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
import { type MessageKind, messagePage } from '../render/message-pages.ts';
import { lookupHost } from '../store/host-lookup.ts';
import { readDocument } from './read-document.ts';
import { documentPath, isApiPath } from './visitor-paths.ts';

type AppContext = Context<{ Bindings: Env }>;

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
): Promise<Response> {
  const page = await messagePage(kind);
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

export async function serveVisitor(c: AppContext): Promise<Response> {
  const url = new URL(c.req.url);
  const hostname = requestHostname(c.req.url);
  const path = documentPath(url.pathname);
  if (!hostname) return refuse(url.pathname, 'bad_request');
  const record = await lookupHost(c.env.PAGES_KV, hostname);
  if (!record || !path) return refuse(url.pathname, 'not_found');

  const access = await decideAccess(record, c.req.raw);
  if (!access.ok) {
    return refuse(url.pathname, access.status === 401 ? 'unauthorized' : 'forbidden', {
      ...(access.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="status page"' } : {}),
    });
  }

  const doc = await readDocument({
    env: c.env,
    ctx: c.executionCtx,
    hostname,
    record,
    variant: access.variant,
    path,
  });
  if (doc.kind === 'missing') return refuse(url.pathname, 'not_found');
  if (doc.kind === 'response') return doc.response;
  const { body, meta: metadata } = doc;

  const isPublic = record.visibility === 'public';
  const headers: Record<string, string> = {
    'Content-Type': metadata.contentType,
    ETag: metadata.etag,
    'Cache-Control': isPublic ? PUBLIC_CACHE_CONTROL : PRIVATE_CACHE_CONTROL,
    'Last-Modified': new Date(metadata.renderedAt).toUTCString(),
  };
  if (metadata.contentType.startsWith('text/html')) {
    headers['Content-Security-Policy'] = contentSecurityPolicy(metadata.styleSrc);
  } else {
    headers['Content-Security-Policy'] = DATA_DOCUMENT_CSP;
    Object.assign(headers, crossOriginHeaders(record.visibility, access.variant, path));
  }
  if (etagMatches(c.req.header('If-None-Match'), metadata.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(body, { status: 200, headers });
}
