// The database's schema, as migrations applied in order (`PRAGMA user_version` is how many
// have run). Never edit a released migration: add the next one. docs/origin-sync-storage.md
// explains each table. Times are epoch milliseconds.
import { COUNTS_IN_STORE_MIGRATION, COUNTS_MIGRATION } from './counts.ts';
import { RECEIPTS_MIGRATION } from './receipts.ts';
import { REQUESTS_MIGRATION } from './requests.ts';

export const MIGRATIONS: readonly string[] = [
  `
  -- Every core event accepted, stored once (the journal, the dedupe ids, the explorer's head).
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    validated_at INTEGER NOT NULL,
    journaled_at INTEGER NOT NULL
  );
  CREATE INDEX events_journaled ON events (journaled_at);

  -- The latest state of each entity (a tombstone for a deletion), by the event that carries it.
  CREATE TABLE entities (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    event_seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX entities_event ON entities (event_seq);
  CREATE INDEX entities_kind ON entities (kind) WHERE kind = 'status_page';

  -- Which services an entity concerns, last known (a tombstone keeps those it last touched).
  CREATE TABLE entity_services (
    service_id TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (service_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX entity_services_key ON entity_services (key);

  -- Which live pages show which services.
  CREATE TABLE page_services (
    service_id TEXT NOT NULL,
    page_id TEXT NOT NULL,
    PRIMARY KEY (service_id, page_id)
  ) WITHOUT ROWID;
  CREATE INDEX page_services_page ON page_services (page_id);

  -- Pages that were once sent an incident, maintenance or service: its deletion or move goes
  -- there too, whatever the page shows now (else a page that drops and re-adds a service
  -- shows a deleted incident again).
  CREATE TABLE deliveries (
    key TEXT NOT NULL,
    page_id TEXT NOT NULL,
    PRIMARY KEY (key, page_id)
  ) WITHOUT ROWID;
  CREATE INDEX deliveries_page ON deliveries (page_id);

  -- What each page still has to receive, in order; rows refer to the event.
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    enqueued_at INTEGER NOT NULL,
    UNIQUE (page_id, event_seq)
  );
  CREATE INDEX outbox_page ON outbox (page_id, seq);

  -- Deliveries the edge refused for good, or that failed for too long: kept for operators.
  CREATE TABLE dead_letters (
    page_id TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (page_id, event_seq)
  ) WITHOUT ROWID;

  -- The explorer's steps after journaled (received/validated/journaled are the event's times).
  CREATE TABLE steps (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    page_id TEXT,
    step TEXT NOT NULL,
    at INTEGER NOT NULL,
    render_version INTEGER,
    detail TEXT,
    error TEXT
  );
  CREATE INDEX steps_event ON steps (event_id, id);
  CREATE INDEX steps_page_fanned ON steps (page_id, id) WHERE step = 'fanned_out';
  CREATE INDEX steps_at ON steps (at);

  -- Events waiting for the edge to publish the render version they were promised.
  CREATE TABLE render_watch (
    page_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (page_id, event_id)
  ) WITHOUT ROWID;

  -- Facts about the database itself (e.g. that the old journal was imported).
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
  // The core's requests as they arrived (origin-sync/store/requests.ts).
  REQUESTS_MIGRATION,
  // Notification delivery receipts (origin-sync/store/receipts.ts, origin-sync/notify/).
  RECEIPTS_MIGRATION,
  `
  -- The certificate updater's state (origin-sync/certificates/state-store.ts), as JSON rows:
  -- the hostnames each page claims (its version too), and each hostname's record. It was
  -- STATE_DIR/certificates.json; the first start imports that file.
  CREATE TABLE certificate_pages (page_id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE certificate_hostnames (hostname TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
  `,
  // Row counts kept by triggers, so nothing counts a table that grows with history
  // (origin-sync/store/counts.ts).
  COUNTS_MIGRATION,
  // Fewer b-trees written per event (docs/origin-sync-storage.md, Throughput): the row counts
  // are kept by the store, one UPDATE per table per write call, instead of a trigger per row;
  // retention by age follows the steps' id order (they are written in time order) instead of
  // an index on their time, one b-tree fewer for each of the ~4 step rows of an event, and so
  // does that of events (store.ts, prune); request_events loses the index on request_seq that
  // only its orphan sweep read (a full scan either way); and a
  // `pushed` row carries the step that follows it on its page (applied, skipped, refused), one
  // row where there were two.
  `
  ${COUNTS_IN_STORE_MIGRATION}
  DROP INDEX steps_at;
  DROP INDEX events_journaled;
  DROP INDEX request_events_seq;
  ALTER TABLE steps ADD COLUMN outcome TEXT;
  ALTER TABLE steps ADD COLUMN outcome_at INTEGER;
  ALTER TABLE steps ADD COLUMN outcome_version INTEGER;
  ALTER TABLE steps ADD COLUMN outcome_detail TEXT;
  ALTER TABLE steps ADD COLUMN outcome_error TEXT;
  `,
  // The entity's index by event went: every entity update moved its entry (a b-tree delete and
  // insert per event) and only retention read it, which now finds the entity by its key,
  // computed from the event as entities.ts entityKey does (store.ts, pruneEvents).
  `
  DROP INDEX entities_event;
  `,
  // The render watch by batch (store.ts, #ack and #rendered): one row per acknowledged push,
  // its promised events as a JSON array, instead of a row per event with its time index.
  // row_counts keeps counting events (the sum of \`events\`), as before.
  `
  CREATE TABLE render_promises (
    id INTEGER PRIMARY KEY,
    page_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    since INTEGER NOT NULL,
    events INTEGER NOT NULL,
    event_ids TEXT NOT NULL
  );
  INSERT INTO render_promises (page_id, version, since, events, event_ids)
    SELECT page_id, version, since, 1, json_array(event_id) FROM render_watch ORDER BY since;
  DROP TABLE render_watch;
  ALTER TABLE render_promises RENAME TO render_watch;
  CREATE INDEX render_watch_page ON render_watch (page_id, version);
  CREATE INDEX render_watch_since ON render_watch (since);
  `,
  // Retention asks, for each old event, whether an outbox row or a dead letter still needs it
  // (store.ts, pruneEvents): by event seq, which neither table's key led with, so each asked a
  // scan of the table (a long one after the edge was down an hour). The outbox's unique pair
  // turns round, (event_seq, page_id): the same b-tree, the same dedupe, and the ack's
  // (page, seq) lookups still seek it; dead letters (few) get an index of their own. The
  // outbox keeps its seqs and its AUTOINCREMENT high-water mark, so no seq comes again.
  `
  CREATE TEMP TABLE outbox_sequence AS SELECT seq FROM sqlite_sequence WHERE name = 'outbox';
  CREATE TABLE outbox_by_event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    enqueued_at INTEGER NOT NULL,
    UNIQUE (event_seq, page_id)
  );
  INSERT INTO outbox_by_event (seq, page_id, event_seq, enqueued_at)
    SELECT seq, page_id, event_seq, enqueued_at FROM outbox ORDER BY seq;
  DROP TABLE outbox;
  ALTER TABLE outbox_by_event RENAME TO outbox;
  CREATE INDEX outbox_page ON outbox (page_id, seq);
  DELETE FROM sqlite_sequence WHERE name = 'outbox';
  INSERT INTO sqlite_sequence (name, seq)
    SELECT 'outbox', max(coalesce((SELECT max(seq) FROM temp.outbox_sequence), 0),
                         coalesce((SELECT max(seq) FROM outbox), 0));
  DROP TABLE temp.outbox_sequence;
  CREATE INDEX dead_letters_event ON dead_letters (event_seq);
  `,
  // An acknowledged push is one row, and so is a confirmed render (store.ts, #ack and
  // #rendered): the explorer's `pushed`, `applied` and `rendered` steps of each event are
  // read from them (store.ts, trace) instead of written as a row per event and page, three
  // b-tree inserts fewer for most events. A push names its events as a JSON array and keeps
  // only the outcomes that were not `applied`; `render_after` is the last render recorded
  // before it (a render after it with its version or higher confirmed it). Rows of steps
  // written before this migration stay as they are; the render watch says which of its
  // promises came from a push row (push_id), so a promise older than it is still confirmed
  // event by event.
  `
  CREATE TABLE pushes (
    id INTEGER PRIMARY KEY,
    page_id TEXT NOT NULL,
    pushed_at INTEGER NOT NULL,
    at INTEGER NOT NULL,
    detail TEXT NOT NULL,
    render_version INTEGER,
    render_after INTEGER NOT NULL,
    event_ids TEXT NOT NULL,
    outcomes TEXT
  );
  CREATE INDEX pushes_page ON pushes (page_id, at);
  CREATE TABLE renders (
    id INTEGER PRIMARY KEY,
    page_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    rendered_at INTEGER NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX renders_page ON renders (page_id, id);
  ALTER TABLE render_watch ADD COLUMN push_id INTEGER;
  `,
  // A push reads the head of its page's queue (store.ts, peek) on the main thread, whose
  // connection finds every page it reads changed by the writer and reads it again: the
  // page index carries each row's event, so the peek goes from the index to the event
  // without a look at the outbox row between (measured: 2.64 → 2.19 µs per event pushed).
  `
  DROP INDEX outbox_page;
  CREATE INDEX outbox_page ON outbox (page_id, seq, event_seq);
  `,
  // A planned fan-out (store.ts, #writePlan) writes one `fanned_out` row per page and apply
  // slice instead of one per event and page: its events as a JSON array (`event_ids`, the
  // first of them also in `event_id`), the notes of those that have one as a JSON object
  // (`details`), and the journal seqs the slice spans, by which the explorer finds the row
  // of any of its events (trace). Three b-tree inserts per event and page (the row and two
  // indexes) became four per page and slice. Rows written before stay as they are.
  `
  ALTER TABLE steps ADD COLUMN event_ids TEXT;
  ALTER TABLE steps ADD COLUMN details TEXT;
  ALTER TABLE steps ADD COLUMN first_seq INTEGER;
  ALTER TABLE steps ADD COLUMN last_seq INTEGER;
  CREATE INDEX steps_slice ON steps (first_seq) WHERE first_seq IS NOT NULL;
  `,
];
