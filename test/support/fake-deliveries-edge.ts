// A stand-in for the worker's /_sync/deliveries (worker/sync/deliveries-contract.ts) for
// origin-sync tests: checks write tokens and bodies exactly as the contract says, leases what
// it holds (a lapsed lease leases the same id again with attempt + 1), takes reports, and can
// be told to fail. Every request is parsed with the contract's own schemas.
import type { CryptoKey } from 'jose';
import {
  DELIVERIES_PATH,
  DELIVERY_LEASE_PATH,
  DELIVERY_REPORT_PATH,
  type DeliveryLease,
  DeliveryLeaseRequest,
  type DeliveryReport,
  type DeliveryReportResult,
  DeliveryReports,
  type LeasedDelivery,
} from '../../worker/sync/deliveries-contract.ts';
import { verifySyncToken } from '../../worker/sync/token.ts';
import { answer as send, startJsonStandIn } from './json-stand-in.ts';

/** A delivery as queued: what a lease hands out, without the lease's own fields. */
export type QueuedDelivery = LeasedDelivery extends infer D
  ? D extends LeasedDelivery
    ? Omit<D, 'attempt' | 'leaseId' | 'leaseExpiresAt'>
    : never
  : never;

interface Slot {
  delivery: QueuedDelivery;
  attempt: number;
  state: 'queued' | 'leased' | 'delivered' | 'failed';
  leaseId: string | null;
  leaseUntil: number;
  notBefore: number;
}

export interface FakeDeliveriesEdge {
  url: string;
  enqueue(...deliveries: QueuedDelivery[]): void;
  /** Every report received, in order (with the consumer that sent it). */
  reports: (DeliveryReport & { consumer: string })[];
  /** Every lease answered: which consumer got which ids. */
  leases: { consumer: string; ids: string[] }[];
  state(id: string): Slot['state'] | undefined;
  attempts(id: string): number;
  /** Answer every request with this status, or null to work normally. */
  failWith: number | null;
  /** Delay before a retry is due again (ms). */
  retryDelayMs: number;
  /** Lease for this long whatever was asked (a worker whose clock runs ahead), or null. */
  leaseMsOverride: number | null;
  leaseRequests: number;
  reportRequests: number;
  close(): Promise<void>;
}

export async function startFakeDeliveriesEdge(publicKey: CryptoKey): Promise<FakeDeliveriesEdge> {
  const slots = new Map<string, Slot>();
  let leaseSeq = 0;
  const edge: FakeDeliveriesEdge = {
    url: '',
    enqueue: (...deliveries) => {
      for (const d of deliveries) {
        slots.set(d.id, {
          delivery: d,
          attempt: 0,
          state: 'queued',
          leaseId: null,
          leaseUntil: 0,
          notBefore: 0,
        });
      }
    },
    reports: [],
    leases: [],
    state: (id) => slots.get(id)?.state,
    attempts: (id) => slots.get(id)?.attempt ?? 0,
    failWith: null,
    retryDelayMs: 0,
    leaseMsOverride: null,
    leaseRequests: 0,
    reportRequests: 0,
    close: () => server.close(),
  };
  const server = await startJsonStandIn(async (req) => {
    const { body, token } = req;
    if (req.method !== 'POST') return send(404, { title: 'not found' });
    if (req.url === DELIVERY_LEASE_PATH) edge.leaseRequests++;
    else if (req.url === DELIVERY_REPORT_PATH) edge.reportRequests++;
    else return send(404, { title: 'not found' });
    if (edge.failWith !== null) return send(edge.failWith, { title: 'down for the test' });
    if (!(await verifySyncToken(publicKey, token, DELIVERIES_PATH, body))) {
      return send(401, { title: 'bad token' });
    }
    const now = Date.now();
    if (req.url === DELIVERY_LEASE_PATH) {
      const parsed = DeliveryLeaseRequest.safeParse(JSON.parse(body));
      if (!parsed.success) return send(400, { title: 'bad lease request' });
      const out: LeasedDelivery[] = [];
      for (const slot of slots.values()) {
        if (out.length >= parsed.data.max) break;
        const due =
          (slot.state === 'queued' && slot.notBefore <= now) ||
          (slot.state === 'leased' && slot.leaseUntil <= now);
        if (!due) continue;
        slot.attempt++;
        slot.state = 'leased';
        slot.leaseId = `lease_${++leaseSeq}`;
        slot.leaseUntil = now + (edge.leaseMsOverride ?? parsed.data.leaseMs);
        out.push({
          ...slot.delivery,
          attempt: slot.attempt,
          leaseId: slot.leaseId,
          leaseExpiresAt: new Date(slot.leaseUntil).toISOString(),
        } as LeasedDelivery);
      }
      edge.leases.push({ consumer: parsed.data.consumer, ids: out.map((d) => d.id) });
      const lease: DeliveryLease = { deliveries: out };
      return send(200, lease);
    }
    const parsed = DeliveryReports.safeParse(JSON.parse(body));
    if (!parsed.success) return send(400, { title: 'bad reports' });
    const lapsed: string[] = [];
    for (const r of parsed.data.reports) {
      edge.reports.push({ ...r, consumer: parsed.data.consumer });
      const slot = slots.get(r.id);
      if (!slot) continue;
      if (r.outcome === 'delivered') {
        if (slot.leaseId !== r.leaseId) lapsed.push(r.id);
        slot.state = 'delivered';
        continue;
      }
      if (slot.state !== 'leased' || slot.leaseId !== r.leaseId) {
        lapsed.push(r.id);
        continue;
      }
      if (r.outcome === 'failed_permanently') slot.state = 'failed';
      else {
        slot.state = 'queued';
        slot.notBefore = now + edge.retryDelayMs;
      }
    }
    const result: DeliveryReportResult = { recorded: parsed.data.reports.length, lapsed };
    return send(200, result);
  });
  edge.url = server.url;
  return edge;
}
