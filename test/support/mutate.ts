// Hostile variations of a valid JSON body: any one field, anywhere, replaced.
import fc from 'fast-check';
import { hostileText, PAYLOADS } from './arbitraries.ts';

export type JsonPath = (string | number)[];

/** Every path into a JSON value, the root included. */
export function paths(value: unknown, prefix: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value)
    ? value.map((v, i) => [i, v] as const)
    : Object.entries(value as Record<string, unknown>);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

export function replaceAt(root: unknown, path: JsonPath, next: unknown): unknown {
  if (path.length === 0) return next;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = next;
  return copy;
}

/** Values that break validators: wrong types, extremes, markup, prototype tricks. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  hostileText(),
  fc.constantFrom(
    null,
    -1,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    'x'.repeat(30_000),
    JSON.parse('{"__proto__": {"polluted": true}}'),
    [],
    {},
    ...PAYLOADS,
  ),
);

/** `valid` with one field (picked by `pick`) replaced by a hostile value. */
export function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const all = paths(valid);
  return fc
    .tuple(fc.nat(all.length - 1), hostileValue)
    .map(([i, value]) => replaceAt(valid, all[i]!, value));
}
