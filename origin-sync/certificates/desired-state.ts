// Pure: which hostnames the pages claim, and what that makes of each hostname's record. A
// page's new list of hostnames (or a reconciliation against every live page) moves records
// on: a new hostname is requested, one another page had is moved (never deleted and created
// again, so its certificate is kept), one no page claims is removed after a grace period.
// No I/O and no clock: the updater (updater.ts) passes `now` in, then saves and acts.
import { z } from 'zod';
import { isValidHostname, normaliseHostname } from '../../worker/domain/schema.ts';
import {
  certificateNeedsRevalidation,
  type HostnamePhase,
  type HostnameState,
  newHostnameState,
  restartFollowing,
  type StepDraft,
} from './hostname-state.ts';

export const PageEntry = z.object({
  version: z.number().optional(),
  hostnames: z.array(z.string()),
});
export type PageEntry = z.infer<typeof PageEntry>;

/** What the updater keeps: each page's claimed hostnames, each hostname's record. */
export interface DesiredState {
  pages: Map<string, PageEntry>;
  records: Map<string, HostnameState>;
}

export interface ChangeContext {
  now: number;
  /** Certificates on: removals are scheduled (off: a removed hostname is simply forgotten). */
  enabled: boolean;
  removalGraceMs: number;
}

export interface ChangeOutcome {
  /** False when the version was stale, or nothing changed. */
  applied: boolean;
  /** What happened to which record, to be recorded once the state is saved. */
  steps: Array<[HostnameState, StepDraft]>;
  /** Names a page claimed that are not hostnames (ignored). */
  invalid: Array<{ pageId: string; hostname: string }>;
}

/**
 * A page now claims exactly `page.hostnames` (mutating `state`). `reconciling`: at start or
 * after a replay, when a failed or timed-out hostname is not restarted (saving a page again
 * is how an operator says "the customer fixed their DNS"; a restart is not).
 */
export function applyPageHostnames(
  state: DesiredState,
  page: { pageId: string; hostnames: readonly string[]; eventId?: string; version?: number },
  ctx: ChangeContext,
  reconciling: boolean,
  /** Records that may be this page's (each is checked again); default: every record. */
  candidates: Iterable<HostnameState> = state.records.values(),
): ChangeOutcome {
  const { pageId, eventId } = page;
  const known = state.pages.get(pageId);
  if (page.version !== undefined && known?.version !== undefined && page.version <= known.version) {
    return { applied: false, steps: [], invalid: [] };
  }
  const invalid: ChangeOutcome['invalid'] = [];
  const wanted = [
    ...new Set(
      page.hostnames.map(normaliseHostname).filter((hostname) => {
        if (isValidHostname(hostname)) return true;
        invalid.push({ pageId, hostname });
        return false;
      }),
    ),
  ].sort();
  const { now, enabled } = ctx;
  const at = new Date(now).toISOString();
  const steps: ChangeOutcome['steps'] = [];
  const moved = (from: string): StepDraft => ({
    action: 'moved',
    detail: `moved from page ${from}; custom hostname and certificate kept`,
  });

  for (const hostname of wanted) {
    const record = state.records.get(hostname);
    if (!record) {
      const fresh = newHostnameState(hostname, pageId, now, enabled, eventId);
      state.records.set(hostname, fresh);
      const detail = enabled
        ? 'new hostname: a custom hostname and certificate will be requested'
        : 'new hostname (certificates disabled: nothing requested)';
      steps.push([fresh, { action: 'requested', detail }]);
      continue;
    }
    if (eventId !== undefined) record.eventId = eventId;
    const previousOwner = record.pageId;
    record.pageId = pageId;
    record.updatedAt = at;
    if (record.desired === 'absent') {
      record.desired = 'present';
      record.phase = phaseAfterCancelledRemoval(record, enabled);
      record.nextAttemptAt = now;
      steps.push([
        record,
        previousOwner === pageId
          ? { action: 'removal_cancelled', detail: 'claimed again before removal; kept' }
          : moved(previousOwner),
      ]);
    } else if (previousOwner !== pageId) {
      steps.push([record, moved(previousOwner)]);
    } else if (!reconciling && (record.phase === 'failed' || record.phase === 'timed_out')) {
      record.revalidate = certificateNeedsRevalidation(record.certificateStatus);
      restartFollowing(record, record.customHostnameId ? 'pending' : 'provisioning', now);
      steps.push([record, { action: 'restarted', detail: 'page saved again: following anew' }]);
    }
  }

  const wantedSet = new Set(wanted);
  for (const record of candidates) {
    if (record.pageId !== pageId || record.desired !== 'present') continue;
    if (wantedSet.has(record.hostname)) continue;
    if (eventId !== undefined) record.eventId = eventId;
    record.updatedAt = at;
    if (!enabled) {
      state.records.delete(record.hostname);
      steps.push([record, { action: 'deleted', detail: 'removed from the page' }]);
      continue;
    }
    record.desired = 'absent';
    record.phase = 'removing';
    record.nextAttemptAt = now + ctx.removalGraceMs;
    const grace = Math.round(ctx.removalGraceMs / 1000);
    const detail = `removed from the page; the custom hostname is deleted after ${grace} s unless a page claims it`;
    steps.push([record, { action: 'removal_scheduled', detail }]);
  }

  const version = page.version ?? known?.version;
  const samePage =
    known !== undefined &&
    known.version === version &&
    known.hostnames.join('\n') === wanted.join('\n');
  state.pages.set(pageId, { ...(version !== undefined ? { version } : {}), hostnames: wanted });
  return { applied: steps.length > 0 || !samePage, steps, invalid };
}

