// The KV side of one render: what publish-plan.ts decided, written in the one order that keeps
// every reader whole: documents first, then the `host:` records (a hostname points at a page
// only once its documents exist), then the pointer (`ptr:<pageId>`, naming only documents
// already in KV), then the records of hostnames the page no longer has; replaced documents are
// deleted ten minutes later (retired-documents.ts).
//
// The coordinator's own location need not wait for KV. A public page's new documents go into
// this isolate's memory and the location's Cache API first, where the read path looks before
// KV (store/isolate-cache.ts, store/edge-cache.ts), and then the new pointer goes to the
// location's pointer cache and this isolate's memo: readers there serve the new render as
// soon as it is rendered, while KV is still being written (locally, that is the only location).
// Other locations learn it from the coordinator once KV holds it all.
import type { Env } from '../env.ts';
import { log } from '../log.ts';
import type { RenderedDocument } from '../render/documents.ts';
import { type LocationCache, putCached } from '../store/edge-cache.ts';
import type { DocumentMemory } from '../store/isolate-cache.ts';
import type { DocumentMeta } from '../store/keys.ts';
import { contentKeyOf, pointerKey, pointerOf, type RenderPointer } from '../store/pointer.ts';
import { putPointer } from '../store/pointer-cache.ts';
import type { PointerMemo } from '../store/pointer-memo.ts';
import { registryOf } from './hostname-registry.ts';
import type { KvWriter } from './kv-writer.ts';
import type { PageStorage } from './page-storage.ts';
import type { DocumentPlan, HostPlan } from './publish-plan.ts';
import type { RetiredDocuments } from './retired-documents.ts';

/** KV writes of one render in flight at once. */
const WRITE_CONCURRENCY = 8;

export function metaOf(
  doc: Pick<RenderedDocument, 'etag' | 'contentType' | 'styleSrc'>,
  version: number,
  renderedAt: string,
): DocumentMeta {
  return {
    etag: doc.etag,
    contentType: doc.contentType,
    version,
    renderedAt,
    ...(doc.styleSrc ? { styleSrc: doc.styleSrc } : {}),
  };
}

/**
 * Lets whatever else waits for this thread run before more writes start. Locally workerd runs
 * the worker, this object and Miniflare's KV simulator (itself an object with SQLite) on one
 * event loop, which reads the network only when it has nothing else to do: a render's ~28
 * writes in a row kept every visitor's request unread until the last (0.1–0.9 s, longer under
 * load, bench/freshness.ts). A timer turn lets the loop look at the network first. In
 * production KV is remote and this costs a timer turn per batch, under a millisecond.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export async function inBatches<T>(
  items: readonly T[],
  run: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += WRITE_CONCURRENCY) {
    // Readers first (see nextTurn), also before the first batch: the own location's readers
    // that queued during the render are answered from memory before KV is written.
    await nextTurn();
    // Every write of the batch settles before a failure is thrown: the next render keeps its
    // second from the last write that reached KV, not from the first one that failed.
    const settled = await Promise.allSettled(items.slice(i, i + WRITE_CONCURRENCY).map(run));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** The coordinator's own location: where a new render can be served before KV has it. */
export interface OwnLocation {
  /** The location's Cache API (null where the runtime has none). */
  cache: LocationCache | null;
  documents: DocumentMemory;
  pointers: PointerMemo;
  now(): number;
}

export interface PublishWork {
  pageId: string;
  version: number;
  /** The render's clock: replaced documents are retired from then. */
  now: number;
  /** null: the page is gone (its pointer is deleted). */
  page: { visibility: string; hostnames: readonly string[] } | null;
  docs: DocumentPlan;
  /** Slot key → ETag of what KV held before this render. */
  written: ReadonlyMap<string, string>;
  hosts: HostPlan;
  /** Keys of an older layout, retired once this render is complete. */
  legacyKeys: readonly string[];
}

