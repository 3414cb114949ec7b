// The planned fan-out (origin-sync/store/fan-out-plan.ts) must decide exactly what the
// event-at-a-time path decides: random event sequences (pages that change what they show or
// go away, services, incidents and maintenance that move between services or are deleted,
// stale versions, uptime, a service on more pages than the planned path takes) go through a
// store with it and one without, in random journal and apply slices, and every table must
// come out the same (the fan-out steps as rows per event and page), and so must what the
// explorer shows of every event and page.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../origin-sync/store/database.ts';
import { routeOf } from '../../origin-sync/store/entities.ts';
import { type FanOutFacts, planFanOut } from '../../origin-sync/store/fan-out-plan.ts';
import { journalEntry, Store } from '../../origin-sync/store/store.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import {
  deletedEvent,
  incidentEvent,
  maintenanceEvent,
  pageDeleted,
  pageEvent,
  serviceEvent,
  uptimeEvent,
} from '../support/events.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SERVICES = ['s0', 's1', 's2', 's3', 'wide'];
/** More pages than the planned path takes for one event (DIRECT_MAX is 16). */
const WIDE_PAGES = Array.from({ length: 18 }, (_, i) => `w${String(i).padStart(2, '0')}`);
const AT = Date.parse('2026-12-03T10:00:00Z');
/** The wide pages all show `wide`, so its events go past the planned path. */
const SETUP = WIDE_PAGES.map((id) => pageEvent({ id, serviceIds: ['wide'] }, 1, AT));

const services = fc.subarray(SERVICES, { maxLength: 3 });
const version = fc.integer({ min: 1, max: 4 });
const page = fc.constantFrom('p0', 'p1', 'p2');
const service = fc.constantFrom(...SERVICES);
const incident = fc.constantFrom('i0', 'i1', 'i2');
/** One kind of event, drawn `weight` times as often as a weight of 1. */
function kind<T>(weight: number, fields: fc.Arbitrary<T>, make: (t: T) => CoreEvent) {
  return { weight, arbitrary: fields.map(make) };
}
const coreEvent: fc.Arbitrary<CoreEvent> = fc.oneof(
  kind(2, fc.tuple(page, services, version), ([p, s, v]) =>
    pageEvent({ id: p, serviceIds: s }, v, AT),
  ),
  kind(1, fc.tuple(page, version), ([p, v]) => pageDeleted(p, v, AT)),
  kind(5, fc.tuple(service, version), ([s, v]) => serviceEvent({ id: s }, v, AT)),
  kind(1, fc.tuple(service, version), ([s, v]) => deletedEvent('service.deleted', s, v, AT)),
  kind(4, fc.tuple(incident, services, version), ([i, s, v]) =>
    incidentEvent({ id: i, serviceIds: s }, v, AT),
  ),
  kind(1, fc.tuple(incident, version), ([i, v]) => deletedEvent('incident.deleted', i, v, AT)),
  kind(2, fc.tuple(fc.constantFrom('m0', 'm1'), services, version), ([m, s, v]) =>
    maintenanceEvent({ id: m, serviceIds: s }, v, AT),
  ),
  kind(2, fc.tuple(service, fc.constantFrom('2026-12-01', '2026-12-02')), ([s, d]) =>
    uptimeEvent(s, d),
  ),
);

/** What the fan-out wrote, without the ids (AUTOINCREMENT) that differ only by gaps. */
function tables(store: Store): Record<string, unknown[]> {
  const all = (sql: string) => store.db.prepare(sql).all();
  return {
    outbox: all('SELECT page_id, event_seq, enqueued_at FROM outbox ORDER BY seq'),
    // A planned slice writes one row per page naming its events (store.ts, sliceSteps): as
    // a row per event and page, sorted, they are what the event-at-a-time path writes.
    steps: (
      all(
        'SELECT event_id, page_id, step, at, render_version, detail, error, event_ids, details FROM steps ORDER BY id',
      ) as Record<string, string | number | null>[]
    )
      .flatMap(({ event_ids, details, ...row }) => {
        if (typeof event_ids !== 'string') return [row];
        const notes = JSON.parse(typeof details === 'string' ? details : '{}');
        return (JSON.parse(event_ids) as string[]).map((id) => ({
          ...row,
          event_id: id,
          detail: notes[id] ?? null,
        }));
      })
      .map((row) => JSON.stringify(row))
      .sort(),
    entities: all('SELECT * FROM entities ORDER BY key'),
    entityServices: all('SELECT * FROM entity_services ORDER BY key, service_id'),
    pageServices: all('SELECT * FROM page_services ORDER BY page_id, service_id'),
    deliveries: all('SELECT * FROM deliveries ORDER BY key, page_id'),
    counts: all('SELECT * FROM row_counts ORDER BY name'),
    queued: store.queuedPages().sort(),
  };
}

