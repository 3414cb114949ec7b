// The certificate updater as an origin-sync extension (origin-sync/extensions.ts): started
// once the journal is replayed (and reconciled against every live page then), told of each
// page's hostname change after it is journaled, mounted at GET /v1/pages/:id/domains, part of
// /healthz, stopped with the service. The shapes are declared structurally here so this
// module stays independent of origin-sync's internals.
import type { Hono } from 'hono';
import { type DomainsRouteOptions, domainsRoute } from './domains-route.ts';
import type { CertificateUpdater, LogEntry } from './updater.ts';

export interface PageLike {
  id: string;
  hostnames: readonly string[];
}

export interface PageDirectoryLike {
  page(pageId: string): PageLike | null;
  pages(): PageLike[];
}

export interface HostnamesChangeLike {
  pageId: string;
  after: readonly string[];
  /** The core event that carried the change, when origin-sync passes it on. */
  eventId?: string;
  version?: number;
}

export interface CertificateExtension {
  name: string;
  start(directory: PageDirectoryLike): Promise<void>;
  hostnamesChanged(change: HostnamesChangeLike): void;
  routes(app: Hono, directory: PageDirectoryLike): void;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

export function certificateExtension(
  updater: CertificateUpdater,
  options: { log?: (entry: LogEntry) => void } = {},
): CertificateExtension {
  const log =
    options.log ??
    ((entry: LogEntry) => console.error(JSON.stringify({ component: 'certificates', ...entry })));
  return {
    name: 'certificates',
    async start(directory) {
      await updater.start();
      // Changes journaled before a crash, or replayed, never reached `hostnamesChanged`.
      await updater.reconcile(directory.pages());
    },
    hostnamesChanged(change) {
      // Must not throw or block the accept path: the change is saved in the background.
      updater
        .pageHostnamesChanged(change.pageId, change.after, {
          ...(change.eventId !== undefined ? { eventId: change.eventId } : {}),
          ...(change.version !== undefined ? { version: change.version } : {}),
        })
        .catch((err: unknown) =>
          log({
            level: 'error',
            msg: 'certificate updater could not take a hostname change',
            pageId: change.pageId,
            error: String(err),
          }),
        );
    },
    routes(app, directory) {
      const routeOptions: DomainsRouteOptions = {
        pageExists: (pageId) => directory.page(pageId) !== null,
      };
      app.route('/', domainsRoute(updater, routeOptions));
    },
    health: () => updater.health(),
    stop: () => updater.stop(),
  };
}
