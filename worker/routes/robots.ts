// /robots.txt for every hostname. Without it crawlers (and Lighthouse's SEO audit) get the
// 404 HTML page where a robots file should be. Status pages are meant to be found; private
// ones answer 401 with `noindex` whatever a crawler is allowed to try.
export const ROBOTS_TXT = 'User-agent: *\nAllow: /\n';

export function robots(): Response {
  return new Response(ROBOTS_TXT, {
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'public, max-age=86400',
    },
  });
}
