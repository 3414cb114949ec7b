// Writes a page into the test worker's KV the way the coordinator does, and makes this
// isolate forget any memoised hostname mapping so the next request sees it.
import { env } from 'cloudflare:workers';
import type { PageSnapshot } from '../../../worker/domain/snapshot.ts';
import { forgetHosts } from '../../../worker/store/host-lookup.ts';
import { isolateDocuments } from '../../../worker/store/isolate-cache.ts';
import { contentKey, parsePointer, pointerKey, slotOf } from '../../../worker/store/pointer.ts';
import { isolatePointers } from '../../../worker/store/pointer-memo.ts';
import { seedKv } from '../../support/seed-kv.ts';

export async function seedPage(snapshot: PageSnapshot, now: Date, version = 1): Promise<void> {
  await seedKv(env.PAGES_KV, snapshot, now, version);
  for (const host of snapshot.page.hostnames) forgetHosts(host);
}

/** The KV key of a document's current content, as the page's pointer in KV names it. */
export async function contentKeyInKv(
  pageId: string,
  variant: string,
  path: string,
): Promise<string | null> {
  const pointer = parsePointer(await env.PAGES_KV.get(pointerKey(pageId)));
  const etag = pointer?.docs[slotOf(variant, path)];
  return etag === undefined ? null : contentKey(pageId, variant, path, etag);
}

/** A document's current content in KV (null: none). */
export async function documentInKv(
  pageId: string,
  variant: string,
  path: string,
): Promise<string | null> {
  const key = await contentKeyInKv(pageId, variant, path);
  return key === null ? null : env.PAGES_KV.get(key);
}

/** This isolate forgets every pointer and document it held (a fresh isolate). */
export function forgetIsolate(pageId?: string): void {
  isolatePointers.forget(pageId);
  isolateDocuments.clear();
}
