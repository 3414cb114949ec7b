// First start on a STATE_DIR an older origin-sync left: its journal (snapshot.bin plus
// journal-*.log segments of framed JSON records) becomes rows of the database, in one
// transaction, and the old files move aside to `legacy-journal/` (kept, not deleted). A damaged
// snapshot or a damaged record before the end of a segment refuses the start (nothing is
// guessed); a torn tail of the newest segment is a write the crash cut short, never answered
// 202, and is left out.
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import type { SyncOutcome } from '../../worker/sync/contract.ts';
import type { Logger } from '../log.ts';
import { recountRows } from './counts.ts';
import { DamagedDatabase } from './database.ts';
import { entityKey, livePage, servicesOf } from './entities.ts';
import { decodeRecords } from './legacy/framing.ts';
import { Store } from './store.ts';
import type { EventTrace } from './trace.ts';

const SNAPSHOT = 'snapshot.bin';
const SEGMENT = /^journal-(\d{12})\.log$/;
export const LEGACY_DIR = 'legacy-journal';

interface LegacyItem {
  seq: number;
  enqueuedAt: number;
  event: CoreEvent;
}

interface LegacySnapshot {
  format: 1;
  entities: CoreEvent[];
  seen: string[];
  outbox: { nextSeq: number; pages: [string, LegacyItem[]][] };
  explorer: { traces: EventTrace[]; pages: [string, string[]][] };
  renders?: [string, { eventId: string; version: number; since: number }[]][];
}

type LegacyRecord =
  | { kind: 'accept'; at: number; receivedAt: number; validatedAt: number; events: CoreEvent[] }
  | {
      kind: 'ack';
      at: number;
      pushedAt: number;
      pageId: string;
      upTo: number;
      attempt: number;
      renderVersion: number | null;
      results: { id: string; outcome: SyncOutcome }[];
    }
  | {
      kind: 'fail';
      at: number;
      pageId: string;
      upTo: number;
      attempt: number;
      error: string;
      permanent: boolean;
    }
  | { kind: 'rendered'; at: number; pageId: string; version: number; renderedAt: number }
  | { kind: 'render_fail'; at: number; pageId: string; error: string; giveUp: boolean };

const decoder = new TextDecoder();

