// Notification delivery through the real system: the worker (workerd via Miniflare, the same
// bundle and starter as the e2e tests) decides, renders and queues; origin-sync (a child
// process) leases, sends and reports. Per channel, a fresh system with the sign-up limits
// raised (SUBSCRIBE_CLIENT_LIMIT, SUBSCRIBE_PAGE_LIMIT; nothing else changed) gets N
// subscribers through the real routes — POST /subscribe, the confirmation email caught by the
// SMTP sink, the POST of its link — then one incident through origin-sync's signed core API,
// and the clock runs from that POST to the first and the last of N messages accepted.
// Peak memory (VmHWM, reset just before the incident) of every process: workerd,
// origin-sync, and this one (SMTP sink and webhook receiver).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { sendAllCoreEvents } from '../scripts/lib/core-client.ts';
import { buildWorker, fetchWithHost, type System, startSystem } from '../scripts/lib/system.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../test/support/events.ts';
import { startMailSink } from '../test/support/mail-sink.ts';
import { startWebhookReceiver } from '../test/support/webhook-receiver.ts';
import type { SectionRow } from './lib/rows.ts';

export type Channel = 'email' | 'webhook';
const TIMEOUT_MS = 20 * 60_000;
const CONCURRENCY = 16;

export interface RealPhase {
  n: number;
  signupMs: number;
  firstMs: number;
  lastMs: number;
  perSecond: number;
  peaks: { process: string; mib: number }[];
}

/** Every descendant process of this one (workerd, origin-sync), by pid. */
function descendants(root = process.pid): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {}
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [pid, ppid] of parentOf) {
      if (ppid === p) {
        out.push(pid);
        walk(pid);
      }
    }
  };
  walk(root);
  return out;
}

function nameOf(pid: number): string {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('origin-sync')) return 'origin-sync';
    return comm;
  } catch {
    return 'gone';
  }
}

