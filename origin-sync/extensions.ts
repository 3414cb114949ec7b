// Where other parts of origin-sync plug in without touching the core path: the certificate
// updater (origin-sync/certificates/) needs to know when a page's hostnames change, to read
// the current pages, and to serve `GET /v1/pages/:id/domains`.
import type { DatabaseSync } from 'node:sqlite';
import type { Hono } from 'hono';
import type { StatusPage } from '../worker/domain/schema.ts';
import type { HostnamesChange } from './store/entities.ts';
import type { TraceStep } from './store/trace.ts';

export type { HostnamesChange, TraceStep };

/**
 * Adds a step to a core event in the event explorer, when it is still remembered. Committed
 * with the next group commit, not awaited (the extension's own state is where its truth lives).
 */
export type TraceSink = (eventId: string, step: TraceStep) => void;

export interface PageDirectory {
  /** A live page's current definition (null for an unknown or deleted page). */
  page(pageId: string): StatusPage | null;
  pages(): StatusPage[];
}

/** origin-sync's database, for an extension that keeps durable state of its own there. */
export interface ExtensionStorage {
  db: DatabaseSync;
  /** Runs `work` in the next group commit; resolves once it is committed (fsync'd). */
  commit<T>(work: () => T): Promise<T>;
}

export interface OriginSyncExtension {
  name: string;
  /** Once, after the database was opened: reconcile against every page known now. */
  start?(
    directory: PageDirectory,
    trace: TraceSink,
    storage: ExtensionStorage,
  ): void | Promise<void>;
  /**
   * The worker applied these events at a page (duplicates and stale ones left out), after the
   * acknowledgement was committed. Must not throw.
   */
  applied?(pageId: string, eventIds: readonly string[]): void;
  /**
   * A page event was applied (a new page, an edit, a deletion: `after` is then empty), with
   * its hostnames before and after; also when they are the same (a page saved again).
   * Called after the change is committed: `start` covers what a previous run may have left
   * unfinished. Must not throw; long work goes in the background.
   */
  hostnamesChanged?(change: HostnamesChange): void;
  /** Adds routes to origin-sync's API (e.g. `GET /v1/pages/:id/domains`). */
  routes?(app: Hono, directory: PageDirectory): void;
  /** Merged into `GET /healthz` under the extension's name. */
  health?(): Record<string, unknown>;
  stop?(): Promise<void>;
}
