// The subscriptions of one page and their delivery queue, in the page coordinator's SQLite
// (docs/subscriptions.md). Every method is synchronous, as SQL in a Durable Object is: the
// coordinator records notifications inside the transaction that applies the event.
//
// Scale: a notification is one row however many subscribers the page has. Its delivery rows
// are made later, in bounded chunks, by a cursor over the subscribers (`expand`), when
// deliveries are leased; a delivery's message is rendered when it is leased, from the
// notification's payload, so no row holds a rendered message.
import type {
  DeliveryOutcome,
  DeliveryReport,
  NotificationKind,
  SubscriberState,
} from '../sync/deliveries-contract.ts';
import {
  type Channel,
  channelOf,
  isPersonalKind,
  type NotificationDraft,
  type NotificationPayload,
  reaches,
  type Subscriber,
} from './model.ts';
import { randomHex } from './tokens.ts';

/** Webhooks failing this many times in a row, over at least QUARANTINE_SPAN_MS, are quarantined. */
export const QUARANTINE_FAILURES = 10;
export const QUARANTINE_SPAN_MS = 60 * 60 * 1000;
/** An email retried this often without success is given up (a relay that never answers). */
export const MAX_EMAIL_ATTEMPTS = 12;
/** A confirmation link works this long. */
export const CONFIRM_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Notifications and their delivery records are kept this long for the operator's view. */
export const KEEP_MS = 30 * 24 * 60 * 60 * 1000;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 60 * 60 * 1000;

/**
 * Retry delay after `attempt` attempts: doubling from 30 s to an hour, ±50 % jitter; `scale`
 * (DELIVERY_RETRY_SCALE, 1 in production) shrinks it for tests, with the quarantine window.
 */