export interface PublishDeps {
  env: Env;
  kv: KvWriter;
  storage: PageStorage;
  retired: RetiredDocuments;
  own: OwnLocation | null;
  /** The coordinator's clock, for the stage times in `PublishProgress`. */
  clock: () => number;
}

/** When each stage of a publish ended, epoch ms on the coordinator's clock (null: no such
 * stage this time, e.g. nothing shown early for a private page). */
export interface PublishStages {
  /** The first change this render includes was stored. */
  changedAt: number | null;
  /** The render began (leading edge: at once after the change). */
  startedAt: number;
  /** Every changed document rendered. */
  renderedAt: number | null;
  /** The own location serves the new render (isolate memo and memory). */
  shownAt: number | null;
  documentsInKvAt: number | null;
  pointerInKvAt: number | null;
  finishedAt: number;
}

/** Kept up to date as the publish goes, so that a failure still tells what happened; the stage
 * times as they are reached (for status() and bench/freshness.ts). */
export interface PublishProgress
  extends Partial<
    Pick<PublishStages, 'renderedAt' | 'shownAt' | 'documentsInKvAt' | 'pointerInKvAt'>
  > {
  puts: number;
  deletes: number;
  /** The pointer the own location was given before KV (null: none). */
  shownEarly: RenderPointer | null;
}

const decoder = new TextDecoder();

/** The bodies as text, for the caches that hold text. */
function asText(bodies: ReadonlyMap<string, string | Uint8Array>): Map<string, string> {
  return new Map(
    [...bodies].map(([key, body]) => [key, typeof body === 'string' ? body : decoder.decode(body)]),
  );
}

/** What the pointer will name once the plan is written, from what was written before. */
function pointerAfter(work: PublishWork): RenderPointer {
  const next = new Map(work.written);
  for (const doc of work.docs.put) next.set(doc.key, doc.etag);
  for (const key of work.docs.remove) next.delete(key);
  return pointerOf(work.pageId, work.version, next);
}

/**
 * The render's documents and pointer in the coordinator's own location, before KV: only for a
 * public page (nothing else may enter a shared cache). This isolate's memory takes them at
 * once; the location's Cache API (for its other isolates) while KV is written, the pointer
 * after the documents it names. Best effort: a reader that misses them falls back to KV, then
 * to the coordinator, as for any key KV does not show yet. Returns the pointer offered (null:
 * none) and the Cache API's writes.
 */
function showInOwnLocation(
  own: OwnLocation,
  work: PublishWork,
  bodies: ReadonlyMap<string, string>,
  renderedAt: string,
): { pointer: RenderPointer | null; cached: Promise<unknown> } {
  if (work.page?.visibility !== 'public' || work.docs.put.length === 0)
    return { pointer: null, cached: Promise.resolve() };
  const now = own.now();
  const hostnames = work.page.hostnames;
  const entries = work.docs.put.map((doc) => ({
    doc,
    key: contentKeyOf(doc.key, doc.etag),
    body: bodies.get(doc.key)!,
    meta: metaOf(doc, work.version, renderedAt),
  }));
  for (const e of entries) own.documents.remember(e.key, e.body, e.meta, now);
  const pointer = pointerAfter(work);
  const known = own.pointers.offer(work.pageId, { pointer, at: now }, true);
  const cache = own.cache;
  const cached = (async () => {
    if (!cache) return;
    // This isolate's waiting readers first (nextTurn): the Cache API's writes (for the
    // location's other isolates) keep a local event loop as busy as KV's.
    await nextTurn();
    const settled = await Promise.allSettled(
      entries.flatMap((e) =>
        hostnames.map((host) => putCached(cache, host, e.doc.path, e.key, e.body, e.meta)),
      ),
    );
    // A document the cache did not take would be read from KV, which may not have it yet:
    // the location's other isolates then learn the pointer from the coordinator, after KV.
    if (settled.some((r) => r.status === 'rejected')) return;
    await Promise.allSettled(hostnames.map((host) => putPointer(cache, host, work.pageId, known)));
  })();
  return { pointer, cached };
}

