// The one place the explorer and GET /v1/requests compare an operator token. issue 12 brings
// origin-sync's own OPERATOR_TOKEN check (origin-sync/http/operator-auth.ts); when it lands,
// this function points at its tokenMatches so there is one comparison, not two.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { problem } from '../http/problem.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant time whatever the lengths; no configured token matches nothing (fail closed). */
export function operatorTokenMatches(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

export function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

export const OPERATOR_TOKEN_REQUIRED = {
  title: 'Operator token required',
  status: 401,
  detail: 'Send Authorization: Bearer <OPERATOR_TOKEN>.',
};

/** `Authorization: Bearer <OPERATOR_TOKEN>` or 401 problem+json naming nothing. */
export function requireOperatorBearer(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    const given = bearerOf(c.req.header('Authorization'));
    if (given === undefined || !operatorTokenMatches(given, token)) {
      return problem(OPERATOR_TOKEN_REQUIRED, {
        'WWW-Authenticate': 'Bearer realm="origin-sync"',
      });
    }
    return next();
  };
}
