// A small subset of Mustache compiled to a function, for a template rendered hundreds of times
// per page (a huge status page has 300 service rows): Mustache.js looks every name up through
// a context chain and escapes with a regular-expression callback, which for 300 rows costs as
// much as the rest of the page. Same output as Mustache.render for the subset, which is all a
// row needs: text, `{{name}}` (escaped exactly as Mustache escapes), `{{{name}}}` / `{{&name}}`
// (raw), `{{#name}}…{{/name}}` on a scalar value and `{{^name}}…{{/name}}` on any. Anything else
// (partials, dotted names, sections over lists or objects) is refused when compiling or
// rendering, never rendered differently. A test renders hostile text both ways.
import Mustache from 'mustache';

type View = object;
type Part = (view: View) => string;

// Mustache.js's escape map, character for character.
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '/': '&#x2F;',
  '`': '&#x60;',
  '=': '&#x3D;',
};
const SPECIAL = /[&<>"'`=/]/;
const SPECIALS = /[&<>"'`=/]/g;

/** Text as Mustache's `{{name}}` prints it; strings with nothing to escape come back as they are. */
export function escapeHtml(value: unknown): string {
  const text = String(value);
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ENTITIES[c]!) : text;
}

type Span = readonly [string, string, number, number, Span[]?];

/** A copy of `s` in one piece (V8 keeps concatenations as trees until something flattens them). */
export function flat(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

function lookUp(view: View, name: string): unknown {
  const value = (view as Readonly<Record<string, unknown>>)[name];
  if (typeof value === 'function') throw new Error(`{{${name}}}: functions are not supported`);
  return value;
}

function isFalsy(value: unknown): boolean {
  return !value || (Array.isArray(value) && value.length === 0);
}

function compileSpans(spans: readonly Span[]): Part {
  const parts: Part[] = spans.map(([kind, name, , , children]): Part => {
    // Mustache would look `length` or an index up on a string section's own value.
    if (kind !== 'text' && (name.includes('.') || name === 'length' || /^\d+$/.test(name)))
      throw new Error(`{{${name}}}: not supported here`);
    switch (kind) {
      case 'text': {
        const text = flat(name);
        return () => text;
      }
      case 'name':
        return (view) => {
          const value = lookUp(view, name);
          return value == null ? '' : typeof value === 'number' ? String(value) : escapeHtml(value);
        };
      case '&':
        return (view) => {
          const value = lookUp(view, name);
          return value == null ? '' : String(value);
        };
      case '#':
      case '^': {
        const inner = compileSpans(children ?? []);
        return (view) => {
          const value = lookUp(view, name);
          if (kind === '#' && value && typeof value === 'object' && !isFalsy(value))
            throw new Error(`{{#${name}}}: sections over lists or objects are not supported`);
          return isFalsy(value) === (kind === '^') ? inner(view) : '';
        };
      }
      default:
        throw new Error(`Mustache tag ${kind} is not supported here`);
    }
  });
  // join() yields one flat string: cheap to put into a page and turn into bytes later.
  return (view) => parts.map((part) => part(view)).join('');
}

/** The template as a function of a flat view (see above for the subset). */
export function compileTemplate(template: string): (view: View) => string {
  return compileSpans(Mustache.parse(template) as unknown as Span[]);
}
