// The worker's bindings (wrangler.toml).
import type { PageCoordinator } from './coordinator/page-coordinator.ts';

export interface Env {
  PAGES_KV: KVNamespace;
  PAGE_COORDINATOR: DurableObjectNamespace<PageCoordinator>;
  /** Ed25519 public key (JWK JSON) that verifies origin-sync's /_sync tokens. */
  SYNC_PUBLIC_KEY: string;
  /** Optional tuning (milliseconds): render debounce [250], maximum wait [2000], and how long a
   * visitor waits for a render on a cold miss before getting the skeleton page [50]. */
  RENDER_DEBOUNCE_MS?: string;
  RENDER_MAX_WAIT_MS?: string;
  RENDER_BUDGET_MS?: string;
}
