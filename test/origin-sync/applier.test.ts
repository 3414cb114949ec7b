// The journal / applier split (origin-sync/store/applier.ts): a 202 waits only for the
// journal; the fan-out follows, survives a crash between the two, and one event that cannot
// be applied does not hold up the rest.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Applier } from '../../origin-sync/store/applier.ts';
import type { ApplyResult } from '../../origin-sync/store/store.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
import { type StoreHarness, storeHarness } from '../support/store-harness.ts';

const T = Date.parse('2026-11-21T10:00:00Z');
const open: StoreHarness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.close();
});

function journal(h: StoreHarness, events: Parameters<StoreHarness['accept']>[0]) {
  h.store.db.exec('BEGIN IMMEDIATE');
  const result = h.store.journal(events, T, T, T);
  h.store.db.exec('COMMIT');
  return result;
}

function applier(h: StoreHarness, applied: ApplyResult[] = [], budget = 1_000) {
  return new Applier(h.store.db, h.store, {
    budget,
    onApplied: (r) => applied.push(r),
    onPoisoned: () => {},
    onFault: () => {},
  });
}

describe('origin-sync journal and applier', () => {
  it('journals without fanning out; the applier then queues the events for their pages in order', () => {
    const h = storeHarness();
    open.push(h);
    h.accept([pageEvent({ id: 'p', serviceIds: ['a', 'b'] }, 1, T)]);
    const a = serviceEvent({ id: 'a' }, 2, T);
    const b = serviceEvent({ id: 'b' }, 2, T);
    expect(journal(h, [a, b, a])).toEqual({ accepted: 2, duplicates: 1 });
    expect(h.store.pending).toBe(2);
    // Journaled, not fanned out: the explorer knows the event, no page has it yet.
    expect(h.store.trace(a.id)?.steps.map((s) => s.step)).toEqual([
      'received',
      'validated',
      'journaled',
    ]);
    const peekIds = () => h.store.peek('p', 100).map((i) => i.eventId);
    const before = peekIds();

    const applied: ApplyResult[] = [];
    const ap = applier(h, applied, 1);
    ap.settle();
    expect(h.store.pending).toBe(0);
    // Budget 1: one transaction per event, in journal order.
    expect(applied.map((r) => r.applied)).toEqual([1, 1]);
    expect(applied.flatMap((r) => r.pages)).toEqual(['p', 'p']);
    expect(peekIds()).toEqual([...before, a.id, b.id]);
    expect(h.store.trace(a.id)?.steps.map((s) => s.step)).toContain('fanned_out');
  });

  it('applies after a restart what was journaled but not fanned out (a crash in between)', () => {
    const h = storeHarness();
    open.push(h);
    h.accept([pageEvent({ id: 'p', serviceIds: ['a'] }, 1, T)]);
    const a = serviceEvent({ id: 'a' }, 2, T);
    journal(h, [a]);
    h.reopen();
    expect(h.store.pending).toBe(1);
    expect(h.store.peek('p', 100).map((i) => i.eventId)).not.toContain(a.id);
    applier(h).settle();
    expect(h.store.peek('p', 100).map((i) => i.eventId)).toContain(a.id);
    // Applied once: a second restart finds nothing left to do.
    h.reopen();
    expect(h.store.pending).toBe(0);
  });

  it('applies events again as new after their apply was rolled back (a full disk, say)', () => {
    const h = storeHarness();
    open.push(h);
    h.accept([pageEvent({ id: 'p', serviceIds: ['a'] }, 1, T), serviceEvent({ id: 'a' }, 1, T)]);
    const a = serviceEvent({ id: 'a' }, 2, T);
    journal(h, [a]);
    h.store.db.exec('BEGIN IMMEDIATE');
    h.store.applyPending(100, T);
    h.store.db.exec('ROLLBACK');
    // What the applier does after any rollback.
    h.store.reloadWatermark();
    applier(h).settle();
    // Not "an event at least as new is known": what the rolled-back apply learned is gone.
    const fanned = h.store.trace(a.id)?.steps.filter((s) => s.step === 'fanned_out');
    expect(fanned).toEqual([expect.objectContaining({ pageId: 'p' })]);
    expect(fanned?.[0]?.detail).toBeUndefined();
  });

  it('skips an event that throws while applied, with a failed step, and applies the rest', () => {
    const h = storeHarness();
    open.push(h);
    h.accept([pageEvent({ id: 'p', serviceIds: ['a', 'b'] }, 1, T)]);
    const bad = serviceEvent({ id: 'a' }, 2, T);
    const good = serviceEvent({ id: 'b' }, 2, T);
    journal(h, [bad, good]);
    // Stands in for a bug: the first event's body cannot be read back.
    h.store.db.prepare('UPDATE events SET body = ? WHERE id = ?').run('{not json', bad.id);
    const poisoned = vi.fn();
    const ap = new Applier(h.store.db, h.store, {
      onApplied: () => {},
      onPoisoned: poisoned,
      onFault: () => {},
    });
    ap.settle();
    expect(poisoned).toHaveBeenCalledWith(bad.id, expect.any(Error));
    expect(h.store.pending).toBe(0);
    expect(h.store.peek('p', 100).map((i) => i.eventId)).toContain(good.id);
    expect(h.store.trace(bad.id)?.steps.at(-1)).toMatchObject({
      step: 'failed',
      detail: 'not fanned out',
    });
  });

  it('makes a new batch wait while the backlog is at its bound', async () => {
    const h = storeHarness();
    open.push(h);
    journal(h, [serviceEvent({ id: 'a' }, 1, T), serviceEvent({ id: 'b' }, 1, T)]);
    const ap = new Applier(h.store.db, h.store, {
      maxPending: 2,
      onApplied: () => {},
      onPoisoned: () => {},
      onFault: () => {},
    });
    let roomy = false;
    const room = ap.room().then(() => {
      roomy = true;
    });
    // The applier runs on the next turns of the event loop; until then there is no room.
    expect(roomy).toBe(false);
    await room;
    expect(h.store.pending).toBeLessThan(2);
    ap.stop();
  });
});
