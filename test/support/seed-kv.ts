// Writes a page into any KV namespace the way the coordinator does (host records, every
// variant's documents under their content keys, then the render pointer), with the
// coordinator's own host records: for Node tests that run the real worker under Miniflare, and
// (through seed.ts) for tests inside workerd.

import { hostRecordOf } from '../../worker/coordinator/publish-plan.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { variantIds } from '../../worker/domain/snapshot.ts';
import { renderVariant } from '../../worker/render/documents.ts';
import { type DocumentMeta, docKey, hostKey } from '../../worker/store/keys.ts';
import { contentKeyOf, pointerKey, pointerOf } from '../../worker/store/pointer.ts';

export interface WritableKv {
  put(key: string, value: string, options?: { metadata?: unknown }): Promise<unknown>;
}

export async function seedKv(
  kv: WritableKv,
  snapshot: PageSnapshot,
  now: Date,
  version = 1,
): Promise<void> {
  const { page } = snapshot;
  for (const host of page.hostnames) {
    await kv.put(hostKey(host), JSON.stringify(hostRecordOf(page, host)));
  }
  const written = new Map<string, string>();
  for (const variant of variantIds(page)) {
    for (const doc of await renderVariant(snapshot, variant, now)) {
      const meta: DocumentMeta = {
        etag: doc.etag,
        contentType: doc.contentType,
        version,
        renderedAt: now.toISOString(),
        ...(doc.styleSrc ? { styleSrc: doc.styleSrc } : {}),
      };
      const slot = docKey(page.id, variant, doc.path);
      await kv.put(contentKeyOf(slot, doc.etag), doc.body, { metadata: meta });
      written.set(slot, doc.etag);
    }
  }
  // Written last, as the coordinator does: the render is complete.
  await kv.put(pointerKey(page.id), JSON.stringify(pointerOf(page.id, version, written)));
}
