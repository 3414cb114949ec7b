// A refused request's body, pretty-printed as HTML with each value an error points at marked
// (<mark>) and its message beside it. A missing field has no value to mark, so the object
// that lacks it is marked instead, with the message naming the field.
import { type Html, html } from './html.ts';

export interface PointedError {
  pointer: string;
  message: string;
  path?: string;
  index?: number;
}

/** RFC 6901 pointer → path segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function exists(root: unknown, segments: string[]): boolean {
  let cur: unknown = root;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, s)) return false;
    cur = (cur as Record<string, unknown>)[s];
  }
  return true;
}

/** Where each error is shown: its own value, or the nearest ancestor that exists. */
export function anchorOf(root: unknown, pointer: string): string {
  const segments = pointerSegments(pointer);
  while (segments.length > 0 && !exists(root, segments)) segments.pop();
  return `/${segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

export function payloadView(body: string, errors: readonly PointedError[]): Html {
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    return html`<pre class="payload"><code>${body}</code></pre>`;
  }
  const byAnchor = new Map<string, PointedError[]>();
  for (const e of errors) {
    const anchor = anchorOf(root, e.pointer);
    byAnchor.set(anchor, [...(byAnchor.get(anchor) ?? []), e]);
  }
  const lines: Html[] = [];
  walk(root, [], 0, '', false, byAnchor, lines);
  return html`<pre class="payload" tabindex="0" aria-label="Request body"><code>${lines}</code></pre>`;
}

const pad = (depth: number) => '  '.repeat(depth);

function walk(
  value: unknown,
  segs: string[],
  depth: number,
  key: string,
  comma: boolean,
  byAnchor: Map<string, PointedError[]>,
  out: Html[],
): void {
  const pointer = `/${segs.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
  const errs = byAnchor.get(pointer) ?? [];
  const prefix = key ? html`${JSON.stringify(key)}: ` : html``;
  const note = errs.length
    ? html` <span class="field-error">← ${errs.map((e, i) => html`${i ? '; ' : ''}${e.path !== undefined && e.path !== '' ? `${e.path}: ` : ''}${e.message}`)}</span>`
    : html``;
  const tail = comma ? ',' : '';
  const mark = (inner: Html) =>
    errs.length ? html`<mark id="${`at${pointer}`}">${inner}</mark>` : inner;
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value as Record<string, unknown>);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) {
      out.push(html`${pad(depth)}${mark(html`${prefix}${open}${close}`)}${tail}${note}\n`);
      return;
    }
    out.push(html`${pad(depth)}${mark(html`${prefix}${open}`)}${note}\n`);
    entries.forEach(([k, v], i) => {
      walk(
        v,
        [...segs, k],
        depth + 1,
        Array.isArray(value) ? '' : k,
        i < entries.length - 1,
        byAnchor,
        out,
      );
    });
    out.push(html`${pad(depth)}${close}${tail}\n`);
    return;
  }
  out.push(
    html`${pad(depth)}${prefix}${mark(html`${JSON.stringify(value) ?? 'null'}`)}${tail}${note}\n`,
  );
}
