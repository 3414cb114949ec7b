// Where other parts of origin-sync plug in without touching the core path: the certificate
// updater (origin-sync/certificates/) needs to know when a page's hostnames change, to read
// the current pages, and to serve `GET /v1/pages/:id/domains`.
import type { Hono } from 'hono';
import type { StatusPage } from '../worker/domain/schema.ts';
import type { HostnamesChange } from './state/catalogue.ts';

export type { HostnamesChange };

export interface PageDirectory {
  /** A live page's current definition (null for an unknown or deleted page). */
  page(pageId: string): StatusPage | null;
  pages(): StatusPage[];
}

export interface OriginSyncExtension {
  name: string;
  /** Once, after the journal was replayed: reconcile against every page known now. */
  start?(directory: PageDirectory): void | Promise<void>;
  /**
   * A page's hostnames changed (a new page, an edit, a deletion: `after` is then empty).
   * Called after the change is journaled, never during replay: `start` covers what a
   * previous run may have left unfinished. Must not throw; long work goes in the background.
   */
  hostnamesChanged?(change: HostnamesChange): void;
  /** Adds routes to origin-sync's API (e.g. `GET /v1/pages/:id/domains`). */
  routes?(app: Hono, directory: PageDirectory): void;
  /** Merged into `GET /healthz` under the extension's name. */
  health?(): Record<string, unknown>;
  stop?(): Promise<void>;
}
