import { isValidHostname, normaliseHostname } from '../domain/schema.ts';

/**
 * The page's hostname from the request URL (the Host header in production; in miniflare the
 * URL still carries it while Host is the listening address). Null if it cannot be a page's.
 */
export function requestHostname(url: string): string | null {
  const host = normaliseHostname(new URL(url).hostname);
  return isValidHostname(host) ? host : null;
}
