// Pure: how a render's outcome changes the coordinator's stored state, next to schedule.ts,
// which reads that state to decide when the next render is due. The coordinator only applies
// what these return.
import type { CoordinatorState } from './page-storage.ts';
import { backoffMs } from './schedule.ts';

type Seqs = Pick<CoordinatorState, 'changeSeq' | 'renderedSeq'>;

/** Changes are stored that no successful render has included yet. */
export function isDirty(s: Seqs): boolean {
  return s.changeSeq > s.renderedSeq;
}

/** A render begins: it takes a new version; changes stored from here on start a new window. */
export function renderStarted(before: CoordinatorState, now: number): Partial<CoordinatorState> {
  return { renderVersion: before.renderVersion + 1, lastFlushAt: now, firstDirtyAt: null };
}

export interface Published {
  version: number;
  /** When the last KV write finished. */
  finishedAt: number;
  puts: number;
  deletes: number;
  /** When the clock alone next changes the page (null: the page is gone). */
  nextBoundary: number | null;
}

/**
 * A render published everything. `before`: the state it started from (it includes the changes
 * up to `before.changeSeq`); `now`: the state at its end (counters moved meanwhile).
 */
export function renderSucceeded(
  before: CoordinatorState,
  now: CoordinatorState,
  p: Published,
  layout: number,
): Partial<CoordinatorState> {
  return {
    renderedSeq: before.changeSeq,
    publishedVersion: p.version,
    publishedAt: p.finishedAt,
    // The last write happened now: the next render keeps a second away from it.
    lastFlushAt: p.finishedAt,
    failures: 0,
    retryAt: null,
    lastError: null,
    layout,
    renders: now.renders + 1,
    kvPuts: now.kvPuts + p.puts,
    kvDeletes: now.kvDeletes + p.deletes,
    nextBoundary: p.nextBoundary,
    hostRecheckAt: null,
  };
}

export interface Failed {
  /** When the render started (the backoff counts from there). */
  startedAt: number;
  finishedAt: number;
  error: string;
  puts: number;
  deletes: number;
}

/** A render failed: the change stays dirty since it first came, and the retry backs off. */
export function renderFailed(
  before: CoordinatorState,
  now: CoordinatorState,
  f: Failed,
): Partial<CoordinatorState> {
  const failures = now.failures + 1;
  return {
    failures,
    retryAt: f.startedAt + backoffMs(failures),
    lastError: f.error,
    // Still unrendered since it first came (plus whatever came meanwhile).
    firstDirtyAt:
      before.firstDirtyAt === null
        ? now.firstDirtyAt
        : Math.min(before.firstDirtyAt, now.firstDirtyAt ?? before.firstDirtyAt),
    lastFlushAt: f.finishedAt,
    kvPuts: now.kvPuts + f.puts,
    kvDeletes: now.kvDeletes + f.deletes,
  };
}
