// Subscriptions end to end (docs/contract.md §5), real processes: the worker (workerd via
// Miniflare) decides and renders, origin-sync (a child process) leases, sends and reports; a
// real SMTP server (smtp-server, every message parsed by mailparser) and a real webhook
// endpoint (node:http) receive. Everything a subscriber does goes through the page's
// hostname: POST /subscribe, the confirmation link's POST, the one-click unsubscribe.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncKeyFiles } from '../../origin-sync/config.ts';
import { sendAllCoreEvents } from '../../scripts/lib/core-client.ts';
import {
  fetchWithHost,
  freePort,
  type OriginSyncProcess,
  type System,
  startOriginSyncProcess,
  startSystem,
} from '../../scripts/lib/system.ts';
import type { CoreEvent, Incident } from '../../worker/domain/schema.ts';
import type {
  NotificationDeliveries,
  SubscriptionsOverview,
} from '../../worker/sync/deliveries-contract.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import { type MailSink, type ReceivedMail, startMailSink } from '../support/mail-sink.ts';
import { waitFor } from '../support/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const HOST = 'notify.e2e.test';
const PAGE_ID = 'notify_page';
let system: System;
/** origin-sync's operator token, kept: the tests kill and restart origin-sync. */
let operatorToken: string;
let smtp: MailSink;
let hooks: WebhookReceiver;
let ipSeq = 0;
const RETRY_SCALE = 0.002;

const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));
/** The message's header block, long headers unfolded (RFC 5322 §2.2.3). */
const headerBlock = (m: ReceivedMail) =>
  String(m.raw)
    .split(/\r?\n\r?\n/)[0]
    ?.replace(/\r?\n[ \t]+/g, ' ') ?? '';

function originEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMTP_URL: smtp.url,
    MAIL_FROM: 'status@notify.e2e.test',
    WEBHOOK_ALLOW_LOOPBACK: '1',
    NOTIFY_POLL_MS: '200',
    ...extra,
  };
}

