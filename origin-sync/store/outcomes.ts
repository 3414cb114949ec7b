// What the pusher and the render confirmer learn and hand to the store, which commits it.
// Deliveries are named by event id and the event's seq (both stable across restarts and code
// changes), never by a position in a queue. Times are epoch milliseconds.
import type { SyncOutcome } from '../../worker/sync/contract.ts';

/**
 * One event waiting for one page. The event stays the JSON it was stored as (what a push
 * sends, byte for byte): a push never parses and re-serialises up to 1,000 events only to
 * send them, and holds no parsed copies while it waits for the edge (they would outlive a
 * young-generation GC and pile up in V8's old space: docs/origin-sync-storage.md, memory).
 */
export interface OutboxItem {
  /** The event's row in the store (what the outbox row refers to). */
  eventSeq: number;
  eventId: string;
  /** The event as stored: `JSON.stringify` of the validated CoreEvent. */
  body: string;
}

/** The worker stored a page batch: these events are delivered to the page. */
export interface AckRecord {
  kind: 'ack';
  at: number;
  pushedAt: number;
  pageId: string;
  eventIds: string[];
  /**
   * The same events' seqs (the rows the outbox refers to: stable, never reused), in the same
   * order; without them the store looks the ids up.
   */
  eventSeqs?: number[];
  attempt: number;
  /** Null when the worker's 2xx answer was not a readable SyncResult (stored all the same). */
  renderVersion: number | null;
  results: { id: string; outcome: SyncOutcome; detail?: string }[];
  /**
   * The answer said `applied` for every event, in order: `results` is left empty (most
   * pushes; the message to the database thread does not carry a result per event).
   */
  allApplied?: true;
}

/**
 * A push of these events to the page failed. They stay queued (the explorer notes the
 * attempt) unless `deadLetter`: then they leave the outbox for the dead letters, where an
 * operator can retry or discard them.
 */
export interface FailRecord {
  kind: 'fail';
  at: number;
  pageId: string;
  eventIds: string[];
  attempt: number;
  error: string;
  /** Why it is given up, when it is (the refusal of that one event, or too long failing). */
  deadLetter: string | null;
}

/**
 * The worker says the page's render `version` is in KV (published at `renderedAt`): every event
 * of the page promised a render version ≤ `version` is rendered.
 */
export interface RenderedRecord {
  kind: 'rendered';
  at: number;
  pageId: string;
  version: number;
  renderedAt: number;
}

/**
 * A promised render version of the page stayed unpublished too long: the waiting events get
 * a `failed` step with `error` (the coordinator's last error when it has one). With `giveUp`
 * origin-sync stops waiting for them; otherwise it keeps asking and a later success still
 * records `rendered`.
 */
export interface RenderFailRecord {
  kind: 'render_fail';
  at: number;
  pageId: string;
  error: string;
  giveUp: boolean;
}

export type OutcomeRecord = AckRecord | FailRecord | RenderedRecord | RenderFailRecord;
