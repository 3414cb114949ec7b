// GET /v1/requests (docs/contract.md §3): the core's recent requests, newest first, refused ones
// included, so "we sent it and nothing happened" can be answered after the fact.
import type { Hono } from 'hono';
import { z } from 'zod';
import type { OriginSync } from '../service.ts';
import { invalidQuery, problem } from './problem.ts';

export const RequestsQuery = z.object({
  outcome: z.enum(['accepted', 'refused']).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  eventId: z.string().min(1).max(128).optional(),
});

// Behind operator-auth.ts's bearer check, as every operator endpoint.
export function requestRoutes(app: Hono, sync: OriginSync): void {
  app.get('/v1/requests', (c) => {
    const query = RequestsQuery.safeParse(c.req.query());
    if (!query.success)
      return invalidQuery(
        'outcome is accepted or refused; limit an integer from 1 to 1000; eventId up to 128 characters.',
      );
    const { outcome, limit, eventId } = query.data;
    const requests = sync.requests.list({
      limit,
      ...(outcome ? { outcome } : {}),
      ...(eventId ? { eventId } : {}),
    });
    return c.json({ requests }, 200, { 'Cache-Control': 'no-store' });
  });
  app.get('/v1/requests/:id', (c) => {
    const found = sync.requests.get(c.req.param('id'));
    if (!found) return problem({ title: 'Unknown request', status: 404 });
    return c.json(found, 200, { 'Cache-Control': 'no-store' });
  });
}
