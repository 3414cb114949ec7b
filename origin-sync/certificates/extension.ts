// The certificate updater as an origin-sync extension (origin-sync/extensions.ts): started
// once the journal is replayed (and reconciled against every live page then), told of each
// page's hostname change after it is journaled, its steps added to the event explorer under
// the page event that caused them, mounted at GET /v1/pages/:id/domains, part of /healthz,
// stopped with the service. The shapes are declared structurally here so this module stays
// independent of origin-sync's internals.
import { join } from 'node:path';
import type { Hono } from 'hono';
import { type CertificateConfig, certificateConfigFromEnv } from './config.ts';
import { domainsRoute } from './domains-route.ts';
import {
  type CertificateStep,
  CertificateUpdater,
  type CertificateUpdaterOptions,
  type LogEntry,
  toExplorerStep,
} from './updater.ts';

export const CERTIFICATE_STATE_FILE = 'certificates.json';

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
  /** The core event that carried the change. */
  eventId?: string;
  version?: number;
}

export type TraceSinkLike = (eventId: string, step: ReturnType<typeof toExplorerStep>) => void;

export interface CertificateExtension {
  name: string;
  updater: CertificateUpdater;
  start(directory: PageDirectoryLike, trace?: TraceSinkLike): Promise<void>;
  hostnamesChanged(change: HostnamesChangeLike): void;
  routes(app: Hono, directory: PageDirectoryLike): void;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

export type CertificateExtensionOptions = Omit<
  CertificateUpdaterOptions,
  'config' | 'stateFile' | 'onStep'
> & {
  /** Defaults to the environment (CLOUDFLARE_API_BASE_URL, _ZONE_ID, _API_TOKEN, _SSL_METHOD). */
  config?: CertificateConfig;
  env?: Record<string, string | undefined>;
  /** Its state is kept in `<stateDir>/certificates.json`. */
  stateDir: string;
};

export function createCertificateExtension(
  options: CertificateExtensionOptions,
): CertificateExtension {
  const { config, env, stateDir, ...rest } = options;
  const log =
    rest.log ??
    ((entry: LogEntry) => console.error(JSON.stringify({ component: 'certificates', ...entry })));
  let trace: TraceSinkLike | undefined;
  const updater = new CertificateUpdater({
    ...rest,
    log,
    config: config ?? certificateConfigFromEnv(env ?? process.env),
    stateFile: join(stateDir, CERTIFICATE_STATE_FILE),
    onStep: (eventId: string | undefined, step: CertificateStep) => {
      if (eventId !== undefined) trace?.(eventId, toExplorerStep(step));
    },
  });
  return {
    name: 'certificates',
    updater,
    async start(directory, traceSink) {
      trace = traceSink;
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
      app.route(
        '/',
        domainsRoute(updater, { pageExists: (pageId) => directory.page(pageId) !== null }),
      );
    },
    health: () => updater.health(),
    stop: () => updater.stop(),
  };
}
