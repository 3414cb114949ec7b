// What origin-sync writes to its journal. State is a pure function of these records, applied
// in log order, so replaying the journal after a crash rebuilds exactly what was there.
// Times are epoch milliseconds.
import type { CoreEvent } from '../../worker/domain/schema.ts';
import type { SyncOutcome } from '../../worker/sync/contract.ts';

/** A core batch that passed signature and validation (duplicates are resolved on apply). */
export interface AcceptRecord {
  kind: 'accept';
  at: number;
  receivedAt: number;
  validatedAt: number;
  events: CoreEvent[];
}

/** The worker stored a page batch: the outbox items up to `upTo` are done. */
export interface AckRecord {
  kind: 'ack';
  at: number;
  pushedAt: number;
  pageId: string;
  upTo: number;
  attempt: number;
  /** Null when the worker's 2xx answer was not a readable SyncResult (stored all the same). */
  renderVersion: number | null;
  results: { id: string; outcome: SyncOutcome; detail?: string }[];
}

/**
 * A push of the page's items up to `upTo` failed. Transient failures only annotate the event
 * explorer (the items stay queued); a permanent one (the worker refuses the batch as invalid)
 * drops them, since sending the same bytes again can only fail the same way.
 */
export interface FailRecord {
  kind: 'fail';
  at: number;
  pageId: string;
  upTo: number;
  attempt: number;
  error: string;
  permanent: boolean;
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

export type JournalRecord =
  | AcceptRecord
  | AckRecord
  | FailRecord
  | RenderedRecord
  | RenderFailRecord;
