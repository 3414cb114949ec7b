// The certificate updater: custom hostnames and their certificates through Cloudflare for
// SaaS. A self-contained module; origin-sync wires it in at four points.
//
// WIRING (origin-sync)
//
//   import { createCertificateUpdater, domainsRoute, toExplorerStep } from './certificates/index.ts';
//
//   1. Build it next to the journal, from the environment (CONTRACT.md §4):
//        const certificates = createCertificateUpdater({
//          env: process.env,                   // CLOUDFLARE_API_BASE_URL, _ZONE_ID, _API_TOKEN
//          stateDir: STATE_DIR,                // keeps <STATE_DIR>/certificates.json
//          onStep: (eventId, step) => {        // optional: certificate steps in the explorer
//            if (eventId) explorer.record(eventId, toExplorerStep(step));
//          },
//        });
//      Without zone and token it is off: `start()` logs one line saying so, pages' hostnames
//      are still tracked, and the domains endpoint answers with status "disabled".
//
//   2. Start and stop it with the server:
//        await certificates.start();   // loads state, resumes following pending hostnames
//        ...
//        await certificates.stop();    // on SIGTERM/SIGINT, after the HTTP server closes
//
//   3. In the fan-out, when a page event is applied (not a duplicate; stale ones are ignored
//      by version anyway):
//        status_page.upserted → await certificates.pageHostnamesChanged(page.id, page.hostnames,
//                                 { eventId: event.id, version: event.version });
//        status_page.deleted  → await certificates.pageHostnamesChanged(event.data.id, [],
//                                 { eventId: event.id, version: event.version });
//      It resolves once the change is on disk and never calls Cloudflare inline, so it is cheap
//      to await. Replaying journaled events after a crash is safe (versions, and existing custom
//      hostnames are adopted by hostname, never duplicated).
//
//   4. Mount the operator route on the app:
//        app.route('/', domainsRoute(certificates, { pageExists: (id) => pages.has(id) }));
//      → GET /v1/pages/:id/domains  (404 problem+json for an unknown page)
//
// The worker never waits for any of this: it serves a hostname as soon as the page's host
// record exists; the certificate decides whether browsers can reach it over HTTPS.
import { join } from 'node:path';
import { type CertificateConfig, certificateConfigFromEnv } from './config.ts';
import { CertificateUpdater, type CertificateUpdaterOptions } from './updater.ts';

export type { CertificateConfig } from './config.ts';
export { certificateConfigFromEnv, DEFAULT_CLOUDFLARE_API_BASE_URL } from './config.ts';
export { type DomainsRouteOptions, domainsRoute } from './domains-route.ts';
export {
  type CertificateExtension,
  certificateExtension,
  type HostnamesChangeLike,
  type PageDirectoryLike,
} from './extension.ts';
export type { HostnamePhase, LastError, ValidationRecordView } from './hostname-state.ts';
export {
  type CertificateStep,
  type CertificateTiming,
  CertificateUpdater,
  type CertificateUpdaterOptions,
  DEFAULT_TIMING,
  type DomainView,
  type HostnamesChange,
  type LogEntry,
  type PageDomains,
  toExplorerStep,
} from './updater.ts';

export const CERTIFICATE_STATE_FILE = 'certificates.json';

export function createCertificateUpdater(
  options: {
    env?: Record<string, string | undefined>;
    config?: CertificateConfig;
    stateDir: string;
  } & Omit<CertificateUpdaterOptions, 'config' | 'stateFile'>,
): CertificateUpdater {
  const { env, config, stateDir, ...rest } = options;
  return new CertificateUpdater({
    ...rest,
    config: config ?? certificateConfigFromEnv(env ?? process.env),
    stateFile: join(stateDir, CERTIFICATE_STATE_FILE),
  });
}
