// origin-sync at scale: pages and services with 90 days of uptime each, all sent through the
// core API; origin-sync's peak RSS while taking them and after a restart, and after a SIGKILL
// how long until it accepts events again, with the state kept. The state is built once per
// size under .data/bench-scale-<pages>x<services> and reused by later runs. The size is
// SCALE_PAGES=10000 SCALE_SERVICES=100000 (9 M uptime rows); the default is smaller so a run
// fits a shared machine. Run standalone with `node bench/origin-sync-scale.ts`.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Health } from '../origin-sync/service.ts';
import { type OriginSyncProcess, startSystem } from '../scripts/lib/system.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import { pageEvent, serviceEvent, uptimeEvent } from '../test/support/events.ts';
import type { CoreEvent } from '../worker/domain/schema.ts';
import { acknowledgingEdge, BENCH_SECRET, post } from './lib/origin-sync-bench.ts';
import type { SectionRow } from './lib/rows.ts';

const PAGES = Number(process.env.SCALE_PAGES ?? 1_000);
const SERVICES = Number(process.env.SCALE_SERVICES ?? 2_000);
const DAYS = 90;
const SENDERS = 8;
const AT = Date.now();
const MIB = 1024 * 1024;

/** CPU time (user + system) a process has used, ms: a restart's cost whatever the machine's load. */
async function cpuMs(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function peakRss(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

function day(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

function* batches(): Generator<CoreEvent[]> {
  const perPage = Math.max(1, Math.ceil(SERVICES / PAGES));
  let batch: CoreEvent[] = [];
  const push = function* (e: CoreEvent) {
    batch.push(e);
    if (batch.length === 500) {
      yield batch;
      batch = [];
    }
  };
  for (let p = 0; p < PAGES; p++) {
    const serviceIds = Array.from(
      { length: perPage },
      (_, i) => `sc_${(p * perPage + i) % SERVICES}`,
    );
    const hostnames = [`sc${p}.bench.example`];
    yield* push(pageEvent({ id: `sc_${p}`, name: `Scale ${p}`, hostnames, serviceIds }, 1, AT));
  }
  for (let s = 0; s < SERVICES; s++) {
    yield* push(serviceEvent({ id: `sc_${s}`, name: `Service ${s}` }, 1, AT));
    for (let d = 1; d <= DAYS; d++) {
      const seconds = { partialOutageSeconds: s % 7, majorOutageSeconds: 0 };
      yield* push(uptimeEvent(`sc_${s}`, day(d), 1, seconds, AT));
    }
  }
  if (batch.length > 0) yield batch;
}

export async function originSyncScale(): Promise<SectionRow[]> {
  const stateDir = resolve(import.meta.dirname, '..', '.data', `bench-scale-${PAGES}x${SERVICES}`);
  const built = existsSync(join(stateDir, 'origin-sync', 'origin-sync.db'));
  await mkdir(stateDir, { recursive: true });
  const edge = await acknowledgingEdge();
  const system = await startSystem({
    stateDir,
    worker: false,
    originSync: { workerUrl: edge.url, env: { LOG_LEVEL: 'warn' }, startTimeoutMs: 120_000 },
    secret: BENCH_SECRET,
  });
  const health = async (o: OriginSyncProcess) =>
    (await (await fetch(`${o.url}/healthz`)).json()) as Health;
  let origin = system.originSync;
  try {
    let buildRate: number | null = null;
    if (!built) {
      const started = performance.now();
      let sent = 0;
      const source = batches();
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          for (let next = source.next(); !next.done; next = source.next()) {
            for (;;) {
              const status = await post(origin.url, JSON.stringify({ events: next.value }));
              if (status === 202) break;
              await new Promise((r) => setTimeout(r, 100));
            }
            sent += next.value.length;
          }
        }),
      );
      buildRate = sent / ((performance.now() - started) / 1000);
    }
    const rssBuild = await peakRss(origin.child.pid);
    const before = await health(origin);

    await system.killOriginSync();
    const restarted = performance.now();
    origin = await system.startOriginSync();
    const probe = serviceEvent({ id: 'sc_probe', name: 'Probe' }, Date.now());
    const accepted = async () =>
      (await post(origin.url, JSON.stringify({ events: [probe] }))) === 202;
    await waitFor(accepted, { intervalMs: 10, timeoutMs: 120_000, what: 'an event accepted' });
    const restartMs = performance.now() - restarted;
    const restartCpuMs = await cpuMs(origin.child.pid);
    const after = await health(origin);
    const rssRestart = await peakRss(origin.child.pid);
    const kept = after.catalogue.entities >= before.catalogue.entities;
    const size = `${PAGES.toLocaleString('en-US')} pages, ${SERVICES.toLocaleString('en-US')} services × ${DAYS} days`;
    return [
      {
        name: `peak RSS while taking ${size} through the core API`,
        value: Math.round(rssBuild / MIB),
        unit: 'MiB',
        target: '≤ 400 MiB',
        met: rssBuild <= 400 * MIB,
        note: built
          ? 'state reused from an earlier run: RSS of serving it'
          : `built at ${Math.round(buildRate ?? 0)} events/s`,
      },
      {
        name: `after SIGKILL: from start until it accepts events (${size})`,
        value: Math.round(restartMs),
        unit: 'ms',
        target: '≤ 2,000 ms',
        met: restartMs <= 2_000,
        note: `${after.catalogue.entities.toLocaleString('en-US')} entities ${kept ? 'kept' : 'NOT kept'}; includes Node's start; ${Math.round(restartCpuMs)} ms of CPU (load ${loadavg()[0]?.toFixed(1)})`,
      },
      {
        name: `peak RSS after the restart (${size})`,
        value: Math.round(rssRestart / MIB),
        unit: 'MiB',
        target: '≤ 400 MiB',
        met: rssRestart <= 400 * MIB,
      },
    ];
  } finally {
    await system.stop();
    await edge.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await originSyncScale()) console.log(JSON.stringify(row));
}
