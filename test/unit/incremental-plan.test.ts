// A publish plans from what changed since the last one (render/plan-memo.ts): documents whose
// inputs cannot have changed take the last plan's ETag instead of being fingerprinted again.
// Whatever it skips, the plan must be exactly the full one: over random sequences of changes
// of every kind (each told as the coordinator tells it: the entities that differ), every
// document and every tag of the incremental plan equals a plan from scratch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PageSnapshot } from '../../worker/domain/snapshot.ts';
import { planVariant } from '../../worker/render/documents.ts';
import { forgetRenderMemos } from '../../worker/render/memo.ts';
import { ChangeLog, type PageChanges, type PlanMemo } from '../../worker/render/plan-memo.ts';
import { apply, change, clockMoves, demo, now } from '../support/snapshot-changes.ts';

const byId = <T extends { id: string }>(list: readonly T[]) =>
  new Map(list.map((x) => [x.id, JSON.stringify(x)]));

/** Every entity that differs between two snapshots, noted as the coordinator notes them. */
function changesBetween(a: PageSnapshot, b: PageSnapshot): PageChanges {
  const log = new ChangeLog();
  const differ = <T extends { id: string }>(kind: 'service' | 'incident', x: T[], y: T[]) => {
    const before = byId(x);
    const after = byId(y);
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      if (before.get(id) !== after.get(id)) log.note({ kind, id });
    }
  };
  if (
    JSON.stringify(a.page) !== JSON.stringify(b.page) ||
    JSON.stringify(a.times?.page) !== JSON.stringify(b.times?.page)
  ) {
    log.note({ kind: 'page', id: b.page.id });
  }
  differ('service', a.services, b.services);
  differ('incident', a.incidents, b.incidents);
  // A service's times come with its own events.
  const times = (s: PageSnapshot) => s.times?.services ?? {};
  for (const id of new Set([...Object.keys(times(a)), ...Object.keys(times(b))])) {
    if (JSON.stringify(times(a)[id]) !== JSON.stringify(times(b)[id]))
      log.note({ kind: 'service', id });
  }
  // Uptime and maintenance windows are noted too; the plan needs no more than their kind.
  log.note({ kind: 'uptime', id: 'svc_api/2026-11-21' });
  log.note({ kind: 'maintenance', id: 'mnt_any' });
  return log.take();
}

const tags = (docs: readonly { path: string; etag: string }[]) =>
  new Map(docs.map((d) => [d.path, d.etag]));

describe('the incremental publish plan', () => {
  it('equals the full plan over random sequences of changes', async () => {
    const seen = { documents: 0, fingerprinted: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(change, clockMoves, fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('public', 'audience:ops'),
        async (steps, variant) => {
          let state = { snapshot: demo(), at: now };
          let memo: PlanMemo | null = null;
          // The first publish plans in full (no memo) and leaves one.
          for (const [c, clock, forget] of [[null, 0, false] as const, ...steps]) {
            const before = state.snapshot;
            if (c) state = apply(state.snapshot, new Date(state.at.getTime() + clock), c);
            const changes = changesBetween(before, state.snapshot);
            // The isolate's render memos are a cache either way: with and without them.
            if (forget) forgetRenderMemos();
            const next: PlanMemo = new Map();
            const stats = { fingerprinted: 0 };
            const incremental = await planVariant(state.snapshot, variant, state.at, {
              incremental: { prior: memo, changes, next, stats },
            });
            const full = await planVariant(state.snapshot, variant, state.at);
            expect(tags(incremental), `after ${c?.kind ?? 'the first publish'}`).toEqual(
              tags(full),
            );
            memo = next;
            if (c) {
              seen.documents += full.length;
              seen.fingerprinted += stats.fingerprinted;
            }
          }
        },
      ),
      { numRuns: 100 },
    );
    // It had something to skip: most documents of most plans took the last plan's tag.
    expect(seen.fingerprinted).toBeLessThan(seen.documents * 0.8);
  });

  it('takes the last tags only for what it was not told changed', async () => {
    const base = demo();
    const memo: PlanMemo = new Map();
    await planVariant(base, 'public', now, {
      incremental: { prior: null, changes: new ChangeLog().take(), next: memo },
    });
    const changed = structuredClone(base);
    const incident = changed.incidents[0]!;
    incident.name = 'Renamed while nobody was told';
    const plan = async (changes: PageChanges) => {
      const stats = { fingerprinted: 0 };
      const docs = await planVariant(changed, 'public', now, {
        incremental: { prior: memo, changes, next: new Map(), stats },
      });
      return { etag: tags(docs).get(`/incidents/${incident.id}`), stats };
    };
    const full = tags(await planVariant(changed, 'public', now)).get(`/incidents/${incident.id}`);
    const told = new ChangeLog();
    told.note({ kind: 'incident', id: incident.id });
    const withChange = await plan(told.take());
    expect(withChange.etag).toBe(full);
    // Not told: the memo's tag stands (which is why every applied change must be noted).
    const untold = await plan(new ChangeLog().take());
    expect(untold.etag).toBe(memo.get('public')!.etags.get(`/incidents/${incident.id}`));
    expect(untold.etag).not.toBe(full);
    // Only the documents that read the clock or nearly everything were fingerprinted.
    expect(untold.stats.fingerprinted).toBeLessThan(withChange.stats.fingerprinted);
  });
});