/** A form POST on the page's hostname, from a client address of its own. */
function postForm(url: string, fields: [string, string][]): Promise<Response> {
  return fetchWithHost(system.workerUrl, url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'CF-Connecting-IP': `198.51.${Math.floor(++ipSeq / 250) % 250}.${ipSeq % 250}`,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

function linkIn(mail: ReceivedMail, kind: 'confirm' | 'unsubscribe' | 'manage'): string {
  const m = new RegExp(`https?://[^\\s"<>]+/subscribe/${kind}/[^\\s"<>]+`).exec(
    mail.parsed.text ?? '',
  );
  if (!m) throw new Error(`no ${kind} link in the mail`);
  return m[0];
}

/** Subscribes, waits for the confirmation email, POSTs its link; the confirmed page's HTML. */
async function subscribe(email: string, fields: [string, string][] = []): Promise<string> {
  const res = await postForm(`http://${HOST}/subscribe`, [['email', email], ...fields]);
  expect(res.status).toBe(303);
  const confirmation = await waitFor(() => mailsTo(email)[0], {
    what: `the confirmation email to ${email}`,
    timeoutMs: 60_000,
  });
  const link = linkIn(confirmation, 'confirm');
  // A scanner's GET confirms nothing; the form's POST does.
  expect((await fetchWithHost(system.workerUrl, link)).status).toBe(200);
  const confirmed = await postForm(link, []);
  expect(confirmed.status).toBe(200);
  return confirmed.text();
}

function secretIn(html: string): string {
  const m = /id="secret"[^>]*value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no secret on the confirmation page');
  return m[1];
}

const sent = async (events: CoreEvent[]) => {
  await sendAllCoreEvents(system.core, events);
};

const operatorGet = async (path: string) =>
  fetch(`${system.syncUrl}${path}`, {
    headers: { Authorization: `Bearer ${operatorToken}` },
  });

beforeAll(async () => {
  smtp = await startMailSink();
  hooks = await startWebhookReceiver();
  // The production retry policy a 500th as slow: retries from 60 ms, the quarantine window
  // 7.2 s, so ten failures and the quarantine take ~20 s instead of ~3 hours.
  system = await startSystem({
    worker: { bindings: { DELIVERY_RETRY_SCALE: String(RETRY_SCALE) } },
    originSync: { env: originEnv() },
  });
  operatorToken = system.originSync.operatorToken;
  await sent([
    serviceEvent({ id: 'api', name: 'Public API' }),
    serviceEvent({ id: 'db', name: 'Database' }),
    pageEvent({ id: PAGE_ID, name: 'Notify Cloud', hostnames: [HOST], serviceIds: ['api', 'db'] }),
  ]);
  await waitFor(async () => (await system.worker.visit(`http://${HOST}/`)).status === 200, {
    timeoutMs: 60_000,
    what: 'the page to be served',
  });
}, 180_000);

afterAll(async () => {
  await system?.stop();
  await smtp?.close();
  await hooks?.close();
});

describe('subscriptions end to end', () => {
  let hookSecret = '';
  const incident = incidentEvent({
    id: 'inc_notify',
    name: 'Elevated API errors',
    serviceIds: ['api'],
  });

  it('confirmation email → POST confirm → an incident → exactly one email and one signed webhook', async () => {
    await subscribe('ann@example.com');
    await subscribe('dba@example.com', [['component', 'db']]);
    const html = await subscribe('hooks@example.com', [['webhook', `${hooks.url}/statuspage`]]);
    hookSecret = secretIn(html);
    hooks.secrets.set('/statuspage', hookSecret);

    await sent([incident]);
    const mail = await waitFor(() => mailsTo('ann@example.com')[1], {
      what: 'the incident email',
      timeoutMs: 60_000,
    });
    const hook = await waitFor(() => hooks.hooks[0], { what: 'the webhook', timeoutMs: 60_000 });
    // Give a duplicate every chance to show.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(mailsTo('ann@example.com')).toHaveLength(2);
    expect(hooks.hooks).toHaveLength(1);

    // The email, read by an independent parser.
    expect(mail.parsed.from?.value[0]).toEqual({
      name: 'Notify Cloud',
      address: 'status@notify.e2e.test',
    });
    expect(mail.parsed.subject).toContain('Elevated API errors');
    expect(mail.parsed.text).toContain('Elevated API errors');
    expect(mail.parsed.html).toContain('Elevated API errors');
    expect(mail.parsed.messageId).toMatch(/^<.+@.+>$/);
    expect(headerBlock(mail)).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/im);
    expect(headerBlock(mail)).toMatch(/^List-Unsubscribe: <https?:\/\/[^>]+>\r?$/im);
    expect(headerBlock(mail)).toMatch(/^List-Id: .+\r?$/im);

    // The webhook: signed with the secret shown once, in Statuspage's subscriber shape.
    expect(hook.signed).toBe(true);
    expect(hook.headers['content-type']).toBe('application/json');
    const body = JSON.parse(hook.body);
    expect(body).toMatchObject({
      id: expect.any(String),
      type: expect.any(String),
      meta: { unsubscribe: expect.any(String), generated_at: expect.any(String) },
      page: {
        id: PAGE_ID,
        status_indicator: expect.any(String),
        status_description: expect.any(String),
      },
      incident: {
        id: 'inc_notify',
        name: 'Elevated API errors',
        status: 'investigating',
        incident_updates: [expect.objectContaining({ body: 'Looking into it.' })],
      },
    });
  }, 240_000);

  it('tells a subscriber of one component only of what affects it', async () => {
    // dba@ subscribed to the database only: the API incident was not for them.
    expect(mailsTo('dba@example.com')).toHaveLength(1);
    await sent([
      incidentEvent({ id: 'inc_db', name: 'Database maintenance overrun', serviceIds: ['db'] }),
    ]);
    await waitFor(() => mailsTo('dba@example.com')[1], {
      what: 'the database incident email',
      timeoutMs: 60_000,
    });
    expect(mailsTo('dba@example.com')[1]?.parsed.subject).toContain('Database maintenance overrun');
  }, 120_000);

  it('sends nothing again for the same event sent twice, or by a second origin-sync', async () => {
    const before = { ann: mailsTo('ann@example.com').length, hooks: hooks.hooks.length };
    await sent([incident]);
    // A second origin-sync (its own state, the same key) receives the same batch and pushes it.
    const second: OriginSyncProcess = await startOriginSyncProcess({
      stateDir: join(system.stateDir, 'replica'),
      port: await freePort(),
      workerUrl: system.workerUrl.origin,
      secret: system.core.secret,
      env: { ...originEnv(), SYNC_PRIVATE_KEY_FILE: syncKeyFiles(system.stateDir).privateKey },
    });
    try {
      await sendAllCoreEvents({ url: second.url, secret: system.core.secret }, [
        serviceEvent({ id: 'api', name: 'Public API' }),
        serviceEvent({ id: 'db', name: 'Database' }),
        pageEvent({
          id: PAGE_ID,
          name: 'Notify Cloud',
          hostnames: [HOST],
          serviceIds: ['api', 'db'],
        }),
        incident,
      ]);
      await new Promise((r) => setTimeout(r, 4_000));
    } finally {
      await second.stop();
    }
    expect(mailsTo('ann@example.com')).toHaveLength(before.ann);
    expect(hooks.hooks).toHaveLength(before.hooks);
  }, 120_000);

  it('stops the next notification after a one-click unsubscribe', async () => {
    const latest = mailsTo('ann@example.com').at(-1) as ReceivedMail;
    const header = headerBlock(latest).match(/^List-Unsubscribe: <([^>]+)>/im)?.[1] ?? '';
    expect(header).toMatch(/\/subscribe\/unsubscribe\//);
    const res = await postForm(header, [['List-Unsubscribe', 'One-Click']]);
    expect(res.status).toBeLessThan(400);
    const annBefore = mailsTo('ann@example.com').length;
    const hooksBefore = hooks.hooks.length;
    const update = incidentEvent(
      {
        id: 'inc_notify',
        name: 'Elevated API errors',
        serviceIds: ['api'],
        status: 'identified',
        updates: [
          ...(incident.data as Incident).updates,
          {
            id: 'inc_notify_u2',
            status: 'identified',
            body: 'A bad deploy; rolling back.',
            createdAt: new Date().toISOString(),
          },
        ],
      },
      2,
    );
    await sent([update]);
    await waitFor(() => hooks.hooks.length > hooksBefore, {
      what: 'the webhook of the update',
      timeoutMs: 60_000,
    });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(mailsTo('ann@example.com')).toHaveLength(annBefore);
    expect(JSON.parse(hooks.hooks.at(-1)?.body ?? '{}').incident?.incident_updates).toHaveLength(2);
  }, 120_000);

  it('retries a webhook answering 500 with the same id', async () => {
    hooks.statusFor.set('/statuspage', 500);
    const before = hooks.hooks.length;
    await sent([incidentEvent({ id: 'inc_retry', name: 'Queue backlog', serviceIds: ['api'] })]);
    const first = await waitFor(() => hooks.hooks[before], {
      what: 'the first attempt',
      timeoutMs: 60_000,
    });
    hooks.statusFor.delete('/statuspage');
    const overview = (await (
      await operatorGet(`/v1/pages/${PAGE_ID}/subscriptions`)
    ).json()) as SubscriptionsOverview;
    expect(overview.pageId).toBe(PAGE_ID);
    expect(overview.subscribers.confirmed).toBeGreaterThanOrEqual(2);
    const retried = await waitFor(
      () =>
        hooks.hooks
          .slice(before + 1)
          .find((h) => JSON.parse(h.body).id === JSON.parse(first.body).id),
      { what: 'the retry with the same id', timeoutMs: 150_000, intervalMs: 200 },
    );
    expect(retried.body).toBe(first.body);
  }, 200_000);

  it('quarantines a webhook answering 500 after 10 attempts with the same id, tells its contact once, and stops', async () => {
    const html = await subscribe('flaky@example.com', [['webhook', `${hooks.url}/flaky`]]);
    hooks.secrets.set('/flaky', secretIn(html));
    hooks.statusFor.set('/flaky', 500);
    const toFlaky = () => hooks.hooks.filter((h) => h.path === '/flaky');
    await sent([incidentEvent({ id: 'inc_flaky', name: 'Flaky receivers', serviceIds: ['api'] })]);
    const notice = await waitFor(
      () =>
        mailsTo('flaky@example.com').find((m) => !/subscribe\/confirm\//.test(m.parsed.text ?? '')),
      { what: 'the quarantine notice', timeoutMs: 150_000, intervalMs: 200 },
    );
    const attempts = toFlaky();
    expect(attempts).toHaveLength(10);
    const ids = new Set(attempts.map((h) => JSON.parse(h.body).id));
    expect(ids.size).toBe(1);
    expect(new Set(attempts.map((h) => h.body)).size).toBe(1);
    expect(attempts.every((h) => h.signed === true)).toBe(true);
    // Ten failures over at least the (scaled) hour, with backoff between them.
    const span = (attempts.at(-1)?.at ?? 0) - (attempts[0]?.at ?? 0);
    expect(span).toBeGreaterThanOrEqual(60 * 60 * 1000 * RETRY_SCALE);
    expect(notice.parsed.subject).toBe('Updates from Notify Cloud are paused');
    expect(notice.parsed.text ?? '').toMatch(/\/subscribe\/manage\//);

    const overview = (await (
      await operatorGet(`/v1/pages/${PAGE_ID}/subscriptions`)
    ).json()) as SubscriptionsOverview;
    expect(overview.subscribers.quarantined).toBeGreaterThanOrEqual(1);

    // Nothing more: no attempt after the quarantine, not even for a new incident, and one notice.
    await sent([
      incidentEvent({ id: 'inc_flaky_2', name: 'After quarantine', serviceIds: ['api'] }),
    ]);
    await waitFor(
      () => hooks.hooks.find((h) => h.path === '/statuspage' && h.body.includes('inc_flaky_2')),
      {
        what: 'the healthy webhook to get the next incident',
        timeoutMs: 60_000,
      },
    );
    await new Promise((r) => setTimeout(r, 3_000));
    expect(toFlaky()).toHaveLength(10);
    expect(mailsTo('flaky@example.com')).toHaveLength(2);
  }, 240_000);
});

describe('a crash in the middle of delivering to 1,000 subscribers', () => {
  const CRASH_HOST = 'crash.e2e.test';
  const N = 1_000;
  const address = (i: number) => `crash${i}@example.org`;

  it('SIGKILL of origin-sync and a worker restart: everyone has it, duplicates only from the sends in flight', async () => {
    await sent([
      pageEvent({
        id: 'crash_page',
        name: 'Crash Cloud',
        hostnames: [CRASH_HOST],
        serviceIds: ['api'],
      }),
    ]);
    await waitFor(async () => (await system.worker.visit(`http://${CRASH_HOST}/`)).status === 200, {
      timeoutMs: 60_000,
      what: 'the crash page',
    });
    // 1,000 sign-ups from distinct clients, then 1,000 confirmations, 16 at a time.
    const inParallel = async (count: number, work: (i: number) => Promise<void>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = next++; i < count; i = next++) await work(i);
        }),
      );
    };
    await inParallel(N, async (i) => {
      const res = await postForm(`http://${CRASH_HOST}/subscribe`, [['email', address(i)]]);
      expect(res.status).toBe(303);
    });
    await waitFor(() => smtp.mails.filter((m) => m.to[0]?.startsWith('crash')).length >= N, {
      what: '1,000 confirmation emails',
      timeoutMs: 300_000,
      intervalMs: 500,
    });
    await inParallel(N, async (i) => {
      const mail = mailsTo(address(i))[0] as ReceivedMail;
      const res = await postForm(linkIn(mail, 'confirm'), []);
      expect(res.status).toBe(200);
    });

    const incidentMails = () =>
      smtp.mails.filter(
        (m) => m.to[0]?.startsWith('crash') && m.parsed.subject?.includes('Crash test outage'),
      );
    await sent([
      incidentEvent({ id: 'inc_crash', name: 'Crash test outage', serviceIds: ['api'] }),
    ]);
    await waitFor(() => incidentMails().length >= 150, {
      what: 'the first incident emails',
      timeoutMs: 120_000,
      intervalMs: 20,
    });
    await system.killOriginSync();
    const killedAt = Date.now();
    const atKill = incidentMails().length;
    expect(atKill).toBeLessThan(N);
    await system.stopWorker();
    await system.startWorker();
    await system.startOriginSync();

    await waitFor(() => new Set(incidentMails().flatMap((m) => m.to)).size >= N, {
      what: 'every subscriber to have the incident',
      timeoutMs: 300_000,
      intervalMs: 500,
    });
    await new Promise((r) => setTimeout(r, 3_000));
    const byAddress = new Map<string, ReceivedMail[]>();
    for (const m of incidentMails()) {
      const to = m.to[0] as string;
      byAddress.set(to, [...(byAddress.get(to) ?? []), m]);
    }
    expect(byAddress.size).toBe(N);
    const duplicates = [...byAddress.values()].filter((ms) => ms.length > 1);
    for (const copies of duplicates) {
      // A repeat carries the first copy's Message-ID, and the first copy was sent before the kill.
      expect(new Set(copies.map((m) => m.parsed.messageId)).size).toBe(1);
      expect(copies[0]?.at).toBeLessThanOrEqual(killedAt);
    }
    const extra = duplicates.reduce((n, ms) => n + ms.length - 1, 0);
    console.log(
      `crash test: ${atKill} of ${N} delivered at the kill, ${extra} duplicate(s) after the restart`,
    );
    expect(extra).toBeLessThanOrEqual(8);
  }, 900_000);
});

