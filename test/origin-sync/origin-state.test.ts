import { describe, expect, it } from 'vitest';
import { Explorer } from '../../origin-sync/state/explorer.ts';
import { OriginState } from '../../origin-sync/state/origin-state.ts';
import { Outbox } from '../../origin-sync/state/outbox.ts';
import type { JournalRecord } from '../../origin-sync/state/records.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';

const T = Date.parse('2026-11-21T10:00:00Z');
const options = { explorerCapacity: 1000, seenCapacity: 1000 };

function accept(events: ReturnType<typeof serviceEvent>[], at = T): JournalRecord {
  return { kind: 'accept', at, receivedAt: at - 2, validatedAt: at - 1, events };
}

describe('origin-sync state', () => {
  it('answers duplicates by event id, within a batch and across batches', () => {
    const s = new OriginState(options);
    const a = serviceEvent({ id: 'a' });
    expect(s.apply(accept([a, a]))).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(s.apply(accept([a]))).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('queues each event for its pages and traces it step by step', () => {
    const s = new OriginState(options);
    const page = pageEvent({ id: 'p1', serviceIds: ['a'] });
    const svc = serviceEvent({ id: 'a' });
    const lonely = serviceEvent({ id: 'nowhere' });
    const result = s.apply(accept([page, svc, lonely]));
    expect(result?.pages).toEqual(['p1']);
    expect(s.outbox.peek('p1', 10).map((i) => i.event.id)).toEqual([page.id, svc.id]);
    expect(s.explorer.get(svc.id)?.steps.map((x) => [x.step, x.pageId])).toEqual([
      ['received', undefined],
      ['validated', undefined],
      ['journaled', undefined],
      ['fanned_out', 'p1'],
    ]);
    expect(s.explorer.get(lonely.id)?.steps.at(-1)).toMatchObject({
      step: 'fanned_out',
      detail: expect.stringContaining('no page shows it'),
    });
  });

  it('drops acknowledged items and records the per-event outcome with the render version', () => {
    const s = new OriginState(options);
    const page = pageEvent({ id: 'p1', serviceIds: ['a'] });
    const svc = serviceEvent({ id: 'a' });
    s.apply(accept([page, svc]));
    const upTo = s.outbox.peek('p1', 10).at(-1)?.seq ?? 0;
    s.apply({
      kind: 'fail',
      at: T + 5,
      pageId: 'p1',
      upTo,
      attempt: 1,
      error: 'network: refused',
      permanent: false,
    });
    s.apply({
      kind: 'fail',
      at: T + 6,
      pageId: 'p1',
      upTo,
      attempt: 2,
      error: 'worker answered 503',
      permanent: false,
    });
    expect(s.outbox.depth).toBe(2);
    s.apply({
      kind: 'ack',
      at: T + 10,
      pushedAt: T + 8,
      pageId: 'p1',
      upTo,
      attempt: 3,
      renderVersion: 7,
      results: [
        { id: page.id, outcome: 'applied' },
        { id: svc.id, outcome: 'stale' },
      ],
    });
    expect(s.outbox.depth).toBe(0);
    const steps = s.explorer.get(svc.id)?.steps ?? [];
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
    expect(s.explorer.get(page.id)?.steps.at(-1)).toMatchObject({
      step: 'applied',
      renderVersion: 7,
    });
  });

  it('drops a batch the worker refuses for good, saying so', () => {
    const s = new OriginState(options);
    const page = pageEvent({ id: 'p1', serviceIds: [] });
    s.apply(accept([page]));
    s.apply({
      kind: 'fail',
      at: T,
      pageId: 'p1',
      upTo: 1,
      attempt: 1,
      error: 'worker answered 400',
      permanent: true,
    });
    expect(s.outbox.depth).toBe(0);
    expect(s.explorer.get(page.id)?.steps.at(-1)).toMatchObject({
      step: 'failed',
      detail: expect.stringContaining('dropped'),
    });
  });

  it('queues catch-up events for a page that starts showing a service, once', () => {
    const s = new OriginState(options);
    const svc = serviceEvent({ id: 'a' });
    const inc = incidentEvent({ id: 'i', serviceIds: ['a'] });
    s.apply(accept([pageEvent({ id: 'p', serviceIds: [] }), svc, inc]));
    expect(s.outbox.depth).toBe(1);
    s.apply(accept([pageEvent({ id: 'p', serviceIds: ['a'] }, 2)]));
    expect(
      s.outbox
        .peek('p', 10)
        .map((i) => i.event.id)
        .slice(-2),
    ).toEqual([svc.id, inc.id]);
    expect(s.explorer.get(inc.id)?.steps.at(-1)).toMatchObject({
      step: 'fanned_out',
      pageId: 'p',
      detail: 'catch-up: the page started showing a',
    });
    expect(s.explorer.forPage('p', 10).map((t) => t.id)[0]).toBe(inc.id);
  });

  it('records when the promised render is published, for every event promised up to it', () => {
    const s = new OriginState(options);
    const page = pageEvent({ id: 'p1', serviceIds: ['a'] });
    const svc = serviceEvent({ id: 'a' });
    const later = serviceEvent({ id: 'a' }, 2);
    s.apply(accept([page, svc]));
    const ack = (upTo: number, renderVersion: number, ids: string[], at: number) =>
      s.apply({
        kind: 'ack',
        at,
        pushedAt: at - 1,
        pageId: 'p1',
        upTo,
        attempt: 1,
        renderVersion,
        results: ids.map((id) => ({ id, outcome: 'applied' as const })),
      });
    ack(2, 4, [page.id, svc.id], T + 10);
    s.apply(accept([later], T + 20));
    ack(3, 5, [later.id], T + 30);
    expect(s.renders.summary('p1')).toEqual({
      lowest: 4,
      highest: 5,
      oldestSince: T + 10,
      events: 3,
    });

    s.apply({ kind: 'rendered', at: T + 40, pageId: 'p1', version: 4, renderedAt: T + 35 });
    expect(s.explorer.get(svc.id)?.steps.at(-1)).toEqual({
      step: 'rendered',
      at: new Date(T + 35).toISOString(),
      pageId: 'p1',
      renderVersion: 4,
    });
    // Version 5 is not live yet: the later event still waits.
    expect(s.explorer.get(later.id)?.steps.at(-1)?.step).toBe('applied');
    expect(s.renders.waiting('p1').map((a) => a.eventId)).toEqual([later.id]);

    s.apply({ kind: 'render_fail', at: T + 50, pageId: 'p1', error: 'KV down', giveUp: false });
    s.apply({ kind: 'render_fail', at: T + 60, pageId: 'p1', error: 'KV down', giveUp: false });
    const failed = s.explorer.get(later.id)?.steps.filter((x) => x.step === 'failed') ?? [];
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
    s.apply({ kind: 'rendered', at: T + 70, pageId: 'p1', version: 6, renderedAt: T + 65 });
    expect(s.explorer.get(later.id)?.steps.at(-1)).toMatchObject({
      step: 'rendered',
      renderVersion: 6,
    });
    expect(s.renders.size).toBe(0);
  });

  it('stops waiting for a render when told to give up, saying so', () => {
    const s = new OriginState(options);
    const page = pageEvent({ id: 'p1', serviceIds: [] });
    s.apply(accept([page]));
    s.apply({
      kind: 'ack',
      at: T,
      pushedAt: T,
      pageId: 'p1',
      upTo: 1,
      attempt: 1,
      renderVersion: 1,
      results: [{ id: page.id, outcome: 'applied' }],
    });
    s.apply({
      kind: 'render_fail',
      at: T + 1,
      pageId: 'p1',
      error: 'the edge has no record of this page',
      giveUp: true,
    });
    expect(s.renders.pages()).toEqual([]);
    expect(s.explorer.get(page.id)?.steps.at(-1)).toMatchObject({
      step: 'failed',
      error: 'the edge has no record of this page',
      detail: expect.stringContaining('stopped waiting'),
    });
  });

  it('is rebuilt identically from a snapshot plus the records after it', () => {
    const page = pageEvent({ id: 'p1', serviceIds: ['a', 'b'] });
    const history: JournalRecord[] = [
      accept([page, serviceEvent({ id: 'a' })]),
      accept([serviceEvent({ id: 'b' }), incidentEvent({ id: 'i', serviceIds: ['b'] })]),
      {
        kind: 'ack',
        at: T,
        pushedAt: T,
        pageId: 'p1',
        upTo: 2,
        attempt: 1,
        renderVersion: 1,
        results: [{ id: page.id, outcome: 'applied' }],
      },
      accept([pageEvent({ id: 'p2', serviceIds: ['b'] })]),
      { kind: 'rendered', at: T + 1, pageId: 'p1', version: 0, renderedAt: T },
      accept([serviceEvent({ id: 'a' }, 2)]),
    ];
    const whole = new OriginState(options);
    for (const r of history) whole.apply(r);
    for (let cut = 0; cut <= history.length; cut++) {
      const first = new OriginState(options);
      for (const r of history.slice(0, cut)) first.apply(r);
      const restored = OriginState.from(JSON.parse(JSON.stringify(first.toSnapshot())), options);
      for (const r of history.slice(cut)) restored.apply(r);
      expect(restored.toSnapshot(), `snapshot after ${cut} records`).toEqual(whole.toSnapshot());
    }
  });
});

describe('outbox', () => {
  it('keeps per-page FIFO order, queues an event once per page, and acks a prefix', () => {
    const o = new Outbox();
    const a = serviceEvent({ id: 'a' });
    const b = serviceEvent({ id: 'b' });
    expect(o.enqueue('p', a, 1)).toBe(true);
    expect(o.enqueue('p', a, 2)).toBe(false);
    expect(o.enqueue('q', a, 2)).toBe(true);
    expect(o.enqueue('p', b, 3)).toBe(true);
    expect(o.depth).toBe(3);
    expect(o.oldestEnqueuedAt()).toBe(1);
    const [first] = o.peek('p', 1);
    expect(o.remove('p', first?.seq ?? 0).map((i) => i.event.id)).toEqual([a.id]);
    expect(o.enqueue('p', a, 4)).toBe(true);
    expect(o.peek('p', 10).map((i) => i.event.id)).toEqual([b.id, a.id]);
    expect(Outbox.from(JSON.parse(JSON.stringify(o.toSnapshot()))).toSnapshot()).toEqual(
      o.toSnapshot(),
    );
  });
});

describe('event explorer memory', () => {
  it('forgets the oldest events past its capacity and lists a page newest first', () => {
    const e = new Explorer(3);
    for (const id of ['e1', 'e2', 'e3', 'e4']) {
      e.begin({ id, type: 'service.upserted', receivedAt: 'x', steps: [] });
      e.step(id, { step: 'fanned_out', at: 'x', pageId: 'p' });
    }
    expect(e.get('e1')).toBeUndefined();
    expect(e.forPage('p', 10).map((t) => t.id)).toEqual(['e4', 'e3', 'e2']);
    expect(e.forPage('p', 2).map((t) => t.id)).toEqual(['e4', 'e3']);
    expect(e.forPage('other', 10)).toEqual([]);
  });

  it('counts an event that began again from its latest beginning', () => {
    const e = new Explorer(3);
    const begin = (id: string) => e.begin({ id, type: 't', receivedAt: 'x', steps: [] });
    for (const id of ['e1', 'e2', 'e1', 'e3', 'e4']) begin(id);
    expect(['e1', 'e2', 'e3', 'e4'].map((id) => e.get(id) !== undefined)).toEqual([
      true,
      false,
      true,
      true,
    ]);
    begin('e5');
    expect(e.get('e1')).toBeUndefined();
    expect(e.size).toBe(3);
  });
});
