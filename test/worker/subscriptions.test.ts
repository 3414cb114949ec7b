// Subscriptions end to end inside workerd: the visitor's form, double opt-in by POST, the
// coordinator deciding notifications in the transaction that applies an event, and the
// delivery queue origin-sync leases from (worker/sync/deliveries-contract.ts).
import { runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PageCoordinator } from '../../worker/coordinator/page-coordinator.ts';
import { linkOrigin } from '../../worker/routes/subscribe.ts';
import { syncReadRequest } from '../../worker/sync/contract.ts';
import {
  NotificationDeliveries,
  notificationPath,
  SubscriptionsOverview,
  subscriptionsPath,
} from '../../worker/sync/deliveries-contract.ts';
import { signSyncReadToken } from '../../worker/sync/token.ts';
import { incidentEvent, maintenanceEvent, serviceEvent } from '../support/events.ts';
import {
  confirmPath,
  lease,
  markDue,
  postForm,
  report,
  subscribablePage,
  subscribeConfirmed,
  T0,
  visit,
} from './support/subscriptions.ts';
import { SYNC_ORIGIN, syncPrivateKey } from './support/sync-client.ts';

describe('subscribing', () => {
  it('confirms only by POST, then tells the subscriber of a new incident exactly once', async () => {
    const host = 'subs-basic.example';
    const page = await subscribablePage('page_subs_basic', host);

    const form = await visit(`http://${host}/subscribe`);
    expect(form.status).toBe(200);
    expect(form.headers.get('Cache-Control')).toBe('private, no-store');
    const html = await form.text();
    expect(html).toContain('<label for="email">');
    expect(html).toContain('name="component" value="api"');
    expect(html).not.toContain('<script');

    const posted = await postForm(`http://${host}/subscribe`, [['email', 'Ada@Example.com']], {
      'CF-Connecting-IP': '203.0.113.7',
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('Location')).toBe('/subscribe/check');

    const [confirm, ...more] = await lease();
    expect(more).toEqual([]);
    expect(confirm?.kind).toBe('subscription_confirm');
    if (confirm?.channel !== 'email') throw new Error('expected an email');
    expect(confirm.email.to).toBe('ada@example.com');
    expect(confirm.email.headers['List-Unsubscribe']).toBeUndefined();
    await report([confirm]);

    // A link scanner's GET confirms nothing: an incident now tells nobody.
    const path = confirmPath(confirm);
    const shown = await visit(`http://${host}${path}`);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('<form method="post"');
    await page.sync([incidentEvent({ id: 'inc_before', serviceIds: ['api'] }, 1, T0)]);
    expect(await lease()).toEqual([]);

    const confirmed = await postForm(`http://${host}${path}`, []);
    expect(confirmed.status).toBe(200);

    const event = incidentEvent({ id: 'inc_1', serviceIds: ['api'], name: 'API <errors>' }, 1, T0);
    await page.sync([event]);
    await page.sync([event]); // origin-sync sent it twice
    const leased = await lease();
    expect(leased).toHaveLength(1);
    const d = leased[0]!;
    expect(d.kind).toBe('incident_created');
    expect(d.attempt).toBe(1);
    if (d.channel !== 'email') throw new Error('expected an email');
    expect(d.email.to).toBe('ada@example.com');
    expect(d.email.subject).toContain('API <errors>');
    expect(d.email.html).toContain('API &lt;errors&gt;');
    expect(d.email.html).not.toContain('API <errors>');
    expect(d.email.headers['List-Unsubscribe']).toMatch(
      new RegExp(`^<https://${host.replace('.', '\\.')}/subscribe/unsubscribe/[0-9a-f]{32}\\.`),
    );
    expect(d.email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(d.email.headers['List-Id']).toContain(host);
    expect(d.email.messageId).toMatch(new RegExp(`@${host.replace('.', '\\.')}$`));
    expect(await report(leased)).toEqual({ recorded: 1, lapsed: [] });
    expect(await lease()).toEqual([]);
  });
});

describe('who hears what', () => {
  it('tells a subscriber with components only of incidents touching one of them', async () => {
    const host = 'subs-filter.example';
    const page = await subscribablePage('page_subs_filter', host);
    await subscribeConfirmed(host, [
      ['email', 'db-only@example.org'],
      ['component', 'db'],
    ]);
    await subscribeConfirmed(host, [['email', 'all@example.org']]);
    await page.sync([incidentEvent({ id: 'inc_api', serviceIds: ['api'] }, 1, T0)]);
    const first = await lease();
    expect(first.map((d) => d.channel === 'email' && d.email.to)).toEqual(['all@example.org']);
    await report(first);
    await page.sync([incidentEvent({ id: 'inc_db', serviceIds: ['db'] }, 1, T0)]);
    const second = await lease();
    expect(second.map((d) => d.channel === 'email' && d.email.to).sort()).toEqual([
      'all@example.org',
      'db-only@example.org',
    ]);
  });

  it('lets a visitor follow one incident from its page, and tells them of that one only', async () => {
    const host = 'subs-follow.example';
    const page = await subscribablePage('page_subs_follow', host);
    await subscribeConfirmed(host, [['email', 'everything@example.org']]);
    await page.sync([incidentEvent({ id: 'inc_f', serviceIds: ['api'], name: 'Slow API' }, 1, T0)]);
    await report(await lease());
    await page.render();
    const incidentPage = (await (await visit(`http://${host}/incidents/inc_f`)).text()).replaceAll(
      '&#x2F;',
      '/',
    );
    expect(incidentPage).toContain('href="/subscribe?incident=inc_f"');
    const form = await (await visit(`http://${host}/subscribe?incident=inc_f`)).text();
    expect(form).toContain('name="incident" value="inc_f"');
    expect(form).toContain('Slow API');
    await subscribeConfirmed(host, [
      ['email', 'follower@example.org'],
      ['incident', 'inc_f'],
    ]);
    await page.sync([incidentEvent({ id: 'inc_other', serviceIds: ['api'] }, 1, T0)]);
    const other = await lease();
    expect(other.map((d) => d.channel === 'email' && d.email.to)).toEqual([
      'everything@example.org',
    ]);
    await report(other);
    const u2 = {
      id: 'inc_f_u2',
      status: 'identified' as const,
      body: 'Found',
      createdAt: new Date(T0 + 1).toISOString(),
    };
    await page.sync([
      incidentEvent(
        {
          id: 'inc_f',
          serviceIds: ['api'],
          name: 'Slow API',
          status: 'identified',
          updates: [
            {
              id: 'inc_f_u1',
              status: 'investigating',
              body: 'Looking into it.',
              createdAt: new Date(T0).toISOString(),
            },
            u2,
          ],
        },
        2,
        T0,
      ),
    ]);
    const followed = await lease();
    expect(followed.map((d) => d.channel === 'email' && d.email.to).sort()).toEqual([
      'everything@example.org',
      'follower@example.org',
    ]);
  });

  it('tells of each new update once, and of nothing for a typo fixed in an old one', async () => {
    const host = 'subs-updates.example';
    const page = await subscribablePage('page_subs_updates', host);
    await subscribeConfirmed(host, [['email', 'u@example.org']]);
    const u1 = {
      id: 'u1',
      status: 'investigating' as const,
      body: 'Lookng',
      createdAt: new Date(T0).toISOString(),
    };
    const u2 = {
      id: 'u2',
      status: 'identified' as const,
      body: 'Found it',
      createdAt: new Date(T0 + 60_000).toISOString(),
    };
    const u3 = {
      id: 'u3',
      status: 'resolved' as const,
      body: 'Fixed',
      createdAt: new Date(T0 + 120_000).toISOString(),
    };
    await page.sync([incidentEvent({ id: 'inc_u', serviceIds: ['api'], updates: [u1] }, 1, T0)]);
    await page.sync([
      incidentEvent(
        { id: 'inc_u', serviceIds: ['api'], updates: [{ ...u1, body: 'Looking' }] },
        2,
        T0,
      ),
    ]);
    await page.sync([
      incidentEvent(
        { id: 'inc_u', serviceIds: ['api'], status: 'identified', updates: [u1, u2] },
        3,
        T0,
      ),
    ]);
    await page.sync([
      incidentEvent(
        { id: 'inc_u', serviceIds: ['api'], status: 'resolved', updates: [u1, u2, u3] },
        4,
        T0,
      ),
    ]);
    const kinds = (await lease()).map((d) => d.kind);
    expect(kinds).toEqual(['incident_created', 'incident_updated', 'incident_resolved']);
  });

  it('sends component changes to webhooks only, in Statuspage’s shape, signed with the secret shown once', async () => {
    const host = 'subs-hook.example';
    const page = await subscribablePage('page_subs_hook', host);
    await subscribeConfirmed(host, [['email', 'mail@example.org']]);
    const res = await postForm(
      `http://${host}/subscribe`,
      [
        ['email', 'ops@example.org'],
        ['webhook', 'https://hooks.example.org/status'],
      ],
      { 'CF-Connecting-IP': '192.0.2.44' },
    );
    expect(res.status).toBe(303);
    const confirms = await lease();
    await report(confirms);
    const confirm = confirms.find((d) => d.channel === 'email' && d.email.to === 'ops@example.org');
    const path = confirmPath(confirm!);
    const done = await (await postForm(`http://${host}${path}`, [])).text();
    const secret = /id="secret"[^>]*value="([0-9a-f]{48})"/.exec(done)?.[1];
    expect(secret).toBeDefined();
    // Shown once: the link again shows no secret.
    expect(await (await postForm(`http://${host}${path}`, [])).text()).not.toContain(secret!);

    await page.sync([
      serviceEvent({ id: 'api', name: 'Public API', status: 'major_outage' }, 2, T0),
    ]);
    const leased = await lease();
    expect(leased).toHaveLength(1);
    const d = leased[0]!;
    if (d.channel !== 'webhook') throw new Error('expected a webhook');
    expect(d.kind).toBe('component_updated');
    expect(d.webhook.url).toBe('https://hooks.example.org/status');
    expect(d.webhook.secret).toBe(secret);
    const body = JSON.parse(d.webhook.body);
    expect(body).toMatchObject({
      id: d.id,
      type: 'component_updated',
      meta: { unsubscribe: expect.stringContaining(`https://${host}/subscribe/unsubscribe/`) },
      page: {
        id: 'page_subs_hook',
        status_indicator: 'critical',
        status_description: 'Major System Outage',
      },
      component_update: {
        component_id: 'api',
        old_status: 'operational',
        new_status: 'major_outage',
      },
      component: { id: 'api', name: 'Public API', status: 'major_outage' },
    });
    expect(typeof body.meta.generated_at).toBe('string');

    await report(leased);
    await page.sync([incidentEvent({ id: 'inc_hook', serviceIds: ['api'] }, 1, T0)]);
    const both = await lease();
    const hook = both.find((x) => x.channel === 'webhook');
    if (hook?.channel !== 'webhook') throw new Error('expected a webhook');
    const incident = JSON.parse(hook.webhook.body);
    expect(incident.type).toBe('incident_created');
    expect(incident.incident).toMatchObject({ id: 'inc_hook', status: 'investigating' });
    expect(incident.incident.incident_updates[0]).toMatchObject({
      id: 'inc_hook_u1',
      incident_id: 'inc_hook',
    });
    expect(both).toHaveLength(2);
  });
});

describe('unsubscribing', () => {
  it('stops the next notification at one click, and a GET of the link changes nothing', async () => {
    const host = 'subs-unsub.example';
    const page = await subscribablePage('page_subs_unsub', host);
    await subscribeConfirmed(host, [['email', 'bye@example.org']]);
    await page.sync([incidentEvent({ id: 'inc_a', serviceIds: ['api'] }, 1, T0)]);
    const [d] = await lease();
    if (d?.channel !== 'email') throw new Error('expected an email');
    await report([d]);
    const url = /^<(.+)>$/.exec(d.email.headers['List-Unsubscribe'] ?? '')?.[1] ?? '';
    expect((await visit(url)).status).toBe(200);
    await page.sync([incidentEvent({ id: 'inc_b', serviceIds: ['api'] }, 1, T0)]);
    const still = await lease();
    expect(still).toHaveLength(1);
    await report(still);
    const click = await visit(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(click.status).toBe(200);
    expect(click.headers.get('Cache-Control')).toBe('private, no-store');
    await page.sync([incidentEvent({ id: 'inc_c', serviceIds: ['api'] }, 1, T0)]);
    expect(await lease()).toEqual([]);
  });

  it('deletes the address everywhere, queued deliveries included', async () => {
    const host = 'subs-delete.example';
    const page = await subscribablePage('page_subs_delete', host);
    await subscribeConfirmed(host, [['email', 'gone@example.org']]);
    await page.sync([incidentEvent({ id: 'inc_d', serviceIds: ['api'] }, 1, T0)]);
    const [d] = await lease(1, 'c', 5_000);
    if (d?.channel !== 'email') throw new Error('expected an email');
    const manage = /(\/subscribe\/manage\/[^\s]+)/.exec(d.email.text)?.[1];
    const res = await postForm(`http://${host}${manage}`, [['action', 'delete']]);
    expect(res.status).toBe(200);
    await page.advance(10_000);
    await markDue(page);
    expect(await lease()).toEqual([]);
    const found = await runInDurableObject(page.stub, (instance: PageCoordinator) =>
      instance.storage.sql
        .exec("SELECT COUNT(*) AS c FROM subscribers WHERE email = 'gone@example.org'")
        .one(),
    );
    expect(found.c).toBe(0);
    // Its links are dead: a readable page, not an error.
    const again = await visit(`http://${host}${manage}`);
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('This link does not work');
  });
});

describe('the queue', () => {
  it('leases a lapsed delivery again under the same id with attempt + 1; a late "delivered" still counts', async () => {
    const host = 'subs-lapse.example';
    const page = await subscribablePage('page_subs_lapse', host);
    await subscribeConfirmed(host, [['email', 'l@example.org']]);
    await page.sync([incidentEvent({ id: 'inc_l', serviceIds: ['api'] }, 1, T0)]);
    const [first] = await lease(10, 'consumer-a', 5_000);
    expect(await lease()).toEqual([]); // leased: nobody else gets it
    await page.advance(6_000);
    await markDue(page);
    const [second] = await lease(10, 'consumer-b', 60_000);
    expect(second?.id).toBe(first?.id);
    expect(second?.attempt).toBe(2);
    if (first?.channel !== 'email' || second?.channel !== 'email') throw new Error('emails');
    expect(second.email.messageId).toBe(first.email.messageId);
    expect(await report([first], 'delivered', 'consumer-a')).toEqual({
      recorded: 1,
      lapsed: [first.id],
    });
    expect(await report([second], 'delivered', 'consumer-b')).toEqual({ recorded: 1, lapsed: [] });
  });

  it('retries with backoff, and quarantines a webhook failing 10 times over an hour, telling its contact once', async () => {
    const host = 'subs-retry.example';
    const page = await subscribablePage('page_subs_retry', host);
    await postForm(
      `http://${host}/subscribe`,
      [
        ['email', 'hook-owner@example.org'],
        ['webhook', 'https://down.example.org/hook'],
      ],
      { 'CF-Connecting-IP': '192.0.2.9' },
    );
    const [confirm] = await lease();
    await report([confirm!]);
    await postForm(`http://${host}${confirmPath(confirm!)}`, []);
    await page.sync([incidentEvent({ id: 'inc_r', serviceIds: ['api'] }, 1, T0)]);
    let d = (await lease())[0]!;
    const id = d.id;
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect(d.id).toBe(id);
      expect(d.attempt).toBe(attempt);
      expect(await report([d], 'retry')).toEqual({ recorded: 1, lapsed: [] });
      if (attempt === 10) break;
      expect(await lease()).toEqual([]); // not before its backoff
      await page.advance(2 * 60 * 60 * 1000);
      await markDue(page);
      d = (await lease())[0]!;
    }
    await markDue(page);
    const notice = await lease();
    expect(notice.map((x) => x.kind)).toEqual(['quarantine_notice']);
    if (notice[0]?.channel !== 'email') throw new Error('expected an email');
    expect(notice[0].email.to).toBe('hook-owner@example.org');
    await report(notice);
    await page.sync([incidentEvent({ id: 'inc_r2', serviceIds: ['api'] }, 1, T0 + 1)]);
    expect(await lease()).toEqual([]);
  });
});

describe('keeping records', () => {
  it('forgets a month-old notification once all its deliveries are final, and it is told no second time', async () => {
    const host = 'subs-prune.example';
    const page = await subscribablePage('page_subs_prune', host);
    await subscribeConfirmed(host, [['email', 'p@example.org']]);
    const event = incidentEvent({ id: 'inc_p', serviceIds: ['api'] }, 1, T0);
    await page.sync([event]);
    await report(await lease());
    await page.render();
    const before = await page.stub.subscriptionsOverview();
    expect(before?.notifications.map((n) => n.kind)).toEqual(['incident_created']);
    await page.advance(31 * 24 * 60 * 60 * 1000);
    await page.runAlarm();
    const after = await page.stub.subscriptionsOverview();
    expect(after?.notifications).toEqual([]);
    // A replay a month later is stale, and its update is no news: nothing is told again.
    await page.sync([event]);
    expect(await lease()).toEqual([]);
  });
});

describe('the form', () => {
  it('puts https links to the hostname in emails, the origin as asked only on local names', () => {
    expect(linkOrigin(new URL('http://status.acme.example:6666/subscribe'))).toBe(
      'https://status.acme.example',
    );
    expect(linkOrigin(new URL('http://demo.localhost:8787/subscribe'))).toBe(
      'http://demo.localhost:8787',
    );
  });

  it('answers bad input with a readable 400 page and stores nothing', async () => {
    const host = 'subs-bad.example';
    const page = await subscribablePage('page_subs_bad', host);
    const cases: [string, string][][] = [
      [['email', 'not-an-address']],
      [
        ['email', 'x@example.org'],
        ['webhook', 'javascript:alert(1)'],
      ],
      [
        ['email', 'x@example.org'],
        ['component', 'nope'],
      ],
      [
        ['email', 'x@example.org'],
        ['incident', 'inc_unknown'],
      ],
    ];
    for (const fields of cases) {
      const res = await postForm(`http://${host}/subscribe`, fields, {
        'CF-Connecting-IP': '192.0.2.1',
      });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('role="alert"');
      expect(html).not.toContain('href="javascript:');
    }
    const notForm = await visit(`http://${host}/subscribe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"email":"x@example.org"}',
    });
    expect(notForm.status).toBe(400);
    expect(await lease()).toEqual([]);
    const counts = await page.stub.subscriptionsOverview();
    expect(counts?.subscribers).toEqual({
      pending: 0,
      confirmed: 0,
      quarantined: 0,
      unsubscribed: 0,
    });
  });

  it('limits sign-ups per client address, yet takes 200 a minute from distinct clients', async () => {
    const host = 'subs-limit.example';
    await subscribablePage('page_subs_limit', host);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await postForm(`http://${host}/subscribe`, [['email', `a${i}@example.org`]], {
        'CF-Connecting-IP': '203.0.113.99',
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
    expect(statuses[10]).toBe(429);
    const many = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        postForm(`http://${host}/subscribe`, [['email', `b${i}@example.org`]], {
          'CF-Connecting-IP': `10.1.${Math.floor(i / 250)}.${i % 250}`,
        }).then((r) => r.status),
      ),
    );
    expect(many.filter((s) => s === 303)).toHaveLength(200);
    // Every accepted sign-up queued its confirmation (the other tests lease from the same queue).
    const confirmations = await lease(500);
    expect(confirmations.filter((d) => d.kind === 'subscription_confirm')).toHaveLength(210);
    await report(confirmations);
  });

  it('speaks the language of its path, and the status page links to it', async () => {
    const host = 'subs-lang.example';
    await subscribablePage('page_subs_lang', host, [], {
      id: 'page_subs_lang',
      hostnames: [host],
      serviceIds: ['api'],
      locales: ['de'],
    });
    const de = await visit(`http://${host}/de/subscribe`);
    expect(de.status).toBe(200);
    const html = (await de.text()).replaceAll('&#x2F;', '/');
    expect(html).toContain('<html lang="de"');
    expect(html).toContain('action="/de/subscribe"');
    expect((await visit(`http://${host}/fr/subscribe`)).status).toBe(404);
    const status = (await (await visit(`http://${host}/de/`)).text()).replaceAll('&#x2F;', '/');
    expect(status).toContain('href="/de/subscribe"');
  });
});

describe('maintenance', () => {
  it('is told when scheduled, then when the clock starts and completes it, once each', async () => {
    const host = 'subs-maint.example';
    const page = await subscribablePage('page_subs_maint', host);
    await subscribeConfirmed(host, [['email', 'm@example.org']]);
    const start = T0 + 60 * 60 * 1000;
    const end = start + 2 * 60 * 60 * 1000;
    const window = {
      id: 'mnt_1',
      serviceIds: ['api'],
      scheduledFor: new Date(start).toISOString(),
      scheduledUntil: new Date(end).toISOString(),
    };
    await page.sync([maintenanceEvent(window, 1, page.now)]);
    const scheduled = await lease();
    expect(scheduled.map((d) => d.kind)).toEqual(['maintenance_scheduled']);
    if (scheduled[0]?.channel !== 'email') throw new Error('expected an email');
    expect(scheduled[0].email.subject).toContain('Maintenance scheduled');
    await report(scheduled);
    await page.render();

    await page.setClock(start + 1_000);
    await page.runAlarm();
    const started = await lease();
    expect(started.map((d) => d.kind)).toEqual(['maintenance_started']);
    await report(started);
    // The core saying so too, a moment later, tells nothing new.
    await page.sync([maintenanceEvent({ ...window, status: 'in_progress' }, 2, page.now)]);
    expect(await lease()).toEqual([]);

    await page.setClock(end + 1_000);
    await page.runAlarm();
    const completed = await lease();
    expect(completed.map((d) => d.kind)).toEqual(['maintenance_completed']);
  });
});

describe('the operator’s view', () => {
  it('counts subscribers by state and lists every attempt of one notification', async () => {
    const host = 'subs-ops.example';
    const page = await subscribablePage('page_subs_ops', host);
    await subscribeConfirmed(host, [['email', 'op@example.org']]);
    await postForm(`http://${host}/subscribe`, [['email', 'pending@example.org']], {
      'CF-Connecting-IP': '192.0.2.200',
    });
    await report(await lease());
    await page.sync([incidentEvent({ id: 'inc_ops', serviceIds: ['api'] }, 1, T0)]);
    const leased = await lease();
    await report(leased, 'retry');

    const key = await syncPrivateKey();
    const read = async (path: string) => {
      const token = await signSyncReadToken(key, 'page_subs_ops', syncReadRequest('GET', path));
      return exports.default.fetch(
        new Request(`${SYNC_ORIGIN}${path}`, { headers: { Authorization: `Bearer ${token}` } }),
      );
    };
    const overviewRes = await read(subscriptionsPath('page_subs_ops'));
    expect(overviewRes.status).toBe(200);
    const overview = SubscriptionsOverview.parse(await overviewRes.json());
    expect(overview.subscribers).toEqual({
      pending: 1,
      confirmed: 1,
      quarantined: 0,
      unsubscribed: 0,
    });
    const n = overview.notifications.find((x) => x.kind === 'incident_created');
    expect(n).toMatchObject({ recipients: 1, queued: 1, sent: 0, failed: 0 });

    const detailRes = await read(notificationPath('page_subs_ops', n!.id));
    expect(detailRes.status).toBe(200);
    const detail = NotificationDeliveries.parse(await detailRes.json());
    expect(detail.deliveries).toHaveLength(1);
    expect(detail.deliveries[0]).toMatchObject({
      id: leased[0]!.id,
      recipient: 'op@example.org',
      state: 'queued',
      attempts: [{ attempt: 1, consumer: 'test-consumer', outcome: 'retry', status: 500 }],
    });

    // A token for another path is refused.
    const wrong = await signSyncReadToken(key, 'page_subs_ops', syncReadRequest('GET', '/x'));
    const refused = await exports.default.fetch(
      new Request(`${SYNC_ORIGIN}${subscriptionsPath('page_subs_ops')}`, {
        headers: { Authorization: `Bearer ${wrong}` },
      }),
    );
    expect(refused.status).toBe(401);
    expect((await read(notificationPath('page_subs_ops', 'nope'))).status).toBe(404);
  });
});
