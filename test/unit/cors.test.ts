import { describe, expect, it } from 'vitest';
import { API_PATHS } from '../../worker/domain/visitor-paths.ts';
import { crossOriginHeaders } from '../../worker/http/cors.ts';

const DATA = [...API_PATHS, '/history.atom', '/history.rss', '/badge.svg'];

describe('cross-origin reads', () => {
  it('open a public page’s API, feeds and badge to every origin', () => {
    for (const path of DATA) {
      expect(crossOriginHeaders('public', 'public', path)).toEqual({
        'Access-Control-Allow-Origin': '*',
      });
    }
  });

  it('never open a private or audience page, whatever the document', () => {
    for (const path of [...DATA, '/', '/history', '/incidents/i1']) {
      expect(crossOriginHeaders('private', 'private', path)).toEqual({});
      expect(crossOriginHeaders('audience', 'audience:gold', path)).toEqual({});
      // A record/variant mismatch (a bug elsewhere) must fail closed too.
      expect(crossOriginHeaders('private', 'public', path)).toEqual({});
      expect(crossOriginHeaders('public', 'audience:gold', path)).toEqual({});
    }
  });

  it('leave the HTML pages same-origin', () => {
    for (const path of ['/', '/history', '/incidents/i1']) {
      expect(crossOriginHeaders('public', 'public', path)).toEqual({});
    }
  });
});
