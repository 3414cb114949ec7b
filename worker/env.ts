// The worker's bindings: what `wrangler types` generates from wrangler.toml
// (worker-configuration.d.ts, which `npm run typecheck` checks is up to date), plus the tuning
// variables wrangler.toml leaves out because their defaults are right for a deploy.
export interface Env extends Omit<Cloudflare.Env, 'CF_VERSION_METADATA'> {
  /** Optional tuning (milliseconds): render debounce [250], maximum wait [2000], and how long a
   * visitor waits for a render on a cold miss before getting the skeleton page [50]. */
  RENDER_DEBOUNCE_MS?: string;
  RENDER_MAX_WAIT_MS?: string;
  RENDER_BUDGET_MS?: string;
  /** `off`: the first change after a quiet period waits for the debounce like the rest. */
  RENDER_LEADING_EDGE?: string;
  /** `off`: a new render waits for KV in the coordinator's location too, as it does elsewhere. */
  RENDER_OWN_LOCATION?: string;
  /** Workers version metadata (wrangler.toml `[version_metadata]`): every deploy has a new id,
   * which goes into every document's ETag (render/fingerprint.ts). Absent in local runtimes. */
  CF_VERSION_METADATA?: WorkerVersionMetadata;
}
