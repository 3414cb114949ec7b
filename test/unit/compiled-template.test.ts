// The service row is rendered by a compiled subset of Mustache (a huge page has 300 rows): it
// must print exactly what Mustache.js prints, hostile text included, and refuse what it does
// not implement rather than print something else.
import fc from 'fast-check';
import Mustache from 'mustache';
import { describe, expect, it } from 'vitest';
import serviceRow from '../../templates/service-row.mustache';
import { compileTemplate, escapeHtml } from '../../worker/render/compiled-template.ts';
import { hostileText } from '../support/arbitraries.ts';

const value = fc.oneof(
  hostileText(120),
  fc.constant(''),
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.boolean(),
);

describe('compiled templates', () => {
  it('render the service row exactly as Mustache does, whatever the text', () => {
    const render = compileTemplate(serviceRow);
    fc.assert(
      fc.property(
        fc.record({
          name: value,
          description: value,
          status: value,
          statusLabel: value,
          icon: value,
          barsHtml: value,
          uptimeLabel: value,
          uptime30Label: value,
        }),
        (row) => {
          expect(render(row)).toBe(Mustache.render(serviceRow, row));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('escape every character Mustache escapes, and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        expect(escapeHtml(text)).toBe(Mustache.escape(text));
      }),
    );
    expect(escapeHtml('<a href="x">\'`=/&')).toBe(
      '&lt;a href&#x3D;&quot;x&quot;&gt;&#39;&#x60;&#x3D;&#x2F;&amp;',
    );
  });

  it('refuse what they do not implement instead of printing something else', () => {
    expect(() => compileTemplate('{{> partial}}')).toThrow();
    expect(() => compileTemplate('{{a.b}}')).toThrow();
    expect(() => compileTemplate('{{#s}}{{length}}{{/s}}')).toThrow();
    const list = compileTemplate('{{#items}}x{{/items}}');
    expect(() => list({ items: [1, 2] })).toThrow();
    expect(() => list({ items: { a: 1 } })).toThrow();
    expect(list({ items: 'yes' })).toBe('x');
    expect(list({ items: 0 })).toBe('');
    expect(compileTemplate('{{^items}}none{{/items}}')({ items: [] })).toBe('none');
  });
});
