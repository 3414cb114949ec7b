// The certificate updater: custom hostnames and their certificates through Cloudflare for
// SaaS. A self-contained module; origin-sync wires it in at four points.
//
// WIRING (done in origin-sync/main.ts)
//
//   const certificates = createCertificateExtension({
//     config: config.certificates,           // origin-sync/config.ts reads CLOUDFLARE_*
//     stateDir: config.stateDir,
//     log: withFields(log, { component: 'certificates' }),
//   });
//
// As an OriginSyncExtension (origin-sync/extensions.ts) it is:
//   - started once the database is open, with the page directory and the explorer's trace
//     sink: it loads <STATE_DIR>/certificates.json, reconciles against every live page
//     (changes a crash never announced), says in one log line whether it is on or off, and
//     resumes following pending hostnames;
//   - told of each page's hostname change (status_page.upserted / .deleted, newer versions
//     only) with the event id and version; it saves the change and answers at once, API calls
//     happen in the background;
//   - mounted at GET /v1/pages/:id/domains (404 problem+json for a page origin-sync does not
//     know); its steps appear in GET /v1/events/:id as `certificate` (or `failed`) steps;
//   - in GET /healthz under `certificates`; stopped with the service.
// Configuration: CLOUDFLARE_API_BASE_URL, CLOUDFLARE_ZONE_ID, CLOUDFLARE_API_TOKEN
// (docs/contract.md §4) and CLOUDFLARE_SSL_METHOD. Without zone and token it is off: pages'
// hostnames are still tracked and the domains endpoint answers with status "disabled".
//
// Without origin-sync, the pieces are usable alone: `CertificateUpdater` (start, stop,
// pageHostnamesChanged, reconcile, domains, health) and `domainsRoute(updater)`.

export {
  type CertificateConfig,
  type CertificateTiming,
  certificateConfigFromEnv,
  DEFAULT_CLOUDFLARE_API_BASE_URL,
  DEFAULT_TIMING,
} from './config.ts';
export { type DomainsRouteOptions, domainsRoute } from './domains-route.ts';
export {
  CERTIFICATE_STATE_FILE,
  type CertificateExtension,
  type CertificateExtensionOptions,
  createCertificateExtension,
  type PageHostnamesDirectory,
} from './extension.ts';
export type { HostnamePhase, LastError, ValidationRecordView } from './hostname-state.ts';
export {
  type CertificateStep,
  CertificateUpdater,
  type CertificateUpdaterOptions,
  type DomainView,
  type PageDomains,
  toExplorerStep,
} from './updater.ts';
