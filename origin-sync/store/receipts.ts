// Delivery receipts (origin-sync/notify/): "this delivery reached its receiver", written and
// fsync'd before the worker is told. A delivery leased again after a crash between sending and
// reporting is found here and reported delivered without being sent a second time; receipts
// the worker has not yet heard of are reported again from here after a restart.
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** Its own migration step, appended to MIGRATIONS in schema.ts. */
export const RECEIPTS_MIGRATION = `
  CREATE TABLE delivery_receipts (
    id TEXT PRIMARY KEY,
    page_id TEXT NOT NULL,
    lease_id TEXT NOT NULL,
    status INTEGER,
    delivered_at INTEGER NOT NULL,
    reported_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX delivery_receipts_unreported ON delivery_receipts (delivered_at)
    WHERE reported_at IS NULL;
  CREATE INDEX delivery_receipts_reported ON delivery_receipts (reported_at)
    WHERE reported_at IS NOT NULL;
`;

export interface Receipt {
  id: string;
  pageId: string;
  leaseId: string;
  /** SMTP reply code or HTTP status of the acknowledgement. */
  status: number | null;
  deliveredAt: number;
}

interface ReceiptRow {
  id: string;
  page_id: string;
  lease_id: string;
  status: number | null;
  delivered_at: number;
}

const toReceipt = (r: ReceiptRow): Receipt => ({
  id: r.id,
  pageId: r.page_id,
  leaseId: r.lease_id,
  status: r.status === null ? null : Number(r.status),
  deliveredAt: Number(r.delivered_at),
});

/**
 * Reads run at once; writes are plain functions meant to run inside the commit queue's
 * transaction (origin-sync/store/commit-queue.ts), which makes them durable when it resolves.
 */
export class Receipts {
  readonly #get: StatementSync;
  readonly #insert: StatementSync;
  readonly #reported: StatementSync;
  readonly #unreported: StatementSync;
  readonly #prune: StatementSync;
  readonly #count: StatementSync;

  constructor(db: DatabaseSync) {
    this.#get = db.prepare(
      'SELECT id, page_id, lease_id, status, delivered_at FROM delivery_receipts WHERE id = ?',
    );
    // The first receipt stands: a second send (a lapsed lease elsewhere) changes nothing.
    this.#insert = db.prepare(
      `INSERT INTO delivery_receipts (id, page_id, lease_id, status, delivered_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    this.#reported = db.prepare(
      'UPDATE delivery_receipts SET reported_at = ? WHERE id = ? AND reported_at IS NULL',
    );
    this.#unreported = db.prepare(
      `SELECT id, page_id, lease_id, status, delivered_at FROM delivery_receipts
       WHERE reported_at IS NULL ORDER BY delivered_at LIMIT ?`,
    );
    this.#prune = db.prepare(
      `DELETE FROM delivery_receipts WHERE id IN (
         SELECT id FROM delivery_receipts WHERE reported_at IS NOT NULL AND reported_at < ? LIMIT ?)`,
    );
    this.#count = db.prepare(
      'SELECT count(*) AS n, count(*) FILTER (WHERE reported_at IS NULL) AS unreported FROM delivery_receipts',
    );
  }

  get(id: string): Receipt | null {
    const row = this.#get.get(id) as ReceiptRow | undefined;
    return row ? toReceipt(row) : null;
  }

  /** Write: the receipt of a delivery the receiver acknowledged. */
  record(receipt: Receipt): void {
    this.#insert.run(
      receipt.id,
      receipt.pageId,
      receipt.leaseId,
      receipt.status,
      receipt.deliveredAt,
    );
  }

  /** Write: the worker recorded these deliveries as delivered. */
  markReported(ids: readonly string[], at: number): void {
    for (const id of ids) this.#reported.run(at, id);
  }

  /** Receipts the worker has not yet acknowledged, oldest first. */
  unreported(limit: number): Receipt[] {
    return (this.#unreported.all(limit) as unknown as ReceiptRow[]).map(toReceipt);
  }

  /**
   * Write: forgets receipts reported before `before` (the worker's own state says delivered by
   * then, and never leases a delivered id again). Bounded per call. Returns how many went.
   */
  prune(before: number, max = 5_000): number {
    return Number(this.#prune.run(before, max).changes);
  }

  counts(): { receipts: number; unreported: number } {
    const row = this.#count.get() as { n: number; unreported: number };
    return { receipts: Number(row.n), unreported: Number(row.unreported) };
  }
}
