// The notifier (origin-sync/notify/) inside a real origin-sync, against a stand-in for the
// worker's /_sync/deliveries that speaks the contract, a real SMTP server and a real webhook
// endpoint.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CryptoKey } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifyExtension, notifySettings } from '../../origin-sync/notify/index.ts';
import { openDatabase } from '../../origin-sync/store/database.ts';
import { Receipts } from '../../origin-sync/store/receipts.ts';
import {
  type FakeDeliveriesEdge,
  type QueuedDelivery,
  startFakeDeliveriesEdge,
} from '../support/fake-deliveries-edge.ts';
import { type MailSink, startMailSink } from '../support/mail-sink.ts';
import {
  AS_OPERATOR,
  type RunningOriginSync,
  startOriginSync,
  syncKeyPair,
} from '../support/origin-sync-in-process.ts';
import { waitFor } from '../support/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
let edge: FakeDeliveriesEdge;
let smtp: MailSink;
let hooks: WebhookReceiver;
let dir: string;
const running: RunningOriginSync[] = [];

async function start(env: Record<string, string> = {}): Promise<RunningOriginSync> {
  const settings = notifySettings({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'status@example.net',
    NOTIFY_POLL_MS: '50',
    NOTIFY_LEASE_MS: '20000',
    WEBHOOK_ALLOW_LOOPBACK: '1',
    ...env,
  });
  const origin = await startOriginSync({
    dir,
    workerUrl: edge.url,
    syncPrivateKey: keys.privateKey,
    extensions: [
      createNotifyExtension({ settings, workerUrl: edge.url, privateKey: keys.privateKey }),
    ],
  });
  running.push(origin);
  return origin;
}

let seq = 0;
function email(to: string, over: Partial<QueuedDelivery> = {}): QueuedDelivery {
  const id = `dlv_${++seq}`;
  return {
    id,
    pageId: 'page_a',
    notificationId: 'ntf_1',
    kind: 'incident_created',
    channel: 'email',
    email: {
      to,
      fromName: 'Acme "Cloud" Status',
      subject: 'Investigating: API errors',
      text: 'We are investigating elevated API errors.',
      html: '<p>We are investigating <b>elevated</b> API errors.</p>',
      messageId: `${id}.ntf_1@status.example.net`,
      headers: {
        'List-Unsubscribe': '<https://status.example.net/unsubscribe/tok123>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': 'Acme Status <page_a.status.example.net>',
      },
      language: 'en',
    },
    ...over,
  } as QueuedDelivery;
}

function webhook(url: string, body: object): QueuedDelivery {
  const id = `dlv_${++seq}`;
  return {
    id,
    pageId: 'page_a',
    notificationId: 'ntf_1',
    kind: 'incident_created',
    channel: 'webhook',
    webhook: { url, secret: 'whsec_0123456789abcdef', body: JSON.stringify({ id, ...body }) },
  };
}

beforeEach(async () => {
  keys = await syncKeyPair();
  edge = await startFakeDeliveriesEdge(keys.publicKey);
  smtp = await startMailSink();
  hooks = await startWebhookReceiver();
  dir = await mkdtemp(join(tmpdir(), 'esp-notify-'));
});

