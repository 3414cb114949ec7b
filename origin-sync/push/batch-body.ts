// Builds the body of one page's /_sync push from the head of its outbox queue: as many
// items as fit under the contract's event and byte limits, never none.
import { MAX_SYNC_BYTES, MAX_SYNC_EVENTS } from '../../worker/sync/contract.ts';
import type { OutboxItem } from '../store/outcomes.ts';

export interface PageBatch {
  /** UTF-8, encoded once: what is signed and sent (a string beside it would be a second copy
   * held while the push waits for the edge, and fetch would encode a third). */
  body: Uint8Array<ArrayBuffer>;
  items: OutboxItem[];
}

export function buildPageBatch(
  pageId: string,
  queued: readonly OutboxItem[],
  limits: { maxEvents: number; maxBytes: number } = {
    maxEvents: MAX_SYNC_EVENTS,
    maxBytes: MAX_SYNC_BYTES,
  },
): PageBatch | null {
  const head = `{"pageId":${JSON.stringify(pageId)},"events":[`;
  const tail = ']}';
  let bytes = Buffer.byteLength(head) + tail.length;
  const parts: string[] = [];
  const items: OutboxItem[] = [];
  for (const item of queued) {
    if (items.length >= limits.maxEvents) break;
    // Stored as JSON.stringify of the validated event: sent as it is, not parsed again.
    const json = item.body;
    const size = Buffer.byteLength(json) + (parts.length > 0 ? 1 : 0);
    if (items.length > 0 && bytes + size > limits.maxBytes) break;
    parts.push(json);
    items.push(item);
    bytes += size;
  }
  if (items.length === 0) return null;
  return { body: Buffer.from(`${head}${parts.join(',')}${tail}`), items };
}
