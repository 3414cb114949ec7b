// The worker's bindings (wrangler.toml).
import type { HostnameRegistry } from './coordinator/hostname-registry.ts';
import type { PageCoordinator } from './coordinator/page-coordinator.ts';

export interface Env {
  PAGES_KV: KVNamespace;
  PAGE_COORDINATOR: DurableObjectNamespace<PageCoordinator>;
  /** One per hostname: which page holds it (coordinator/hostname-registry.ts). */
  HOSTNAME_REGISTRY: DurableObjectNamespace<HostnameRegistry>;
  /** Ed25519 public key (JWK JSON) that verifies origin-sync's /_sync tokens. */
  SYNC_PUBLIC_KEY: string;
  /** Optional tuning (milliseconds): render debounce [250], maximum wait [2000], and how long a
   * visitor waits for a render on a cold miss before getting the skeleton page [50]. */
  RENDER_DEBOUNCE_MS?: string;
  RENDER_MAX_WAIT_MS?: string;
  RENDER_BUDGET_MS?: string;
  /** Workers version metadata (wrangler.toml `[version_metadata]`): every deploy has a new id,
   * which goes into every document's ETag (render/fingerprint.ts). Absent in local runtimes. */
  CF_VERSION_METADATA?: WorkerVersionMetadata;
}
