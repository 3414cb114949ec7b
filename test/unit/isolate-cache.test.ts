// L0 of the read path: documents in the isolate's memory, keyed by render version.
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetMemory, memoryHit, remember } from '../../worker/routes/isolate-cache.ts';
import type { DocumentMeta } from '../../worker/store/keys.ts';

const meta = (version: number): DocumentMeta => ({
  etag: `"v${version}"`,
  contentType: 'text/html; charset=utf-8',
  version,
  renderedAt: '2026-11-21T10:00:00Z',
});

beforeEach(() => forgetMemory());

describe('isolate document cache', () => {
  it('serves a document only under the render version it was read for', () => {
    remember('p', 7, '/', '<p>v7</p>', meta(7), 0);
    expect(memoryHit('p', 7, '/', 1)?.body).toBe('<p>v7</p>');
    expect(memoryHit('p', 8, '/', 1)).toBeNull();
    expect(memoryHit('p', 7, '/history', 1)).toBeNull();
    expect(memoryHit('other', 7, '/', 1)).toBeNull();
  });

  it('lets an entry live a minute at most', () => {
    remember('p', 1, '/', 'x', meta(1), 0);
    expect(memoryHit('p', 1, '/', 59_999)).not.toBeNull();
    expect(memoryHit('p', 1, '/', 60_000)).toBeNull();
  });

  it('stays within its memory bound, dropping the least recently used first', () => {
    const big = 'x'.repeat(1024 * 1024);
    for (let v = 1; v <= 7; v++) remember('p', v, '/', big, meta(v), 0);
    expect(memoryHit('p', 1, '/', 1)).not.toBeNull(); // used: now the most recent
    remember('p', 8, '/', big, meta(8), 0);
    remember('p', 9, '/', big, meta(9), 0);
    expect(memoryHit('p', 1, '/', 1)).not.toBeNull();
    expect(memoryHit('p', 2, '/', 1)).toBeNull();
    expect(memoryHit('p', 9, '/', 1)).not.toBeNull();
    // A document too large to share the space is not kept at all.
    remember('p', 10, '/', 'x'.repeat(3 * 1024 * 1024), meta(10), 0);
    expect(memoryHit('p', 10, '/', 1)).toBeNull();
  });
});
