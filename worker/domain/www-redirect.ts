// A page's optional `www.` redirect, resolved per hostname: which other hostname of the same
// page (if any) visitors of `hostname` are sent to. Whoever writes host records (the page
// coordinator) stores the answer as `HostRecord.redirectTo`; the read path only follows it.
import type { StatusPage } from './schema.ts';

export function wwwRedirectTarget(
  page: Pick<StatusPage, 'hostnames' | 'wwwRedirect'>,
  hostname: string,
): string | undefined {
  const hosts = new Set(page.hostnames);
  if (!hosts.has(hostname)) return undefined;
  // Only towards a hostname the page itself serves: never off the page, never to a 404.
  if (page.wwwRedirect === 'to_apex' && hostname.startsWith('www.')) {
    const apex = hostname.slice(4);
    return hosts.has(apex) ? apex : undefined;
  }
  if (page.wwwRedirect === 'to_www' && !hostname.startsWith('www.')) {
    const www = `www.${hostname}`;
    return hosts.has(www) ? www : undefined;
  }
  return undefined;
}
