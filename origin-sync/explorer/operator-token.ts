// The one comparison of an operator token: the explorer's sign-in uses the bearer check's own
// (origin-sync/http/operator-auth.ts), so there is one rule, not two.
import { tokenMatches } from '../http/operator-auth.ts';

/** Constant time; no configured token matches nothing (fail closed). */
export function operatorTokenMatches(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  return tokenMatches(given, expected);
}
