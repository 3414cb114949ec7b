// The certificate updater as an origin-sync extension (origin-sync/extensions.ts): started
// once the database is open (and reconciled against every live page then), told of each
// page's hostname change after it is committed, its steps added to the event explorer under
// the page event that caused them, mounted at GET /v1/pages/:id/domains, part of /healthz,
// stopped with the service.
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { StatusPage } from '../../worker/domain/schema.ts';
import type { HostnamesChange, TraceSink } from '../extensions.ts';
import { errorMessage, silentLogger } from '../log.ts';
import { domainsRoute } from './domains-route.ts';
import {
  type CertificateStep,
  CertificateUpdater,
  type CertificateUpdaterOptions,
  toExplorerStep,
} from './updater.ts';

export const CERTIFICATE_STATE_FILE = 'certificates.json';

/** All the updater reads of origin-sync's page directory (so a test can hand it a few pages). */
export interface PageHostnamesDirectory {
  page(pageId: string): Pick<StatusPage, 'id' | 'hostnames'> | null;
  pages(): Array<Pick<StatusPage, 'id' | 'hostnames'>>;
}

export interface CertificateExtension {
  name: string;
  updater: CertificateUpdater;
  start(directory: PageHostnamesDirectory, trace?: TraceSink): Promise<void>;
  hostnamesChanged(change: HostnamesChange): void;
  routes(app: Hono, directory: PageHostnamesDirectory): void;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

export type CertificateExtensionOptions = Omit<
  CertificateUpdaterOptions,
  'stateFile' | 'onStep'
> & {
  /** Its state is kept in `<stateDir>/certificates.json`. */
  stateDir: string;
};

export function createCertificateExtension(
  options: CertificateExtensionOptions,
): CertificateExtension {
  const { stateDir, ...rest } = options;
  const log = rest.log ?? silentLogger;
  let trace: TraceSink | undefined;
  const updater = new CertificateUpdater({
    ...rest,
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
      // Changes committed before a crash never reached `hostnamesChanged`.
      await updater.reconcile(directory.pages());
    },
    hostnamesChanged(change: HostnamesChange) {
      // Must not throw or block the accept path: the change is saved in the background.
      updater.pageHostnamesChanged(change.pageId, change.after, change).catch((err: unknown) =>
        log.error('certificate updater could not take a hostname change', {
          pageId: change.pageId,
          error: errorMessage(err),
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
