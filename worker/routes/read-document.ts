// Where a document comes from on the read path. First which render is current: the page's
// render pointer (current-pointer.ts: the coordinator's answer, shared within the location
// for a second, with fallbacks). The pointer names each document's immutable content key;
// that content is then read cheapest first:
//   L0  the isolate's memory (public documents only);
//   L1  the location's Cache API (public documents only);
//   L2  KV: one operation. KV may not show a key written moments ago in this location yet;
//   L3  the page's coordinator, then, within a time budget; past the budget HTML readers get
//       the skeleton page and the render finishes in the background.
// No layer can hold an older body under a newer key, so no location serves an older render
// after a newer one. docs/freshness.md has the consistency model this is tested against.

import { renderConfig } from '../config.ts';
import type { MissAnswer } from '../coordinator/page-coordinator.ts';
import { isRightToLeft } from '../domain/languages.ts';
import { pathLanguage, withoutLanguage } from '../domain/visitor-paths.ts';
import type { Env } from '../env.ts';
import { NO_STORE } from '../http/headers.ts';
import { problemResponse } from '../http/problem.ts';
import { log } from '../log.ts';
import { defaultVersion } from '../render/i18n/page-language.ts';
import { type SkeletonLanguage, skeletonPage } from '../render/skeleton.ts';
import { matchCached, putCached } from '../store/edge-cache.ts';
import { type DocumentMemory, isolateDocuments } from '../store/isolate-cache.ts';
import type { DocumentMeta, HostRecord } from '../store/keys.ts';
import { contentKey, slotOf } from '../store/pointer.ts';
import { isolatePointers, type PointerMemo } from '../store/pointer-memo.ts';
import { currentPointer } from './current-pointer.ts';
import { locationOf, type ReadLocation } from './read-location.ts';

const DEFAULT_BUDGET_MS = 50;
/** JSON, feeds and badges have no skeleton: their readers wait for the coordinator this long. */
const NON_HTML_BUDGET_MS = 5000;

export type DocumentRead =
  | {
      kind: 'document';
      body: ReadableStream | string | Uint8Array | null;
      meta: DocumentMeta;
      source: 'memory' | 'cache' | 'kv' | 'coordinator';
    }
  | { kind: 'missing' }
  /** A complete answer that is not the document: the skeleton page, or 503. */
  | { kind: 'response'; response: Response };

/** What one isolate keeps between requests. */
export interface IsolateMemory {
  pointers: PointerMemo;
  documents: DocumentMemory;
}

export interface ReadRequest {
  env: Env;
  ctx: { waitUntil(promise: Promise<unknown>): void };
  hostname: string;
  record: HostRecord;
  variant: string;
  path: string;
  /** The location's storage and coordinator (default: from `env`). */
  location?: ReadLocation;
  /** The isolate's memory (default: this isolate's). */
  isolate?: IsolateMemory;
}

function isHtmlPath(prefixed: string): boolean {
  const path = withoutLanguage(prefixed);
  return path === '/' || path === '/history' || path.startsWith('/incidents/');
}

export function budgetMs(env: Env): number {
  return renderConfig(env).budgetMs ?? DEFAULT_BUDGET_MS;
}

