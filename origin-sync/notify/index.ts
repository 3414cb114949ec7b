// The notifier: carries the notifications the worker decided and rendered (subscriptions,
// docs/contract.md §5) to SMTP relays and webhook endpoints, as an origin-sync extension
// (origin-sync/extensions.ts).
//
// WIRING (origin-sync/main.ts)
//
//   const notify = createNotifyExtension({ env: process.env, workerUrl, privateKey, log });
//   const extensions = [certificates, notify];
//
// It is started with origin-sync's database (its receipts live there: store/receipts.ts),
// told when a push applied events (it leases at once rather than at the next poll), mounts
// the operators' GET /v1/pages/:id/subscriptions and /notifications/:notificationId, reports
// under `notify` in /healthz, and stops with the service. Settings: settings.ts (SMTP_URL,
// MAIL_FROM, NOTIFY_CONCURRENCY, SMTP_RATE_PER_S, WEBHOOK_ALLOW_LOOPBACK, …). Without SMTP_URL
// it is off and says so in one log line; the operator routes still answer.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CryptoKey } from 'jose';
import type { OriginSyncExtension } from '../extensions.ts';
import { type Logger, silentLogger } from '../log.ts';
import { Receipts } from '../store/receipts.ts';
import { DeliveryLoop, type ReceiptBook } from './delivery-loop.ts';
import { EdgeClient } from './edge-client.ts';
import { EmailSender } from './email.ts';
import { subscriptionRoutes } from './routes.ts';
import { type NotifySettings, notifySettings } from './settings.ts';
import { WebhookSender } from './webhook.ts';

export { type NotifySettings, notifySettings };

export interface NotifyExtensionOptions {
  env?: Record<string, string | undefined>;
  settings?: NotifySettings;
  workerUrl: string;
  privateKey: CryptoKey;
  log?: Logger;
  /** Receipts reported longer ago than this are forgotten (default 7 days). */
  receiptRetentionMs?: number;
}

export function createNotifyExtension(opts: NotifyExtensionOptions): OriginSyncExtension {
  const settings = opts.settings ?? notifySettings(opts.env ?? process.env);
  const log = opts.log ?? silentLogger;
  const edge = new EdgeClient({ workerUrl: opts.workerUrl, privateKey: opts.privateKey });
  const consumer = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const retentionMs = opts.receiptRetentionMs ?? 7 * 86_400_000;
  let loop: DeliveryLoop | null = null;
  let email: EmailSender | null = null;
  let webhook: WebhookSender | null = null;

  return {
    name: 'notify',
    start(_directory, _trace, storage) {
      if (!settings.smtp) {
        log.info(`notifier off (${settings.off}): notifications wait at the edge`);
        return;
      }
      const receipts = new Receipts(storage.db);
      const book: ReceiptBook = {
        get: (id) => receipts.get(id),
        record: (r) => storage.commit(() => receipts.record(r)),
        markReported: (ids, at) => storage.commit(() => receipts.markReported(ids, at)),
        unreported: (limit) => receipts.unreported(limit),
        prune: (now) => storage.commit(() => receipts.prune(now - retentionMs)),
      };
      email = new EmailSender({
        url: settings.smtp.url,
        from: settings.smtp.from,
        maxConnections: settings.smtpMaxConnections,
        maxMessages: settings.smtpMaxMessages,
        ratePerS: settings.smtpRatePerS,
        timeoutMs: settings.smtpTimeoutMs,
      });
      webhook = new WebhookSender({
        allowLoopback: settings.allowLoopback,
        timeoutMs: settings.webhookTimeoutMs,
        maxSockets: settings.concurrency,
      });
      const mail = email;
      const hooks = webhook;
      loop = new DeliveryLoop({
        edge,
        receipts: book,
        consumer,
        concurrency: settings.concurrency,
        pollMs: settings.pollMs,
        leaseMs: settings.leaseMs,
        send: (d, signal) =>
          d.channel === 'email' ? mail.send(d.email) : hooks.send(d.webhook, signal),
        log,
      });
      const relay = new URL(settings.smtp.url);
      log.info('notifier on', {
        smtp: `${relay.protocol}//${relay.hostname}:${relay.port || (relay.protocol === 'smtps:' ? 465 : 587)}`,
        concurrency: settings.concurrency,
        smtpRatePerS: settings.smtpRatePerS || 'unlimited',
        webhooks: settings.allowLoopback ? 'development (loopback allowed)' : 'production',
        consumer,
      });
      loop.start();
    },
    applied() {
      loop?.kick();
    },
    routes(app) {
      subscriptionRoutes(app, edge, log);
    },
    health() {
      if (!loop) return { state: 'off', reason: settings.off };
      return { ...loop.health() };
    },
    async stop() {
      const running = loop;
      loop = null;
      await running?.stop();
      edge.abort();
      await email?.close();
      webhook?.close();
    },
  };
}
