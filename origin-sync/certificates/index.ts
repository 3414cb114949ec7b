// The certificate updater: custom hostnames and their certificates through Cloudflare for
// SaaS. origin-sync wires it in as an extension (extension.ts, in origin-sync/main.ts, with
// `config.certificates` from origin-sync/config.ts); `CertificateUpdater` (start, stop,
// pageHostnamesChanged, reconcile, domains, health) and `domainsRoute(updater)` are usable
// alone too, given a `CertificateStore` over a database with origin-sync's schema. Without CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN it is off: hostnames
// are still tracked and GET /v1/pages/:id/domains says "disabled" (docs/contract.md §4).

export {
  type CertificateConfig,
  type CertificateTiming,
  certificateConfigFromEnv,
  DEFAULT_CLOUDFLARE_API_BASE_URL,
  DEFAULT_TIMING,
} from './config.ts';
export { type DomainsRouteOptions, domainsRoute } from './domains-route.ts';
export {
  type CertificateExtension,
  type CertificateExtensionOptions,
  createCertificateExtension,
  type PageHostnamesDirectory,
} from './extension.ts';
export type { HostnamePhase, LastError, ValidationRecordView } from './hostname-state.ts';
export { CertificateStore } from './state-store.ts';
export {
  type CertificateStep,
  CertificateUpdater,
  type CertificateUpdaterOptions,
  type DomainView,
  type PageDomains,
  toExplorerStep,
} from './updater.ts';
