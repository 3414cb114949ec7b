// The coalescing benchmark's evidence for "never more than one KV write per key per second":
// the observing KvWriter must see every write, and the per-key count must catch two writes
// closer than a second however they are placed.
import { describe, expect, it } from 'vitest';
import { type KvWrite, keyWriteRate, observeKvWrites } from '../../bench/lib/kv-write-log.ts';
import type { KvWriter } from '../../worker/coordinator/kv-writer.ts';

function write(key: string, startedAt: number, endedAt = startedAt + 5): KvWrite {
  return { key, op: 'put', ok: true, startedAt, endedAt };
}

describe('observeKvWrites', () => {
  it('writes through and records each put and delete with its bounds and version', async () => {
    const store = new Map<string, string>();
    const inner: KvWriter = {
      get: async (key) => store.get(key) ?? null,
      put: async (key, value) =>
        void store.set(key, typeof value === 'string' ? value : new TextDecoder().decode(value)),
      delete: async (key) => void store.delete(key),
    };
    let now = 1000;
    const clock = () => (now += 10);
    const seen: KvWrite[] = [];
    const kv = observeKvWrites(inner, (w) => seen.push(w), clock);
    const meta = { etag: '"e"', contentType: 'text/html', version: 7, renderedAt: '' };
    await kv.put('doc:p:public:/', '<p>hi</p>', meta);
    await kv.delete('doc:p:public:/old');
    expect(await kv.get('doc:p:public:/')).toBe('<p>hi</p>');
    expect(seen).toEqual([
      { key: 'doc:p:public:/', op: 'put', ok: true, startedAt: 1010, endedAt: 1020, version: 7 },
      { key: 'doc:p:public:/old', op: 'delete', ok: true, startedAt: 1030, endedAt: 1040 },
    ]);
  });

  it('records a write KV refused (it may have landed) and still throws', async () => {
    const inner: KvWriter = {
      get: async () => null,
      put: async () => {
        throw new Error('KV put failed: 429');
      },
      delete: async () => {},
    };
    const seen: KvWrite[] = [];
    const kv = observeKvWrites(
      inner,
      (w) => seen.push(w),
      () => 5,
    );
    await expect(kv.put('ver:p', '3')).rejects.toThrow('429');
    expect(seen).toMatchObject([{ key: 'ver:p', ok: false }]);
  });
});

describe('keyWriteRate', () => {
  it('counts one write per key when writes of a key are a second apart', () => {
    const rate = keyWriteRate([
      write('a', 0, 40),
      write('b', 10, 50),
      write('a', 1040),
      write('b', 1050),
      write('a', 2045),
    ]);
    expect(rate.maxPerWindow).toBe(1);
    expect(rate.minGapMs).toBe(1000);
  });

  it('catches a second write of a key issued less than a second after the first was acknowledged', () => {
    const rate = keyWriteRate([write('a', 0, 40), write('b', 500), write('a', 1039)]);
    expect(rate).toEqual({ maxPerWindow: 2, worstKey: 'a', minGapMs: 999 });
  });

  it('finds the most writes of one key that fit in any one second', () => {
    const rate = keyWriteRate([
      write('a', 0),
      write('a', 1200),
      write('a', 1500),
      write('a', 1900),
      write('a', 4000),
    ]);
    expect(rate.maxPerWindow).toBe(3);
  });

  it('counts overlapping writes of a key as within one second', () => {
    expect(keyWriteRate([write('a', 0, 300), write('a', 100, 200)]).maxPerWindow).toBe(2);
  });

  it('has nothing to report without writes', () => {
    expect(keyWriteRate([])).toEqual({ maxPerWindow: 0, worstKey: null, minGapMs: null });
  });
});
