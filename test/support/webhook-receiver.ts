// A real webhook endpoint (node:http) for the notifier's tests and bench: keeps every request
// (raw body, headers, whether its X-Signature verifies against the secret it is told), and
// answers with a status it can be told to change.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSignatureHeader, verifySignature } from '../../origin-sync/http/signature.ts';
import { closeServer } from './close-server.ts';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether X-Signature verifies with the secret registered for this path (null: none known). */
  signed: boolean | null;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  hooks: ReceivedHook[];
  /** Answer this status (default 200); per path overrides it. */
  status: number;
  statusFor: Map<string, number>;
  /** Secrets to verify signatures with, per path. */
  secrets: Map<string, string>;
  count: number;
  firstAt: number | null;
  lastAt: number | null;
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  opts: { keep?: boolean } = {},
): Promise<WebhookReceiver> {
  const keep = opts.keep ?? true;
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    hooks: [],
    status: 200,
    statusFor: new Map(),
    secrets: new Map(),
    count: 0,
    firstAt: null,
    lastAt: null,
    close: () => closeServer(server),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const path = req.url ?? '/';
      const raw = Buffer.concat(chunks);
      const status = receiver.statusFor.get(path) ?? receiver.status;
      if (status >= 200 && status < 300) {
        receiver.count++;
        receiver.firstAt ??= at;
        receiver.lastAt = at;
      }
      if (keep) {
        const secret = receiver.secrets.get(path);
        const parsed = parseSignatureHeader(req.headers['x-signature'] as string | undefined);
        receiver.hooks.push({
          path,
          headers: req.headers,
          body: raw.toString('utf8'),
          signed:
            secret === undefined
              ? null
              : parsed !== null && verifySignature(secret, parsed, raw).ok,
          at,
        });
      }
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}`;
  return receiver;
}
