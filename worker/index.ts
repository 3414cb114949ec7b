// The status-page worker: Hono app and the PageCoordinator Durable Object class.

import { Hono } from 'hono';
import type { Env } from './env.ts';
import { SECURITY_HEADERS } from './http/headers.ts';
import { log } from './log.ts';
import { SKELETON_SCRIPT, SKELETON_SCRIPT_PATH } from './render/skeleton.ts';
import { LIVE_PATH, serveLive } from './routes/live.ts';
import { robots } from './routes/robots.ts';
import { serveSubscription, subscriptionRoute } from './routes/subscribe.ts';
import { handleSync, handleSyncStatus } from './routes/sync.ts';
import {
  handleDeliveryLease,
  handleDeliveryReport,
  handleNotificationDeliveries,
  handleSubscriptionsOverview,
} from './routes/sync-deliveries.ts';
import { handleHostnameClaims } from './routes/sync-hostnames.ts';
import { refuse, serveVisitor } from './routes/visitor.ts';

export { HostnameRegistry } from './coordinator/hostname-registry.ts';
export { PageCoordinator } from './coordinator/page-coordinator.ts';
export { DeliveryIndex } from './subscriptions/delivery-index.ts';

const app = new Hono<{ Bindings: Env }>();

app.use(async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
});

app.get('/healthz', (c) => c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' }));
app.get('/robots.txt', robots);

// origin-sync → the page's coordinator (worker/sync/contract.ts).
app.post('/_sync/hostnames', handleHostnameClaims);
app.post('/_sync/pages/:pageId', handleSync);
app.get('/_sync/pages/:pageId/status', handleSyncStatus);
// origin-sync ↔ the subscription queues (worker/sync/deliveries-contract.ts).
app.post('/_sync/deliveries/lease', handleDeliveryLease);
app.post('/_sync/deliveries/report', handleDeliveryReport);
app.get('/_sync/pages/:pageId/subscriptions', handleSubscriptionsOverview);
app.get('/_sync/pages/:pageId/notifications/:notificationId', handleNotificationDeliveries);

// The subscription pages (routes/subscribe.ts), on every page hostname and language prefix.
app.use(async (c, next) => {
  const route = subscriptionRoute(new URL(c.req.url).pathname);
  if (!route) return next();
  return serveSubscription(c, route);
});

// The script of the skeleton page (read-document.ts), the same on every hostname.
app.get(
  SKELETON_SCRIPT_PATH,
  () =>
    new Response(SKELETON_SCRIPT, {
      headers: {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'public, max-age=300',
      },
    }),
);

// What an open page's live script asks every few seconds (routes/live.ts).
app.get(LIVE_PATH, serveLive);

// Hono answers HEAD with the GET handler's headers and no body.
app.get('*', serveVisitor);

app.all('*', (c) =>
  refuse(new URL(c.req.url).pathname, 'bad_request').then((res) => {
    const out = new Response(res.body, { status: 405, headers: res.headers });
    out.headers.set('Allow', 'GET, HEAD');
    return out;
  }),
);

app.onError(async (err, c) => {
  log.error('unhandled', { error: String(err), path: c.req.path });
  return new Response('Something went wrong. Please try again shortly.', {
    status: 500,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
});

export default app;
