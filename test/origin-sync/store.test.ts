import { afterEach, describe, expect, it } from 'vitest';
import type { AckRecord } from '../../origin-sync/store/outcomes.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import {
  deletedEvent,
  incidentEvent,
  maintenanceEvent,
  pageEvent,
  serviceEvent,
  uptimeEvent,
} from '../support/events.ts';
import { type StoreHarness, storeHarness } from '../support/store-harness.ts';

const T = Date.parse('2026-11-21T10:00:00Z');
const open: StoreHarness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.close();
});

function harness(): StoreHarness {
  const h = storeHarness();
  open.push(h);
  // Fixed times, so steps are comparable.
  const accept = h.accept;
  h.accept = (events, at = T) => accept(events, at);
  return h;
}

function ackOf(pageId: string, ids: string[], renderVersion: number, at: number): AckRecord {
  return {
    kind: 'ack',
    at,
    pushedAt: at,
    pageId,
    eventIds: ids,
    attempt: 1,
    renderVersion,
    results: ids.map((id) => ({ id, outcome: 'applied' as const })),
  };
}

describe('origin-sync store', () => {
  it('answers duplicates by event id, within a batch and across batches', () => {
    const s = harness();
    const a = serviceEvent({ id: 'a' });
    expect(s.accept([a, a])).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(s.accept([a])).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('queues each event for its pages and traces it step by step', () => {
    const s = harness();
    const page = pageEvent({ id: 'p1', serviceIds: ['a'] });
    const svc = serviceEvent({ id: 'a' });
    const lonely = serviceEvent({ id: 'nowhere' });
    const result = s.accept([page, svc, lonely]);
    expect(result?.pages).toEqual(['p1']);
    expect(s.store.peek('p1', 10).map((i) => i.eventId)).toEqual([page.id, svc.id]);
    expect(s.store.trace(svc.id)?.steps.map((x) => [x.step, x.pageId])).toEqual([
      ['received', undefined],
      ['validated', undefined],
      ['journaled', undefined],
      ['fanned_out', 'p1'],
    ]);
    expect(s.store.trace(lonely.id)?.steps.at(-1)).toMatchObject({
      step: 'fanned_out',
      detail: expect.stringContaining('no page shows it'),
    });
  });

  it('drops acknowledged items and records the per-event outcome with the render version', () => {
    const s = harness();
    const page = pageEvent({ id: 'p1', serviceIds: ['a'] });
    const svc = serviceEvent({ id: 'a' });
    s.accept([page, svc]);
    const ids = [page.id, svc.id];
    s.record({
      kind: 'fail',
      at: T + 5,
      pageId: 'p1',
      eventIds: ids,
      attempt: 1,
      error: 'network: refused',
      deadLetter: null,
    });
    s.record({
      kind: 'fail',
      at: T + 6,
      pageId: 'p1',
      eventIds: ids,
      attempt: 2,
      error: 'worker answered 503',
      deadLetter: null,
    });
    expect(s.store.outboxStats().depth).toBe(2);
    s.record({
      kind: 'ack',
      at: T + 10,
      pushedAt: T + 8,
      pageId: 'p1',
      eventIds: ids,
      attempt: 3,
      renderVersion: 7,
      results: [
        { id: page.id, outcome: 'applied' },
        { id: svc.id, outcome: 'stale' },
      ],
    });
    expect(s.store.outboxStats().depth).toBe(0);
    const steps = s.store.trace(svc.id)?.steps ?? [];
    expect(steps.slice(3).map((x) => x.step)).toEqual([
      'fanned_out',
      'failed',
      'pushed',
      'skipped',
    ]);
    expect(steps.find((x) => x.step === 'failed')).toMatchObject({
      error: 'worker answered 503',
      detail: 'attempt 2; retrying',
    });
    expect(steps.at(-1)).toMatchObject({ pageId: 'p1', renderVersion: 7, detail: 'stale' });
    expect(s.store.trace(page.id)?.steps.at(-1)).toMatchObject({
      step: 'applied',
      renderVersion: 7,
    });
  });

  it('dead-letters an event the worker refuses for good, saying so', () => {
    const s = harness();
    const page = pageEvent({ id: 'p1', serviceIds: [] });
    s.accept([page]);
    s.record({
      kind: 'fail',
      at: T,
      pageId: 'p1',
      eventIds: [page.id],
      attempt: 1,
      error: 'worker answered 400',
      deadLetter: 'the worker refuses this event',
    });
    expect(s.store.outboxStats().depth).toBe(0);
    expect(s.store.deadLetters(10)).toMatchObject([
      { pageId: 'p1', eventId: page.id, error: 'worker answered 400' },
    ]);
    expect(s.store.trace(page.id)?.steps.at(-1)).toMatchObject({
      step: 'failed',
      detail: expect.stringContaining('dead-lettered'),
    });
  });

  it('queues catch-up events for a page that starts showing a service, once', () => {
    const s = harness();
    const svc = serviceEvent({ id: 'a' });
    const inc = incidentEvent({ id: 'i', serviceIds: ['a'] });
    s.accept([pageEvent({ id: 'p', serviceIds: [] }), svc, inc]);
    expect(s.store.outboxStats().depth).toBe(1);
    s.accept([pageEvent({ id: 'p', serviceIds: ['a'] }, 2)]);
    expect(
      s.store
        .peek('p', 10)
        .map((i) => i.eventId)
        .slice(-2),
    ).toEqual([svc.id, inc.id]);
    expect(s.store.trace(inc.id)?.steps.at(-1)).toMatchObject({
      step: 'fanned_out',
      pageId: 'p',
      detail: 'catch-up: the page started showing a',
    });
    expect(s.store.pageTraces('p', 10).map((t) => t.id)[0]).toBe(inc.id);
  });

  it('records when the promised render is published, for every event promised up to it', () => {
    const s = harness();
    const page = pageEvent({ id: 'p1', serviceIds: ['a'] });
    const svc = serviceEvent({ id: 'a' });
    const later = serviceEvent({ id: 'a' }, 2);
    s.accept([page, svc]);
    const ack = (renderVersion: number, ids: string[], at: number) =>
      s.record({
        kind: 'ack',
        at,
        pushedAt: at - 1,
        pageId: 'p1',
        eventIds: ids,
        attempt: 1,
        renderVersion,
        results: ids.map((id) => ({ id, outcome: 'applied' as const })),
      });
    ack(4, [page.id, svc.id], T + 10);
    s.accept([later], T + 20);
    ack(5, [later.id], T + 30);
    expect(s.store.watchSummary('p1')).toEqual({
      lowest: 4,
      highest: 5,
      oldestSince: T + 10,
      events: 3,
    });

    s.record({ kind: 'rendered', at: T + 40, pageId: 'p1', version: 4, renderedAt: T + 35 });
    expect(s.store.trace(svc.id)?.steps.at(-1)).toEqual({
      step: 'rendered',
      at: new Date(T + 35).toISOString(),
      pageId: 'p1',
      renderVersion: 4,
    });
    // Version 5 is not live yet: the later event still waits.
    expect(s.store.trace(later.id)?.steps.at(-1)?.step).toBe('applied');
    expect(s.store.watchSummary('p1')?.events).toBe(1);

    s.record({ kind: 'render_fail', at: T + 50, pageId: 'p1', error: 'KV down', giveUp: false });
    s.record({ kind: 'render_fail', at: T + 60, pageId: 'p1', error: 'KV down', giveUp: false });
    const failed = s.store.trace(later.id)?.steps.filter((x) => x.step === 'failed') ?? [];
    // The same failure again updates its step instead of adding one.
    expect(failed).toEqual([
      {
        step: 'failed',
        at: new Date(T + 60).toISOString(),
        pageId: 'p1',
        renderVersion: 5,
        error: 'KV down',
        detail: 'render not published yet; still waiting',
      },
    ]);
    s.record({ kind: 'rendered', at: T + 70, pageId: 'p1', version: 6, renderedAt: T + 65 });
    expect(s.store.trace(later.id)?.steps.at(-1)).toMatchObject({
      step: 'rendered',
      renderVersion: 6,
    });
    expect(s.store.watchStats().waiting).toBe(0);
  });

  it('stops waiting for a render when told to give up, saying so', () => {
    const s = harness();
    const page = pageEvent({ id: 'p1', serviceIds: [] });
    s.accept([page]);
    s.record({
      kind: 'ack',
      at: T,
      pushedAt: T,
      pageId: 'p1',
      eventIds: [page.id],
      attempt: 1,
      renderVersion: 1,
      results: [{ id: page.id, outcome: 'applied' }],
    });
    s.record({
      kind: 'render_fail',
      at: T + 1,
      pageId: 'p1',
      error: 'the edge has no record of this page',
      giveUp: true,
    });
    expect(s.store.watchPages()).toEqual([]);
    expect(s.store.trace(page.id)?.steps.at(-1)).toMatchObject({
      step: 'failed',
      error: 'the edge has no record of this page',
      detail: expect.stringContaining('stopped waiting'),
    });
  });

  it('takes an ack that says every event was applied without a result per event', () => {
    const s = harness();
    s.accept([pageEvent({ id: 'p1', serviceIds: ['a'] })]);
    const svc = serviceEvent({ id: 'a' });
    s.accept([svc], T + 1);
    s.record({ ...ackOf('p1', [svc.id], 4, T + 2), results: [], allApplied: true });
    expect(s.store.trace(svc.id)?.steps.slice(-2)).toEqual([
      { step: 'pushed', at: new Date(T + 2).toISOString(), pageId: 'p1', detail: 'batch of 1' },
      { step: 'applied', at: new Date(T + 2).toISOString(), pageId: 'p1', renderVersion: 4 },
    ]);
    expect(s.store.watchSummary('p1')).toMatchObject({ lowest: 4, events: 1 });
  });

  it('keeps a push failure, the push, and the render failures after it in the order they came', () => {
    const s = harness();
    s.accept([pageEvent({ id: 'p1', serviceIds: ['a'] })]);
    const svc = serviceEvent({ id: 'a' });
    s.accept([svc], T + 1);
    const fail = (at: number) =>
      s.record({
        kind: 'fail',
        at,
        pageId: 'p1',
        eventIds: [svc.id],
        attempt: 1,
        error: 'worker answered 500',
        deadLetter: null,
      });
    fail(T + 2);
    fail(T + 3);
    s.record(ackOf('p1', [svc.id], 5, T + 4));
    const renderFail = (at: number) =>
      s.record({ kind: 'render_fail', at, pageId: 'p1', error: 'not yet', giveUp: false });
    renderFail(T + 5);
    renderFail(T + 6);
    s.record({ kind: 'rendered', at: T + 8, pageId: 'p1', version: 5, renderedAt: T + 7 });
    const steps = s.store.trace(svc.id)?.steps.slice(3);
    expect(steps?.map((x) => [x.step, Date.parse(x.at) - T, x.error ?? null])).toEqual([
      ['fanned_out', 1, null],
      // One step per streak of failures, at its latest attempt.
      ['failed', 3, 'worker answered 500'],
      ['pushed', 4, null],
      ['applied', 4, null],
      ['failed', 6, 'not yet'],
      ['rendered', 7, null],
    ]);
    // Given up on, a render published later confirms nothing for it.
    const next = serviceEvent({ id: 'a' }, 2);
    s.accept([next], T + 10);
    s.record(ackOf('p1', [next.id], 6, T + 11));
    s.record({ kind: 'render_fail', at: T + 12, pageId: 'p1', error: 'gone', giveUp: true });
    const later = serviceEvent({ id: 'a' }, 3);
    s.accept([later], T + 13);
    s.record(ackOf('p1', [later.id], 8, T + 14));
    s.record({ kind: 'rendered', at: T + 16, pageId: 'p1', version: 8, renderedAt: T + 15 });
    expect(s.store.trace(later.id)?.steps.at(-1)).toMatchObject({ step: 'rendered' });
    expect(
      s.store
        .trace(next.id)
        ?.steps.map((x) => x.step)
        .slice(-3),
    ).toEqual(['pushed', 'applied', 'failed']);
  });

  it('keeps everything across a restart of the database', () => {
    const s = harness();
    const page = pageEvent({ id: 'p1', serviceIds: ['a'] });
    const svc = serviceEvent({ id: 'a' });
    s.accept([page, svc]);
    s.record(ackOf('p1', [page.id], 3, T));
    s.reopen();
    expect(s.store.peek('p1', 10).map((i) => i.eventId)).toEqual([svc.id]);
    expect(s.store.watchPages()).toEqual(['p1']);
    expect(s.store.trace(page.id)?.steps.map((x) => x.step)).toEqual([
      'received',
      'validated',
      'journaled',
      'fanned_out',
      'pushed',
      'applied',
    ]);
    // Both ids are still known: the same events again are duplicates.
    expect(s.accept([page, svc])).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it("shows each event's outcome on the page right after its pushed step, whatever the outcome", () => {
    const s = harness();
    const page = pageEvent({ id: 'p1', serviceIds: ['a', 'b', 'c', 'd'] });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => serviceEvent({ id }));
    if (!a || !b || !c || !d) throw new Error('four services');
    s.accept([page, a, b, c, d]);
    const at = T + 1_000;
    const tail = (id: string) =>
      s.store
        .trace(id)
        ?.steps.slice(3)
        .map(({ step, at, pageId, renderVersion, detail, error }) => ({
          step,
          at,
          pageId,
          renderVersion,
          detail,
          error,
        }));
    s.record({
      kind: 'ack',
      at,
      pushedAt: at - 10,
      pageId: 'p1',
      eventIds: [page.id, a.id, b.id, c.id, d.id, 'evt_unknown'],
      attempt: 2,
      renderVersion: 7,
      results: [
        { id: page.id, outcome: 'refused', detail: 'status.example.com is held by another page' },
        { id: a.id, outcome: 'applied' },
        { id: b.id, outcome: 'duplicate' },
        { id: 'evt_unknown', outcome: 'applied' },
        // c: no per-event result, d: stale
        { id: d.id, outcome: 'stale' },
      ],
    });
    const pushed = {
      step: 'pushed',
      at: new Date(at - 10).toISOString(),
      pageId: 'p1',
      renderVersion: undefined,
      detail: 'batch of 6, attempt 2',
      error: undefined,
    };
    const fanned = {
      step: 'fanned_out',
      at: new Date(T).toISOString(),
      pageId: 'p1',
      renderVersion: undefined,
      detail: undefined,
      error: undefined,
    };
    const outcome = (o: Record<string, unknown>) => ({
      at: new Date(at).toISOString(),
      pageId: 'p1',
      renderVersion: undefined,
      detail: undefined,
      error: undefined,
      ...o,
    });
    expect(tail(page.id)).toEqual([
      fanned,
      pushed,
      outcome({
        step: 'failed',
        error: 'refused by the edge: status.example.com is held by another page',
      }),
    ]);
    expect(tail(a.id)).toEqual([fanned, pushed, outcome({ step: 'applied', renderVersion: 7 })]);
    expect(tail(b.id)).toEqual([
      fanned,
      pushed,
      outcome({ step: 'skipped', renderVersion: 7, detail: 'duplicate' }),
    ]);
    // No result of its own in an answer that has results: pushed, and nothing promised.
    expect(tail(c.id)).toEqual([fanned, pushed]);
    expect(tail(d.id)).toEqual([
      fanned,
      pushed,
      outcome({ step: 'skipped', renderVersion: 7, detail: 'stale' }),
    ]);
    s.record({ kind: 'rendered', at, pageId: 'p1', version: 7, renderedAt: at });
    expect(tail(a.id)?.map((x) => x.step)).toEqual(['fanned_out', 'pushed', 'applied', 'rendered']);
    expect(tail(c.id)?.map((x) => x.step)).toEqual(['fanned_out', 'pushed']);
    expect(tail(page.id)?.map((x) => x.step)).toEqual(['fanned_out', 'pushed', 'failed']);

    // A worker whose answer carried no results at all.
    const e = serviceEvent({ id: 'a' }, 2);
    s.accept([e]);
    s.record({ ...ackOf('p1', [e.id], 8, at), renderVersion: null, results: [] });
    expect(tail(e.id)?.slice(1)).toEqual([
      { ...pushed, at: new Date(at).toISOString(), detail: 'batch of 1' },
      outcome({
        step: 'applied',
        detail: 'stored by the worker; its answer carried no per-event result',
      }),
    ]);
  });

  it('forgets exactly the event ids past their age, over gaps that earlier pruning left', () => {
    const s = harness();
    const day = 86_400_000;
    const retention = { maxAgeMs: 7 * day, maxBytes: 2 * 1024 ** 3 };
    const prune = (now: number, limit?: number) => {
      s.store.db.exec('BEGIN');
      const n = s.store.prune(now, retention, limit);
      s.store.db.exec('COMMIT');
      return n;
    };
    // One entity, each event superseded by the next: 30 a day apart, then 30 today.
    const old = Array.from({ length: 30 }, (_, i) => serviceEvent({ id: 'x' }, i + 1));
    for (const [i, e] of old.entries()) s.accept([e], T - (40 - i) * day);
    const recent = Array.from({ length: 30 }, (_, i) => serviceEvent({ id: 'x' }, 31 + i));
    for (const e of recent) s.accept([e], T);
    // Ten days ago: the first three are past 7 days, and only they go, a bounded 2 at a time.
    expect(prune(T - 30 * day, 2)).toBeGreaterThan(0);
    expect(prune(T - 30 * day)).toBeGreaterThan(0);
    expect(s.store.counts().events).toBe(57);
    // Today: every old one goes (over the gap just made), none of today's.
    prune(T);
    expect(s.store.counts().events).toBe(30);
    expect(s.accept([old[29] as CoreEvent], T)).toMatchObject({ duplicates: 0 });
    expect(s.accept([recent[0] as CoreEvent], T)).toMatchObject({ duplicates: 1 });
  });

  it('confirms a render once per event, whatever promises it waited on', () => {
    const s = harness();
    s.accept([pageEvent({ id: 'p1', serviceIds: ['a', 'b'] })]);
    const a = serviceEvent({ id: 'a' });
    const b = serviceEvent({ id: 'b' });
    s.accept([a, b]);
    const rendered = (id: string) =>
      s.store.trace(id)?.steps.filter((x) => x.step === 'rendered') ?? [];
    // a pushed twice before either promise was confirmed: the page drops its service and
    // shows it again, and the catch-up sends a once more.
    s.record(ackOf('p1', [a.id, b.id], 3, T));
    s.accept([pageEvent({ id: 'p1', serviceIds: ['b'] }, 2)], T + 5);
    s.accept([pageEvent({ id: 'p1', serviceIds: ['a', 'b'] }, 3)], T + 5);
    s.record(ackOf('p1', [a.id], 4, T + 10));
    expect(s.store.watchSummary('p1')).toMatchObject({ lowest: 3, highest: 4, events: 3 });
    // Version 3 is out: b (promised 3) is rendered, a still waits for 4 as well.
    s.record({ kind: 'rendered', at: T + 20, pageId: 'p1', version: 3, renderedAt: T + 15 });
    expect(rendered(b.id)).toEqual([
      { step: 'rendered', at: new Date(T + 15).toISOString(), pageId: 'p1', renderVersion: 3 },
    ]);
    expect(s.store.watchSummary('p1')).toMatchObject({ lowest: 4, highest: 4, events: 1 });
    s.record({ kind: 'rendered', at: T + 30, pageId: 'p1', version: 9, renderedAt: T + 25 });
    expect(rendered(a.id).map((x) => x.renderVersion)).toEqual([3, 9]);
    expect(s.store.watchSummary('p1')).toBeNull();
    // Nothing left to confirm: no step more.
    s.record({ kind: 'rendered', at: T + 40, pageId: 'p1', version: 10, renderedAt: T + 35 });
    expect(rendered(a.id)).toHaveLength(2);
    // Both promises confirmed by one render: one step, not two.
    const c = serviceEvent({ id: 'a' }, 2);
    s.accept([c]);
    s.record(ackOf('p1', [c.id], 11, T + 50));
    s.record(ackOf('p1', [c.id], 12, T + 60));
    s.record({ kind: 'rendered', at: T + 70, pageId: 'p1', version: 12, renderedAt: T + 65 });
    expect(rendered(c.id).map((x) => x.renderVersion)).toEqual([12]);
  });

  it("never forgets the event that holds an entity's state, whatever its kind", () => {
    const s = harness();
    const old = T - 30 * 86_400_000;
    // One entity of each kind, once superseded, once current; a tombstone is current too.
    const kinds = (v: number) => [
      pageEvent({ id: 'p1', serviceIds: ['a'] }, v),
      serviceEvent({ id: 'a' }, v),
      incidentEvent({ id: 'i1', serviceIds: ['a'] }, v),
      maintenanceEvent({ id: 'm1', serviceIds: ['a'] }, v),
      uptimeEvent('a', '2026-10-01', v),
    ];
    const superseded = kinds(1);
    const current = [...kinds(2), deletedEvent('incident.deleted', 'i2', 1)];
    s.accept(superseded, old);
    s.accept(current, old);
    // Delivered: nothing of it is held by the outbox.
    const queued = s.store.peek('p1', 100).map((i) => i.eventId);
    s.record(ackOf('p1', queued, 1, old));
    s.store.db.exec('BEGIN');
    s.store.prune(T, { maxAgeMs: 7 * 86_400_000, maxBytes: 2 * 1024 ** 3 });
    s.store.db.exec('COMMIT');
    expect(s.store.counts().events).toBe(current.length);
    // Still known as duplicates (their ids kept), the superseded ones forgotten.
    expect(s.accept(current, T)).toMatchObject({ duplicates: current.length });
    expect(s.accept(superseded, T)).toMatchObject({ duplicates: 0 });
  });

  it('forgets explorer steps and event ids past their age, but never what is still queued', () => {
    const s = harness();
    const old = T - 8 * 86_400_000;
    const page = pageEvent({ id: 'p1', serviceIds: ['a'] });
    const gone = serviceEvent({ id: 'nowhere' });
    const queued = serviceEvent({ id: 'a' });
    s.accept([page, gone, queued], old);
    s.record(ackOf('p1', [page.id], 1, old));
    // Superseded: no longer the catalogue's state of its entity.
    s.accept([serviceEvent({ id: 'nowhere' }, 2)], T);
    s.store.db.exec('BEGIN');
    s.store.prune(T, { maxAgeMs: 7 * 86_400_000, maxBytes: 2 * 1024 ** 3 });
    s.store.db.exec('COMMIT');
    expect(s.store.peek('p1', 10).map((i) => i.eventId)).toEqual([queued.id]);
    // The page is still known: its event carries the catalogue's state.
    expect(s.store.page('p1')?.id).toBe('p1');
    expect(s.store.trace(queued.id)?.steps.map((x) => x.step)).toEqual([
      'received',
      'validated',
      'journaled',
    ]);
    // Its id forgotten, the superseded event sent again is no duplicate.
    expect(s.accept([gone], T)).toMatchObject({ duplicates: 0 });
  });
});
