// Notification delivery: one core POST (an incident) → 10,000 emails accepted by a local SMTP
// sink (smtp-server, not parsing), then the same for 10,000 webhooks to a local node:http
// receiver. Two paths: the real worker (bench/notifications-real.ts: subscribers signed up
// and confirmed through the routes, the worker deciding and rendering), then this file's
// stand-in. Stand-in: origin-sync runs as a real process (its notifier leasing, sending and
// reporting, receipts fsync'd); the worker is a stand-in that speaks worker/sync/deliveries-contract.ts
// and, when the incident's push is applied, queues 10,000 deliveries already rendered — so
// the figures are origin-sync's delivery path at the default concurrency (8), not the
// worker's decision and rendering. Peak memory: origin-sync's VmHWM and this process's (the
// sink and the stand-in). Run standalone with `node bench/notifications.ts`.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureKeys, freePort, startOriginSyncProcess } from '../scripts/lib/system.ts';
import { closeServer } from '../test/support/close-server.ts';
import type { QueuedDelivery } from '../test/support/fake-deliveries-edge.ts';
import { startMailSink } from '../test/support/mail-sink.ts';
import { startWebhookReceiver } from '../test/support/webhook-receiver.ts';
import type { CoreEvent } from '../worker/domain/schema.ts';
import type { SyncResult } from '../worker/sync/contract.ts';
import {
  DELIVERY_LEASE_PATH,
  DELIVERY_REPORT_PATH,
  type DeliveryLeaseRequest,
  type DeliveryReports,
  type LeasedDelivery,
} from '../worker/sync/deliveries-contract.ts';
import { BENCH_SECRET, post } from './lib/origin-sync-bench.ts';
import type { SectionRow } from './lib/rows.ts';
import { notificationsReal } from './notifications-real.ts';

const N = Number(process.env.BENCH_NOTIFY_N || 10_000);
const TIMEOUT_MS = 10 * 60_000;
const AT = new Date().toISOString();

type Channel = 'email' | 'webhook';

const HTML = `<!doctype html><html><body><h1>Investigating: elevated API errors</h1>${'<p>We are investigating elevated error rates on the public API. Some requests may fail; retries succeed.</p>'.repeat(20)}</body></html>`;
const TEXT = 'We are investigating elevated error rates on the public API.\n'.repeat(20);

