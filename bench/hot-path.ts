// Hot path: a cached public page through the whole worker (hostname → access → cached
// variant, one KV read) against a constant-response worker on the same runtime sending the
// same bytes, and nginx sending them from a file as the machine's ceiling.
import {
  DEMO_URL,
  type DemoWorker,
  startCacheReadWorker,
  startConstantWorker,
  startKvReadWorker,
} from './lib/demo-worker.ts';
import { ensureNginx, type StaticServer, startNginx } from './lib/nginx.ts';
import { type BenchRow, pendingRow } from './lib/rows.ts';
import { ensureWrk, type LoadResult, wrkLoad } from './lib/wrk.ts';

// Load knobs (their shape matches any block of constants, e.g. page-coordinator.ts's).
const ROUNDS = 3;
const SECONDS = 5;
const WARMUP_SECONDS = 2;
const CONNECTIONS = 8;
const AREA = 'hot path';

const HOP_BY_HOP = new Set([
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

interface Target {
  name: string;
  url: string;
  host?: string;
  runs: LoadResult[];
}

function median(results: readonly LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function hotPath(demo: DemoWorker): Promise<BenchRow[]> {
  const wrk = ensureWrk();
  if (!wrk) {
    return [
      pendingRow(
        AREA,
        'req/s',
        'wrk is not installed and cannot be (not root): apt-get install wrk',
      ),
    ];
  }
  const page = await demo.worker.visit(DEMO_URL);
  const body = await page.text();
  const headers: Record<string, string> = {};
  page.headers.forEach((v, k) => {
    if (!HOP_BY_HOP.has(k)) headers[k] = v;
  });

  const servers: { stop(): Promise<void> }[] = [];
  const rows: BenchRow[] = [];
  try {
    const constant = await startConstantWorker(body, headers);
    servers.push(constant);
    const kvRead = await startKvReadWorker(body, headers);
    servers.push(kvRead);
    const cacheRead = await startCacheReadWorker(body, headers);
    servers.push(cacheRead);
    const targets: Target[] = [
      { name: 'worker', url: demo.worker.url.href, host: new URL(DEMO_URL).host, runs: [] },
      { name: 'constant', url: constant.url.href, runs: [] },
      { name: 'kv read', url: kvRead.url.href, runs: [] },
      { name: 'cache read', url: cacheRead.url.href, runs: [] },
    ];
    const nginx = ensureNginx();
    let nginxNote = '';
    if (nginx) {
      try {
        const server: StaticServer = await startNginx(nginx, body);
        servers.push(server);
        targets.push({ name: 'nginx', url: server.url, runs: [] });
      } catch (e) {
        nginxNote = `nginx did not start: ${(e as Error).message.split('\n')[0]}`;
      }
    } else {
      nginxNote = 'nginx is not installed and cannot be (not root): no ceiling row';
    }

    for (const t of targets) {
      await wrkLoad(wrk, t.url, {
        host: t.host,
        seconds: WARMUP_SECONDS,
        connections: CONNECTIONS,
      });
    }
    // Interleaved rounds, so that noise from other work on the machine hits every target alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        t.runs.push(
          await wrkLoad(wrk, t.url, { host: t.host, seconds: SECONDS, connections: CONNECTIONS }),
        );
      }
    }

    const [worker, base, kv, cache, ceiling] = targets.map((t) => median(t.runs));
    const how = `wrk, 1 thread, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved ${SECONDS} s rounds; ${body.length.toLocaleString('en-US')} B page`;
    rows.push(
      {
        area: AREA,
        name: 'req/s, cached public page through the whole worker',
        value: worker!.rps,
        unit: 'req/s',
        baseline: base!.rps,
        baselineName: 'constant-response worker',
        ratio: worker!.rps / base!.rps,
        target: 'ratio ≥ 0.8',
        met: worker!.rps / base!.rps >= 0.8,
        note: `Miniflare (workerd) for both; ${how}. Demo page ${demo.loadedBy}.`,
      },
      {
        area: AREA,
        name: 'req/s, whole worker against a worker doing one storage read per view',
        value: worker!.rps,
        unit: 'req/s',
        baseline: cache!.rps,
        baselineName: 'worker doing only a Cache API match',
        ratio: worker!.rps / cache!.rps,
        note: `The steady state of the read path is an L0 hit (the isolate's memory, keyed by render version): no storage operation per view. A worker doing nothing but one Cache API match reaches ${(cache!.rps / base!.rps).toFixed(2)} of the constant one, and one doing only a KV read ${(kv!.rps / base!.rps).toFixed(2)} (${Math.round(kv!.rps).toLocaleString('en-US')} req/s): on this runtime both are local storage services (other workers in workerd, over SQLite and files) that every read calls, so a read per view could not reach the 0.8 target.`,
      },
      {
        area: AREA,
        name: 'p50 latency',
        value: worker!.p50Ms,
        unit: 'ms',
        baseline: base!.p50Ms,
        baselineName: 'constant-response worker',
        ratio: worker!.p50Ms / base!.p50Ms,
      },
      {
        area: AREA,
        name: 'p99 latency',
        value: worker!.p99Ms,
        unit: 'ms',
        baseline: base!.p99Ms,
        baselineName: 'constant-response worker',
        ratio: worker!.p99Ms / base!.p99Ms,
      },
    );
    if (ceiling) {
      rows.push({
        area: AREA,
        name: 'req/s, whole worker against the machine ceiling',
        value: worker!.rps,
        unit: 'req/s',
        baseline: ceiling.rps,
        baselineName: 'nginx, same HTML from a file',
        ratio: worker!.rps / ceiling.rps,
        note: `nginx with 1 worker process (like the one workerd isolate), same ${how.split('; ')[0]}: p50 ${ceiling.p50Ms.toFixed(2)} ms, p99 ${ceiling.p99Ms.toFixed(2)} ms.`,
      });
    } else {
      rows.push(pendingRow(AREA, 'req/s, machine ceiling (nginx)', nginxNote));
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  return rows;
}