describe('production webhook policy and the operators’ view', () => {
  it('refuses a webhook to 127.0.0.1 in production mode, quarantines it, and shows every attempt', async () => {
    // The same origin-sync state, restarted in production mode (loopback refused).
    await system.killOriginSync();
    const production = await startOriginSyncProcess({
      stateDir: system.stateDir,
      port: Number(new URL(system.syncUrl).port),
      workerUrl: system.workerUrl.origin,
      secret: system.core.secret,
      env: { ...originEnv({ WEBHOOK_ALLOW_LOOPBACK: '0' }), OPERATOR_TOKEN: operatorToken },
      logFile: join(system.stateDir, 'origin-sync.log'),
    });
    try {
      const refused = await startWebhookReceiver();
      try {
        await subscribe('prod-hooks@example.com', [['webhook', `${refused.url}/internal`]]);
        await sent([
          incidentEvent({ id: 'inc_prod', name: 'Production policy check', serviceIds: ['api'] }),
        ]);
        const notice = await waitFor(() => mailsTo('prod-hooks@example.com')[1], {
          what: 'the quarantine notice to the contact',
          timeoutMs: 90_000,
        });
        expect(notice.parsed.subject).toBeTruthy();
        expect(refused.hooks).toHaveLength(0);

        const overview = (await (
          await operatorGet(`/v1/pages/${PAGE_ID}/subscriptions`)
        ).json()) as SubscriptionsOverview;
        expect(overview.subscribers.quarantined).toBeGreaterThanOrEqual(1);
        const withFailure = overview.notifications.find((n) => n.failed > 0);
        expect(withFailure).toBeDefined();
        const res = await operatorGet(
          `/v1/pages/${PAGE_ID}/notifications/${encodeURIComponent(withFailure?.id ?? '')}`,
        );
        expect(res.status).toBe(200);
        const detail = (await res.json()) as NotificationDeliveries;
        const hook = detail.deliveries.find((d) => d.channel === 'webhook' && d.attempts.length);
        expect(hook?.attempts[0]).toMatchObject({ outcome: 'failed_permanently' });
        expect(hook?.attempts[0]?.error).toMatch(/refused/);
        expect((await fetch(`${system.syncUrl}/v1/pages/${PAGE_ID}/subscriptions`)).status).toBe(
          401,
        );
        // No address or webhook URL in origin-sync's log.
        const log = await readFile(join(system.stateDir, 'origin-sync.log'), 'utf8');
        expect(log).not.toMatch(/@example\.(com|org)/);
        expect(log).not.toContain(`${refused.url}/internal`);
      } finally {
        await refused.close();
      }
    } finally {
      await production.stop();
      await system.startOriginSync();
    }
  }, 240_000);
});
