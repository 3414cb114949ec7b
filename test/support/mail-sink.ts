// A real SMTP server (smtp-server) that keeps what it is sent, parsed by an independent mail
// parser (mailparser), for the notifier's tests and the notifications bench. It can be told to
// answer a recipient with a given reply (a bounce, a temporary failure).
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  to: string[];
  from: string;
  raw: Buffer;
  parsed: ParsedMail;
  at: number;
}

export interface MailSink {
  port: number;
  url: string;
  mails: ReceivedMail[];
  /** Messages accepted (counted as the DATA is accepted, parsed or not). */
  accepted: number;
  firstAt: number | null;
  lastAt: number | null;
  /** Answer RCPT TO for this address with this code and text (e.g. 550). */
  reject: Map<string, { code: number; text: string }>;
  close(): Promise<void>;
}

export async function startMailSink(
  opts: {
    parse?: boolean;
    port?: number;
    /** Called with every accepted message, parsed or not (a bench that keeps nothing). */
    onAccepted?: (raw: Buffer, to: string[], at: number) => void;
  } = {},
): Promise<MailSink> {
  const parse = opts.parse ?? true;
  const sink: MailSink = {
    port: 0,
    url: '',
    mails: [],
    accepted: 0,
    firstAt: null,
    lastAt: null,
    reject: new Map(),
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    maxClients: 256,
    onRcptTo(address, _session, callback) {
      const r = sink.reject.get(address.address);
      if (!r) return callback();
      const err = new Error(r.text) as Error & { responseCode: number };
      err.responseCode = r.code;
      return callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const at = Date.now();
        sink.accepted++;
        sink.firstAt ??= at;
        sink.lastAt = at;
        const raw = Buffer.concat(chunks);
        opts.onAccepted?.(
          raw,
          session.envelope.rcptTo.map((a) => a.address),
          at,
        );
        if (parse) {
          const parsed = await simpleParser(raw);
          sink.mails.push({
            to: session.envelope.rcptTo.map((a) => a.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            raw,
            parsed,
            at,
          });
        }
        callback();
      });
    },
  });
  // smtp-server emits a client's broken connection as an 'error' on the server, which with no
  // listener would throw in the test process: a SIGKILLed origin-sync resets its sessions.
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') console.error('mail sink:', err);
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', () => r()));
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  sink.port = address.port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  return sink;
}
