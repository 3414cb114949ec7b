// L0 of the read path: documents in the isolate's memory, keyed by their content key.
import { describe, expect, it } from 'vitest';
import { DocumentMemory } from '../../worker/store/isolate-cache.ts';
import type { DocumentMeta } from '../../worker/store/keys.ts';

const meta = (version: number): DocumentMeta => ({
  etag: `"v${version}"`,
  contentType: 'text/html; charset=utf-8',
  version,
  renderedAt: '2026-11-21T10:00:00Z',
});

describe('isolate document cache', () => {
  it('serves a document only under the content key it was read for', () => {
    const m = new DocumentMemory();
    m.remember('doc:p:public:/@v7', '<p>v7</p>', meta(7), 0);
    expect(m.hit('doc:p:public:/@v7', 1)?.body).toBe('<p>v7</p>');
    expect(m.hit('doc:p:public:/@v8', 1)).toBeNull();
    expect(m.hit('doc:p:public:/history@v7', 1)).toBeNull();
  });

  it('lets an unused entry live a minute at most', () => {
    const m = new DocumentMemory();
    m.remember('k', 'x', meta(1), 0);
    expect(m.hit('k', 59_999)).not.toBeNull();
    expect(m.hit('k', 60_000)).toBeNull();
  });

  it('stays within its memory bound, dropping the least recently used first', () => {
    const m = new DocumentMemory();
    const big = 'x'.repeat(1024 * 1024);
    for (let v = 1; v <= 7; v++) m.remember(`k${v}`, big, meta(v), 0);
    expect(m.hit('k1', 1)).not.toBeNull(); // used: now the most recent
    m.remember('k8', big, meta(8), 0);
    m.remember('k9', big, meta(9), 0);
    expect(m.hit('k1', 1)).not.toBeNull();
    expect(m.hit('k2', 1)).toBeNull();
    expect(m.hit('k9', 1)).not.toBeNull();
    // A document too large to share the space is not kept at all.
    m.remember('k10', 'x'.repeat(3 * 1024 * 1024), meta(10), 0);
    expect(m.hit('k10', 1)).toBeNull();
  });
});
