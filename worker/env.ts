// The worker's bindings (wrangler.toml).
export interface Env {
  PAGES_KV: KVNamespace;
  PAGE_COORDINATOR: DurableObjectNamespace;
  /** Ed25519 public key (JWK JSON) that verifies origin-sync's /_sync tokens. */
  SYNC_PUBLIC_KEY: string;
}
