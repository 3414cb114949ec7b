// RFC 9457 problem details for every refusal origin-sync gives (the response itself is the
// worker's helper: one shape on both sides).
import type { z } from 'zod';

import { problemResponse } from '../../worker/http/problem.ts';

export { type Problem, problemResponse as problem } from '../../worker/http/problem.ts';

/** The 400 of an operator endpoint whose query string does not parse: `detail` says the rules. */
export function invalidQuery(detail: string): Response {
  return problemResponse({ title: 'Invalid query', status: 400, detail });
}

export interface EventError {
  /** Index of the bad event in `events`; absent for a problem with the batch itself. */
  index?: number;
  /** Field path inside that event (`data.status`), or inside the body when no index. */
  path: string;
  /** JSON Pointer into the request body (RFC 6901). */
  pointer: string;
  message: string;
}

const MAX_LISTED = 200;

/** The value at `path` in `body`, or undefined when some step of the way is absent. */
function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = body;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/**
 * Names each bad event by index and field path, from a failed CoreEventBatch parse. Given the
 * body, a field that is absent says so first: "Invalid option" alone reads as a wrong value,
 * when the core's bug is a key it did not send.
 */
export function eventErrors(
  issues: z.ZodError['issues'],
  body?: unknown,
): {
  errors: EventError[];
  omitted: number;
} {
  const errors = issues.slice(0, MAX_LISTED).map((issue): EventError => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const pointer = `/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
    const parent = path.length > 0 ? valueAt(body, path.slice(0, -1)) : undefined;
    const missing =
      parent !== null &&
      typeof parent === 'object' &&
      !Object.hasOwn(parent, path[path.length - 1] as PropertyKey);
    const message = missing ? `Missing: ${issue.message}` : issue.message;
    if (path[0] === 'events' && typeof path[1] === 'number') {
      return { index: path[1], path: path.slice(2).join('.'), pointer, message };
    }
    return { path: path.join('.'), pointer, message };
  });
  return { errors, omitted: Math.max(0, issues.length - MAX_LISTED) };
}
