// Sends one email delivery over SMTP with nodemailer's pooled transport: the message the
// worker rendered (subject, text and HTML parts, Message-ID, List-* headers), From the page's
// name at MAIL_FROM. A 5xx reply to the recipient or the message is a permanent bounce
// (`failed_permanently`: the worker quarantines the address); everything else (4xx, a
// connection lost, our own credentials refused) is retried.
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { EmailMessage } from '../../worker/sync/deliveries-contract.ts';
import { errorMessage } from '../log.ts';
import { type SendResult, scrub } from './outcome.ts';

export interface EmailSenderOptions {
  /** smtp:// or smtps://, credentials in the URL (user:password@host:port). */
  url: string;
  /** MAIL_FROM: the envelope sender and From's address. */
  from: string;
  maxConnections: number;
  maxMessages: number;
  /** Messages per second at most over all connections; 0: unlimited. */
  ratePerS: number;
  timeoutMs: number;
}

/** The pool's options from SMTP_URL (exported for its test). */
export function poolOptions(o: EmailSenderOptions): SMTPPool.Options {
  const u = new URL(o.url);
  const secure = u.protocol === 'smtps:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  return {
    pool: true,
    host,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    // Credentials never cross the network in the clear: smtp:// with a login must upgrade
    // with STARTTLS (or the send fails and is retried), except to a relay on this machine.
    ...(!secure && u.username && !loopback ? { requireTLS: true } : {}),
    ...(u.username
      ? {
          auth: {
            user: decodeURIComponent(u.username),
            pass: decodeURIComponent(u.password),
          },
        }
      : {}),
    maxConnections: o.maxConnections,
    maxMessages: o.maxMessages,
    ...(o.ratePerS > 0 ? { rateLimit: o.ratePerS, rateDelta: 1_000 } : {}),
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
    // Never nodemailer's own logging: it would write addresses.
    logger: false,
    debug: false,
  };
}

/** The SMTP reply code at the start of a reply text ("250 2.0.0 Ok"), if any. */
function replyCode(response: string | undefined): number | undefined {
  const m = /^(\d{3})\b/.exec(response ?? '');
  return m ? Number(m[1]) : undefined;
}

export class EmailSender {
  readonly #from: string;
  readonly #transport: Transporter<SMTPPool.SentMessageInfo>;

  constructor(options: EmailSenderOptions) {
    this.#from = options.from;
    this.#transport = nodemailer.createTransport(poolOptions(options));
  }

  async send(msg: EmailMessage): Promise<SendResult> {
    const secrets = [msg.to];
    try {
      const info = await this.#transport.sendMail({
        from: { name: msg.fromName, address: this.#from },
        to: msg.to,
        envelope: { from: this.#from, to: [msg.to] },
        subject: msg.subject,
        text: msg.text,
        html: msg.html,
        messageId: `<${msg.messageId}>`,
        headers: { ...msg.headers, 'Content-Language': msg.language },
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      const status = replyCode(info.response);
      if (info.rejected.length > 0) {
        const code = replyCode(info.rejectedErrors?.[0]?.response) ?? status;
        return bounced(code, 'recipient refused', secrets);
      }
      return { outcome: 'delivered', ...(status !== undefined ? { status } : {}) };
    } catch (err) {
      const e = err as { code?: string; responseCode?: number; response?: string };
      const status = e.responseCode ?? replyCode(e.response);
      // A 5xx about this recipient or this message is the receiver saying "never"; a 5xx to
      // our login or our connection is our configuration, which an operator fixes: retry.
      if ((e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && status !== undefined) {
        return bounced(status, errorMessage(err), secrets);
      }
      return {
        outcome: 'retry',
        ...(status !== undefined ? { status } : {}),
        error: `smtp: ${scrub(errorMessage(err), secrets)}`,
      };
    }
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}

function bounced(status: number | undefined, error: string, secrets: string[]): SendResult {
  const permanent = status !== undefined && status >= 500 && status < 600;
  return {
    outcome: permanent ? 'failed_permanently' : 'retry',
    ...(status !== undefined ? { status } : {}),
    error: `smtp: ${scrub(error, secrets)}`,
  };
}
