// RFC 9457 problem details for every refusal origin-sync gives.
import type { z } from 'zod';

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

export function problem(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: 'about:blank', ...p }), {
    status: p.status,
    headers: {
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
      ...headers,
    },
  });
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

/** Names each bad event by index and field path, from a failed CoreEventBatch parse. */
export function eventErrors(issues: z.ZodError['issues']): {
  errors: EventError[];
  omitted: number;
} {
  const errors = issues.slice(0, MAX_LISTED).map((issue): EventError => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const pointer = `/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
    if (path[0] === 'events' && typeof path[1] === 'number') {
      return { index: path[1], path: path.slice(2).join('.'), pointer, message: issue.message };
    }
    return { path: path.join('.'), pointer, message: issue.message };
  });
  return { errors, omitted: Math.max(0, issues.length - MAX_LISTED) };
}
