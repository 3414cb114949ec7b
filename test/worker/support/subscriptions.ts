// Helpers for the subscription tests: a page with hostnames on a test clock, the visitor's
// form posts, and origin-sync's side of the deliveries contract (lease and report, signed).
import { runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { PageCoordinator } from '../../../worker/coordinator/page-coordinator.ts';
import type { CoreEvent } from '../../../worker/domain/schema.ts';
import { forgetHosts } from '../../../worker/store/host-lookup.ts';
import {
  DELIVERIES_PATH,
  DELIVERY_LEASE_PATH,
  DELIVERY_REPORT_PATH,
  DeliveryLease,
  type DeliveryOutcome,
  DeliveryReportResult,
  type LeasedDelivery,
} from '../../../worker/sync/deliveries-contract.ts';
import { signSyncToken } from '../../../worker/sync/token.ts';
import { pageEvent, serviceEvent } from '../../support/events.ts';
import { SYNC_ORIGIN, syncPrivateKey, TEST_EPOCH, TestPage } from './sync-client.ts';

export const T0 = TEST_EPOCH;

/** A public page `pageId` on `host` with services api and db, rendered (so its hostname maps). */
export async function subscribablePage(
  pageId: string,
  host: string,
  extra: CoreEvent[] = [],
  page: Parameters<typeof pageEvent>[0] | null = null,
): Promise<TestPage> {
  const p = new TestPage(pageId, T0);
  await p.setClock(T0);
  await p.sync([
    pageEvent(page ?? { id: pageId, hostnames: [host], serviceIds: ['api', 'db'] }, 1, T0),
    serviceEvent({ id: 'api', name: 'Public API' }, 1, T0),
    serviceEvent({ id: 'db', name: 'Database' }, 1, T0),
    ...extra,
  ]);
  await p.render();
  forgetHosts(host);
  return p;
}

export function visit(url: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(url, { redirect: 'manual', ...init }));
}

export function postForm(
  url: string,
  fields: [string, string][],
  headers: Record<string, string> = {},
): Promise<Response> {
  return visit(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

async function signedPost(path: string, body: unknown): Promise<Response> {
  const text = JSON.stringify(body);
  const token = await signSyncToken(await syncPrivateKey(), DELIVERIES_PATH, text);
  return exports.default.fetch(
    new Request(`${SYNC_ORIGIN}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: text,
    }),
  );
}

export async function lease(
  max = 100,
  consumer = 'test-consumer',
  leaseMs = 60_000,
): Promise<LeasedDelivery[]> {
  const res = await signedPost(DELIVERY_LEASE_PATH, { consumer, max, leaseMs });
  expect(res.status, await res.clone().text()).toBe(200);
  return DeliveryLease.parse(await res.json()).deliveries;
}

export async function report(
  deliveries: readonly LeasedDelivery[],
  outcome: DeliveryOutcome = 'delivered',
  consumer = 'test-consumer',
) {
  const res = await signedPost(DELIVERY_REPORT_PATH, {
    consumer,
    reports: deliveries.map((d) => ({
      id: d.id,
      pageId: d.pageId,
      leaseId: d.leaseId,
      outcome,
      at: new Date().toISOString(),
      ...(outcome === 'delivered' ? { status: 250 } : { status: 500, error: 'HTTP 500' }),
    })),
  });
  expect(res.status).toBe(200);
  return DeliveryReportResult.parse(await res.json());
}

/** The confirmation link of a leased confirmation email (its path). */
export function confirmPath(d: LeasedDelivery): string {
  if (d.channel !== 'email') throw new Error('not an email');
  const m = /https?:\/\/[^/\s]+(\/(?:[a-z]{2}(?:-[A-Z]{2})?\/)?subscribe\/confirm\/[^\s"<]+)/.exec(
    d.email.text,
  );
  if (!m?.[1]) throw new Error(`no confirmation link in ${d.email.text}`);
  return m[1];
}

/** Subscribes, leases the confirmation, confirms by POST; the confirmation delivery reported. */
export async function subscribeConfirmed(
  host: string,
  fields: [string, string][],
  headers: Record<string, string> = {},
): Promise<void> {
  const res = await postForm(`http://${host}/subscribe`, fields, {
    'CF-Connecting-IP': `198.51.100.${Math.floor(Math.random() * 250)}`,
    ...headers,
  });
  expect(res.status, await res.clone().text()).toBe(303);
  const leased = await lease(500);
  const mine = leased.filter((d) => d.kind === 'subscription_confirm');
  await report(leased);
  const email = fields.find(([k]) => k === 'email')?.[1];
  const confirm = mine.find((d) => d.channel === 'email' && d.email.to === email);
  if (!confirm) throw new Error(`no confirmation for ${email}`);
  const done = await postForm(`http://${host}${confirmPath(confirm)}`, []);
  expect(done.status).toBe(200);
}

/** Tells the delivery index that a page's due work is due now (the test moved its clock). */
export async function markDue(page: TestPage): Promise<void> {
  await runInDurableObject(page.stub, async (instance: PageCoordinator) => {
    await instance.markDeliveries();
  });
}

/** Subscribers made straight in the page's storage, confirmed: for tests of scale. */
export async function confirmedSubscribers(
  page: TestPage,
  host: string,
  count: number,
  prefix = 'user',
): Promise<void> {
  await runInDurableObject(page.stub, (instance: PageCoordinator) => {
    const store = instance.subscriptions.store;
    // No await in here: the runtime commits these writes together.
    for (let i = 0; i < count; i++) {
      const s = store.addPending(
        {
          email: `${prefix}${i}@example.org`,
          webhookUrl: null,
          components: null,
          incidentId: null,
          variant: 'public',
          language: 'en',
          origin: `http://${host}`,
        },
        page.now,
      );
      store.confirm(s.id, page.now);
    }
    // Their confirmation emails are not what these tests look at.
    instance.storage.sql.exec(
      "UPDATE deliveries SET state = 'delivered' WHERE notification_n IN (SELECT n FROM notifications WHERE kind = 'subscription_confirm')",
    );
  });
}