function peakMiB(pid: number | 'self'): number {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** Resets VmHWM (Linux clear_refs "5"), so a peak is the delivery's, not the sign-ups'. */
function resetPeak(pid: number | 'self'): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {}
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(
  items: AsyncIterable<T> | T[],
  limit: number,
  work: (t: T) => Promise<void>,
) {
  const running = new Set<Promise<void>>();
  for await (const item of items) {
    const p = work(item).finally(() => running.delete(p));
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
}

const form = (fields: [string, string][]): RequestInit => ({
  method: 'POST',
  headers: {
    'Content-Type': 'application/x-www-form-urlencoded',
    'CF-Connecting-IP': '198.51.100.7',
  },
  body: new URLSearchParams(fields).toString(),
});

async function until(what: string, done: () => boolean, deadline: number) {
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function realPhase(
  channel: Channel,
  n: number,
  bundle: Awaited<ReturnType<typeof buildWorker>>,
): Promise<RealPhase> {
  const host = `bench-${channel}.example.com`;
  const pageId = `bench_${channel}`;
  const deadline = Date.now() + TIMEOUT_MS;
  let measuring = false;
  let confirmLinks: string[] = [];
  let wakeLinks: (() => void) | null = null;
  let confirmMails = 0;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  let count = 0;
  const arrived = (at: number) => {
    count++;
    firstAt ??= at;
    lastAt = at;
  };
  const smtp = await startMailSink({
    parse: false,
    onAccepted: (raw, _to, at) => {
      if (measuring) return arrived(at);
      confirmMails++;
      void simpleParser(raw).then((m) => {
        const link = /https?:\/\/[^\s"<>]+\/subscribe\/confirm\/[^\s"<>]+/.exec(m.text ?? '')?.[0];
        if (link) confirmLinks.push(link);
        wakeLinks?.();
      });
    },
  });
  const hooks = await startWebhookReceiver({ keep: false });
  let system: System | null = null;
  try {
    system = await startSystem({
      bundle,
      worker: {
        bindings: {
          SUBSCRIBE_CLIENT_LIMIT: String(10 * n),
          SUBSCRIBE_PAGE_LIMIT: String(10 * n),
        },
      },
      originSync: {
        env: {
          LOG_LEVEL: 'warn',
          SMTP_URL: smtp.url,
          MAIL_FROM: 'status@example.com',
          WEBHOOK_ALLOW_LOOPBACK: '1',
        },
      },
    });
    const sys = system;
    await sendAllCoreEvents(sys.core, [
      serviceEvent({ id: 'bench_api', name: 'API' }),
      pageEvent({ id: pageId, name: 'Bench Status', hostnames: [host], serviceIds: ['bench_api'] }),
    ]);
    for (;;) {
      if ((await sys.worker.visit(`http://${host}/`)).status === 200) break;
      if (Date.now() > deadline) throw new Error('the page was never served');
      await new Promise((r) => setTimeout(r, 200));
    }

    // Sign-ups and confirmations, pipelined: links are POSTed as their emails arrive.
    const signupStart = Date.now();
    let confirmed = 0;
    const signups = pool(
      Array.from({ length: n }, (_, i) => i),
      CONCURRENCY,
      async (i) => {
        const fields: [string, string][] = [['email', `s${i}@example.com`]];
        if (channel === 'webhook') fields.push(['webhook', `${hooks.url}/hook/${i}`]);
        const res = await fetchWithHost(sys.workerUrl, `http://${host}/subscribe`, form(fields));
        if (res.status !== 303) throw new Error(`sign-up ${i} answered ${res.status}`);
      },
    );
    async function* links(): AsyncIterable<string> {
      let handed = 0;
      while (handed < n) {
        if (confirmLinks.length === 0) {
          if (Date.now() > deadline) throw new Error(`only ${handed} confirmation links came`);
          await new Promise<void>((r) => {
            wakeLinks = r;
            setTimeout(r, 200);
          });
          continue;
        }
        const batch = confirmLinks;
        confirmLinks = [];
        for (const l of batch) {
          handed++;
          yield l;
        }
      }
    }
    const confirms = pool(links(), CONCURRENCY, async (link) => {
      const res = await fetchWithHost(sys.workerUrl, link, form([]));
      if (res.status !== 200) throw new Error(`confirm answered ${res.status}`);
      await res.arrayBuffer();
      confirmed++;
    });
    await Promise.all([signups, confirms]);
    const signupMs = Date.now() - signupStart;
    if (confirmed !== n || confirmMails !== n) {
      throw new Error(`${confirmed} confirmed of ${n} (${confirmMails} confirmation emails)`);
    }
    if (hooks.count !== 0) throw new Error('a webhook arrived before the incident');

    const pids = descendants();
    for (const pid of pids) resetPeak(pid);
    resetPeak('self');
    measuring = true;
    const started = Date.now();
    await sendAllCoreEvents(sys.core, [
      incidentEvent({ id: 'bench_inc', name: 'Elevated API errors', serviceIds: ['bench_api'] }),
    ]);
    const got = () => (channel === 'email' ? count : hooks.count);
    await until(`${n} ${channel}s`, () => got() >= n, deadline);
    const first = (channel === 'email' ? firstAt : hooks.firstAt) ?? started;
    const last = (channel === 'email' ? lastAt : hooks.lastAt) ?? started;
    const peaks = [
      ...pids.map((pid) => ({ process: nameOf(pid), mib: peakMiB(pid) })).filter((p) => p.mib > 0),
      { process: 'bench (SMTP sink, webhook receiver)', mib: peakMiB('self') },
    ];
    return {
      n,
      signupMs,
      firstMs: first - started,
      lastMs: last - started,
      perSecond: n / Math.max(0.001, (last - first) / 1000),
      peaks,
    };
  } finally {
    await system?.stop();
    await smtp.close();
    await hooks.close();
  }
}

export async function notificationsReal(n: number): Promise<SectionRow[]> {
  const rows: SectionRow[] = [];
  const bundle = await buildWorker();
  try {
    for (const channel of ['email', 'webhook'] as const) {
      const p = await realPhase(channel, n, bundle);
      const label = `${channel}s`;
      const count = n.toLocaleString('en');
      rows.push(
        {
          name: `real worker: core POST → first of ${count} ${label}`,
          value: p.firstMs,
          unit: 'ms',
          note: 'workerd + origin-sync processes, subscribers signed up and confirmed through the routes',
        },
        { name: `real worker: core POST → last of ${count} ${label}`, value: p.lastMs, unit: 'ms' },
        { name: `real worker: ${label} per second`, value: p.perSecond, unit: `${label}/s` },
        {
          name: `real worker: ${count} sign-ups + confirmations (${label})`,
          value: p.signupMs,
          unit: 'ms',
        },
        ...p.peaks.map((x) => ({
          name: `real worker: peak RSS of ${x.process} (${label})`,
          value: x.mib,
          unit: 'MiB',
        })),
      );
    }
  } finally {
    await bundle.dispose();
  }
  return rows;
}
