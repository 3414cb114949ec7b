// GET /v1/pages/:id/domains: each hostname of a page with its hostname status, certificate
// status, the DNS/HTTP records the customer has to publish, and the last error.
import { Hono } from 'hono';
import { ResourceId } from '../../worker/domain/schema.ts';
import { problemResponse } from '../../worker/http/problem.ts';
import type { CertificateUpdater, PageDomains } from './updater.ts';

export interface DomainsRouteOptions {
  /**
   * Whether origin-sync knows the page (a page without hostnames is known but absent from
   * the updater). Without it, only pages the updater has heard of are found.
   */
  pageExists?: (pageId: string) => boolean;
}

export function domainsRoute(
  updater: Pick<CertificateUpdater, 'domains' | 'enabled'>,
  options: DomainsRouteOptions = {},
): Hono {
  const app = new Hono();
  app.get('/v1/pages/:id/domains', (c) => {
    const id = c.req.param('id');
    const parsed = ResourceId.safeParse(id);
    if (!parsed.success) {
      return problemResponse({
        title: 'Bad request',
        status: 400,
        detail: `not a page id: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      });
    }
    let body: PageDomains | null = updater.domains(parsed.data);
    if (!body && options.pageExists?.(parsed.data)) {
      body = {
        pageId: parsed.data,
        certificates: updater.enabled ? 'enabled' : 'disabled',
        domains: [],
      };
    }
    if (!body) {
      return problemResponse({
        title: 'Not found',
        status: 404,
        detail: `no page ${parsed.data} is known here`,
      });
    }
    return c.json(body, 200, { 'Cache-Control': 'no-store' });
  });
  return app;
}
