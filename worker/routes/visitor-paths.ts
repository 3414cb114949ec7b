// Which visitor paths exist (docs/contract.md §2). Anything else is a 404 without a KV read.
import { ResourceId } from '../domain/schema.ts';

export const API_PATHS = [
  '/api/v2/summary.json',
  '/api/v2/status.json',
  '/api/v2/components.json',
  '/api/v2/incidents.json',
  '/api/v2/incidents/unresolved.json',
  '/api/v2/scheduled-maintenances.json',
  '/api/v2/scheduled-maintenances/upcoming.json',
  '/api/v2/scheduled-maintenances/active.json',
] as const;

const FIXED = new Set<string>([
  '/',
  '/history',
  '/history.atom',
  '/history.rss',
  '/badge.svg',
  ...API_PATHS,
]);

/** The document path for a request path, or null when no page has such a document. */
export function documentPath(pathname: string): string | null {
  if (FIXED.has(pathname)) return pathname;
  const m = /^\/incidents\/([^/]+)$/.exec(pathname);
  if (m && ResourceId.safeParse(m[1]).success) return pathname;
  return null;
}

/** Documents other sites read (JSON API, feeds, badge): CORS-open on public pages. */
export function isOpenDataPath(path: string): boolean {
  return (
    path.startsWith('/api/') ||
    path === '/history.atom' ||
    path === '/history.rss' ||
    path === '/badge.svg'
  );
}

export function isApiPath(pathname: string): boolean {
  return pathname.startsWith('/api/');
}
