import { describe, expect, it } from 'vitest';
import {
  decide,
  type EntityRef,
  entityOf,
  planBatch,
  type StoredState,
  type StoredVersion,
} from '../../worker/coordinator/apply.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';

const at = '2026-11-21T10:00:00Z';
const svc = (id: string, version: number, status = 'operational', svcId = 's1'): CoreEvent => ({
  id,
  type: 'service.upserted',
  occurredAt: at,
  version,
  data: { id: svcId, name: 'API', status: status as 'operational' },
});
const svcDeleted = (id: string, version: number, svcId = 's1'): CoreEvent => ({
  id,
  type: 'service.deleted',
  occurredAt: at,
  version,
  data: { id: svcId },
});

function state(stored: Record<string, StoredVersion> = {}, seen: string[] = []): StoredState {
  return {
    stored: (ref: EntityRef) => stored[`${ref.kind}:${ref.id}`] ?? null,
    seen: (id) => seen.includes(id),
  };
}

describe('decide', () => {
  it('applies a first or newer version and refuses an older or equal one', () => {
    expect(decide(null, 1, false)).toBe('applied');
    expect(decide({ version: 3, deleted: false }, 4, false)).toBe('applied');
    expect(decide({ version: 3, deleted: false }, 2, false)).toBe('stale');
    expect(decide({ version: 3, deleted: false }, 3, false)).toBe('stale');
  });

  it('keeps a tombstone against a late upsert, but lets a newer one re-create', () => {
    expect(decide({ version: 5, deleted: true }, 4, false)).toBe('stale');
    expect(decide({ version: 5, deleted: true }, 5, false)).toBe('stale');
    expect(decide({ version: 5, deleted: true }, 6, false)).toBe('applied');
  });

  it('reports a seen event id as a duplicate whatever its version', () => {
    expect(decide(null, 9, true)).toBe('duplicate');
  });
});

describe('entityOf', () => {
  it('names one uptime entity per service and day', () => {
    const e: CoreEvent = {
      id: 'u',
      type: 'uptime.recorded',
      occurredAt: at,
      version: 1,
      data: { serviceId: 's1', date: '2026-11-20', partialOutageSeconds: 5, majorOutageSeconds: 0 },
    };
    expect(entityOf(e)).toEqual({ kind: 'uptime', id: 's1/2026-11-20', deleted: false });
    expect(entityOf(svcDeleted('d', 1))).toEqual({ kind: 'service', id: 's1', deleted: true });
  });
});

describe('planBatch', () => {
  it('keeps only the newest state of an entity when versions arrive out of order', () => {
    const plan = planBatch([svc('a', 2, 'major_outage'), svc('b', 1, 'operational')], state());
    expect(plan.results).toEqual([
      { id: 'a', outcome: 'applied' },
      { id: 'b', outcome: 'stale' },
    ]);
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({ kind: 'service', id: 's1', version: 2 });
    expect((plan.changes[0]!.data as { status: string }).status).toBe('major_outage');
  });

  it('lets a later version in the same batch supersede an earlier one', () => {
    const plan = planBatch(
      [svc('a', 1, 'major_outage'), svc('b', 2, 'degraded_performance')],
      state(),
    );
    expect(plan.results.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]!.version).toBe(2);
  });

  it('turns a delete into a tombstone that a late upsert in the same batch cannot undo', () => {
    const plan = planBatch(
      [svcDeleted('d', 5), svc('late', 4)],
      state({ 'service:s1': { version: 3, deleted: false } }),
    );
    expect(plan.results.map((r) => r.outcome)).toEqual(['applied', 'stale']);
    expect(plan.changes).toEqual([
      { kind: 'service', id: 's1', version: 5, deleted: true, data: null },
    ]);
  });

  it('reports ids seen before, or twice in the batch, as duplicates and remembers new ids once', () => {
    const plan = planBatch([svc('old', 7), svc('new', 8), svc('new', 8)], state({}, ['old']));
    expect(plan.results.map((r) => r.outcome)).toEqual(['duplicate', 'applied', 'duplicate']);
    expect(plan.newEventIds).toEqual(['new']);
  });

  it('remembers stale ids too, so their redelivery reads as a duplicate', () => {
    const plan = planBatch([svc('x', 1)], state({ 'service:s1': { version: 2, deleted: false } }));
    expect(plan.results[0]!.outcome).toBe('stale');
    expect(plan.changes).toEqual([]);
    expect(plan.newEventIds).toEqual(['x']);
  });

  it('treats each entity on its own', () => {
    const plan = planBatch(
      [svc('a', 5, 'operational', 's1'), svc('b', 1, 'operational', 's2')],
      state({ 'service:s1': { version: 9, deleted: false } }),
    );
    expect(plan.results.map((r) => r.outcome)).toEqual(['stale', 'applied']);
  });
});
