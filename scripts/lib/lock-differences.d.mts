// Types of lock-differences.mjs, which stays JavaScript so that CI can run it on Node 20.
export interface Lockfile {
  packages?: Record<string, Record<string, unknown>>;
}
export function lockDifferences(
  before: Lockfile,
  after: Lockfile,
  platform?: string,
  arch?: string,
): { tolerated: string[]; other: string[] };
