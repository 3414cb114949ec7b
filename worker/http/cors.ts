// Which answers other origins may read. A public page's JSON API, feeds and badge are made for
// widgets, dashboards and aggregators on other sites; a private or audience answer was earned
// by a viewer's credential (token cookie, client certificate), and no other site may read it.
import type { Visibility } from '../domain/schema.ts';
import { isOpenDataPath } from '../domain/visitor-paths.ts';

const OPEN: Readonly<Record<string, string>> = { 'Access-Control-Allow-Origin': '*' };
const CLOSED: Readonly<Record<string, string>> = {};

export function crossOriginHeaders(
  visibility: Visibility,
  variant: string,
  path: string,
): Readonly<Record<string, string>> {
  return visibility === 'public' && variant === 'public' && isOpenDataPath(path) ? OPEN : CLOSED;
}
