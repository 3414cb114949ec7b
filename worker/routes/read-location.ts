// What the read path depends on in the location that serves a request: KV as that location
// sees it, the location's Cache API, the page's coordinator, and the clock. Production takes
// them from the bindings (`locationOf`); the consistency model in the tests
// (test/support/consistency-model.ts) gives each simulated location its own, so the same read
// path runs against KV's and the Cache API's real staleness rules.
import type { MissAnswer } from '../coordinator/page-coordinator.ts';
import type { Env } from '../env.ts';
import type { LocationCache } from '../store/edge-cache.ts';
import type { DocumentMeta } from '../store/keys.ts';
import type { RenderPointer } from '../store/pointer.ts';

/** The reads the read path makes of KV. */
export interface KvReader {
  get(key: string): Promise<string | null>;
  getWithMetadata(key: string): Promise<{ value: string | null; metadata: DocumentMeta | null }>;
}

/** The page's coordinator, as the read path asks it. */
export interface CoordinatorReader {
  /** null: this coordinator has never known the page (it was put in KV some other way). */
  pointer(pageId: string): Promise<RenderPointer | null>;
  documentOnMiss(pageId: string, variant: string, path: string): Promise<MissAnswer>;
}

export type { LocationCache };

export interface ReadLocation {
  kv: KvReader;
  cache: LocationCache;
  coordinator: CoordinatorReader;
  now(): number;
}

export function locationOf(env: Env): ReadLocation {
  const stub = (pageId: string) =>
    env.PAGE_COORDINATOR.get(env.PAGE_COORDINATOR.idFromName(pageId));
  return {
    kv: {
      get: (key) => env.PAGES_KV.get(key, 'text'),
      getWithMetadata: (key) => env.PAGES_KV.getWithMetadata<DocumentMeta>(key, 'text'),
    },
    cache: caches.default,
    coordinator: {
      pointer: (pageId) => stub(pageId).pointer(),
      documentOnMiss: (pageId, variant, path) => stub(pageId).documentOnMiss(variant, path),
    },
    now: () => Date.now(),
  };
}