/**
 * Writes one render to KV. Returns the pointer now current (every document it names is in KV).
 * Throws on the first failed write, after the writes in flight settled; `counts` then says
 * what reached KV and what the own location was shown.
 */
export async function publishRender(
  deps: PublishDeps,
  work: PublishWork,
  counts: PublishProgress,
): Promise<RenderPointer> {
  const renderedAt = new Date(work.now).toISOString();
  // Every changed document is rendered before the first write: the render is needed anyway,
  // and the own location can show all of it at once. A document that has its bytes made in
  // pieces (the status page) goes to KV as those bytes.
  const bodies = new Map<string, string | Uint8Array>(
    work.docs.put.map((doc) => [doc.key, doc.bytes ? doc.bytes() : doc.render()]),
  );
  counts.renderedAt = deps.clock();
  const own =
    deps.own && work.page?.visibility === 'public'
      ? showInOwnLocation(deps.own, work, asText(bodies), renderedAt)
      : null;
  counts.shownEarly = own?.pointer ?? null;
  if (own?.pointer) counts.shownAt = deps.clock();
  try {
    await writeToKv(deps, work, bodies, counts);
  } finally {
    await own?.cached;
  }
  return pointerOf(work.pageId, work.version, deps.storage.writtenDocs());
}

/** The KV writes, in their order (see the top of this file). */
async function writeToKv(
  deps: PublishDeps,
  work: PublishWork,
  bodies: ReadonlyMap<string, string | Uint8Array>,
  counts: PublishProgress,
): Promise<void> {
  const { env, kv, storage, retired } = deps;
  const { pageId, version, now, written } = work;
  const renderedAt = new Date(now).toISOString();

  await inBatches(work.docs.put, async (doc) => {
    const key = contentKeyOf(doc.key, doc.etag);
    await kv.put(key, bodies.get(doc.key)!, metaOf(doc, version, renderedAt));
    storage.recordDoc(doc.key, doc.etag, version);
    retired.revive(key);
    const replaced = written.get(doc.key);
    if (replaced !== undefined) retired.retire(contentKeyOf(doc.key, replaced), now);
    counts.puts += 1;
  });
  counts.documentsInKvAt = deps.clock();

  // Hostnames point at the page only once its documents are there, and only through the
  // hostname's registry: it writes the record only for the page that holds the hostname.
  await inBatches(work.hosts.put, async ([host, record]) => {
    if (await registryOf(env, host).publish(host, pageId, record)) {
      storage.recordHost(host, record);
      counts.puts += 1;
    } else {
      log.warn('hostname held by another page', { pageId, host });
    }
  });

  // Documents no render produces now: out of the pointer, deleted once nobody can ask.
  for (const key of work.docs.remove) {
    const etag = written.get(key);
    if (etag !== undefined) retired.retire(contentKeyOf(key, etag), now);
    storage.forgetDoc(key);
  }
  for (const key of work.legacyKeys) retired.retire(key, now);

  // The pointer goes last: every document it names is in KV before it.
  const pointer = pointerOf(pageId, version, storage.writtenDocs());
  if (work.page) {
    await kv.put(pointerKey(pageId), JSON.stringify(pointer));
    counts.puts += 1;
  } else {
    await kv.delete(pointerKey(pageId));
    counts.deletes += 1;
  }
  counts.pointerInKvAt = deps.clock();
  // The registry deletes the record only if it is still this page's, whatever KV shows
  // now (a stale read here once deleted the new owner's mapping), then frees the hostname.
  await inBatches(work.hosts.remove, async (host) => {
    if (await registryOf(env, host).unpublish(host, pageId)) counts.deletes += 1;
    storage.forgetHost(host);
  });
}