/**
 * Brings the state in line with every page that exists now (at start, after a crash or a
 * replay that never announced a change): pages not listed are treated as deleted.
 */
export function reconcilePages(
  state: DesiredState,
  pages: ReadonlyArray<{ id: string; hostnames: readonly string[] }>,
  ctx: ChangeContext,
): ChangeOutcome {
  const out: ChangeOutcome = { applied: false, steps: [], invalid: [] };
  // Each page's records, found once: looking through every record for every page made a
  // start with 10,000 pages take seconds (quadratic). A record only moves to a page while
  // that page is taken, so this index, re-checked record by record, finds the same ones.
  const byPage = new Map<string, HostnameState[]>();
  for (const r of state.records.values()) {
    const list = byPage.get(r.pageId);
    if (list) list.push(r);
    else byPage.set(r.pageId, [r]);
  }
  const take = (pageId: string, hostnames: readonly string[]) => {
    const mine = byPage.get(pageId) ?? [];
    const one = applyPageHostnames(state, { pageId, hostnames }, ctx, true, mine);
    out.applied = one.applied || out.applied;
    out.steps.push(...one.steps);
    out.invalid.push(...one.invalid);
  };
  const listed = new Set(pages.map((p) => p.id));
  for (const page of pages) take(page.id, page.hostnames);
  const gone = new Set<string>();
  for (const id of state.pages.keys()) if (!listed.has(id)) gone.add(id);
  for (const r of state.records.values()) if (!listed.has(r.pageId)) gone.add(r.pageId);
  for (const id of gone) {
    take(id, []);
    state.pages.delete(id);
  }
  return out;
}

/** Whether a live page other than the hostname's current record names it. */
export function pageClaims(state: DesiredState, pageId: string, hostname: string): boolean {
  return state.pages.get(pageId)?.hostnames.includes(hostname) ?? false;
}

function phaseAfterCancelledRemoval(record: HostnameState, enabled: boolean): HostnamePhase {
  if (!enabled) return 'disabled';
  if (!record.customHostnameId) return 'provisioning';
  // Look again right away: the next answer puts it back to active, pending or failed.
  return 'pending';
}
