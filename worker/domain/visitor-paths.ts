// Which visitor paths exist (docs/contract.md §2). Anything else is a 404 without a KV read.
// Every path also exists under `/<lang>/` for the languages we have catalogues for; whether
// a page has that language is for its documents to say (a page without it has none there).
import { LANGUAGES, type Language } from './languages.ts';
import { ResourceId } from './schema.ts';

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

function ownPath(pathname: string): string | null {
  if (FIXED.has(pathname)) return pathname;
  const m = /^\/incidents\/([^/]+)$/.exec(pathname);
  if (m && ResourceId.safeParse(m[1]).success) return pathname;
  return null;
}

const PREFIXED = /^\/([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)(\/.*)?$/;

/** The language a path is under (`/de/history` → `de`), or null for the page's own. */
export function pathLanguage(pathname: string): Language | null {
  const m = PREFIXED.exec(pathname);
  const tag = m?.[1];
  return tag && (LANGUAGES as readonly string[]).includes(tag) ? (tag as Language) : null;
}

/** The path without its language prefix (`/de/` → `/`, `/de/history` → `/history`). */
export function withoutLanguage(pathname: string): string {
  const language = pathLanguage(pathname);
  return language ? pathname.slice(language.length + 1) || '/' : pathname;
}

/**
 * The document path for a request path, or null when no page has such a document. The JSON
 * API is the same in every language (docs/contract.md §2): `/de/api/…` reads the one `/api/…`
 * document, so a page's languages do not multiply its API documents and their KV writes.
 */
export function documentPath(pathname: string): string | null {
  const language = pathLanguage(pathname);
  if (!language) return ownPath(pathname);
  const own = ownPath(withoutLanguage(pathname));
  if (own?.startsWith('/api/')) return own;
  return own ? `/${language}${own}` : null;
}

/** Documents other sites read (JSON API, feeds, badge): CORS-open on public pages. */
export function isOpenDataPath(prefixed: string): boolean {
  const path = withoutLanguage(prefixed);
  return (
    path.startsWith('/api/') ||
    path === '/history.atom' ||
    path === '/history.rss' ||
    path === '/badge.svg'
  );
}

export function isApiPath(pathname: string): boolean {
  return withoutLanguage(pathname).startsWith('/api/');
}
