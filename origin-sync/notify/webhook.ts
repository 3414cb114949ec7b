// Sends one webhook delivery: POST the contract's body exactly, signed as docs/contract.md §1
// and §5 say (X-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>). 2xx is
// delivered; anything else, a redirect included (none is followed), is retried.
//
// Where it may go: the name is resolved once, every address it has is checked
// (address-policy.ts), and the connection is made to the checked address (the request's
// `lookup` answers with it), so a name that resolves elsewhere between the check and the
// connect (DNS rebinding) cannot reach a private address. A refused target is
// `failed_permanently`: it will not become acceptable by trying again, and its contact is told.
import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { WebhookMessage } from '../../worker/sync/deliveries-contract.ts';
import { signatureHeader } from '../http/signature.ts';
import { errorMessage } from '../log.ts';
import { checkAddress, isLoopback } from './address-policy.ts';
import { type SendResult, scrub } from './outcome.ts';

export interface WebhookSenderOptions {
  /** Development: loopback targets, and http:// to them. */
  allowLoopback: boolean;
  timeoutMs: number;
  /** Connections kept per target. */
  maxSockets: number;
  /** Resolves a host name to every address it has (tests stand in a resolver). */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
  now?: () => number;
}

const MAX_ANSWER_BYTES = 64 * 1024;

export class WebhookSender {
  readonly #o: Required<WebhookSenderOptions>;
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;

  constructor(options: WebhookSenderOptions) {
    this.#o = {
      resolve: (hostname) => dnsLookup(hostname, { all: true, verbatim: true }),
      now: Date.now,
      ...options,
    };
    // Keep-alive sockets are keyed by host and port: one reused later was connected to an
    // address checked when it was opened.
    const agent = { keepAlive: true, maxSockets: options.maxSockets, timeout: options.timeoutMs };
    this.#http = new HttpAgent(agent);
    this.#https = new HttpsAgent(agent);
  }

  async send(msg: WebhookMessage, signal?: AbortSignal): Promise<SendResult> {
    let url: URL;
    try {
      url = new URL(msg.url);
    } catch {
      return { outcome: 'failed_permanently', error: 'webhook URL does not parse' };
    }
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const secrets = [hostname, msg.url];
    let addresses: { address: string; family: number }[];
    try {
      addresses =
        isIP(hostname) !== 0
          ? [{ address: hostname, family: isIP(hostname) }]
          : await this.#o.resolve(hostname);
    } catch (err) {
      // Unresolvable now may resolve later (DNS outage, a record being fixed): retry.
      return {
        outcome: 'retry',
        error: `webhook host did not resolve: ${scrub(errorMessage(err), secrets)}`,
      };
    }
    if (addresses.length === 0) return { outcome: 'retry', error: 'webhook host has no address' };
    for (const a of addresses) {
      const verdict = checkAddress(a.address, { allowLoopback: this.#o.allowLoopback });
      if (!verdict.ok) {
        return {
          outcome: 'failed_permanently',
          error: `webhook target refused: ${verdict.reason}`,
        };
      }
    }
    const target = addresses[0] as { address: string; family: number };
    if (url.protocol !== 'https:' && !(this.#o.allowLoopback && isLoopback(target.address))) {
      return {
        outcome: 'failed_permanently',
        error: 'webhook target refused: only https:// is sent to',
      };
    }

    const pinned: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) {
        (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
      } else callback(null, target.address, target.family);
    };
    const t = Math.floor(this.#o.now() / 1000);
    const body = Buffer.from(msg.body, 'utf8');
    const https = url.protocol === 'https:';
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = (https ? httpsRequest : httpRequest)(
          {
            protocol: url.protocol,
            hostname,
            port: url.port || (https ? 443 : 80),
            path: `${url.pathname}${url.search}`,
            method: 'POST',
            agent: https ? this.#https : this.#http,
            lookup: pinned,
            ...(https && isIP(hostname) === 0 ? { servername: hostname } : {}),
            headers: {
              'Content-Type': 'application/json',
              'Content-Length': String(body.length),
              'User-Agent': 'edge-status-pages-webhooks/1',
              'X-Signature': signatureHeader(msg.secret, body, t),
            },
            timeout: this.#o.timeoutMs,
            ...(signal ? { signal } : {}),
          },
          resolve,
        );
        req.once('timeout', () =>
          req.destroy(new Error(`no answer within ${this.#o.timeoutMs} ms`)),
        );
        req.once('error', reject);
        req.end(body);
      });
      // The answer's body is not ours to keep; read a little so the socket can be reused.
      let read = 0;
      for await (const chunk of res) {
        read += (chunk as Buffer).length;
        if (read > MAX_ANSWER_BYTES) {
          res.destroy();
          break;
        }
      }
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return { outcome: 'delivered', status };
      return { outcome: 'retry', status, error: `webhook answered ${status}` };
    } catch (err) {
      return {
        outcome: 'retry',
        error: `webhook not reached: ${scrub(errorMessage(err), secrets)}`,
      };
    }
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}
