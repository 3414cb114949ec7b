// Freshness: how long from the core's POST /v1/events until a visitor of the page reads the
// new HTML. The whole real path: origin-sync (child process, fsync'd journal) → /_sync →
// the page's Durable Object (coalescing, render, KV) → the worker serving the page, polled as
// a visitor would every 10 ms. Each change comes after a quiet period (no render for more than
// 2 s), as an incident usually does: it renders at once (the leading edge). Run standalone with
// `node bench/freshness.ts`, or from bench/run.ts.
import { pathToFileURL } from 'node:url';
import { postCoreEvents, sendAllCoreEvents } from '../scripts/lib/core-client.ts';
import { DEMO_HOST, DEMO_SERVICES, demoEvents } from '../scripts/lib/demo-events.ts';
import { startSystem } from '../scripts/lib/system.ts';
import { waitFor } from '../scripts/lib/wait.ts';
import type { Service } from '../worker/domain/schema.ts';
import type { SectionRow } from './lib/rows.ts';

const SAMPLES = Number(process.env.FRESHNESS_SAMPLES ?? 24);
/** Longer than the coordinator's quiet period (2 s): every change is on the leading edge. */
const QUIET_MS = 2300;
const POLL_MS = 10;
const TIMEOUT_MS = 30_000;
const SECRET = 'bench-freshness-secret';
const DEMO_PAGE_ID = 'page_demo';
/** The path, stage by stage (wall clock of this process and the worker's, one machine). */
const STAGES = [
  'POST → 202 (origin-sync journaled)',
  '202 → batch stored by the coordinator (push, /_sync, apply)',
  'stored → render starts',
  'render starts → documents rendered',
  'rendered → own location serves it',
  'shown → HTML read by the poller',
  '(beside) render starts → pointer in KV',
];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export async function freshness(): Promise<SectionRow[]> {
  const system = await startSystem({ secret: SECRET, originSync: { env: { LOG_LEVEL: 'warn' } } });
  const { core, worker, originSync: origin } = system;
  const page = `http://${DEMO_HOST}/`;
  /** The longest single poll since this was last reset: a poll held while the coordinator
   * publishes shows here (it did, under Miniflare's KV writes). */
  let longestPoll = 0;
  const read = async () => {
    const t0 = performance.now();
    const res = await worker.visit(page);
    const text = res.status === 200 ? await res.text() : '';
    longestPoll = Math.max(longestPoll, performance.now() - t0);
    return text;
  };
  /** When the text was first read on the page, polled as a visitor would. */
  const waitForText = async (text: string): Promise<number> => {
    await waitFor(async () => (await read()).includes(text), {
      timeoutMs: TIMEOUT_MS,
      intervalMs: POLL_MS,
      what: `"${text}" on the page`,
    });
    return performance.now();
  };
  try {
    const now = new Date();
    await sendAllCoreEvents(core, demoEvents({ now }));
    await waitForText('Acme Cloud');
    // The first change too comes after a quiet period (the demo's own render just happened).
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const api = DEMO_SERVICES[0] as Service;
    const base = Math.floor(now.getTime() / 1000) + 1;
    const latencies: number[] = [];
    /** From the explorer: received by origin-sync → stored by the page's coordinator. */
    const stored: number[] = [];
    /** Per stage, ms from the previous stage's end (see STAGES). */
    const stages = new Map<string, number[]>(STAGES.map((s) => [s, []]));
    const polls: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const marker = `${api.name} #${i}`;
      const started = performance.now();
      const postedAt = Date.now();
      const res = await postCoreEvents(core, [
        {
          id: `fresh:${i}`,
          type: 'service.upserted',
          occurredAt: new Date().toISOString(),
          version: base + i,
          data: { ...api, name: marker },
        },
      ]);
      if (res.status !== 202) throw new Error(`origin-sync answered ${res.status}`);
      const acceptedAt = Date.now();
      longestPoll = 0;
      latencies.push((await waitForText(marker)) - started);
      polls.push(longestPoll);
      const readAt = Date.now();
      const trace = (await (
        await fetch(`${origin.url}/v1/events/fresh:${i}`, {
          headers: { Authorization: `Bearer ${origin.operatorToken}` },
        })
      ).json()) as {
        receivedAt: string;
        steps: { step: string; at: string }[];
      };
      const stepAt = (name: string) => {
        const step = trace.steps.find((s) => s.step === name);
        return step ? Date.parse(step.at) : null;
      };
      const applied = stepAt('applied');
      if (applied !== null) stored.push(applied - Date.parse(trace.receivedAt));
      // The page may be read before its publish has finished writing KV: wait for the end.
      const publish = await waitFor(
        async () => {
          const stages = (await worker.coordinatorStatus(DEMO_PAGE_ID)).lastPublish?.stages;
          return stages && (stages.changedAt ?? 0) >= postedAt ? stages : null;
        },
        { timeoutMs: TIMEOUT_MS, intervalMs: 20, what: `the publish of change ${i}` },
      ).catch(() => null);
      if (publish) {
        const marks: [string, number | null][] = [
          ['POST → 202 (origin-sync journaled)', acceptedAt],
          ['202 → batch stored by the coordinator (push, /_sync, apply)', publish.changedAt],
          ['stored → render starts', publish.startedAt],
          ['render starts → documents rendered', publish.renderedAt],
          ['rendered → own location serves it', publish.shownAt],
          ['shown → HTML read by the poller', readAt],
        ];
        let previous = postedAt;
        for (const [stage, at] of marks) {
          if (at === null) continue;
          stages.get(stage)?.push(at - previous);
          previous = at;
        }
        if (publish.pointerInKvAt !== null)
          stages
            .get('(beside) render starts → pointer in KV')
            ?.push(publish.pointerInKvAt - publish.startedAt);
      }
      // A quiet period before the next change, and a random phase against the pointer's second.
      await new Promise((r) => setTimeout(r, QUIET_MS + Math.random() * 500));
    }
    latencies.sort((a, b) => a - b);
    const p50 = quantile(latencies, 0.5);
    const p95 = quantile(latencies, 0.95);
    const note = `${SAMPLES} single-event changes to the public demo page, each after ${QUIET_MS / 1000} s without a render; page polled every ${POLL_MS} ms`;
    return [
      {
        name: 'core POST → new HTML readable after a quiet period, p50',
        value: Math.round(p50),
        unit: 'ms',
        target: '≤ 100 ms',
        met: p50 <= 100,
        note,
      },
      {
        name: 'core POST → new HTML readable after a quiet period, p95',
        value: Math.round(p95),
        unit: 'ms',
        target: '≤ 200 ms',
        met: p95 <= 200,
        note,
      },
      {
        name: 'of which origin-sync → coordinator stored it (explorer: received → applied), p50',
        value: Math.round(
          quantile(
            stored.sort((a, b) => a - b),
            0.5,
          ),
        ),
        unit: 'ms',
        note: 'the rest is the coordinator coalescing, rendering and KV/cache',
      },
      ...STAGES.map((stage) => ({
        name: `stage: ${stage}, p50`,
        value: Math.round(
          quantile(
            (stages.get(stage) ?? []).sort((a, b) => a - b),
            0.5,
          ),
        ),
        unit: 'ms',
        note: `p95 ${Math.round(
          quantile(
            (stages.get(stage) ?? []).sort((a, b) => a - b),
            0.95,
          ),
        )} ms`,
      })),
      {
        name: 'longest single poll of a change, p50',
        value: Math.round(
          quantile(
            polls.sort((a, b) => a - b),
            0.5,
          ),
        ),
        unit: 'ms',
        note: `p95 ${Math.round(quantile(polls, 0.95))} ms; a poll held while the coordinator publishes shows here`,
      },
      {
        name: 'core POST → new HTML readable, max',
        value: Math.round(latencies.at(-1) ?? Number.NaN),
        unit: 'ms',
      },
    ];
  } finally {
    await system.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await freshness()) console.log(JSON.stringify(row));
}
