// One service shown on 5,000 pages changes: how long until all 5,000 pushes are acknowledged
// by a stand-in edge, and what POST /v1/events p99 unrelated batches see meanwhile. The fan-out
// is rows in the database (outbox + explorer steps, in time linear in pages); pushes run with
// adaptive concurrency. Run standalone with `node bench/origin-sync-fanout.ts`, or from
// bench/run.ts.
import { pathToFileURL } from 'node:url';
import type { Health } from '../origin-sync/service.ts';
import { startSystem } from '../scripts/lib/system.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { pageEvent, serviceEvent } from '../test/support/events.ts';
import type { CoreEvent } from '../worker/domain/schema.ts';
import { acknowledgingEdge, BENCH_SECRET, post } from './lib/origin-sync-bench.ts';
import type { SectionRow } from './lib/rows.ts';

const PAGES = 5_000;
const AT = Date.now();

function page(n: number): CoreEvent {
  const id = `fan_${n}`;
  const hostnames = [`fan${n}.bench.example`];
  return pageEvent({ id, name: `Fan ${n}`, hostnames, serviceIds: ['shared', `own_${n}`] }, 1, AT);
}

function service(id: string, version: number, name: string): CoreEvent {
  return serviceEvent({ id, name }, version, AT);
}

export async function originSyncFanOut(): Promise<SectionRow[]> {
  const edge = await acknowledgingEdge();
  const system = await startSystem({
    worker: false,
    originSync: { workerUrl: edge.url, env: { LOG_LEVEL: 'warn' } },
    secret: BENCH_SECRET,
  });
  const origin = system.originSync;
  const health = async () => (await (await fetch(`${origin.url}/healthz`)).json()) as Health;
  const drained = () =>
    waitFor(
      async () => {
        // /healthz reports the fan-out's backlog as it is (it does not settle it): drained is
        // nothing left to fan out and nothing left to push.
        const h = await health();
        return h.storage.pendingApply === 0 && h.outbox.depth === 0;
      },
      {
        timeoutMs: 600_000,
        // /healthz counts tables; asked every 50 ms it would be a load of its own.
        intervalMs: 100,
        what: 'the outbox to drain',
      },
    );
  try {
    for (let i = 0; i < PAGES; i += 500) {
      const events = Array.from({ length: 500 }, (_, k) => page(i + k));
      const status = await post(origin.url, JSON.stringify({ events }));
      if (status !== 202) throw new Error(`setup refused: ${status}`);
    }
    await drained();
    const pushedBefore = (await health()).push.eventsPushed;

    // Unrelated batches keep coming while the fan-out runs.
    let stop = false;
    const latencies: number[] = [];
    let k = 0;
    const unrelated = (async () => {
      while (!stop) {
        const events = Array.from({ length: 100 }, (_, i) =>
          service(`lonely_${i}`, ++k, `Lonely ${k}`),
        );
        const started = performance.now();
        const status = await post(origin.url, JSON.stringify({ events }));
        if (status === 202) latencies.push(performance.now() - started);
      }
    })();
    const started = performance.now();
    const status = await post(
      origin.url,
      JSON.stringify({ events: [service('shared', 1, 'Shared by all')] }),
    );
    if (status !== 202) throw new Error(`fan-out batch refused: ${status}`);
    const acceptedMs = performance.now() - started;
    await drained();
    const allAckedMs = performance.now() - started;
    stop = true;
    await unrelated;
    const after = await health();
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))] ?? 0;
    return [
      {
        name: `one service on ${PAGES.toLocaleString('en-US')} pages: until every push is acknowledged (stand-in edge)`,
        value: Math.round(allAckedMs),
        unit: 'ms',
        target: '≤ 10,000 ms',
        met: allAckedMs <= 10_000,
        note: `${after.push.eventsPushed - pushedBefore} page deliveries; its own 202 after ${Math.round(acceptedMs)} ms; push concurrency ended at ${after.push.concurrency}`,
      },
      {
        name: 'POST /v1/events p99 for unrelated batches of 100 during that fan-out',
        value: Number(p99.toFixed(1)),
        unit: 'ms',
        target: '≤ 100 ms',
        met: p99 <= 100,
        note: `${latencies.length} batches`,
      },
    ];
  } finally {
    await system.stop();
    await edge.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await originSyncFanOut()) console.log(JSON.stringify(row));
}
