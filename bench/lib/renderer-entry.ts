// What Node-side tools and the workerd render bench need of the worker's renderer (bundled by
// render-bundle.ts and workerd-render.ts), calling the same functions the worker calls.
export { variantIds } from '../../worker/domain/snapshot.ts';
export { planVariant, renderVariant } from '../../worker/render/documents.ts';
export { forgetRenderMemos } from '../../worker/render/memo.ts';
export { docKey, hostKey } from '../../worker/store/keys.ts';
export { withServiceChange } from './synthetic-page.ts';

import { keyedDocuments, planDocuments } from '../../worker/coordinator/publish-plan.ts';
import { incidentFromJson } from '../../worker/domain/incident-json.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { planVariant, renderDocumentBytes } from '../../worker/render/documents.ts';

/**
 * A fresh copy of a snapshot as the coordinator reads one from SQLite for each render: every
 * entity parsed from its own JSON text, incidents as PageStorage parses them.
 */
export function asStored(snapshot: PageSnapshot): PageSnapshot {
  const copy = JSON.parse(JSON.stringify({ ...snapshot, incidents: [] })) as PageSnapshot;
  copy.incidents = snapshot.incidents.map((i) => incidentFromJson(JSON.stringify(i)));
  return copy;
}

const encoder = new TextEncoder();

/**
 * One document, as a cold miss on the read path renders it for one request: the status page
 * of the public variant with its ETag, as the coordinator's `documentOnMiss` does, down to its
 * UTF-8 bytes (what the visitor's response takes: a render is not done before that).
 * Returns the byte count.
 */
export async function renderStatusPageOnly(snapshot: PageSnapshot, now: Date): Promise<number> {
  const doc = await renderDocumentBytes(snapshot, 'public', '/', now);
  return doc!.bytes.byteLength;
}

/** The KV key → ETag map a publish of the public variant leaves in the coordinator's SQL. */
export async function publishedTags(
  snapshot: PageSnapshot,
  now: Date,
): Promise<[string, string][]> {
  const docs = keyedDocuments(
    snapshot.page.id,
    'public',
    await planVariant(snapshot, 'public', now),
  );
  return docs.map((d) => [d.key, d.etag]);
}

/**
 * A publish as the coordinator's flush does it, without the KV writes: every document's ETag
 * from its inputs, compared with what the last publish wrote; only changed documents rendered
 * (down to their UTF-8 bytes, as KV takes them). Returns the keys rendered.
 */
export async function publishChanged(
  snapshot: PageSnapshot,
  written: ReadonlyMap<string, string>,
  now: Date,
): Promise<string[]> {
  const planned = await planVariant(snapshot, 'public', now);
  const plan = planDocuments(keyedDocuments(snapshot.page.id, 'public', planned), written);
  for (const doc of plan.put) (doc.bytes ? doc.bytes() : encoder.encode(doc.render())).byteLength;
  return plan.put.map((d) => d.key);
}
