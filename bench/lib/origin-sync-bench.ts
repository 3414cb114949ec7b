// What the origin-sync benches share: a stand-in edge that acknowledges every push at once
// (so figures are origin-sync's, not the worker's) and a signed POST of a core batch.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, signatureHeader } from '../../origin-sync/http/signature.ts';
import type { PageRenderStatus, SyncResult } from '../../worker/sync/contract.ts';

export const BENCH_SECRET = 'bench-secret';

export async function acknowledgingEdge(): Promise<{ url: string; close(): Promise<void> }> {
  let version = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const statusOf = /^\/_sync\/pages\/([^/]+)\/status$/.exec(req.url ?? '');
      if (req.method === 'GET' && statusOf) {
        const status: PageRenderStatus = {
          pageId: decodeURIComponent(statusOf[1] as string),
          publishedVersion: version,
          renderedAt: new Date().toISOString(),
          pending: false,
          failures: 0,
          lastError: null,
        };
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(status));
        return;
      }
      if (req.method === 'POST' && req.url === '/_sync/hostnames') {
        // Hostname claims of page events (origin-sync/hostname-claims.ts): all granted here.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ conflicts: [] }));
        return;
      }
      const batch = JSON.parse(Buffer.concat(chunks).toString()) as {
        pageId: string;
        events: { id: string }[];
      };
      const result: SyncResult = {
        pageId: batch.pageId,
        renderVersion: ++version,
        results: batch.events.map((e) => ({ id: e.id, outcome: 'applied' })),
      };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(result));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => server.close(() => r())) };
}

export async function post(url: string, body: string): Promise<number> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      [SIGNATURE_HEADER]: signatureHeader(BENCH_SECRET, body),
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}
