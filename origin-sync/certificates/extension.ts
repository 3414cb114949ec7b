// The certificate updater as an origin-sync extension (origin-sync/extensions.ts): started
// once the database is open (its state is rows there, state-store.ts; a certificates.json an
// older release left is imported first, json-import.ts) and reconciled against every live
// page then, told of each page's hostname change after it is committed, its steps added to
// the event explorer under the page event that caused them, mounted at
// GET /v1/pages/:id/domains, part of /healthz, stopped with the service.
import type { Hono } from 'hono';
import type { StatusPage } from '../../worker/domain/schema.ts';
import type { ExtensionStorage, HostnamesChange, TraceSink } from '../extensions.ts';
import { errorMessage, silentLogger } from '../log.ts';
import { domainsRoute } from './domains-route.ts';
import { importCertificatesJson } from './json-import.ts';
import { CertificateStore } from './state-store.ts';
import {
  type CertificateStep,
  CertificateUpdater,
  type CertificateUpdaterOptions,
  toExplorerStep,
} from './updater.ts';

/** All the updater reads of origin-sync's page directory (so a test can hand it a few pages). */
export interface PageHostnamesDirectory {
  page(pageId: string): Pick<StatusPage, 'id' | 'hostnames'> | null;
  pages(): Array<Pick<StatusPage, 'id' | 'hostnames'>>;
}

export interface CertificateExtension {
  name: string;
  start(
    directory: PageHostnamesDirectory,
    trace: TraceSink | undefined,
    storage: ExtensionStorage,
  ): Promise<void>;
  hostnamesChanged(change: HostnamesChange): void;
  routes(app: Hono, directory: PageHostnamesDirectory): void;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

export type CertificateExtensionOptions = Omit<CertificateUpdaterOptions, 'store' | 'onStep'> & {
  /** Where an older release kept `certificates.json` (imported once, then moved aside). */
  stateDir: string;
};

export function createCertificateExtension(
  options: CertificateExtensionOptions,
): CertificateExtension {
  const { stateDir, ...rest } = options;
  const log = rest.log ?? silentLogger;
  let trace: TraceSink | undefined;
  // Made at start, when the database is there to keep its state in.
  let updater: CertificateUpdater | null = null;
  const started = (): CertificateUpdater => {
    if (!updater) throw new Error('the certificate extension is not started');
    return updater;
  };
  return {
    name: 'certificates',
    async start(directory, traceSink, storage) {
      trace = traceSink;
      const store = new CertificateStore(storage, log);
      await importCertificatesJson(stateDir, store, log);
      updater = new CertificateUpdater({
        ...rest,
        store,
        onStep: (eventId: string | undefined, step: CertificateStep) => {
          if (eventId !== undefined) trace?.(eventId, toExplorerStep(step));
        },
      });
      await updater.start();
      // Changes committed before a crash never reached `hostnamesChanged`.
      await updater.reconcile(directory.pages());
    },
    hostnamesChanged(change: HostnamesChange) {
      // Must not throw or block the accept path: the change is saved in the background.
      started()
        .pageHostnamesChanged(change.pageId, change.after, change)
        .catch((err: unknown) =>
          log.error('certificate updater could not take a hostname change', {
            pageId: change.pageId,
            error: errorMessage(err),
          }),
        );
    },
    routes(app, directory) {
      app.route(
        '/',
        domainsRoute(started(), { pageExists: (pageId) => directory.page(pageId) !== null }),
      );
    },
    health: () => updater?.health() ?? { state: 'starting' },
    stop: async () => {
      await updater?.stop();
    },
  };
}