function delivery(channel: Channel, i: number, target: string): QueuedDelivery {
  const id = `dlv_bench_${channel}_${i}`;
  const base = {
    id,
    pageId: 'bench_page',
    notificationId: 'ntf_bench',
    kind: 'incident_created' as const,
  };
  if (channel === 'email') {
    return {
      ...base,
      channel: 'email',
      email: {
        to: `subscriber${i}@example.com`,
        fromName: 'Bench Status',
        subject: 'Investigating: elevated API errors',
        text: TEXT,
        html: HTML,
        messageId: `${id}@status.example.com`,
        headers: {
          'List-Unsubscribe': `<https://status.example.com/unsubscribe/${i}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'List-Id': 'Bench Status <bench_page.status.example.com>',
        },
        language: 'en',
      },
    };
  }
  return {
    ...base,
    channel: 'webhook',
    webhook: {
      url: `${target}/hook/${i}`,
      secret: 'whsec_bench_0123456789',
      body: JSON.stringify({ id, type: 'incident.created', meta: { generated_at: AT } }),
    },
  };
}

/** The worker's stand-in: acknowledges pushes; the incident's push queues N deliveries. */
async function standInEdge(channel: Channel, target: string) {
  type Slot = { d: ReturnType<typeof delivery>; attempt: number; until: number; done: boolean };
  const slots: Slot[] = [];
  let queuedAt: number | null = null;
  let cursor = 0;
  let leaseSeq = 0;
  let delivered = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === DELIVERY_LEASE_PATH) {
        const ask = JSON.parse(body) as DeliveryLeaseRequest;
        const now = Date.now();
        const out: LeasedDelivery[] = [];
        for (let k = 0; k < slots.length && out.length < ask.max; k++) {
          const slot = slots[(cursor + k) % slots.length] as Slot;
          if (slot.done || slot.until > now) continue;
          slot.attempt++;
          slot.until = now + ask.leaseMs;
          out.push({
            ...slot.d,
            attempt: slot.attempt,
            leaseId: `l${++leaseSeq}`,
            leaseExpiresAt: new Date(slot.until).toISOString(),
          } as LeasedDelivery);
        }
        if (slots.length > 0) cursor = (cursor + out.length) % slots.length;
        return json(200, { deliveries: out });
      }
      if (req.url === DELIVERY_REPORT_PATH) {
        const reports = JSON.parse(body) as DeliveryReports;
        for (const r of reports.reports) {
          const slot = slots[Number(r.id.slice(r.id.lastIndexOf('_') + 1))];
          if (!slot) continue;
          if (r.outcome === 'delivered' && !slot.done) {
            slot.done = true;
            delivered++;
          } else if (r.outcome !== 'delivered') slot.until = 0;
        }
        return json(200, { recorded: reports.reports.length, lapsed: [] });
      }
      const statusOf = /^\/_sync\/pages\/([^/]+)\/status$/.exec(req.url ?? '');
      if (req.method === 'GET' && statusOf) {
        return json(200, {
          pageId: decodeURIComponent(statusOf[1] as string),
          publishedVersion: 1,
          renderedAt: AT,
          pending: false,
          failures: 0,
          lastError: null,
        });
      }
      const batch = JSON.parse(body) as { pageId?: string; events?: CoreEvent[] };
      // Hostname claims (origin-sync/hostname-claims.ts): every claim holds.
      if (!batch.events || batch.pageId === undefined) return json(200, { conflicts: [] });
      if (batch.events.some((e) => e.type === 'incident.upserted') && queuedAt === null) {
        queuedAt = Date.now();
        for (let i = 0; i < N; i++) {
          slots.push({ d: delivery(channel, i, target), attempt: 0, until: 0, done: false });
        }
      }
      const result: SyncResult = {
        pageId: batch.pageId,
        renderVersion: 1,
        results: batch.events.map((e) => ({ id: e.id, outcome: 'applied' })),
      };
      return json(200, result);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    delivered: () => delivered,
    close: () => closeServer(server),
  };
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const events = (): CoreEvent[] => [
  {
    id: 'bench:notify:page',
    type: 'status_page.upserted',
    occurredAt: AT,
    version: 1,
    data: {
      id: 'bench_page',
      name: 'Bench Status',
      hostnames: ['bench-notify.example.com'],
      visibility: 'public',
      serviceIds: ['bench_api'],
    },
  },
  {
    id: 'bench:notify:service',
    type: 'service.upserted',
    occurredAt: AT,
    version: 1,
    data: { id: 'bench_api', name: 'API', status: 'partial_outage' },
  },
];

const incident: CoreEvent = {
  id: 'bench:notify:incident',
  type: 'incident.upserted',
  occurredAt: AT,
  version: 1,
  data: {
    id: 'bench_inc',
    name: 'Elevated API errors',
    status: 'investigating',
    impact: 'major',
    serviceIds: ['bench_api'],
    createdAt: AT,
    updates: [
      { id: 'bench_upd', status: 'investigating', body: 'We are investigating.', createdAt: AT },
    ],
  },
};

interface Phase {
  firstMs: number;
  lastMs: number;
  perSecond: number;
  originPeakMiB: number;
}

async function phase(channel: Channel): Promise<Phase> {
  const sink = channel === 'email' ? await startMailSink({ parse: false }) : null;
  const hooks = channel === 'webhook' ? await startWebhookReceiver({ keep: false }) : null;
  const edge = await standInEdge(channel, hooks?.url ?? '');
  const stateDir = await mkdtemp(join(tmpdir(), 'esp-bench-notify-'));
  await ensureKeys(stateDir);
  const origin = await startOriginSyncProcess({
    stateDir,
    port: await freePort(),
    workerUrl: edge.url,
    secret: BENCH_SECRET,
    env: {
      LOG_LEVEL: 'warn',
      SMTP_URL: sink?.url ?? 'smtp://127.0.0.1:9',
      MAIL_FROM: 'status@example.com',
      WEBHOOK_ALLOW_LOOPBACK: '1',
    },
  });
  try {
    const setup = await post(origin.url, JSON.stringify({ events: events() }));
    if (setup !== 202) throw new Error(`setup answered ${setup}`);
    const count = () => (sink ? sink.accepted : (hooks?.count ?? 0));
    const started = Date.now();
    const status = await post(origin.url, JSON.stringify({ events: [incident] }));
    if (status !== 202) throw new Error(`the incident answered ${status}`);
    const deadline = started + TIMEOUT_MS;
    while (count() < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (count() < N) throw new Error(`only ${count()} of ${N} ${channel}s arrived in time`);
    const firstAt = (sink ? sink.firstAt : hooks?.firstAt) ?? started;
    const lastAt = (sink ? sink.lastAt : hooks?.lastAt) ?? started;
    // Wait for the reports, so the figures include a finished delivery.
    while (edge.delivered() < N && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const originPeakMiB = origin.child.pid ? peakRssMiB(origin.child.pid) : 0;
    return {
      firstMs: firstAt - started,
      lastMs: lastAt - started,
      perSecond: N / Math.max(0.001, (lastAt - firstAt) / 1000),
      originPeakMiB,
    };
  } finally {
    await origin.stop();
    await edge.close();
    await sink?.close();
    await hooks?.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/**
 * The real path first (bench/notifications-real.ts: the worker deciding and rendering), then
 * the stand-in (origin-sync's delivery path alone, which tells how much of the real figure is
 * the worker's). BENCH_NOTIFY_PATH=real or standin runs one.
 */
export async function notifications(): Promise<SectionRow[]> {
  const which = process.env.BENCH_NOTIFY_PATH ?? 'both';
  const real = which === 'standin' ? [] : await notificationsReal(N);
  if (which === 'real') return real;
  return [...real, ...(await standIn())];
}

async function standIn(): Promise<SectionRow[]> {
  const email = await phase('email');
  const webhook = await phase('webhook');
  const benchPeak = process.resourceUsage().maxRSS / 1024;
  const note =
    'stand-in worker (queues rendered deliveries): origin-sync alone as a process, concurrency 8';
  const rows = (label: string, p: Phase, unit: string): SectionRow[] => [
    { name: `stand-in: core POST → first of 10,000 ${label}`, value: p.firstMs, unit: 'ms', note },
    { name: `stand-in: core POST → last of 10,000 ${label}`, value: p.lastMs, unit: 'ms' },
    { name: `stand-in: ${label} per second`, value: p.perSecond, unit },
    { name: `stand-in: origin-sync peak RSS (${label})`, value: p.originPeakMiB, unit: 'MiB' },
  ];
  return [
    ...rows('emails', email, 'emails/s'),
    ...rows('webhooks', webhook, 'webhooks/s'),
    {
      name: 'stand-in: peak RSS of the SMTP sink, webhook receiver and worker stand-in (one process)',
      value: benchPeak,
      unit: 'MiB',
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await notifications();
  for (const r of rows) console.log(`${r.name}: ${r.value.toFixed(1)} ${r.unit}`);
  process.exit(0);
}