export async function readDocument(req: ReadRequest): Promise<DocumentRead> {
  const { env, ctx, hostname, record, variant, path } = req;
  const { pageId } = record;
  const location = req.location ?? locationOf(env);
  const isolate = req.isolate ?? { pointers: isolatePointers, documents: isolateDocuments };
  // Only the public variant of a public page may enter a cache another viewer can hit.
  const cacheable = record.visibility === 'public' && variant === 'public';

  const pointer = await currentPointer({
    location,
    memo: isolate.pointers,
    hostname,
    pageId,
    waitUntil: (p) => ctx.waitUntil(p),
  });
  const etag = pointer?.docs[slotOf(variant, path)];
  if (pointer === null || etag === undefined) {
    // A rendered page that lacks an incident page simply has no such incident. Everything
    // else (a page with no complete render yet, or a document every variant has) asks the
    // coordinator, which answers "no such document" cheaply from its own records. So has a
    // rendered page that is not served in the language asked for.
    if (
      pointer !== null &&
      pointer.version > 0 &&
      (path.startsWith('/incidents/') || pathLanguage(path))
    ) {
      return { kind: 'missing' };
    }
    return fromCoordinator(req, location, isolate, null);
  }

  const key = contentKey(pageId, variant, path, etag);
  if (cacheable) {
    const held = isolate.documents.hit(key, location.now());
    if (held) return { kind: 'document', body: held.body, meta: held.meta, source: 'memory' };
    const hit = await matchCached(location.cache, hostname, path, key);
    if (hit) {
      const body = await new Response(hit.body).text();
      isolate.documents.remember(key, body, hit.meta, location.now());
      return { kind: 'document', body, meta: hit.meta, source: 'cache' };
    }
  }

  const doc = await location.kv.getWithMetadata(key);
  if (doc.value !== null && doc.metadata) {
    if (cacheable) keep(req, location, isolate, key, doc.value, doc.metadata);
    return { kind: 'document', body: doc.value, meta: doc.metadata, source: 'kv' };
  }
  // Written moments ago, and not visible in this location's KV yet: the coordinator has it.
  return fromCoordinator(req, location, isolate, cacheable ? key : null);
}

function keep(
  req: ReadRequest,
  location: ReadLocation,
  isolate: IsolateMemory,
  key: string,
  body: string | Uint8Array,
  meta: DocumentMeta,
): void {
  req.ctx.waitUntil(
    putCached(location.cache, req.hostname, req.path, key, body, meta).catch(() => {}),
  );
  isolate.documents.remember(key, body, meta, location.now());
}

/**
 * `key`: the content key the pointer named, when the answer may be cached under it. The
 * coordinator answers from its current state, never older than what the pointer named.
 */
async function fromCoordinator(
  req: ReadRequest,
  location: ReadLocation,
  isolate: IsolateMemory,
  key: string | null,
): Promise<DocumentRead> {
  const { env, ctx, record, variant, path } = req;
  const html = isHtmlPath(path);
  const budget = html ? budgetMs(env) : NON_HTML_BUDGET_MS;
  const answer: Promise<MissAnswer> = location.coordinator.documentOnMiss(
    record.pageId,
    variant,
    path,
  );
  const settled = answer.then(
    (a) => a,
    (err: unknown) => {
      log.error('coordinator miss render failed', {
        pageId: record.pageId,
        path,
        error: String(err),
      });
      return null;
    },
  );

  let result: MissAnswer | null | 'late';
  if (budget <= 0) {
    result = 'late';
  } else {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), budget);
    });
    result = await Promise.race([settled, late]);
    if (timer !== undefined) clearTimeout(timer);
  }

  if (result === 'late') ctx.waitUntil(settled); // the render goes on; KV gets it next render
  if (result === 'late' || result === null) {
    const response = html ? await skeletonResponse(languageAsked(record, path)) : unavailable();
    return { kind: 'response', response };
  }
  if (!result.found) return { kind: 'missing' };
  if (key !== null) keep(req, location, isolate, key, result.body, result.meta);
  return { kind: 'document', body: result.body, meta: result.meta, source: 'coordinator' };
}

/** The language a visitor asked for: the path's `/<lang>/`, else the page's own. */
export function languageAsked(record: HostRecord, path: string): SkeletonLanguage {
  const language = pathLanguage(path);
  if (!language) return defaultVersion({ locale: record.locale });
  return {
    language,
    tag: language,
    dir: isRightToLeft(language) ? 'rtl' : 'ltr',
    base: `/${language}`,
  };
}

async function skeletonResponse(language: SkeletonLanguage): Promise<Response> {
  const page = await skeletonPage(language);
  return new Response(page.body, {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': NO_STORE,
      'Content-Security-Policy': page.csp,
    },
  });
}

function unavailable(): Response {
  return problemResponse(
    { title: 'Temporarily unavailable', status: 503, detail: 'this document is being rendered' },
    { 'Retry-After': '1' },
  );
}
