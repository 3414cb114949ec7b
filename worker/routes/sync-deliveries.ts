// The delivery side of /_sync (worker/sync/deliveries-contract.ts): origin-sync leases due
// deliveries, reports how each went, and reads the operator's view. Tokens are checked as for
// a page's batch (sync.ts): write tokens bound to DELIVERIES_PATH and the exact body, read
// tokens bound to the request.

import { problemResponse } from '../http/problem.ts';
import { log } from '../log.ts';
import { deliveryIndex } from '../subscriptions/delivery-index.ts';
import { syncReadRequest } from '../sync/contract.ts';
import {
  DELIVERIES_PATH,
  type DeliveryLease,
  DeliveryLeaseRequest,
  type DeliveryReport,
  type DeliveryReportResult,
  DeliveryReports,
  notificationPath,
  subscriptionsPath,
} from '../sync/deliveries-contract.ts';
import { verifySyncReadToken } from '../sync/token.ts';
import { type AppContext, bearerToken, signedJson, unauthorized, verificationKey } from './sync.ts';

/** Pages asked per lease: the round-robin's width. */
const PAGES_PER_LEASE = 16;

function unavailable(err: unknown, what: string): Response {
  log.error(`${what} failed`, { error: String(err) });
  return problemResponse(
    { title: 'Deliveries unavailable', status: 503, detail: `${what} did not complete; retry` },
    { 'Retry-After': '1' },
  );
}

function coordinator(c: AppContext, pageId: string) {
  return c.env.PAGE_COORDINATOR.get(c.env.PAGE_COORDINATOR.idFromName(pageId));
}

/**
 * Round-robin over the pages with work: each gets an equal share of `max`; what a page could
 * not use goes, in a second round, to the pages that filled theirs. The index moves every
 * page it hands out to the back of its line.
 */
export async function handleDeliveryLease(c: AppContext): Promise<Response> {
  const req = await signedJson(c, DELIVERIES_PATH, DeliveryLeaseRequest, 'a DeliveryLeaseRequest');
  if (req instanceof Response) return req;
  try {
    const pages = await deliveryIndex(c.env).take(Math.min(PAGES_PER_LEASE, req.max));
    const out: DeliveryLease['deliveries'] = [];
    let hungry: string[] = [...pages];
    for (let round = 0; round < 2 && hungry.length > 0 && out.length < req.max; round++) {
      const share = Math.max(1, Math.floor((req.max - out.length) / hungry.length));
      const answers = await Promise.all(
        hungry.map((pageId) =>
          coordinator(c, pageId)
            .leaseDeliveries(req.consumer, share, req.leaseMs)
            .then((a) => ({ pageId, deliveries: a.deliveries }))
            .catch((err: unknown) => {
              log.error('lease failed', { pageId, error: String(err) });
              return { pageId, deliveries: [] };
            }),
        ),
      );
      for (const a of answers) out.push(...a.deliveries);
      hungry = answers.filter((a) => a.deliveries.length >= share).map((a) => a.pageId);
    }
    const body: DeliveryLease = { deliveries: out.slice(0, req.max) };
    return c.json(body, 200, { 'Cache-Control': 'no-store' });
  } catch (err) {
    return unavailable(err, 'the lease');
  }
}

export async function handleDeliveryReport(c: AppContext): Promise<Response> {
  const req = await signedJson(c, DELIVERIES_PATH, DeliveryReports, 'DeliveryReports');
  if (req instanceof Response) return req;
  const byPage = new Map<string, DeliveryReport[]>();
  for (const r of req.reports) {
    const list = byPage.get(r.pageId) ?? [];
    list.push(r);
    byPage.set(r.pageId, list);
  }
  try {
    const answers = await Promise.all(
      [...byPage].map(([pageId, reports]) => coordinator(c, pageId).reportDeliveries(reports)),
    );
    const result: DeliveryReportResult = {
      recorded: answers.reduce((sum, a) => sum + a.recorded, 0),
      lapsed: answers.flatMap((a) => a.lapsed),
    };
    return c.json(result, 200, { 'Cache-Control': 'no-store' });
  } catch (err) {
    return unavailable(err, 'the report');
  }
}

async function readAllowed(c: AppContext, pageId: string, path: string): Promise<Response | null> {
  const token = bearerToken(c);
  if (!token) return unauthorized('a Bearer token is required');
  const key = await verificationKey(c);
  if (key instanceof Response) return key;
  if (!(await verifySyncReadToken(key, token, pageId, syncReadRequest('GET', path)))) {
    return unauthorized('the token is invalid, expired, or not bound to this page and request');
  }
  return null;
}

const unknown = (detail: string) => problemResponse({ title: 'Not found', status: 404, detail });

export async function handleSubscriptionsOverview(c: AppContext): Promise<Response> {
  const pageId = c.req.param('pageId') ?? '';
  const refused = await readAllowed(c, pageId, subscriptionsPath(pageId));
  if (refused) return refused;
  try {
    const overview = await coordinator(c, pageId).subscriptionsOverview();
    if (!overview) return unknown('no batch for this page was ever stored here');
    return c.json(overview, 200, { 'Cache-Control': 'no-store' });
  } catch (err) {
    return unavailable(err, 'the overview');
  }
}

export async function handleNotificationDeliveries(c: AppContext): Promise<Response> {
  const pageId = c.req.param('pageId') ?? '';
  const notificationId = c.req.param('notificationId') ?? '';
  const refused = await readAllowed(c, pageId, notificationPath(pageId, notificationId));
  if (refused) return refused;
  try {
    const deliveries = await coordinator(c, pageId).notificationDeliveries(notificationId);
    if (!deliveries) return unknown('no such page or notification');
    return c.json(deliveries, 200, { 'Cache-Control': 'no-store' });
  } catch (err) {
    return unavailable(err, 'the deliveries');
  }
}