afterEach(async () => {
  for (const o of running.splice(0)) await o.stop().catch(() => {});
  await edge.close();
  await smtp.close();
  await hooks.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the notifier', () => {
  it('sends an email as the worker rendered it and reports it delivered', async () => {
    const d = email('ann@example.com');
    edge.enqueue(d);
    await start();
    await waitFor(() => edge.state(d.id) === 'delivered', { what: 'the delivered report' });
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0];
    if (!mail || d.channel !== 'email') throw new Error('no mail');
    expect(mail.to).toEqual(['ann@example.com']);
    expect(mail.from).toBe('status@example.net');
    expect(mail.parsed.from?.value[0]).toEqual({
      name: 'Acme "Cloud" Status',
      address: 'status@example.net',
    });
    expect(mail.parsed.messageId).toBe(`<${d.email.messageId}>`);
    expect(mail.parsed.subject).toBe('Investigating: API errors');
    expect(mail.parsed.text?.trim()).toBe('We are investigating elevated API errors.');
    expect(mail.parsed.html).toContain('<b>elevated</b>');
    expect(String(mail.raw)).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    // mailparser reads the List-* headers (RFC 2369) into its own `list` field.
    expect(mail.parsed.headers.get('list')).toMatchObject({
      unsubscribe: { url: 'https://status.example.net/unsubscribe/tok123' },
    });
    expect(String(mail.raw)).toMatch(
      /^List-Unsubscribe: <https:\/\/status\.example\.net\/unsubscribe\/tok123>\r?$/m,
    );
    expect(String(mail.raw)).toMatch(/^List-Id: Acme Status <page_a\.status\.example\.net>\r?$/im);
    const report = edge.reports.find((r) => r.id === d.id);
    expect(report).toMatchObject({ outcome: 'delivered', status: 250, pageId: 'page_a' });
  });

  it('signs a webhook over its exact body and reports a 2xx delivered', async () => {
    const d = webhook(`${hooks.url}/hook`, { page: { id: 'page_a' }, type: 'incident.created' });
    hooks.secrets.set('/hook', 'whsec_0123456789abcdef');
    edge.enqueue(d);
    await start();
    await waitFor(() => edge.state(d.id) === 'delivered', { what: 'the delivered report' });
    expect(hooks.hooks).toHaveLength(1);
    const hook = hooks.hooks[0];
    if (d.channel !== 'webhook') throw new Error('not a webhook');
    expect(hook?.body).toBe(d.webhook.body);
    expect(hook?.headers['content-type']).toBe('application/json');
    expect(hook?.signed).toBe(true);
    expect(hook?.headers['x-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('retries a webhook answering 500 with the same id, and follows no redirect', async () => {
    hooks.statusFor.set('/fail', 500);
    hooks.statusFor.set('/moved', 302);
    const failing = webhook(`${hooks.url}/fail`, {});
    const moved = webhook(`${hooks.url}/moved`, {});
    edge.enqueue(failing, moved);
    await start();
    await waitFor(() => edge.reports.filter((r) => r.id === failing.id).length >= 3, {
      what: 'three attempts',
    });
    const reports = edge.reports.filter((r) => r.id === failing.id);
    expect(reports.every((r) => r.outcome === 'retry' && r.status === 500)).toBe(true);
    const bodies = hooks.hooks.filter((h) => h.path === '/fail').map((h) => h.body);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0] as string).id).toBe(failing.id);
    expect(edge.reports.find((r) => r.id === moved.id)).toMatchObject({
      outcome: 'retry',
      status: 302,
    });
  });

  it('refuses webhook targets on loopback in production, before connecting', async () => {
    const loop = webhook(`http://127.0.0.1:${hooks.port}/hook`, {});
    const local = webhook(`https://localhost:${hooks.port}/hook`, {});
    const meta = webhook('https://169.254.169.254/latest', {});
    edge.enqueue(loop, local, meta);
    await start({ WEBHOOK_ALLOW_LOOPBACK: '0' });
    await waitFor(() => [loop, local, meta].every((d) => edge.state(d.id) === 'failed'), {
      what: 'three refusals',
    });
    expect(hooks.hooks).toHaveLength(0);
    for (const d of [loop, local, meta]) {
      const r = edge.reports.find((x) => x.id === d.id);
      expect(r?.outcome).toBe('failed_permanently');
      expect(r?.error).toMatch(/refused/);
      expect(r?.error).not.toMatch(/127\.0\.0\.1|localhost|169\.254/);
    }
  });

  it('reports a permanent bounce as failed_permanently and a 4xx as retry, naming no address', async () => {
    smtp.reject.set('gone@example.com', { code: 550, text: 'No such user here' });
    smtp.reject.set('busy@example.com', { code: 451, text: 'Try again later' });
    const gone = email('gone@example.com');
    const busy = email('busy@example.com');
    edge.enqueue(gone, busy);
    await start();
    await waitFor(() => edge.state(gone.id) === 'failed', { what: 'the bounce' });
    await waitFor(() => edge.reports.some((r) => r.id === busy.id), { what: 'the retry' });
    expect(edge.reports.find((r) => r.id === gone.id)).toMatchObject({
      outcome: 'failed_permanently',
      status: 550,
    });
    expect(edge.reports.find((r) => r.id === busy.id)).toMatchObject({
      outcome: 'retry',
      status: 451,
    });
    for (const r of edge.reports) expect(r.error ?? '').not.toMatch(/@example\.com/);
  });

  it('reports a leased delivery that has a receipt without sending it again', async () => {
    const d = email('bob@example.com');
    // A previous run sent it and wrote its receipt, then died before reporting.
    const db = openDatabase(join(dir));
    new Receipts(db).record({
      id: d.id,
      pageId: 'page_a',
      leaseId: 'lease_old',
      status: 250,
      deliveredAt: Date.now() - 1000,
    });
    db.close();
    edge.enqueue(d);
    await start();
    await waitFor(() => edge.state(d.id) === 'delivered', { what: 'the delivered report' });
    expect(smtp.mails).toHaveLength(0);
    expect(edge.reports.filter((r) => r.id === d.id)[0]?.outcome).toBe('delivered');
  });

  it('reports receipts a previous run left unreported as soon as it starts', async () => {
    const d = email('cyd@example.com');
    edge.enqueue(d);
    // Leased by a process that died after sending: its lease has not lapsed yet.
    edge.failWith = null;
    const db = openDatabase(dir);
    new Receipts(db).record({
      id: d.id,
      pageId: 'page_a',
      leaseId: 'lease_dead',
      status: 250,
      deliveredAt: Date.now(),
    });
    db.close();
    await start();
    await waitFor(() => edge.reports.some((r) => r.id === d.id && r.leaseId === 'lease_dead'), {
      what: 'the report of the old receipt',
    });
    expect(smtp.mails).toHaveLength(0);
  });

  it('backs off while the worker is down and delivers once it answers', async () => {
    edge.failWith = 503;
    const d = email('dan@example.com');
    edge.enqueue(d);
    const origin = await start();
    await waitFor(() => edge.leaseRequests >= 2, { what: 'lease attempts' });
    const during = edge.leaseRequests;
    await new Promise((r) => setTimeout(r, 600));
    // Backing off, not polling every 50 ms.
    expect(edge.leaseRequests - during).toBeLessThan(8);
    expect((origin.sync.health() as unknown as { notify: { state: string } }).notify.state).toBe(
      'backing_off',
    );
    edge.failWith = null;
    await waitFor(() => edge.state(d.id) === 'delivered', {
      what: 'delivery after the outage',
      timeoutMs: 60_000,
    });
    expect(smtp.mails).toHaveLength(1);
  });

  it('keeps at most NOTIFY_CONCURRENCY sends in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    // A slow receiver: every request is held a little.
    const server = createServer((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      req.resume();
      setTimeout(() => {
        inFlight--;
        res.end('ok');
      }, 100);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const ds = Array.from({ length: 30 }, () => webhook(`http://127.0.0.1:${port}/`, {}));
    edge.enqueue(...ds);
    await start({ NOTIFY_CONCURRENCY: '3' });
    await waitFor(() => ds.every((d) => edge.state(d.id) === 'delivered'), {
      what: 'every delivery',
      timeoutMs: 60_000,
    });
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('stops cleanly: a send in flight finishes, is receipted and reported before stop returns', async () => {
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let arrived = false;
    const server = createServer((req, res) => {
      arrived = true;
      req.resume();
      void held.then(() => res.end('ok'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const d = webhook(`http://127.0.0.1:${port}/`, {});
    edge.enqueue(d);
    const origin = await start();
    await waitFor(() => arrived, { what: 'the send in flight' });
    const stopped = origin.stop();
    running.splice(running.indexOf(origin), 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(edge.reports.some((r) => r.id === d.id)).toBe(false);
    release();
    await stopped;
    expect(edge.state(d.id)).toBe('delivered');
    const db = openDatabase(dir);
    expect(new Receipts(db).get(d.id)).toMatchObject({ id: d.id, status: 200 });
    db.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends nothing whose lease is nearly over, and sends it once leased with time to spare', async () => {
    // 20 s leases: no send starts with less than 5 s left. The worker hands out 2 s leases.
    edge.leaseMsOverride = 2_000;
    const d = email('fay@example.com');
    edge.enqueue(d);
    const origin = await start();
    await waitFor(() => edge.attempts(d.id) >= 2, { what: 'a lapsed lease leased again' });
    expect(smtp.mails).toHaveLength(0);
    expect(
      (origin.sync.health() as unknown as { notify: { leftToLapse: number } }).notify.leftToLapse,
    ).toBeGreaterThanOrEqual(1);
    edge.leaseMsOverride = null;
    await waitFor(() => edge.state(d.id) === 'delivered', {
      what: 'the delivery',
      timeoutMs: 30_000,
    });
    expect(smtp.mails).toHaveLength(1);
  });

  it('proxies the subscriptions overview to operators only', async () => {
    const origin = await start();
    const anonymous = await fetch(`${origin.url}/v1/pages/page_a/subscriptions`);
    expect(anonymous.status).toBe(401);
    // The stand-in has no overview route: the edge's 404 is the operator's 404.
    const res = await fetch(`${origin.url}/v1/pages/page_a/subscriptions`, AS_OPERATOR);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    const bad = await fetch(`${origin.url}/v1/pages/Not%20An%20Id/subscriptions`, AS_OPERATOR);
    expect(bad.status).toBe(400);
  });

  it('is off without SMTP_URL, and leases nothing', async () => {
    edge.enqueue(email('eve@example.com'));
    const origin = await start({ SMTP_URL: '' });
    await new Promise((r) => setTimeout(r, 300));
    expect(edge.leaseRequests).toBe(0);
    expect(origin.sync.health().notify).toMatchObject({ state: 'off' });
  });
});
