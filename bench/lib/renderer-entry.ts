// What Node-side tools and the workerd render bench need of the worker's renderer (bundled by
// render-bundle.ts and workerd-render.ts), calling the same functions the worker calls.
export { variantIds } from '../../worker/domain/snapshot.ts';
export { planVariant, renderDocument, renderVariant } from '../../worker/render/documents.ts';
export { forgetRenderMemos } from '../../worker/render/memo.ts';
export { docKey, hostKey } from '../../worker/store/keys.ts';
export { withServiceChange } from './synthetic-page.ts';

import type { EntityRef } from '../../worker/coordinator/apply.ts';
import { keyedDocuments, planDocuments } from '../../worker/coordinator/publish-plan.ts';
import { incidentFromJson } from '../../worker/domain/incident-json.ts';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { planVariant, renderDocument } from '../../worker/render/documents.ts';
import { ChangeLog, type PlanMemo } from '../../worker/render/plan-memo.ts';

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
 * UTF-8 bytes (what a response or a KV write takes: a render is not done before that).
 * Returns the byte count.
 */
export async function renderStatusPageOnly(snapshot: PageSnapshot, now: Date): Promise<number> {
  const doc = await renderDocument(snapshot, 'public', '/', now);
  return encoder.encode(doc!.body).length;
}

/**
 * What a page's coordinator holds between publishes: the KV key → ETag map the last publish
 * left in its SQL, and (in memory) that plan's tags with the changes applied since.
 */
export interface PublishState {
  written: Map<string, string>;
  plans: PlanMemo | null;
  log: ChangeLog;
}

/** The state after a first publish of the public variant (planned in full). */
export async function publishState(snapshot: PageSnapshot, now: Date): Promise<PublishState> {
  const plans: PlanMemo = new Map();
  const planned = await planVariant(snapshot, 'public', now, {
    incremental: { prior: null, changes: new ChangeLog().take(), next: plans },
  });
  const written = new Map(
    keyedDocuments(snapshot.page.id, 'public', planned).map((d) => [d.key, d.etag]),
  );
  return { written, plans, log: new ChangeLog() };
}

/**
 * A publish as the coordinator's flush does it, without the KV writes: the plan from the last
 * plan and the changes since (`changed`: what the events applied since changed) (only documents whose inputs may have changed are
 * fingerprinted), each ETag compared with what the last publish wrote; only changed documents
 * rendered (down to their UTF-8 bytes, as KV takes them). `state.written` stays as it was (each
 * publish is measured against the same KV); its plan memo moves on, as the coordinator's does.
 * Returns the keys rendered and how many documents were fingerprinted.
 */
export async function publishChanged(
  state: PublishState,
  snapshot: PageSnapshot,
  changed: readonly EntityRef[],
  now: Date,
): Promise<{ rendered: string[]; fingerprinted: number }> {
  // The entities the events since the last publish changed, as applyBatch notes them.
  for (const ref of changed) state.log.note(ref);
  const next: PlanMemo = new Map();
  const stats = { fingerprinted: 0 };
  const planned = await planVariant(snapshot, 'public', now, {
    incremental: { prior: state.plans, changes: state.log.take(), next, stats },
  });
  state.plans = next;
  const plan = planDocuments(keyedDocuments(snapshot.page.id, 'public', planned), state.written);
  for (const doc of plan.put) (doc.bytes ? doc.bytes() : encoder.encode(doc.render())).byteLength;
  return { rendered: plan.put.map((d) => d.key), fingerprinted: stats.fingerprinted };
}
