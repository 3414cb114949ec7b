// What `wrangler types` would generate for this worker, kept by hand: the generated file
// carries 600 KB of runtime types that @cloudflare/workers-types already provides.
type WorkerEnv = import('./env.ts').Env;
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('./index.ts');
    durableNamespaces: 'PageCoordinator' | 'HostnameRegistry';
  }
  interface Env extends WorkerEnv {}
}
