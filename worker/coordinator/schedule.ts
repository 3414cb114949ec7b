// Pure: when the coordinator should next render. The first change after a quiet period (no
// render for `quietMs`) renders at once: that is the moment an incident is posted, and nothing
// is gained by waiting. What follows it becomes one render per burst: wait for a quiet moment
// (debounce) but never longer than the maximum wait after the first unrendered change; never start writing KV within a second of the previous write (KV allows
// one write per key per second); after a failure, back off; and wake up when the clock alone
// changes what the page shows.
import { type RenderVariables, renderConfig } from '../config.ts';

export interface RenderTiming {
  debounceMs: number;
  maxWaitMs: number;
  /** KV's limit: one write per key per second. Every render writes at most once per key. */
  minIntervalMs: number;
  /** A change this long after the last render renders at once (null: never at once). */
  quietMs: number | null;
}

export const DEFAULT_TIMING: RenderTiming = {
  debounceMs: 250,
  maxWaitMs: 2000,
  minIntervalMs: 1000,
  quietMs: 2000,
};

export interface ScheduleState {
  /** Changes not yet in a successful render. */
  dirty: boolean;
  /** When the first unrendered change was stored (null when clean). */
  firstDirtyAt: number | null;
  /** When the latest change was stored. */
  lastChangeAt: number | null;
  /** When the latest render attempt started writing KV (successful or not). */
  lastFlushAt: number | null;
  /** Not before this time after a failed render. */
  retryAt: number | null;
  /** The next instant at which the clock alone changes the page (window opens, day rolls). */
  nextBoundary: number | null;
  /** A takeover of a hostname from another page is checked again at this time. */
  hostRecheckAt: number | null;
  /** Replaced documents can be deleted from KV from this time on (null: none waiting). */
  collectAt?: number | null;
}

/** Whether the unrendered changes began after a quiet period: then they render at once. */
export function leadingEdge(s: ScheduleState, t: RenderTiming): boolean {
  if (!s.dirty || t.quietMs === null) return false;
  const firstAt = s.firstDirtyAt ?? s.lastChangeAt ?? 0;
  return s.lastFlushAt === null || firstAt - s.lastFlushAt >= t.quietMs;
}

/** When the next render is due, or null when nothing will change the page by itself. */
export function renderDueAt(s: ScheduleState, t: RenderTiming): number | null {
  let due = Number.POSITIVE_INFINITY;
  if (s.dirty) {
    const changedAt = s.lastChangeAt ?? s.firstDirtyAt ?? 0;
    const firstAt = s.firstDirtyAt ?? changedAt;
    due = leadingEdge(s, t) ? firstAt : Math.min(changedAt + t.debounceMs, firstAt + t.maxWaitMs);
  }
  if (s.nextBoundary !== null) due = Math.min(due, s.nextBoundary);
  if (s.hostRecheckAt !== null) due = Math.min(due, s.hostRecheckAt);
  if (s.collectAt != null) due = Math.min(due, s.collectAt);
  if (!Number.isFinite(due)) return null;
  if (s.lastFlushAt !== null) due = Math.max(due, s.lastFlushAt + t.minIntervalMs);
  if (s.retryAt !== null) due = Math.max(due, s.retryAt);
  return due;
}

/**
 * Whether an alarm firing at `now` should render. Alarms are at-least-once and may fire early
 * in tests or late after a restart; the decision depends only on the stored state and the clock.
 */
export function shouldRender(s: ScheduleState, t: RenderTiming, now: number): boolean {
  const due = renderDueAt(s, t);
  return due !== null && now >= due;
}

/** 1 s, 2 s, 4 s … capped at a minute: a KV outage must not turn into a retry storm. */
export function backoffMs(failures: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
}

/** Timing from the environment (RENDER_DEBOUNCE_MS, RENDER_MAX_WAIT_MS, RENDER_LEADING_EDGE,
 * checked in config.ts), defaults otherwise. */
export function timingFromEnv(env: RenderVariables): RenderTiming {
  const c = renderConfig(env);
  const debounceMs = c.debounceMs ?? DEFAULT_TIMING.debounceMs;
  const maxWaitMs = Math.max(debounceMs, c.maxWaitMs ?? DEFAULT_TIMING.maxWaitMs);
  const quietMs = c.leadingEdge === 'off' ? null : DEFAULT_TIMING.quietMs;
  return { debounceMs, maxWaitMs, minIntervalMs: DEFAULT_TIMING.minIntervalMs, quietMs };
}