export function retryDelayMs(
  attempt: number,
  random: () => number = Math.random,
  scale = 1,
): number {
  const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(delay * scale * (0.5 + random())));
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sub_meta (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 1), link_key TEXT,
     seq INTEGER NOT NULL DEFAULT 0)`,
  'INSERT OR IGNORE INTO sub_meta (singleton) VALUES (1)',
  `CREATE TABLE IF NOT EXISTS subscribers (
     n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, email TEXT NOT NULL,
     webhook_url TEXT, secret TEXT, components TEXT, incident_id TEXT,
     variant TEXT NOT NULL, language TEXT NOT NULL, origin TEXT NOT NULL,
     state TEXT NOT NULL, target TEXT NOT NULL, created_at INTEGER NOT NULL,
     confirmed_seq INTEGER, failures INTEGER NOT NULL DEFAULT 0, first_failure_at INTEGER,
     secret_shown INTEGER NOT NULL DEFAULT 0)`,
  'CREATE INDEX IF NOT EXISTS subscribers_by_target ON subscribers (target)',
  'CREATE INDEX IF NOT EXISTS subscribers_by_email ON subscribers (email)',
  `CREATE TABLE IF NOT EXISTS notifications (
     n INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
     created_at INTEGER NOT NULL, seq INTEGER NOT NULL, subscriber_n INTEGER,
     payload TEXT NOT NULL, cursor INTEGER NOT NULL DEFAULT 0,
     expanded INTEGER NOT NULL DEFAULT 0)`,
  'CREATE INDEX IF NOT EXISTS notifications_to_expand ON notifications (expanded, n)',
  `CREATE TABLE IF NOT EXISTS deliveries (
     n INTEGER PRIMARY KEY AUTOINCREMENT, notification_n INTEGER NOT NULL,
     subscriber_n INTEGER NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL,
     attempt INTEGER NOT NULL DEFAULT 0, lease_id TEXT, consumer TEXT,
     due_at INTEGER NOT NULL, UNIQUE (notification_n, subscriber_n))`,
  `CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (due_at, n)
     WHERE state IN ('queued', 'leased')`,
  'CREATE INDEX IF NOT EXISTS deliveries_by_subscriber ON deliveries (subscriber_n)',
  `CREATE TABLE IF NOT EXISTS delivery_attempts (
     delivery_n INTEGER NOT NULL, attempt INTEGER NOT NULL, lease_id TEXT NOT NULL,
     consumer TEXT NOT NULL, leased_at INTEGER NOT NULL, outcome TEXT, at INTEGER,
     status INTEGER, error TEXT, PRIMARY KEY (delivery_n, attempt))`,
  `CREATE TABLE IF NOT EXISTS rate_limits (
     key TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL)`,
];

type Row = Record<string, SqlStorageValue>;
const num = (v: SqlStorageValue | undefined) => (typeof v === 'number' ? v : Number(v ?? 0));
const str = (v: SqlStorageValue | undefined) => (v === null || v === undefined ? null : String(v));

function subscriberOf(r: Row): Subscriber {
  return {
    n: num(r.n),
    id: String(r.id),
    email: String(r.email),
    webhookUrl: str(r.webhook_url),
    secret: str(r.secret),
    components: r.components === null ? null : (JSON.parse(String(r.components)) as string[]),
    incidentId: str(r.incident_id),
    variant: String(r.variant),
    language: String(r.language),
    origin: String(r.origin),
    state: String(r.state) as SubscriberState,
  };
}

export interface SubscriptionRequest {
  email: string;
  webhookUrl: string | null;
  components: string[] | null;
  incidentId: string | null;
  variant: string;
  language: string;
  origin: string;
}

export interface StoredNotification {
  n: number;
  key: string;
  kind: NotificationKind;
  createdAt: number;
  payload: NotificationPayload;
}

/** A delivery just leased, with what its message is made of. */
export interface LeasedRow {
  n: number;
  attempt: number;
  leaseId: string;
  leaseExpiresAt: number;
  channel: Channel;
  notification: StoredNotification;
  subscriber: Subscriber;
}

export type ReportResult = 'recorded' | 'lapsed' | 'unknown';

/** The wire id of a delivery: its row and its page, so ids of two pages never meet. */
export function deliveryWireId(pageId: string, n: number): string {
  return `d${n}.${pageId}`.slice(0, 128);
}

export function deliveryRowOf(wireId: string, pageId: string): number | null {
  const m = /^d(\d+)\./.exec(wireId);
  if (!m) return null;
  const n = Number(m[1]);
  return deliveryWireId(pageId, n) === wireId ? n : null;
}

/** The notification id on the wire: its key, or its row when the key is too long for one. */
export function notificationWireId(n: number, key: string): string {
  return key.length <= 120 ? key : `n:${n}`;
}

function targetOf(r: Pick<SubscriptionRequest, 'email' | 'webhookUrl' | 'incidentId'>): string {
  const to = r.webhookUrl === null ? `email:${r.email}` : `webhook:${r.webhookUrl}`;
  return r.incidentId === null ? to : `${to}\nincident:${r.incidentId}`;
}

export class SubscriptionStore {
  readonly sql: SqlStorage;
  /** DELIVERY_RETRY_SCALE: retry delays and the quarantine window together (1 = real time). */
  private readonly retryScale: number;

  constructor(sql: SqlStorage, retryScale = 1) {
    this.sql = sql;
    this.retryScale = retryScale;
    for (const statement of SCHEMA) this.sql.exec(statement);
  }

  /** The page's link key (hex), made on first use. */
  linkKey(): string {
    const row = this.sql.exec<Row>('SELECT link_key FROM sub_meta').one();
    if (typeof row.link_key === 'string') return row.link_key;
    const key = randomHex(32);
    this.sql.exec('UPDATE sub_meta SET link_key = ?', key);
    return key;
  }

  private nextSeq(): number {
    return num(this.sql.exec<Row>('UPDATE sub_meta SET seq = seq + 1 RETURNING seq').one().seq);
  }

  private seq(): number {
    return num(this.sql.exec<Row>('SELECT seq FROM sub_meta').one().seq);
  }

  hasConfirmed(): boolean {
    return (
      this.sql.exec("SELECT 1 FROM subscribers WHERE state = 'confirmed' LIMIT 1").toArray()
        .length > 0
    );
  }

  /**
   * Counts one hit on `key` in a fixed window; false when the window already has `limit`.
   * Old windows are pruned as they are met (and a few others with them).
   */
  hit(key: string, limit: number, windowMs: number, now: number): boolean {
    const start = now - (now % windowMs);
    const row = this.sql
      .exec<Row>('SELECT window_start, count FROM rate_limits WHERE key = ?', key)
      .toArray()[0];
    if (row && num(row.window_start) === start && num(row.count) >= limit) return false;
    this.sql.exec(
      `INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,
         window_start = excluded.window_start`,
      key,
      start,
    );
    this.sql.exec(
      'DELETE FROM rate_limits WHERE rowid IN (SELECT rowid FROM rate_limits WHERE window_start < ? LIMIT 20)',
      now - 24 * 60 * 60 * 1000,
    );
    return true;
  }

  // --- subscribers --------------------------------------------------------------------

  /**
   * A sign-up: a pending row with what was asked, and its confirmation email queued. An
   * earlier pending request for the same target is replaced (its link stops working); a
   * confirmed subscription for it stays as it is until this one is confirmed.
   */
  addPending(req: SubscriptionRequest, now: number): Subscriber {
    const target = targetOf(req);
    for (const old of this.sql
      .exec<Row>("SELECT n FROM subscribers WHERE target = ? AND state = 'pending'", target)
      .toArray()) {
      this.removeRow(num(old.n));
    }
    const id = randomHex(16);
    const row = this.sql
      .exec<Row>(
        `INSERT INTO subscribers (id, email, webhook_url, secret, components, incident_id, variant,
           language, origin, state, target, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING *`,
        id,
        req.email,
        req.webhookUrl,
        req.webhookUrl === null ? null : randomHex(24),
        req.components === null ? null : JSON.stringify(req.components),
        req.incidentId,
        req.variant,
        req.language,
        req.origin,
        target,
        now,
      )
      .one();
    const subscriber = subscriberOf(row);
    this.addPersonal(subscriber, `confirm:${id}`, 'subscription_confirm', now);
    return subscriber;
  }

  private addPersonal(s: Subscriber, key: string, kind: NotificationKind, now: number): void {
    const payload = this.sql.exec<Row>(
      `INSERT INTO notifications (key, kind, created_at, seq, subscriber_n, payload, expanded)
       VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (key) DO NOTHING RETURNING n`,
      key,
      kind,
      now,
      this.seq(),
      s.n,
      JSON.stringify({
        kind,
        subject: { type: kind === 'quarantine_notice' ? 'quarantine' : 'confirm' },
      }),
    );
    const made = payload.toArray()[0];
    if (!made) return;
    this.sql.exec(
      `INSERT OR IGNORE INTO deliveries (notification_n, subscriber_n, channel, state, due_at)
       VALUES (?, ?, 'email', 'queued', ?)`,
      num(made.n),
      s.n,
      now,
    );
  }

  byId(id: string): (Subscriber & { createdAt: number; secretShown: boolean }) | null {
    const row = this.sql.exec<Row>('SELECT * FROM subscribers WHERE id = ?', id).toArray()[0];
    return row
      ? {
          ...subscriberOf(row),
          createdAt: num(row.created_at),
          secretShown: num(row.secret_shown) === 1,
        }
      : null;
  }

  /**
   * Confirms a pending request. If the target already has a subscription, that row takes the
   * request's choices (so links in its earlier emails keep working) and the request goes.
   * Returns the subscription now confirmed and, once, a webhook's new signing secret.
   */
  confirm(id: string, now: number): { subscriber: Subscriber; secret: string | null } | null {
    const pending = this.byId(id);
    if (pending?.state !== 'pending') return null;
    if (now - pending.createdAt > CONFIRM_TTL_MS) return null;
    const target = targetOf(pending);
    const existing = this.sql
      .exec<Row>("SELECT n FROM subscribers WHERE target = ? AND state != 'pending'", target)
      .toArray()[0];
    const seq = this.nextSeq();
    let n = pending.n;
    if (existing) {
      n = num(existing.n);
      this.sql.exec(
        `UPDATE subscribers SET components = ?, variant = ?, language = ?, origin = ?,
           secret = ?, email = ? WHERE n = ?`,
        pending.components === null ? null : JSON.stringify(pending.components),
        pending.variant,
        pending.language,
        pending.origin,
        pending.secret,
        pending.email,
        n,
      );
      this.removeRow(pending.n);
    }
    this.sql.exec(
      `UPDATE subscribers SET state = 'confirmed', confirmed_seq = ?, failures = 0,
         first_failure_at = NULL, secret_shown = 1 WHERE n = ?`,
      seq,
      n,
    );
    const row = this.sql.exec<Row>('SELECT * FROM subscribers WHERE n = ?', n).one();
    const subscriber = subscriberOf(row);
    return { subscriber, secret: subscriber.secret };
  }

  setComponents(n: number, components: string[] | null): void {
    this.sql.exec(
      'UPDATE subscribers SET components = ? WHERE n = ?',
      components === null ? null : JSON.stringify(components),
      n,
    );
  }

  /** Unsubscribed at once: nothing still queued for it goes out. */
  unsubscribe(n: number): void {
    this.sql.exec("UPDATE subscribers SET state = 'unsubscribed' WHERE n = ?", n);
    this.dropQueued(n, 'dropped');
  }

  resubscribe(n: number): void {
    this.sql.exec(
      `UPDATE subscribers SET state = 'confirmed', confirmed_seq = ?, failures = 0,
         first_failure_at = NULL WHERE n = ? AND state = 'unsubscribed'`,
      this.nextSeq(),
      n,
    );
  }

  /** "Delete my data": every row with this address, and everything queued or sent for them. */
  deleteEmail(email: string): number {
    const rows = this.sql.exec<Row>('SELECT n FROM subscribers WHERE email = ?', email).toArray();
    for (const r of rows) this.removeRow(num(r.n));
    return rows.length;
  }

  private removeRow(n: number): void {
    this.sql.exec(
      'DELETE FROM delivery_attempts WHERE delivery_n IN (SELECT n FROM deliveries WHERE subscriber_n = ?)',
      n,
    );
    this.sql.exec('DELETE FROM deliveries WHERE subscriber_n = ?', n);
    this.sql.exec('DELETE FROM notifications WHERE subscriber_n = ?', n);
    this.sql.exec('DELETE FROM subscribers WHERE n = ?', n);
  }

  private dropQueued(subscriberN: number, state: 'dropped' | 'quarantined'): void {
    this.sql.exec(
      `UPDATE deliveries SET state = ? WHERE subscriber_n = ? AND state IN ('queued', 'leased')
         AND notification_n NOT IN (SELECT n FROM notifications WHERE subscriber_n = ?)`,
      state,
      subscriberN,
      subscriberN,
    );
  }

  // --- notifications ------------------------------------------------------------------

  /** Stores each draft once (by key); how many were new. Called inside the applying transaction. */
  record(
    drafts: readonly NotificationDraft[],
    base: Omit<NotificationPayload, 'kind' | 'subject' | 'serviceIds'>,
    now: number,
  ): number {
    let made = 0;
    const seq = this.seq();
    for (const d of drafts) {
      const payload: NotificationPayload = {
        ...base,
        kind: d.kind,
        subject: d.subject,
        serviceIds: d.serviceIds,
      };
      const rows = this.sql
        .exec(
          `INSERT INTO notifications (key, kind, created_at, seq, payload) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (key) DO NOTHING RETURNING n`,
          d.key,
          d.kind,
          now,
          seq,
          JSON.stringify(payload),
        )
        .toArray();
      made += rows.length;
    }
    return made;
  }

  hasNotification(key: string): boolean {
    return this.sql.exec('SELECT 1 FROM notifications WHERE key = ?', key).toArray().length > 0;
  }

  private notificationRow(r: Row): StoredNotification {
    return {
      n: num(r.n),
      key: String(r.key),
      kind: String(r.kind) as NotificationKind,
      createdAt: num(r.created_at),
      payload: JSON.parse(String(r.payload)) as NotificationPayload,
    };
  }

  /**
   * Makes delivery rows for notifications not yet expanded, looking at most `budget`
   * subscribers: a cursor per notification carries on where the last call stopped. Only
   * subscribers confirmed when the notification was decided hear of it.
   */
  expand(
    budget: number,
    audienceServices: (variant: string) => ReadonlySet<string> | null,
    now: number,
  ): void {
    let left = budget;
    const pending = this.sql
      .exec<Row>('SELECT * FROM notifications WHERE expanded = 0 ORDER BY n LIMIT 20')
      .toArray();
    for (const r of pending) {
      if (left <= 0) return;
      const notification = this.notificationRow(r);
      const seq = num(r.seq);
      let cursor = num(r.cursor);
      const chunk = Math.min(left, 500);
      const subs = this.sql
        .exec<Row>(
          `SELECT * FROM subscribers WHERE n > ? AND state = 'confirmed' AND confirmed_seq <= ?
           ORDER BY n LIMIT ?`,
          cursor,
          seq,
          chunk,
        )
        .toArray();
      for (const row of subs) {
        const s = subscriberOf(row);
        cursor = s.n;
        if (!reaches(s, notification.kind, notification.payload, audienceServices)) continue;
        this.sql.exec(
          `INSERT OR IGNORE INTO deliveries (notification_n, subscriber_n, channel, state, due_at)
           VALUES (?, ?, ?, 'queued', ?)`,
          notification.n,
          s.n,
          channelOf(s),
          now,
        );
      }
      left -= Math.max(1, subs.length);
      const done = subs.length < chunk;
      this.sql.exec(
        'UPDATE notifications SET cursor = ?, expanded = ? WHERE n = ?',
        cursor,
        done ? 1 : 0,
        notification.n,
      );
    }
  }

  /**
   * Forgets notifications decided more than KEEP_MS ago whose deliveries are all final, with
   * their deliveries and attempts: at most `limit` deliveries per call, so a page with
   * 100,000 subscribers is pruned over several alarms, never in one giant transaction.
   */
  prune(now: number, limit = 5000): void {
    const old = this.sql
      .exec<Row>(
        `SELECT n FROM notifications WHERE created_at < ? AND expanded = 1
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_n = notifications.n
                           AND d.state IN ('queued', 'leased'))
         ORDER BY n LIMIT 20`,
        now - KEEP_MS,
      )
      .toArray();
    let left = limit;
    for (const r of old) {
      const n = num(r.n);
      const rows = this.sql
        .exec<Row>('SELECT n FROM deliveries WHERE notification_n = ? LIMIT ?', n, left)
        .toArray();
      for (const d of rows) {
        this.sql.exec('DELETE FROM delivery_attempts WHERE delivery_n = ?', num(d.n));
        this.sql.exec('DELETE FROM deliveries WHERE n = ?', num(d.n));
      }
      left -= rows.length;
      if (left <= 0) return;
      this.sql.exec('DELETE FROM notifications WHERE n = ?', n);
    }
  }

  /** Nothing queued goes out any more (the page was deleted). */
  dropAll(): void {
    this.sql.exec("UPDATE deliveries SET state = 'dropped' WHERE state IN ('queued', 'leased')");
    this.sql.exec('UPDATE notifications SET expanded = 1 WHERE expanded = 0');
  }

  /** When this page next has work for a consumer (null: none). */
  nextDueAt(now: number): number | null {
    if (this.sql.exec('SELECT 1 FROM notifications WHERE expanded = 0 LIMIT 1').toArray().length) {
      return now;
    }
    const row = this.sql
      .exec<Row>("SELECT MIN(due_at) AS due FROM deliveries WHERE state IN ('queued', 'leased')")
      .one();
    return row.due === null ? null : num(row.due);
  }

  /**
   * Leases up to `max` due deliveries: queued ones whose time has come, and leased ones whose
   * lease lapsed (the same delivery again, attempt + 1). A delivery whose subscriber is gone
   * or no longer confirmed is dropped instead.
   */
  lease(consumer: string, max: number, leaseMs: number, now: number): LeasedRow[] {
    const out: LeasedRow[] = [];
    const notifications = new Map<number, StoredNotification | null>();
    const due = this.sql
      .exec<Row>(
        `SELECT * FROM deliveries WHERE state IN ('queued', 'leased') AND due_at <= ?
         ORDER BY due_at, n LIMIT ?`,
        now,
        max,
      )
      .toArray();
    for (const d of due) {
      const n = num(d.n);
      const attempt = num(d.attempt);
      if (String(d.state) === 'leased') {
        this.sql.exec(
          "UPDATE delivery_attempts SET outcome = 'lapsed', at = ? WHERE delivery_n = ? AND attempt = ? AND outcome IS NULL",
          num(d.due_at),
          n,
          attempt,
        );
      }
      const notificationN = num(d.notification_n);
      let notification = notifications.get(notificationN);
      if (notification === undefined) {
        const r = this.sql
          .exec<Row>('SELECT * FROM notifications WHERE n = ?', notificationN)
          .toArray()[0];
        notification = r ? this.notificationRow(r) : null;
        notifications.set(notificationN, notification);
      }
      const subRow = this.sql
        .exec<Row>('SELECT * FROM subscribers WHERE n = ?', num(d.subscriber_n))
        .toArray()[0];
      const subscriber = subRow ? subscriberOf(subRow) : null;
      const wanted =
        notification !== null &&
        subscriber !== null &&
        (isPersonalKind(notification.kind) || subscriber.state === 'confirmed');
      if (!wanted || !notification || !subscriber) {
        this.sql.exec("UPDATE deliveries SET state = 'dropped' WHERE n = ?", n);
        continue;
      }
      const leaseId = randomHex(12);
      const expires = now + leaseMs;
      this.sql.exec(
        `UPDATE deliveries SET state = 'leased', attempt = ?, lease_id = ?, consumer = ?,
           due_at = ? WHERE n = ?`,
        attempt + 1,
        leaseId,
        consumer,
        expires,
        n,
      );
      this.sql.exec(
        `INSERT OR REPLACE INTO delivery_attempts (delivery_n, attempt, lease_id, consumer, leased_at)
         VALUES (?, ?, ?, ?, ?)`,
        n,
        attempt + 1,
        leaseId,
        consumer,
        now,
      );
      out.push({
        n,
        attempt: attempt + 1,
        leaseId,
        leaseExpiresAt: expires,
        channel: String(d.channel) as Channel,
        notification,
        subscriber,
      });
    }
    return out;
  }

  /**
   * One consumer's report. `delivered` is final even under a lapsed lease (the receiver has
   * it); any other outcome under a lapsed lease is only recorded with its attempt.
   * `quarantine` is called (inside this transaction) when a subscriber is quarantined.
   */
  report(pageId: string, r: DeliveryReport, now: number, random = Math.random): ReportResult {
    const n = deliveryRowOf(r.id, pageId);
    if (n === null) return 'unknown';
    const d = this.sql.exec<Row>('SELECT * FROM deliveries WHERE n = ?', n).toArray()[0];
    if (!d) return 'unknown';
    const attemptRow = this.sql
      .exec<Row>(
        'SELECT attempt FROM delivery_attempts WHERE delivery_n = ? AND lease_id = ?',
        n,
        r.leaseId,
      )
      .toArray()[0];
    if (!attemptRow) return 'unknown';
    const at = Date.parse(r.at);
    this.sql.exec(
      'UPDATE delivery_attempts SET outcome = ?, at = ?, status = ?, error = ? WHERE delivery_n = ? AND lease_id = ?',
      r.outcome,
      Number.isFinite(at) ? at : now,
      r.status ?? null,
      r.error ?? null,
      n,
      r.leaseId,
    );
    // The latest attempt's lease is current; an earlier one has lapsed into it.
    const current = num(attemptRow.attempt) === num(d.attempt);
    const state = String(d.state);
    const subscriberN = num(d.subscriber_n);
    const notification = this.sql
      .exec<Row>('SELECT kind FROM notifications WHERE n = ?', num(d.notification_n))
      .toArray()[0];
    const kind = String(notification?.kind ?? '') as NotificationKind;
    if (r.outcome === 'delivered') {
      if (state !== 'delivered') {
        this.sql.exec("UPDATE deliveries SET state = 'delivered', lease_id = NULL WHERE n = ?", n);
      }
      if (!isPersonalKind(kind)) {
        this.sql.exec(
          'UPDATE subscribers SET failures = 0, first_failure_at = NULL WHERE n = ?',
          subscriberN,
        );
      }
      return current ? 'recorded' : 'lapsed';
    }
    if (!current) return 'lapsed';
    // Delivered already (under an earlier lease), or no longer wanted: nothing to retry.
    if (state !== 'leased') return 'recorded';
    this.fail(
      n,
      subscriberN,
      kind,
      String(d.channel) as Channel,
      num(d.attempt),
      r.outcome,
      now,
      random,
    );
    return 'recorded';
  }

  private fail(
    n: number,
    subscriberN: number,
    kind: NotificationKind,
    channel: Channel,
    attempt: number,
    outcome: Exclude<DeliveryOutcome, 'delivered'>,
    now: number,
    random: () => number,
  ): void {
    const requeue = () =>
      this.sql.exec(
        "UPDATE deliveries SET state = 'queued', lease_id = NULL, due_at = ? WHERE n = ?",
        now + retryDelayMs(attempt, random, this.retryScale),
        n,
      );
    if (isPersonalKind(kind)) {
      // A confirmation or a notice that cannot be delivered quarantines nobody.
      if (outcome === 'failed_permanently' || attempt >= MAX_EMAIL_ATTEMPTS) {
        this.sql.exec("UPDATE deliveries SET state = 'failed', lease_id = NULL WHERE n = ?", n);
      } else requeue();
      return;
    }
    if (outcome === 'failed_permanently') {
      this.sql.exec("UPDATE deliveries SET state = 'failed', lease_id = NULL WHERE n = ?", n);
      this.quarantine(subscriberN, now);
      return;
    }
    if (channel === 'email') {
      if (attempt >= MAX_EMAIL_ATTEMPTS) {
        this.sql.exec("UPDATE deliveries SET state = 'failed', lease_id = NULL WHERE n = ?", n);
      } else requeue();
      return;
    }
    const s = this.sql
      .exec<Row>(
        `UPDATE subscribers SET failures = failures + 1,
           first_failure_at = COALESCE(first_failure_at, ?) WHERE n = ?
         RETURNING failures, first_failure_at`,
        now,
        subscriberN,
      )
      .toArray()[0];
    const failures = num(s?.failures);
    const since = num(s?.first_failure_at ?? now);
    if (failures >= QUARANTINE_FAILURES && now - since >= QUARANTINE_SPAN_MS * this.retryScale) {
      this.sql.exec("UPDATE deliveries SET state = 'quarantined', lease_id = NULL WHERE n = ?", n);
      this.quarantine(subscriberN, now);
    } else requeue();
  }

  /** Stops every delivery to a subscriber and tells its contact, once per confirmation. */
  private quarantine(subscriberN: number, now: number): void {
    const row = this.sql
      .exec<Row>(
        "UPDATE subscribers SET state = 'quarantined' WHERE n = ? AND state = 'confirmed' RETURNING *",
        subscriberN,
      )
      .toArray()[0];
    if (!row) return;
    this.dropQueued(subscriberN, 'quarantined');
    const s = subscriberOf(row);
    this.addPersonal(s, `quarantine:${s.id}:${num(row.confirmed_seq)}`, 'quarantine_notice', now);
  }

  // --- the operator's view ------------------------------------------------------------

  countsByState(): Record<SubscriberState, number> {
    const counts: Record<SubscriberState, number> = {
      pending: 0,
      confirmed: 0,
      quarantined: 0,
      unsubscribed: 0,
    };
    for (const r of this.sql.exec<Row>(
      'SELECT state, COUNT(*) AS c FROM subscribers GROUP BY state',
    )) {
      counts[String(r.state) as SubscriberState] = num(r.c);
    }
    return counts;
  }

  recentNotifications(limit: number): {
    n: number;
    key: string;
    kind: NotificationKind;
    createdAt: number;
    recipients: number;
    queued: number;
    sent: number;
    failed: number;
  }[] {
    return this.sql
      .exec<Row>(
        `SELECT n.n, n.key, n.kind, n.created_at,
           COUNT(d.n) AS recipients,
           SUM(CASE WHEN d.state IN ('queued', 'leased') THEN 1 ELSE 0 END) AS queued,
           SUM(CASE WHEN d.state = 'delivered' THEN 1 ELSE 0 END) AS sent,
           SUM(CASE WHEN d.state IN ('failed', 'quarantined') THEN 1 ELSE 0 END) AS failed
         FROM notifications n LEFT JOIN deliveries d ON d.notification_n = n.n
         WHERE n.subscriber_n IS NULL
         GROUP BY n.n ORDER BY n.n DESC LIMIT ?`,
        limit,
      )
      .toArray()
      .map((r) => ({
        n: num(r.n),
        key: String(r.key),
        kind: String(r.kind) as NotificationKind,
        createdAt: num(r.created_at),
        recipients: num(r.recipients),
        queued: num(r.queued),
        sent: num(r.sent),
        failed: num(r.failed),
      }));
  }

  notificationByWireId(wireId: string): StoredNotification | null {
    const byRow = /^n:(\d+)$/.exec(wireId);
    const r = byRow
      ? this.sql.exec<Row>('SELECT * FROM notifications WHERE n = ?', Number(byRow[1])).toArray()[0]
      : this.sql.exec<Row>('SELECT * FROM notifications WHERE key = ?', wireId).toArray()[0];
    return r ? this.notificationRow(r) : null;
  }

  deliveriesOf(notificationN: number, limit: number) {
    const rows = this.sql
      .exec<Row>(
        `SELECT d.n, d.channel, d.state, s.email, s.webhook_url FROM deliveries d
         LEFT JOIN subscribers s ON s.n = d.subscriber_n
         WHERE d.notification_n = ? ORDER BY d.n LIMIT ?`,
        notificationN,
        limit,
      )
      .toArray();
    return rows.map((r) => ({
      n: num(r.n),
      channel: String(r.channel) as Channel,
      state: String(r.state),
      recipient: str(r.webhook_url) ?? str(r.email) ?? '',
      attempts: this.sql
        .exec<Row>(
          'SELECT * FROM delivery_attempts WHERE delivery_n = ? ORDER BY attempt',
          num(r.n),
        )
        .toArray()
        .map((a) => ({
          attempt: num(a.attempt),
          consumer: String(a.consumer),
          leasedAt: num(a.leased_at),
          outcome: str(a.outcome),
          at: a.at === null ? null : num(a.at),
          status: a.status === null ? undefined : num(a.status),
          error: str(a.error) ?? undefined,
        })),
    }));
  }
}
