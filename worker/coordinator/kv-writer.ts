// The coordinator's only way to KV. A narrow interface rather than the binding itself, so a
// test can make a write fail (and see that the change is kept and retried) without mocking
// the runtime.
import type { DocumentMeta } from '../store/keys.ts';

export interface KvWriter {
  get(key: string): Promise<string | null>;
  put(key: string, value: string | Uint8Array, metadata?: DocumentMeta): Promise<void>;
  delete(key: string): Promise<void>;
}

export function kvWriter(kv: KVNamespace): KvWriter {
  return {
    get: (key) => kv.get(key, 'text'),
    put: (key, value, metadata) => kv.put(key, value, metadata ? { metadata } : {}),
    delete: (key) => kv.delete(key),
  };
}
