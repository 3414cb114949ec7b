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
  results: { id: string; outcome: SyncOutcome }[];
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

export type JournalRecord = AcceptRecord | AckRecord | FailRecord;
