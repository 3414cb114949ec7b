// `/_edge/live?path=<a page's path>`: which content of that HTML document is current, for the
// live script of an open page (templates/live-script.txt, docs/live-updates.md). A few bytes
// answered from the page's render pointer (current-pointer.ts: the coordinator's answer,
// shared within the location for a second), so a poll costs no document read and, with
// `If-None-Match`, a 304 without a body. The poll passes the same access check as the page and
// is cached as the page is: a public page's answer may sit in a shared cache for a second, a
// private or audience page's never enters one.
import type { Context } from 'hono';
import { z } from 'zod';
import { decideAccess } from '../access/decide.ts';
import { documentPath, isOpenDataPath, pathLanguage } from '../domain/visitor-paths.ts';
import type { Env } from '../env.ts';
import {
  DATA_DOCUMENT_CSP,
  etagMatches,
  NO_STORE,
  PRIVATE_CACHE_CONTROL,
} from '../http/headers.ts';
import { requestHostname } from '../http/hostname.ts';
import { problemResponse } from '../http/problem.ts';
import { wwwRedirect } from '../http/www-redirect.ts';
import { LIVE_PATH } from '../render/live-script.ts';
import { lookupHost } from '../store/host-lookup.ts';
import { slotOf } from '../store/pointer.ts';
import { isolatePointers } from '../store/pointer-memo.ts';
import { currentPointer } from './current-pointer.ts';
import { locationOf } from './read-location.ts';
import { PERSONAL_VARY, REALM } from './visitor.ts';

export { LIVE_PATH };

type AppContext = Context<{ Bindings: Env }>;

/**
 * A public page's answer: browsers ask again every time (the script sends `If-None-Match`),
 * a shared cache may answer for a second, as long as a location takes the pointer as current.
 */
export const LIVE_PUBLIC_CACHE_CONTROL = 'public, max-age=0, s-maxage=1';

/** The one parameter: the path of the page the script runs in, as `location.pathname` says it. */
const liveQuery = z.object({ path: z.string().min(1).max(512).startsWith('/') }).strict();

function problem(status: 400 | 401 | 403 | 404, title: string, headers: Record<string, string>) {
  return problemResponse(
    { title, status },
    { 'Content-Security-Policy': DATA_DOCUMENT_CSP, ...headers },
  );
}

export async function serveLive(c: AppContext): Promise<Response> {
  const url = new URL(c.req.url);
  const query = liveQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success || url.searchParams.getAll('path').length !== 1) {
    return problem(400, 'Bad request', {});
  }
  // Only the HTML documents have a live script: the API, feeds and badge are not asked about.
  const path = documentPath(query.data.path);
  const hostname = requestHostname(c.req.url);
  const record = hostname ? await lookupHost(c.env.PAGES_KV, hostname) : null;
  // A hostname that redirects to another serves no page itself: the open page is on the other.
  if (!hostname || !record || wwwRedirect(c.req.url, record) || !path || isOpenDataPath(path)) {
    return problem(404, 'Not found', {});
  }
  const personal = record.visibility !== 'public' || record.access !== undefined;
  const privateHeaders: Record<string, string> = personal
    ? { Vary: PERSONAL_VARY, 'Cross-Origin-Resource-Policy': 'same-origin' }
    : {};

  const access = await decideAccess(record, c.req.raw);
  if (access.kind === 'deny') {
    if (access.status === 403) return problem(403, 'Forbidden', privateHeaders);
    const challenge = access.invalidToken
      ? `Bearer realm="${REALM}", error="invalid_token"`
      : `Bearer realm="${REALM}"`;
    return problem(401, 'Authentication required', {
      'WWW-Authenticate': challenge,
      ...privateHeaders,
    });
  }
  // A token link is for the page itself, which sets the cookie; the query takes no token.
  if (access.kind !== 'allow') return problem(400, 'Bad request', privateHeaders);

  const pointer = await currentPointer({
    location: locationOf(c.env),
    memo: isolatePointers,
    hostname,
    pageId: record.pageId,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  });
  const etag = pointer?.docs[slotOf(access.variant, path)];
  const cacheable = record.visibility === 'public' && access.variant === 'public';
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Security-Policy': DATA_DOCUMENT_CSP,
    ...privateHeaders,
  };
  if (etag === undefined) {
    // As the read path decides (read-document.ts): a rendered page without this incident or
    // language has none; a page not rendered yet has nothing to compare, so the script waits.
    if (pointer && pointer.version > 0 && (path.startsWith('/incidents/') || pathLanguage(path))) {
      return problem(404, 'Not found', privateHeaders);
    }
    return new Response('{"etag":null}', {
      status: 200,
      headers: { ...headers, 'Cache-Control': personal ? PRIVATE_CACHE_CONTROL : NO_STORE },
    });
  }
  headers.ETag = etag;
  headers['Cache-Control'] = cacheable ? LIVE_PUBLIC_CACHE_CONTROL : PRIVATE_CACHE_CONTROL;
  if (etagMatches(c.req.header('If-None-Match'), etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(JSON.stringify({ etag }), { status: 200, headers });
}
