// The pusher's and the render confirmer's one request to the edge (origin-sync/push/edge-request.ts):
// node:http with keep-alive in place of fetch; what they rely on is checked against a real server.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeRequest, MAX_ANSWER_CHARS } from '../../origin-sync/push/edge-request.ts';

let server: Server;
let base: string;
const seen: { method?: string; headers: IncomingMessage['headers']; body: string; port: number }[] =
  [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        port: req.socket.remotePort ?? 0,
      });
      if (req.url === '/slow') return; // never answers: the caller's signal must end it
      if (req.url === '/huge') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const mib = Buffer.alloc(1024 * 1024, 'a');
        for (let i = 0; i < 6; i++) res.write(mib);
        res.end();
        return;
      }
      if (req.url === '/cut') {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('{"half":');
        setTimeout(() => res.destroy(), 20);
        return;
      }
      // Multi-byte characters split across chunks must come back whole.
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'application/json' });
      res.write(Buffer.from('{"écho":"').subarray(0, 3));
      res.end(Buffer.concat([Buffer.from('{"écho":"').subarray(3), Buffer.from('✓"}')]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const signal = () => AbortSignal.timeout(5_000);

describe('edgeRequest', () => {
  it('refuses an answer far larger than any worker sends, without keeping it', async () => {
    await expect(
      edgeRequest(new URL('/huge', base), { method: 'GET', headers: {}, signal: signal() }),
    ).rejects.toThrow(`passed ${MAX_ANSWER_CHARS} characters`);
  });

  it('POSTs the bytes with their length and returns the status and the whole answer', async () => {
    seen.length = 0;
    const body = Buffer.from('{"pageId":"p","events":["ü"]}');
    const answer = await edgeRequest(new URL('/_sync/pages/p', base), {
      method: 'POST',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body,
      signal: signal(),
    });
    expect(answer).toEqual({ status: 200, text: '{"écho":"✓"}' });
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.body).toBe(body.toString());
    expect(seen[0]?.headers['content-length']).toBe(String(body.byteLength));
    expect(seen[0]?.headers.authorization).toBe('Bearer t');
  });

  it('keeps the connection for the next request', async () => {
    seen.length = 0;
    const get = () =>
      edgeRequest(new URL('/x', base), { method: 'GET', headers: {}, signal: signal() });
    await get();
    await get();
    expect(seen).toHaveLength(2);
    expect(seen[1]?.port).toBe(seen[0]?.port);
  });

  it('answers any status as it is, without throwing', async () => {
    const answer = await edgeRequest(new URL('/missing', base), {
      method: 'GET',
      headers: {},
      signal: signal(),
    });
    expect(answer.status).toBe(404);
  });

  it('rejects when the signal aborts, when the answer is cut off, and when nobody listens', async () => {
    await expect(
      edgeRequest(new URL('/slow', base), {
        method: 'GET',
        headers: {},
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow();
    await expect(
      edgeRequest(new URL('/cut', base), { method: 'GET', headers: {}, signal: signal() }),
    ).rejects.toThrow();
    await expect(
      edgeRequest(new URL('http://127.0.0.1:9/'), { method: 'GET', headers: {}, signal: signal() }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
