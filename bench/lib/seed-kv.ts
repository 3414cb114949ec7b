// Puts rendered pages straight into a local worker's KV, in the layout the coordinator
// writes (worker/store/keys.ts), rendering with the worker's own code bundled for Node.
// For benchmarks of the read path that must not depend on the write path (the Node tests do
// the same with test/support/seed-kv.ts, where vitest loads the text modules).
import type { Miniflare } from 'miniflare';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import type { DocumentMeta, HostRecord } from '../../worker/store/keys.ts';
import { importBundled } from './render-bundle.ts';

type Renderer = typeof import('./renderer-entry.ts');

let renderer: Promise<Renderer> | undefined;

export function nodeRenderer(): Promise<Renderer> {
  renderer ??= importBundled<Renderer>('bench/lib/renderer-entry.ts');
  return renderer;
}

export async function seedRenderedPage(
  mf: Miniflare,
  snapshot: PageSnapshot,
  now: Date,
  version = 1,
): Promise<void> {
  const r = await nodeRenderer();
  const kv = await mf.getKVNamespace('PAGES_KV');
  const { page } = snapshot;
  const record: HostRecord = {
    pageId: page.id,
    visibility: page.visibility,
    ...(page.access ? { access: page.access } : {}),
    ...(page.audiences ? { audiences: page.audiences.map((a) => a.id) } : {}),
  };
  for (const host of page.hostnames) await kv.put(r.hostKey(host), JSON.stringify(record));
  for (const variant of r.variantIds(page)) {
    for (const doc of await r.renderVariant(snapshot, variant, now)) {
      const meta: DocumentMeta = {
        etag: doc.etag,
        contentType: doc.contentType,
        version,
        renderedAt: now.toISOString(),
        ...(doc.styleSrc ? { styleSrc: doc.styleSrc } : {}),
      };
      await kv.put(r.docKey(page.id, variant, doc.path), doc.body, { metadata: meta });
    }
  }
}
