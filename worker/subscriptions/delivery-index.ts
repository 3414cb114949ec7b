// Which pages have deliveries due, so that `POST /_sync/deliveries/lease` can go round-robin
// over them without asking every page's coordinator. One small Durable Object: a row per
// page with work (when it is next due, and when it was last served); pages tell it after
// every change to their queue. A page served is moved to the back, so one page's backlog of
// 100,000 deliveries never holds up another page's one.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.ts';

export const INDEX_NAME = 'deliveries';

export class DeliveryIndex extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS due_pages (
         page_id TEXT PRIMARY KEY, due_at INTEGER NOT NULL, served INTEGER NOT NULL DEFAULT 0)`,
    );
    this.sql.exec('CREATE INDEX IF NOT EXISTS due_pages_by_due ON due_pages (due_at)');
  }

  /**
   * When a page next has work, in milliseconds from now (null: nothing queued, the page
   * leaves the index). Relative, so the page's clock and this object's need not agree.
   */
  mark(pageId: string, dueInMs: number | null): void {
    if (dueInMs === null) {
      this.sql.exec('DELETE FROM due_pages WHERE page_id = ?', pageId);
      return;
    }
    this.sql.exec(
      `INSERT INTO due_pages (page_id, due_at) VALUES (?, ?)
       ON CONFLICT (page_id) DO UPDATE SET due_at = excluded.due_at`,
      pageId,
      Date.now() + Math.max(0, dueInMs),
    );
  }

  /**
   * Up to `limit` pages due by `now`, least recently served first; each is moved to the
   * back of the line as it is handed out.
   */
  take(limit: number, now: number = Date.now()): string[] {
    const rows = this.sql
      .exec<{ page_id: string }>(
        'SELECT page_id FROM due_pages WHERE due_at <= ? ORDER BY served, page_id LIMIT ?',
        now,
        limit,
      )
      .toArray();
    const top = this.sql
      .exec<{ m: number | null }>('SELECT MAX(served) AS m FROM due_pages')
      .one().m;
    let served = top ?? 0;
    for (const r of rows) {
      served += 1;
      this.sql.exec('UPDATE due_pages SET served = ? WHERE page_id = ?', served, r.page_id);
    }
    return rows.map((r) => r.page_id);
  }

  /** For tests and the operator: every page listed and when it is due. */
  list(): { pageId: string; dueAt: number }[] {
    return this.sql
      .exec<{ page_id: string; due_at: number }>(
        'SELECT page_id, due_at FROM due_pages ORDER BY page_id',
      )
      .toArray()
      .map((r) => ({ pageId: r.page_id, dueAt: r.due_at }));
  }
}

export function deliveryIndex(env: Env): DurableObjectStub<DeliveryIndex> {
  return env.DELIVERY_INDEX.get(env.DELIVERY_INDEX.idFromName(INDEX_NAME));
}