export async function importLegacyJournal(
  dir: string,
  db: DatabaseSync,
  log: Logger,
): Promise<boolean> {
  const names = await readdir(dir);
  const segments = names
    .map((n) => ({ n, m: SEGMENT.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ name: x.n, number: Number(x.m[1]) }))
    .sort((a, b) => a.number - b.number);
  const hasSnapshot = names.includes(SNAPSHOT);
  if (!hasSnapshot && segments.length === 0) return false;
  const done = db.prepare("SELECT value FROM meta WHERE key = 'legacy_imported'").get();
  if (done) return false;

  let snapshot: LegacySnapshot | null = null;
  let lastSegment = 0;
  if (hasSnapshot) {
    const { payloads, tornBytes } = decodeRecords(await readFile(join(dir, SNAPSHOT)));
    const [meta, state] = payloads;
    if (payloads.length !== 2 || tornBytes !== 0 || !meta || !state) {
      throw new DamagedDatabase(
        `${join(dir, SNAPSHOT)} (the old journal's snapshot) is damaged; nothing was imported. Restore it from a backup`,
      );
    }
    lastSegment = (JSON.parse(decoder.decode(meta)) as { lastSegment: number }).lastSegment;
    snapshot = JSON.parse(decoder.decode(state)) as LegacySnapshot;
  }
  const replay = segments.filter((s) => s.number > lastSegment);
  const records: LegacyRecord[] = [];
  for (const [i, segment] of replay.entries()) {
    const { payloads, tornBytes } = decodeRecords(await readFile(join(dir, segment.name)));
    if (tornBytes > 0 && i < replay.length - 1) {
      throw new DamagedDatabase(
        `${join(dir, segment.name)} is damaged before its end; nothing was imported. Restore the old journal from a backup`,
      );
    }
    for (const p of payloads) records.push(JSON.parse(decoder.decode(p)) as LegacyRecord);
  }

  db.exec('BEGIN IMMEDIATE');
  try {
    const counts = fill(db, snapshot, records);
    // Its INSERT OR REPLACEs delete without firing the counting triggers: count once here.
    recountRows(db);
    db.prepare("INSERT INTO meta (key, value) VALUES ('legacy_imported', ?)").run(
      new Date().toISOString(),
    );
    db.exec('COMMIT');
    log.info('store: imported the old journal', { ...counts, segments: replay.length });
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
  const aside = join(dir, LEGACY_DIR);
  await mkdir(aside, { recursive: true, mode: 0o700 });
  // The old pid-file LOCK goes too: the database's own lock replaces it.
  const lock = names.includes('LOCK') ? ['LOCK'] : [];
  for (const name of [
    ...(hasSnapshot ? [SNAPSHOT] : []),
    ...segments.map((s) => s.name),
    ...lock,
  ]) {
    await rename(join(dir, name), join(aside, name));
  }
  return true;
}

function fill(
  db: DatabaseSync,
  snapshot: LegacySnapshot | null,
  records: LegacyRecord[],
): { events: number; entities: number; queued: number } {
  const bodies = new Map<string, CoreEvent>();
  for (const e of snapshot?.entities ?? []) bodies.set(e.id, e);
  for (const [, items] of snapshot?.outbox.pages ?? []) {
    for (const item of items) bodies.set(item.event.id, item.event);
  }
  const insertEvent = db.prepare(
    `INSERT INTO events (id, type, body, received_at, validated_at, journaled_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET body = CASE WHEN events.body = 'null' THEN excluded.body ELSE events.body END`,
  );
  const seqOf = db.prepare('SELECT seq FROM events WHERE id = ?');
  const addStep = db.prepare(
    'INSERT INTO steps (event_id, page_id, step, at, render_version, detail, error) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const ensure = (id: string, type: string, times: [number, number, number]): number => {
    const body = bodies.get(id);
    insertEvent.run(id, body?.type ?? type, body ? JSON.stringify(body) : 'null', ...times);
    return (seqOf.get(id) as { seq: number }).seq;
  };

  // The explorer first, so events keep their history.
  for (const trace of snapshot?.explorer.traces ?? []) {
    const time = (name: string) => {
      const s = trace.steps.find((x) => x.step === name);
      return Date.parse(s?.at ?? trace.receivedAt);
    };
    ensure(trace.id, trace.type, [time('received'), time('validated'), time('journaled')]);
    for (const s of trace.steps) {
      if (s.step === 'received' || s.step === 'validated' || s.step === 'journaled') continue;
      addStep.run(
        trace.id,
        s.pageId ?? null,
        s.step,
        Date.parse(s.at),
        s.renderVersion ?? null,
        s.detail ?? null,
        s.error ?? null,
      );
    }
  }
  const epoch = Date.now();
  for (const id of snapshot?.seen ?? []) ensure(id, 'unknown', [epoch, epoch, epoch]);

  // The catalogue, with its indexes; pages that show an entity's services are taken as the
  // pages it was sent to (the old journal did not record that).
  const upsertEntity = db.prepare(
    'INSERT OR REPLACE INTO entities (key, kind, version, event_seq, deleted) VALUES (?, ?, ?, ?, ?)',
  );
  const addEntityService = db.prepare(
    'INSERT OR IGNORE INTO entity_services (service_id, key) VALUES (?, ?)',
  );
  const addPageService = db.prepare(
    'INSERT OR IGNORE INTO page_services (service_id, page_id) VALUES (?, ?)',
  );
  for (const e of snapshot?.entities ?? []) {
    const key = entityKey(e);
    const seq = ensure(e.id, e.type, [epoch, epoch, epoch]);
    upsertEntity.run(
      key,
      key.slice(0, key.indexOf(':')),
      e.version,
      seq,
      e.type.endsWith('.deleted') ? 1 : 0,
    );
    for (const id of servicesOf(e)) addEntityService.run(id, key);
    const page = livePage(e);
    for (const id of page?.serviceIds ?? []) addPageService.run(id, page?.id ?? '');
  }
  db.exec(
    `INSERT OR IGNORE INTO deliveries (key, page_id)
       SELECT es.key, ps.page_id FROM entity_services es
         JOIN entities en ON en.key = es.key AND en.kind IN ('incident', 'maintenance', 'service')
         JOIN page_services ps ON ps.service_id = es.service_id`,
  );

  // The outbox keeps the old sequence numbers, which the segments' acknowledgements name.
  const enqueue = db.prepare(
    'INSERT OR IGNORE INTO outbox (seq, page_id, event_seq, enqueued_at) VALUES (?, ?, ?, ?)',
  );
  for (const [pageId, items] of snapshot?.outbox.pages ?? []) {
    for (const item of items) {
      const seq = ensure(item.event.id, item.event.type, [
        item.enqueuedAt,
        item.enqueuedAt,
        item.enqueuedAt,
      ]);
      enqueue.run(item.seq, pageId, seq, item.enqueuedAt);
    }
  }
  const nextSeq = snapshot?.outbox.nextSeq ?? 1;
  db.prepare("DELETE FROM sqlite_sequence WHERE name = 'outbox'").run();
  db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)").run(nextSeq - 1);
  const expect = db.prepare(
    'INSERT INTO render_watch (page_id, version, since, events, event_ids) VALUES (?, ?, ?, 1, json_array(?))',
  );
  for (const [pageId, awaited] of snapshot?.renders ?? []) {
    for (const a of awaited) expect.run(pageId, a.version, a.since, a.eventId);
  }

  // Then the records written after the snapshot, in order, through the store itself.
  const store = new Store(db);
  const through = db.prepare(
    'SELECT ev.id FROM outbox o JOIN events ev ON ev.seq = o.event_seq WHERE o.page_id = ? AND o.seq <= ? ORDER BY o.seq',
  );
  const idsThrough = (pageId: string, upTo: number) =>
    (through.all(pageId, upTo) as { id: string }[]).map((r) => r.id);
  for (const r of records) {
    switch (r.kind) {
      case 'accept':
        store.accept(r.events, r.receivedAt, r.validatedAt, r.at);
        break;
      case 'ack':
        store.record({
          kind: 'ack',
          at: r.at,
          pushedAt: r.pushedAt,
          pageId: r.pageId,
          eventIds: idsThrough(r.pageId, r.upTo),
          attempt: r.attempt,
          renderVersion: r.renderVersion,
          results: r.results,
        });
        break;
      case 'fail':
        store.record({
          kind: 'fail',
          at: r.at,
          pageId: r.pageId,
          eventIds: idsThrough(r.pageId, r.upTo),
          attempt: r.attempt,
          error: r.error,
          // The old journal dropped such batches; kept as dead letters, an operator decides.
          deadLetter: r.permanent ? 'refused by the worker (imported from the old journal)' : null,
        });
        break;
      default:
        store.record(r);
    }
  }
  const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    events: n('SELECT COUNT(*) AS n FROM events'),
    entities: n('SELECT COUNT(*) AS n FROM entities'),
    queued: n('SELECT COUNT(*) AS n FROM outbox'),
  };
}
