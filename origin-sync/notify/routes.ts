// Operators' view of subscriptions (behind OPERATOR_TOKEN, like every origin-sync route but
// the core's door and /healthz): the worker holds subscribers and the delivery queue, so these
// ask it, with read tokens, and answer what it says.
//   GET /v1/pages/:id/subscriptions                    SubscriptionsOverview
//   GET /v1/pages/:id/notifications/:notificationId    NotificationDeliveries (every attempt)
import type { Hono } from 'hono';
import { z } from 'zod';
import { ResourceId } from '../../worker/domain/schema.ts';
import type {
  NotificationDeliveries,
  SubscriptionsOverview,
} from '../../worker/sync/deliveries-contract.ts';
import { problem } from '../http/problem.ts';
import { errorMessage, type Logger } from '../log.ts';

export interface SubscriptionsReader {
  overview(pageId: string): Promise<SubscriptionsOverview | null>;
  notification(pageId: string, notificationId: string): Promise<NotificationDeliveries | null>;
}

const NotificationId = z.string().min(1).max(128);

export function subscriptionRoutes(app: Hono, edge: SubscriptionsReader, log: Logger): void {
  const badId = (what: string, detail: string) =>
    problem({ title: 'Bad request', status: 400, detail: `not ${what}: ${detail}` });
  // Same shape as http/app.ts's "Hostnames not checked" 503: each names what did not answer and
  // what it means for the caller, so the words are kept apart.
  const unavailable = (err: unknown) => {
    log.warn('notify: the worker did not answer an operator read', { error: errorMessage(err) });
    return problem(
      {
        title: 'Edge unavailable',
        status: 503,
        detail: 'The worker holds subscriptions and did not answer; retry.',
      },
      { 'Retry-After': '5' },
    );
  };

  app.get('/v1/pages/:id/subscriptions', async (c) => {
    const id = ResourceId.safeParse(c.req.param('id'));
    if (!id.success) return badId('a page id', id.error.issues[0]?.message ?? 'invalid');
    let body: SubscriptionsOverview | null;
    try {
      body = await edge.overview(id.data);
    } catch (err) {
      return unavailable(err);
    }
    if (!body) {
      return problem({ title: 'Not found', status: 404, detail: `no page ${id.data} at the edge` });
    }
    return c.json(body, 200, { 'Cache-Control': 'no-store' });
  });

  app.get('/v1/pages/:id/notifications/:notificationId', async (c) => {
    const id = ResourceId.safeParse(c.req.param('id'));
    if (!id.success) return badId('a page id', id.error.issues[0]?.message ?? 'invalid');
    const nid = NotificationId.safeParse(c.req.param('notificationId'));
    if (!nid.success) return badId('a notification id', nid.error.issues[0]?.message ?? 'invalid');
    let body: NotificationDeliveries | null;
    try {
      body = await edge.notification(id.data, nid.data);
    } catch (err) {
      return unavailable(err);
    }
    if (!body) {
      return problem({
        title: 'Not found',
        status: 404,
        detail: `no notification ${nid.data} on page ${id.data}`,
      });
    }
    return c.json(body, 200, { 'Cache-Control': 'no-store' });
  });
}
