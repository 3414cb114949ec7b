// What still has to reach each page: per-page FIFO queues of core events, each item numbered
// by a global sequence so an acknowledgement can say "everything up to n" for its page. An
// event is queued at most once per page at a time (a merged batch never carries it twice).
import type { CoreEvent } from '../../worker/domain/schema.ts';

export interface OutboxItem {
  seq: number;
  enqueuedAt: number;
  event: CoreEvent;
}

export interface OutboxSnapshot {
  nextSeq: number;
  pages: [string, OutboxItem[]][];
}

export class Outbox {
  readonly #queues = new Map<string, OutboxItem[]>();
  readonly #queuedIds = new Map<string, Set<string>>();
  #nextSeq = 1;
  #depth = 0;

  /** False when the event is already waiting for this page. */
  enqueue(pageId: string, event: CoreEvent, at: number): boolean {
    let ids = this.#queuedIds.get(pageId);
    if (ids?.has(event.id)) return false;
    if (!ids) {
      ids = new Set();
      this.#queuedIds.set(pageId, ids);
    }
    let queue = this.#queues.get(pageId);
    if (!queue) {
      queue = [];
      this.#queues.set(pageId, queue);
    }
    queue.push({ seq: this.#nextSeq++, enqueuedAt: at, event });
    ids.add(event.id);
    this.#depth++;
    return true;
  }

  /** The oldest items of a page, at most `max`: what the next push carries. */
  peek(pageId: string, max: number): OutboxItem[] {
    return (this.#queues.get(pageId) ?? []).slice(0, max);
  }

  /** The page's items with `seq ≤ upTo` (always a prefix of its queue). */
  through(pageId: string, upTo: number): OutboxItem[] {
    const queue = this.#queues.get(pageId) ?? [];
    return queue.slice(0, prefixLength(queue, upTo));
  }

  /** Drops the page's items with `seq ≤ upTo` and returns them. */
  remove(pageId: string, upTo: number): OutboxItem[] {
    const queue = this.#queues.get(pageId);
    if (!queue) return [];
    const removed = queue.splice(0, prefixLength(queue, upTo));
    const ids = this.#queuedIds.get(pageId);
    for (const item of removed) ids?.delete(item.event.id);
    if (queue.length === 0) {
      this.#queues.delete(pageId);
      this.#queuedIds.delete(pageId);
    }
    this.#depth -= removed.length;
    return removed;
  }

  /** Pages with something to send. */
  pages(): string[] {
    return [...this.#queues.keys()];
  }

  /** Queued page deliveries in total (one event shown on 40 pages counts 40). */
  get depth(): number {
    return this.#depth;
  }

  oldestEnqueuedAt(): number | null {
    let oldest: number | null = null;
    for (const queue of this.#queues.values()) {
      const first = queue[0];
      if (first && (oldest === null || first.enqueuedAt < oldest)) oldest = first.enqueuedAt;
    }
    return oldest;
  }

  toSnapshot(): OutboxSnapshot {
    return { nextSeq: this.#nextSeq, pages: [...this.#queues.entries()] };
  }

  static from(snapshot: OutboxSnapshot): Outbox {
    const outbox = new Outbox();
    outbox.#nextSeq = snapshot.nextSeq;
    for (const [pageId, items] of snapshot.pages) {
      if (items.length === 0) continue;
      outbox.#queues.set(pageId, [...items]);
      outbox.#queuedIds.set(pageId, new Set(items.map((i) => i.event.id)));
      outbox.#depth += items.length;
    }
    return outbox;
  }
}

function prefixLength(queue: readonly OutboxItem[], upTo: number): number {
  let n = 0;
  while (n < queue.length && (queue[n] as OutboxItem).seq <= upTo) n++;
  return n;
}
