// Where a document comes from on the read path, cheapest first:
//   L0  the isolate's memory (public documents only), keyed by the page's render version;
//   L1  the location's Cache API (public documents only), keyed by the page's render version;
//   L2  KV: one operation per view. When the isolate's memo of the page's version is stale,
//       the version key and the document are read together in ONE bulk KV get;
//   L3  the page's coordinator, only on a KV miss for a document that should exist, within
//       a time budget; past the budget HTML readers get the skeleton page and the render
//       finishes in the background.
import type { MissAnswer } from '../coordinator/page-coordinator.ts';
import type { Env } from '../env.ts';
import { NO_STORE } from '../http/headers.ts';
import { problemResponse } from '../http/problem.ts';
import { skeletonPage } from '../render/skeleton.ts';
import { type DocumentMeta, docKey, type HostRecord, versionKey } from '../store/keys.ts';
import { memoisedVersion, parseVersion, rememberVersion } from '../store/page-version.ts';
import { matchCached, putCached } from './edge-cache.ts';
import { memoryHit, remember } from './isolate-cache.ts';

const DEFAULT_BUDGET_MS = 50;
/** JSON, feeds and badges have no skeleton: their readers wait for the coordinator this long. */
const NON_HTML_BUDGET_MS = 5000;

export type DocumentRead =
  | {
      kind: 'document';
      body: ReadableStream | string | null;
      meta: DocumentMeta;
      source: 'memory' | 'cache' | 'kv' | 'coordinator';
    }
  | { kind: 'missing' }
  /** A complete answer that is not the document: the skeleton page, or 503. */
  | { kind: 'response'; response: Response };

export interface ReadRequest {
  env: Env;
  ctx: { waitUntil(promise: Promise<unknown>): void };
  hostname: string;
  record: HostRecord;
  variant: string;
  path: string;
}

type KvDoc = { value: string | null; metadata: DocumentMeta | null } | null;

function isHtmlPath(path: string): boolean {
  return path === '/' || path === '/history' || path.startsWith('/incidents/');
}

export function budgetMs(env: Env): number {
  const n = Number(env.RENDER_BUDGET_MS ?? '');
  return env.RENDER_BUDGET_MS !== undefined && Number.isFinite(n) && n >= 0 ? n : DEFAULT_BUDGET_MS;
}

export async function readDocument(req: ReadRequest): Promise<DocumentRead> {
  const { env, ctx, hostname, record, variant, path } = req;
  const { pageId } = record;
  // Only the public variant of a public page may enter a cache another viewer can hit.
  const cacheable = record.visibility === 'public' && variant === 'public';
  const key = docKey(pageId, variant, path);

  let version = memoisedVersion(pageId);
  if (cacheable && typeof version === 'number') {
    const held = memoryHit(pageId, version, path);
    if (held) return { kind: 'document', body: held.body, meta: held.meta, source: 'memory' };
    const hit = await matchCached(hostname, pageId, version, path);
    if (hit) {
      const body = await new Response(hit.body).text();
      remember(pageId, version, path, body, hit.meta);
      return { kind: 'document', body, meta: hit.meta, source: 'cache' };
    }
  }

  let doc: KvDoc;
  if (version === undefined) {
    const both = await env.PAGES_KV.getWithMetadata<DocumentMeta>(
      [versionKey(pageId), key],
      'text',
    );
    version = parseVersion(both.get(versionKey(pageId))?.value ?? null);
    rememberVersion(pageId, version);
    doc = both.get(key) ?? null;
  } else {
    doc = await env.PAGES_KV.getWithMetadata<DocumentMeta>(key, 'text');
  }

  if (doc && doc.value !== null && doc.metadata) {
    if (cacheable && version !== null) {
      // The document read now is at least as new as `version` (the coordinator writes the
      // version key after the documents), so it may be cached under it.
      ctx.waitUntil(
        putCached(hostname, pageId, version, path, doc.value, doc.metadata).catch(() => {}),
      );
      remember(pageId, version, path, doc.value, doc.metadata);
    }
    return { kind: 'document', body: doc.value, meta: doc.metadata, source: 'kv' };
  }

  // A rendered page that lacks an incident page simply has no such incident. Everything else
  // (a page with no complete render here yet, or a document every variant has) asks the
  // coordinator, which answers "no such document" cheaply from its own records.
  if (version !== null && path.startsWith('/incidents/')) return { kind: 'missing' };
  return fromCoordinator(req);
}

async function fromCoordinator(req: ReadRequest): Promise<DocumentRead> {
  const { env, ctx, record, variant, path } = req;
  const html = isHtmlPath(path);
  const budget = html ? budgetMs(env) : NON_HTML_BUDGET_MS;
  const stub = env.PAGE_COORDINATOR.get(env.PAGE_COORDINATOR.idFromName(record.pageId));
  const answer: Promise<MissAnswer> = stub.documentOnMiss(variant, path);
  const settled = answer.then(
    (a) => a,
    (err: unknown) => {
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'coordinator miss render failed',
          pageId: record.pageId,
          path,
          error: String(err),
        }),
      );
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
    return { kind: 'response', response: html ? await skeletonResponse() : unavailable() };
  }
  if (!result.found) return { kind: 'missing' };
  return { kind: 'document', body: result.body, meta: result.meta, source: 'coordinator' };
}

async function skeletonResponse(): Promise<Response> {
  const page = await skeletonPage();
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
