// The HTTP shell the test stand-ins share: collect the request's body, hand it to the
// stand-in's handler, answer what it returns as JSON. The stand-ins keep only what they model.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './close-server.ts';

export interface StandInRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text ('' for none). */
  body: string;
  /** The bearer token of the Authorization header ('' for none). */
  token: string;
}

export interface StandInAnswer {
  status: number;
  body: unknown;
}

export interface StandInServer {
  url: string;
  close(): Promise<void>;
}

/** Answers `{ status, body }` as JSON: a helper for handlers. */
export const answer = (status: number, body: unknown): StandInAnswer => ({ status, body });

export async function startJsonStandIn(
  handle: (req: StandInRequest) => StandInAnswer | Promise<StandInAnswer>,
): Promise<StandInServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const out = await handle({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        token: (req.headers.authorization ?? '').replace(/^Bearer /, ''),
      });
      res.writeHead(out.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closeServer(server),
  };
}