function freshStore(batchedFanOut: boolean): Store {
  const dir = mkdtempSync(join(tmpdir(), 'esp-plan-'));
  dirs.push(dir);
  const store = new Store(openDatabase(dir), { batchedFanOut });
  tx(store, () => store.accept(SETUP, AT, AT, AT));
  return store;
}

function tx<T>(store: Store, work: () => T): T {
  store.db.exec('BEGIN IMMEDIATE');
  try {
    const v = work();
    store.db.exec('COMMIT');
    return v;
  } catch (err) {
    store.db.exec('ROLLBACK');
    throw err;
  }
}

describe('the planned fan-out', () => {
  it('writes exactly what the event-at-a-time path writes, for any sequence of events', () => {
    fc.assert(
      fc.property(
        fc.array(coreEvent, { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 8 }),
        (events, slices) => {
          const stores = [freshStore(true), freshStore(false)];
          const results = stores.map((store, n) => {
            const batched = n === 0;
            const applied: unknown[] = [];
            // The same journal and apply slices for both: the commit queue's batches and the
            // applier's budget vary in production.
            for (let i = 0, k = 0; i < events.length; k++) {
              const n = slices[k % slices.length] as number;
              const chunk = events.slice(i, i + n);
              i += n;
              // As origin-sync journals them (with their routes), and as an import or a
              // restart finds them (bodies only) for the event-at-a-time reference.
              const entries = batched ? chunk.map(journalEntry) : chunk;
              tx(store, () => store.journal(entries, AT, AT, AT));
              const r = tx(store, () => store.applyPending(n + 3, AT + k));
              applied.push({ ...r, pages: [...r.pages].sort() });
            }
            // What the explorer shows of each event and page, in its order.
            const traces = events.map((e) => store.trace(e.id));
            const pageTraces = ['p0', 'p1', 'p2', 'w00'].map((p) =>
              store.pageTraces(p, 100).map((t) => t.id),
            );
            return { applied, tables: tables(store), traces, pageTraces };
          });
          for (const s of stores) s.db.close();
          expect(results[0]).toEqual(results[1]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('planFanOut', () => {
  const facts = (pages: Record<string, string[]>): FanOutFacts => ({
    version: () => undefined,
    services: () => [],
    pages: (id) => pages[id] ?? [],
    delivered: () => [],
  });
  const run = (events: CoreEvent[]) => events.map((e, i) => ({ route: routeOf(e), seq: i + 1 }));

  it('plans a run of entity events and stops before a page event', () => {
    const plan = planFanOut(
      run([
        serviceEvent({ id: 'a' }, 1, AT),
        incidentEvent({ id: 'i', serviceIds: ['a', 'b'] }, 1, AT),
        pageEvent({ id: 'p9' }, 1, AT),
        serviceEvent({ id: 'b' }, 1, AT),
      ]),
      facts({ a: ['p1'], b: ['p2', 'p0'] }),
      16,
    );
    expect(plan.planned).toBe(2);
    expect(plan.outbox).toEqual([
      ['p1', 1],
      ['p0', 2],
      ['p1', 2],
      ['p2', 2],
    ]);
    expect(plan.deliveries.map(([, p]) => p)).toEqual(['p1', 'p0', 'p1', 'p2']);
    expect(plan.entities.map((e) => e.key)).toEqual(['service:a', 'incident:i']);
  });

  it('stops before an event for more pages than it takes, and marks a stale one', () => {
    const many = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const plan = planFanOut(
      run([
        serviceEvent({ id: 'a' }, 3, AT),
        serviceEvent({ id: 'a' }, 2, AT),
        serviceEvent({ id: 'w' }, 1, AT),
      ]),
      facts({ a: ['p1'], w: many }),
      16,
    );
    expect(plan.planned).toBe(2);
    expect(plan.steps.map(([, , detail]) => detail !== null)).toEqual([false, true]);
    expect(plan.entities).toEqual([
      { key: 'service:a', kind: 'service', version: 3, seq: 1, deleted: 0, known: false },
    ]);
  });
});
