// Writes a page into KV the way the coordinator does: host records and rendered documents.
import { env } from 'cloudflare:workers';
import type { PageSnapshot } from '../../../worker/domain/snapshot.ts';
import { variantIds } from '../../../worker/domain/snapshot.ts';
import { renderVariant } from '../../../worker/render/documents.ts';
import { forgetHosts } from '../../../worker/store/host-lookup.ts';
import {
  type DocumentMeta,
  docKey,
  type HostRecord,
  hostKey,
  versionKey,
} from '../../../worker/store/keys.ts';

export async function seedPage(snapshot: PageSnapshot, now: Date, version = 1): Promise<void> {
  const { page } = snapshot;
  const record: HostRecord = {
    pageId: page.id,
    visibility: page.visibility,
    ...(page.access ? { access: page.access } : {}),
    ...(page.audiences ? { audiences: page.audiences.map((a) => a.id) } : {}),
  };
  for (const host of page.hostnames) {
    await env.PAGES_KV.put(hostKey(host), JSON.stringify(record));
    forgetHosts(host);
  }
  for (const variant of variantIds(page)) {
    for (const doc of await renderVariant(snapshot, variant, now)) {
      const meta: DocumentMeta = {
        etag: doc.etag,
        contentType: doc.contentType,
        version,
        renderedAt: now.toISOString(),
        ...(doc.styleSrc ? { styleSrc: doc.styleSrc } : {}),
      };
      await env.PAGES_KV.put(docKey(page.id, variant, doc.path), doc.body, { metadata: meta });
    }
  }
  // Written last, as the coordinator does: the render is complete.
  await env.PAGES_KV.put(versionKey(page.id), String(version));
}
