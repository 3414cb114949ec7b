// What the main thread and the database thread (db-thread.ts) say to each other. Plain data
// only (structured clone): validated events, outcome records, results and counters; errors
// travel as their message plus whether they were a storage fault (answered 503).
import type { OutcomeRecord } from './outcomes.ts';
import type { OperatorAction, RecordedRequest, RequestRetention } from './requests.ts';
import type { ApplyResult, JournalEntry, JournalResult } from './store.ts';

export interface DbThreadConfig {
  dir: string;
  cacheBytes?: number;
  maxPageCount?: number;
  commitWindowMs?: number;
  apply?: { budget?: number; maxPending?: number };
  requestRetention: Partial<RequestRetention> & { maxAgeMs: number };
  retention: { maxAgeMs: number; maxBytes: number };
}

/** Each call names its operation and carries its arguments; the answer types are in DbAnswers. */
export type DbCall =
  | {
      op: 'journal';
      events: JournalEntry[];
      /** The batch has page events: fan them out before answering (hostname-takeover). */
      pageEvents: boolean;
      receivedAt: number;
      validatedAt: number;
      request: RecordedRequest | null;
    }
  | { op: 'record'; record: OutcomeRecord }
  | { op: 'recordRequest'; request: RecordedRequest }
  | { op: 'recordAction'; action: OperatorAction }
  | { op: 'retryDeadLetter'; pageId: string; eventId: string; at: number }
  | { op: 'discardDeadLetter'; pageId: string; eventId: string; at: number }
  | { op: 'prune'; now: number }
  | { op: 'setMaxPageCount'; pages: number }
  | { op: 'settle' }
  | { op: 'close' };

export interface DbAnswers {
  journal: JournalResult;
  record: undefined;
  recordRequest: undefined;
  recordAction: undefined;
  retryDeadLetter: boolean;
  discardDeadLetter: boolean;
  prune: number;
  setMaxPageCount: undefined;
  settle: undefined;
  close: undefined;
}

/** The thread's counters, sent with every message so /healthz reads them without asking. */
export interface DbStats {
  commits: number;
  writes: number;
  pending: number;
  applied: number;
}

export interface WireError {
  message: string;
  storage: boolean;
}

export type DbMessage =
  | { t: 'ready'; stats: DbStats }
  | { t: 'answer'; id: number; value?: unknown; error?: WireError; stats: DbStats }
  | { t: 'applied'; result: ApplyResult; stats: DbStats }
  | { t: 'fault'; source: 'commit' | 'apply'; error: string | null }
  | {
      t: 'log';
      level: 'info' | 'warn' | 'error';
      message: string;
      fields: Record<string, unknown>;
    };
