// origin-sync's side of worker/sync/deliveries-contract.ts: lease due deliveries, report how
// they went (write tokens with page = DELIVERIES_PATH, bound to the body's digest, as the
// pusher signs its batches), and read a page's subscriptions overview and one notification's
// deliveries for the operator routes (read tokens, as the render confirmer's).
import type { CryptoKey } from 'jose';
import type { z } from 'zod';
import { syncReadRequest } from '../../worker/sync/contract.ts';
import {
  DELIVERIES_PATH,
  DELIVERY_LEASE_PATH,
  DELIVERY_REPORT_PATH,
  DeliveryLease,
  type DeliveryLeaseRequest,
  DeliveryReportResult,
  type DeliveryReports,
  NotificationDeliveries,
  notificationPath,
  SubscriptionsOverview,
  subscriptionsPath,
} from '../../worker/sync/deliveries-contract.ts';
import { errorMessage } from '../log.ts';
import { signSyncReadToken, signSyncToken } from '../sync-token.ts';

/** The edge answered, but not with what the contract promises; or it did not answer at all. */
export class EdgeError extends Error {
  /** HTTP status, 0 when the worker was not reached. */
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export interface DeliveryEdge {
  lease(request: DeliveryLeaseRequest): Promise<DeliveryLease>;
  report(reports: DeliveryReports): Promise<DeliveryReportResult>;
}

export interface EdgeClientOptions {
  workerUrl: string;
  privateKey: CryptoKey;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class EdgeClient implements DeliveryEdge {
  readonly #o: Required<EdgeClientOptions>;
  readonly #abort = new AbortController();

  constructor(options: EdgeClientOptions) {
    this.#o = { timeoutMs: 30_000, fetch: globalThis.fetch, ...options };
  }

  lease(request: DeliveryLeaseRequest): Promise<DeliveryLease> {
    return this.#post(DELIVERY_LEASE_PATH, request, DeliveryLease);
  }

  report(reports: DeliveryReports): Promise<DeliveryReportResult> {
    return this.#post(DELIVERY_REPORT_PATH, reports, DeliveryReportResult);
  }

  /** Null for a page the edge does not know. */
  overview(pageId: string): Promise<SubscriptionsOverview | null> {
    return this.#get(pageId, subscriptionsPath(pageId), SubscriptionsOverview);
  }

  notification(pageId: string, notificationId: string): Promise<NotificationDeliveries | null> {
    return this.#get(pageId, notificationPath(pageId, notificationId), NotificationDeliveries);
  }

  /** Aborts every request in flight (shutdown). */
  abort(): void {
    this.#abort.abort(new Error('origin-sync is stopping'));
  }

  async #post<T>(path: string, payload: unknown, schema: z.ZodType<T>): Promise<T> {
    const body = JSON.stringify(payload);
    const token = signSyncToken(this.#o.privateKey, DELIVERIES_PATH, body);
    return this.#call(path, schema, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body,
    });
  }

  async #get<T>(pageId: string, path: string, schema: z.ZodType<T>): Promise<T | null> {
    const token = signSyncReadToken(this.#o.privateKey, pageId, syncReadRequest('GET', path));
    try {
      return await this.#call(path, schema, { headers: { Authorization: `Bearer ${token}` } });
    } catch (err) {
      if (err instanceof EdgeError && err.status === 404) return null;
      throw err;
    }
  }

  async #call<T>(path: string, schema: z.ZodType<T>, init: RequestInit): Promise<T> {
    let res: Response;
    let text: string;
    try {
      res = await this.#o.fetch(new URL(path, this.#o.workerUrl), {
        ...init,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#o.timeoutMs)]),
      });
      text = await res.text();
    } catch (err) {
      throw new EdgeError(`network: ${errorMessage(err)}`, 0);
    }
    if (res.status !== 200) {
      throw new EdgeError(`worker answered ${res.status}${problemTitle(text)}`, res.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new EdgeError('the answer is not JSON', res.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new EdgeError(
        `the answer does not match the contract: ${parsed.error.issues[0]?.message ?? ''}`,
        res.status,
      );
    }
    return parsed.data;
  }
}

function problemTitle(text: string): string {
  try {
    const body = JSON.parse(text) as { title?: unknown; detail?: unknown };
    const said = [body.title, body.detail].filter((s) => typeof s === 'string').join(': ');
    return said ? ` (${said.slice(0, 300)})` : '';
  } catch {
    return '';
  }
}
