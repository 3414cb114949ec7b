// The store alone, without HTTP or the event loop: one event's whole life in SQLite as the
// throughput bench drives it (journal with its request's record in group commits, apply in
// transactions of 1,000, peek + ack per page, render confirmed), and the CPU per 1,000
// events. Its figure moves with what each event costs in SQLite (rows, indexes, triggers,
// statements), not with the machine's load as the HTTP bench's rates do. Standalone:
// `node bench/store-per-event.ts [rounds]`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../origin-sync/store/database.ts';
import { RequestLog } from '../origin-sync/store/requests.ts';
import { journalEntry, Store } from '../origin-sync/store/store.ts';
import { pageEvent, serviceEvent } from '../test/support/events.ts';
import type { CoreEvent } from '../worker/domain/schema.ts';

const PAGES = 20;
const SERVICES_PER_PAGE = 50;
const BATCH = 100;
const REQUESTS_PER_COMMIT = 10;
const ROUNDS = Number(process.argv[2] ?? 60);

const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
const db = openDatabase(dir);
const store = new Store(db);
const requests = new RequestLog(db);
const tx = <T>(work: () => T, sync: 'FULL' | 'NORMAL' = 'FULL'): T => {
  db.exec(`PRAGMA synchronous = ${sync}`);
  db.exec('BEGIN IMMEDIATE');
  try {
    const v = work();
    db.exec('COMMIT');
    return v;
  } finally {
    db.exec('PRAGMA synchronous = FULL');
  }
};

const now = Date.now();
tx(() =>
  store.accept(
    Array.from({ length: PAGES }, (_, p) =>
      pageEvent(
        {
          id: `p${p}`,
          serviceIds: Array.from(
            { length: SERVICES_PER_PAGE },
            (_, i) => `s${p * SERVICES_PER_PAGE + i}`,
          ),
        },
        1,
        now,
      ),
    ),
    now,
    now,
    now,
  ),
);
/** CPU µs per phase, summed over the measured rounds. */
const phases: Record<string, number> = {
  journal: 0,
  request: 0,
  commit: 0,
  apply: 0,
  ack: 0,
  rendered: 0,
};
let measuring = false;
function timed<T>(phase: string, work: () => T): T {
  const c = process.cpuUsage();
  try {
    return work();
  } finally {
    if (measuring) {
      const d = process.cpuUsage(c);
      phases[phase] = (phases[phase] ?? 0) + d.user + d.system;
    }
  }
}
let version = 1;
let requestNo = 0;
function round(): number {
  let events = 0;
  // The journal: group commits of several requests, each in its own savepoint.
  const c = process.cpuUsage();
  const before = { ...phases };
  tx(() => {
    for (let r = 0; r < REQUESTS_PER_COMMIT; r++) {
      const batch: CoreEvent[] = [];
      version++;
      for (let i = 0; i < BATCH; i++) {
        const n = (requestNo * 7919 + i) % (PAGES * SERVICES_PER_PAGE);
        batch.push(serviceEvent({ id: `s${n}`, description: 'bench' }, version, now));
      }
      db.exec('SAVEPOINT job');
      const t = Date.now();
      // As the main thread hands them over: serialized, with their routes (not timed here).
      const entries = batch.map(journalEntry);
      timed('journal', () => store.journal(entries, t, t, t));
      const body = JSON.stringify({ events: batch });
      timed('request', () =>
        requests.record({
          id: `req_${requestNo++}`,
          receivedAt: new Date(t).toISOString(),
          outcome: 'accepted',
          status: 202,
          headers: { 'content-type': 'application/json' },
          body,
          eventIds: batch.map((e) => e.id),
        }),
      );
      db.exec('RELEASE job');
      events += batch.length;
    }
  });
  if (measuring) {
    const d = process.cpuUsage(c);
    phases.commit =
      (phases.commit ?? 0) +
      d.user +
      d.system -
      (phases.journal! - before.journal!) -
      (phases.request! - before.request!);
  }
  timed('apply', () => {
    while (store.pending > 0) tx(() => store.applyPending(1_000, Date.now()), 'NORMAL');
  });
  // Pushes: each page's queue, acknowledged as applied with a render version, then rendered.
  timed('ack', () =>
    tx(() => {
      for (const pageId of store.queuedPages()) {
        const items = store.peek(pageId, 1_000);
        if (items.length === 0) continue;
        const ids = items.map((i) => i.eventId);
        const t = Date.now();
        store.record({
          kind: 'ack',
          at: t,
          pushedAt: t,
          pageId,
          eventIds: ids,
          eventSeqs: items.map((i) => i.eventSeq),
          attempt: 1,
          renderVersion: version,
          results: ids.map((id) => ({ id, outcome: 'applied' as const })),
        });
      }
    }),
  );
  timed('rendered', () =>
    tx(() => {
      for (const pageId of store.watchPages()) {
        const t = Date.now();
        store.record({ kind: 'rendered', at: t, pageId, version, renderedAt: t });
      }
    }),
  );
  return events;
}

for (let i = 0; i < 5; i++) round(); // warm-up
measuring = true;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let total = 0;
for (let i = 0; i < ROUNDS; i++) total += round();
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
const ms = (cpu.user + cpu.system) / 1000;
console.log(
  JSON.stringify({
    events: total,
    cpuMsPer1000: +((ms / total) * 1000).toFixed(2),
    userMsPer1000: +((cpu.user / 1000 / total) * 1000).toFixed(2),
    systemMsPer1000: +((cpu.system / 1000 / total) * 1000).toFixed(2),
    phaseCpuMsPer1000: Object.fromEntries(
      Object.entries(phases).map(([k, v]) => [k, +((v / 1000 / total) * 1000).toFixed(2)]),
    ),
    wallMsPer1000: +((wall / total) * 1000).toFixed(2),
    dbBytes: (db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count * 4096,
  }),
);
db.close();
rmSync(dir, { recursive: true, force: true });
