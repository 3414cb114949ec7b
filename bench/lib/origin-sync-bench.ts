// What the origin-sync benches share: a stand-in edge that acknowledges every push at once
// (so figures are origin-sync's, not the worker's) and a signed POST of a core batch.
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
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

// The senders stand in for a core on other machines, so what they cost here is an artifact of
// measuring on one: node:http with keep-alive, not fetch (a quarter of its CPU per request).
// An idle socket is dropped after 4 s, before the server's 5 s keep-alive timeout closes it:
// after a burst, the open-loop sender reused such a socket just as the server closed it, and
// the run died of ECONNRESET (2 of ~25 open-loop runs on 2026-12-04; none in 12 since).
const senderAgent = new Agent({ keepAlive: true, timeout: 4_000 });

/** POSTs a signed core batch to origin-sync's /v1/events; resolves with the status. */
export function post(url: string, body: string): Promise<number> {
  const bytes = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/events`,
      {
        method: 'POST',
        agent: senderAgent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(bytes.byteLength),
          [SIGNATURE_HEADER]: signatureHeader(BENCH_SECRET, bytes),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

/**
 * CPU time (user + system, ms) the origin-sync processes this bench started have used so far
 * (Linux /proc; null elsewhere). Wall-clock figures swing with whatever else the machine
 * runs; CPU per event says what origin-sync itself costs.
 */
export function originSyncCpuMs(): number | null {
  try {
    let total = 0;
    let found = false;
    for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
      const children = readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8');
      for (const pid of children.split(/\s+/).filter(Boolean)) {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('origin-sync/main.ts')) continue;
        // Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
        found = true;
      }
    }
    return found ? total : null;
  } catch {
    return null;
  }
}

/**
 * The same CPU time per thread of those processes (tid → ms): with the database on its own
 * thread (origin-sync/store/db-thread.ts) the busiest thread, not the process, is what bounds
 * the rate on a 2-core machine. Empty off Linux.
 */
export function originSyncThreadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
      const children = readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8');
      for (const pid of children.split(/\s+/).filter(Boolean)) {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('origin-sync/main.ts')) continue;
        for (const task of readdirSync(`/proc/${pid}/task`)) {
          const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          out.set(`${pid}/${task}`, (Number(fields[11]) + Number(fields[12])) * 10);
        }
      }
    }
  } catch {
    // A thread that ended between the listing and the read: what was read stands.
  }
  return out;
}
