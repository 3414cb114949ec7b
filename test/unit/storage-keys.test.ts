// KV keys name their parts unambiguously (issue 12): no two pages, variants and paths share
// a key, whatever their ids contain.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { docKey, docPrefix } from '../../worker/store/keys.ts';
import { contentKey, pointerKey } from '../../worker/store/pointer.ts';

describe('storage keys', () => {
  it('keep page acme’s audience private apart from page acme:audience', () => {
    expect(docKey('acme', 'audience:private', '/')).not.toBe(
      docKey('acme:audience', 'private', '/'),
    );
    expect(docKey('acme:audience', 'private', '/').startsWith(docPrefix('acme'))).toBe(false);
    expect(pointerKey('acme:x')).not.toBe(pointerKey('acme%3Ax'));
    expect(contentKey('acme', 'audience:private', '/', '"e1"')).not.toBe(
      contentKey('acme:audience', 'private', '/', '"e1"'),
    );
  });

  it('keep the keys of plain ids as they were', () => {
    expect(docKey('page_demo', 'public', '/api/v2/summary.json')).toBe(
      'doc:page_demo:public:/api/v2/summary.json',
    );
    expect(pointerKey('page_demo')).toBe('ptr:page_demo');
  });

  it('never give two different (page, variant, path) the same key', () => {
    const id = fc.string({ unit: fc.constantFrom('a', ':', '%', '3', 'A', '/'), maxLength: 6 });
    fc.assert(
      fc.property(id, id, id, id, fc.string(), fc.string(), (p1, v1, p2, v2, x1, x2) => {
        const same = p1 === p2 && v1 === v2 && x1 === x2;
        expect(docKey(p1, v1, x1) === docKey(p2, v2, x2)).toBe(same);
      }),
    );
  });
});
