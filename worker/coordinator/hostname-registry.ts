// One per hostname (`idFromName(hostname)`): the one strongly consistent place that decides
// which live page holds a hostname, and the only writer of that hostname's `host:` record in KV.
//
// Why here and not in KV or origin-sync: a `host:` record is last-writer-wins and eventually
// consistent, and several origin-sync replicas may run; a compare-and-set in one Durable
// Object is neither. Found in review (issue 12): a signed upsert of a new page naming
// `demo.localhost` took the demo page's hostname over three seconds later, and a page that
// lost a hostname could still delete the new owner's record when its clean-up read a stale
// KV value. Both are closed by two rules:
//   - `holder` changes only by compare-and-set: free → page, page → free (by that page);
//   - `host:<hostname>` is written and deleted only here, serialised, and only for the holder
//     (`published` remembers whose record KV has), so no page's late clean-up can race
//     another page's write.
// origin-sync reserves a batch's claims here before it answers the core (`reserve`), so the
// answer is the same on every replica; the page's coordinator claims again when the batch
// arrives (`claim`, a no-op for the holder), which decides when two claims slipped past.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.ts';
import { forgetHosts } from '../store/host-lookup.ts';
import { hostKey } from '../store/keys.ts';

/** One step of a batch for one hostname, in the batch's order. */
export interface HostnameOp {
  op: 'claim' | 'release';
  pageId: string;
}

export type ClaimAnswer =
  | { ok: true; before: string | null; after: string | null }
  /** `at`: the index in `ops` of the claim that lost. */
  | { ok: false; holder: string; at: number };

interface RegistryRow {
  hostname: string | null;
  holder: string | null;
  published: string | null;
}

/** Pure: a batch's steps for one hostname applied to its holder (the compare-and-set rule). */
export function applyOps(holder: string | null, ops: readonly HostnameOp[]): ClaimAnswer {
  const before = holder;
  let current = holder;
  for (const [at, { op, pageId }] of ops.entries()) {
    if (op === 'release') {
      if (current === pageId) current = null;
    } else if (current === null || current === pageId) {
      current = pageId;
    } else {
      return { ok: false, holder: current, at };
    }
  }
  return { ok: true, before, after: current };
}

/** The registry of one hostname, reached by `registryOf(env, hostname)`. */
export function registryOf(env: Env, hostname: string): DurableObjectStub<HostnameRegistry> {
  return env.HOSTNAME_REGISTRY.get(env.HOSTNAME_REGISTRY.idFromName(hostname));
}

export class HostnameRegistry extends DurableObject<Env> {
  /** KV I/O lets other calls in between; this chain keeps each hostname's changes in order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS registry (
         singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
         hostname TEXT, holder TEXT, published TEXT)`,
    );
    ctx.storage.sql.exec('INSERT OR IGNORE INTO registry (singleton) VALUES (1)');
  }

  /** The page that holds the hostname (null: free). */
  holder(): string | null {
    return this.row().holder;
  }

  /**
   * A batch's steps for this hostname, all or nothing. `dryRun`: only says whether they would
   * hold. The answer's `before` lets the caller undo a reservation when another hostname of the
   * same batch lost (`undo`).
   */
  reserve(hostname: string, ops: HostnameOp[], dryRun: boolean): ClaimAnswer {
    const row = this.row();
    const answer = applyOps(row.holder, ops);
    if (answer.ok && !dryRun) this.write(hostname, { holder: answer.after });
    return answer;
  }

  /** Puts the holder back to `before` if it is still what `reserve` left (`after`). */
  undo(after: string | null, before: string | null): boolean {
    if (this.row().holder !== after) return false;
    this.ctx.storage.sql.exec('UPDATE registry SET holder = ? WHERE singleton = 1', before);
    return true;
  }

  /** Compare-and-set from free (or already this page's) to this page. */
  claim(hostname: string, pageId: string): ClaimAnswer {
    const row = this.row();
    const answer = applyOps(row.holder, [{ op: 'claim', pageId }]);
    if (answer.ok) this.write(hostname, { holder: pageId });
    return answer;
  }

  /** The page stored a version of itself without the hostname: another may claim it now. Its
   * `host:` record stays until the page's render removes it or the next holder replaces it. */
  release(hostname: string, pageId: string): boolean {
    if (this.row().holder !== pageId) return false;
    this.write(hostname, { holder: null });
    return true;
  }

  /** Writes the page's `host:` record if it holds the hostname (claiming it when free). */
  publish(hostname: string, pageId: string, record: string): Promise<boolean> {
    return this.serially(async () => {
      if (!this.claim(hostname, pageId).ok) return false;
      await this.env.PAGES_KV.put(hostKey(hostname), record);
      this.write(hostname, { published: pageId });
      forgetHosts(hostname);
      return true;
    });
  }

  /**
   * The page no longer has the hostname: releases it if it still holds it, and deletes the
   * `host:` record only if that record is this page's, whatever KV says at the moment.
   * True if a record was deleted.
   */
  unpublish(hostname: string, pageId: string): Promise<boolean> {
    return this.serially(async () => {
      const row = this.row();
      let deleted = false;
      if (row.published === pageId) {
        await this.env.PAGES_KV.delete(hostKey(hostname));
        this.write(hostname, { published: null });
        forgetHosts(hostname);
        deleted = true;
      }
      if (this.row().holder === pageId) this.write(hostname, { holder: null });
      return deleted;
    });
  }

  private serially<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }

  private row(): RegistryRow {
    const r = this.ctx.storage.sql
      .exec<Record<string, SqlStorageValue>>('SELECT hostname, holder, published FROM registry')
      .one();
    const text = (v: SqlStorageValue | undefined) => (typeof v === 'string' ? v : null);
    return { hostname: text(r.hostname), holder: text(r.holder), published: text(r.published) };
  }

  private write(
    hostname: string,
    patch: { holder?: string | null; published?: string | null },
  ): void {
    const row = { ...this.row(), ...patch, hostname };
    this.ctx.storage.sql.exec(
      'UPDATE registry SET hostname = ?, holder = ?, published = ? WHERE singleton = 1',
      row.hostname,
      row.holder,
      row.published,
    );
  }
}
