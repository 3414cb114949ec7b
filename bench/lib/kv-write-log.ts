// Every KV write a coordinator makes, observed where it makes them (its KvWriter seam), and the
// figure KV's limit is about: how many writes one key gets within one second.
import type { KvWriter } from '../../worker/coordinator/kv-writer.ts';
import type { DocumentMeta } from '../../worker/store/keys.ts';

export interface KvWrite {
  key: string;
  op: 'put' | 'delete';
  /** Whether KV acknowledged it. */
  ok: boolean;
  /** The clock just before the write was issued and just after KV acknowledged it. */
  startedAt: number;
  endedAt: number;
  /** The render version the written value belongs to, when `versionOf` knows it. */
  version?: number;
}

export type VersionOf = (
  key: string,
  value: string | Uint8Array,
  metadata?: DocumentMeta,
) => number | undefined;

/** A KvWriter that does exactly what `inner` does and records each put and delete. */
export function observeKvWrites(
  inner: KvWriter,
  record: (write: KvWrite) => void,
  clock: () => number,
  versionOf: VersionOf = (_key, _value, metadata) => metadata?.version,
): KvWriter {
  // A write KV refused may still have landed (a timeout, say): it is recorded all the same.
  return {
    get: (key) => inner.get(key),
    async put(key, value, metadata) {
      const startedAt = clock();
      let ok = false;
      try {
        await inner.put(key, value, metadata);
        ok = true;
      } finally {
        const version = versionOf(key, value, metadata);
        record({
          key,
          op: 'put',
          ok,
          startedAt,
          endedAt: clock(),
          ...(version !== undefined ? { version } : {}),
        });
      }
    },
    async delete(key) {
      const startedAt = clock();
      let ok = false;
      try {
        await inner.delete(key);
        ok = true;
      } finally {
        record({ key, op: 'delete', ok, startedAt, endedAt: clock() });
      }
    },
  };
}

export interface KeyWriteRate {
  /** The most writes of a single key that could have fallen within one window. */
  maxPerWindow: number;
  /** The key that had them (null when nothing was written). */
  worstKey: string | null;
  /** The shortest time between two writes of one key (null when no key was written twice). */
  minGapMs: number | null;
}

/**
 * Where exactly within [startedAt, endedAt] KV took a write is unknown, so this assumes the
 * worst: two writes of a key are `endedAt` of the first and `startedAt` of the second apart,
 * and they share a window when that is less than `windowMs`.
 */
export function keyWriteRate(writes: readonly KvWrite[], windowMs = 1000): KeyWriteRate {
  const byKey = new Map<string, KvWrite[]>();
  for (const w of writes) {
    const list = byKey.get(w.key);
    if (list) list.push(w);
    else byKey.set(w.key, [w]);
  }
  let maxPerWindow = 0;
  let worstKey: string | null = null;
  let minGapMs: number | null = null;
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < list.length; i++) {
      const gap = list[i]!.startedAt - list[i - 1]!.endedAt;
      if (minGapMs === null || gap < minGapMs) minGapMs = gap;
    }
    // The writes that share a window with write i, i being the one of them that started
    // last: every earlier write that ended less than windowMs before i started.
    for (let i = 0; i < list.length; i++) {
      let count = 1;
      for (let k = 0; k < i; k++) if (list[i]!.startedAt - list[k]!.endedAt < windowMs) count++;
      if (count > maxPerWindow) {
        maxPerWindow = count;
        worstKey = key;
      }
    }
  }
  return { maxPerWindow, worstKey, minGapMs };
}
