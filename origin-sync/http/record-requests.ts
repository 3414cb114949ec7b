// Records every request at the core's door (POST /v1/events), accepted or refused, after it
// has been answered: when, from where, its headers (the signature's value, never a secret),
// up to 64 KiB of its body, the answer, and the event ids it carried. The handler notes the
// body it read; a body it refused before reading is read here, at most 64 KiB of it.
import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { readBodyWithin } from '../../worker/sync/read-body.ts';
import { errorMessage, type Logger } from '../log.ts';
import type { OriginSync } from '../service.ts';
import { MAX_RECORDED_BODY_BYTES, type RecordedRequest } from '../store/requests.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';

const bodies = new WeakMap<Request, Uint8Array>();
/** Each request's id and arrival, set by the recorder before the handler runs. */
const arrivals = new WeakMap<Request, { id: string; receivedAt: number }>();
/** Requests whose record the handler committed with the batch itself. */
const recorded = new WeakSet<Request>();

/**
 * The core-door handler tells the recorder which bytes it read. Only what a record keeps is
 * kept (MAX_RECORDED_BODY_BYTES, and one byte more to know it was cut), copied, so that a
 * request waiting for its commit does not hold its whole body.
 */
export function noteBody(req: Request, bytes: Uint8Array): void {
  bodies.set(
    req,
    bytes.byteLength > MAX_RECORDED_BODY_BYTES
      ? bytes.slice(0, MAX_RECORDED_BODY_BYTES + 1)
      : bytes,
  );
}

/**
 * The record of a request about to be answered 202, for the handler to commit in the same
 * transaction as its batch (one commit for the 202, not a second one after it). Null when
 * the recorder is not in front of this handler.
 */
export function acceptedRecord(c: Context, eventIds: string[]): RecordedRequest | null {
  const arrival = arrivals.get(c.req.raw);
  if (!arrival) return null;
  const bytes = bodies.get(c.req.raw) ?? new Uint8Array(0);
  return {
    ...common(c, arrival.id, arrival.receivedAt, bytes),
    outcome: 'accepted',
    status: 202,
    ...(eventIds.length > 0 ? { eventIds: eventIds.slice(0, 500) } : {}),
  };
}

/** The handler committed `acceptedRecord` with its batch: the recorder has nothing to add. */
export function noteRecorded(req: Request): void {
  recorded.add(req);
}

/** Never stored as sent: they are credentials, not evidence. */
const REDACTED = new Set(['authorization', 'cookie', 'proxy-authorization']);

// Ids come from a pool of random bytes drawn a few hundred at a time: one randomBytes call per
// request cost ~40 us of the main thread under load, for 12 bytes.
const ID_BYTES = 12;
let pool = Buffer.alloc(0);
let poolOffset = 0;

export function newRequestId(): string {
  if (poolOffset + ID_BYTES > pool.byteLength) {
    pool = randomBytes(ID_BYTES * 256);
    poolOffset = 0;
  }
  const id = pool.toString('hex', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return `req_${id}`;
}

export function recordCoreRequests(
  sync: OriginSync,
  log: Logger,
  now: () => number,
  maxBodyBytes: number,
): MiddlewareHandler {
  return async (c, next) => {
    const receivedAt = now();
    const id = newRequestId();
    arrivals.set(c.req.raw, { id, receivedAt });
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, id);
    if (recorded.has(c.req.raw)) return;
    const done = describe(c, id, receivedAt, maxBodyBytes)
      .then((record) => sync.recordRequest(record))
      .catch((err: unknown) => {
        // The answer stands; only the record of it is missing (e.g. a full disk).
        log.warn('core request not recorded', { requestId: id, error: errorMessage(err) });
      });
    // Usually the answer waits for its record, so that GET /v1/requests lists it at once. A
    // body too big to read is still arriving: answer now, before the connection is cut.
    // (Touching the request's body stream at all would start reading it.)
    if (bodies.has(c.req.raw) || withinLimit(c.req.raw, maxBodyBytes)) await done;
  };
}

async function describe(
  c: Context,
  id: string,
  receivedAt: number,
  maxBodyBytes: number,
): Promise<RecordedRequest> {
  const req = c.req.raw;
  let bytes = bodies.get(req);
  // Read whole, and only when declared within the door's limit: stopping half-way through a
  // body the client is still sending would cut the connection before it hears the answer.
  if (!bytes && withinLimit(req, maxBodyBytes) && req.body && !req.bodyUsed) {
    const read = await readBodyWithin(req.body, maxBodyBytes);
    if (read.ok) bytes = read.bytes;
  }
  bytes ??= new Uint8Array(0);
  const status = c.res.status;
  let problem: Record<string, unknown> | undefined;
  if (status >= 400 && /problem\+json/.test(c.res.headers.get('Content-Type') ?? '')) {
    try {
      problem = (await c.res.clone().json()) as Record<string, unknown>;
    } catch {
      problem = undefined;
    }
  }
  const base = common(c, id, receivedAt, bytes);
  const eventIds = eventIdsIn(base.body);
  return {
    ...base,
    outcome: status >= 200 && status < 300 ? 'accepted' : 'refused',
    status,
    ...(problem ? { problem } : {}),
    ...(eventIds.length > 0 ? { eventIds } : {}),
  };
}

/** What every record has: when, from where, the headers (credentials redacted), the body. */
function common(
  c: Context,
  id: string,
  receivedAt: number,
  bytes: Uint8Array,
): Pick<RecordedRequest, 'id' | 'receivedAt' | 'remote' | 'headers' | 'body' | 'bodyTruncated'> {
  const truncated = bytes.byteLength > MAX_RECORDED_BODY_BYTES;
  const body = new TextDecoder().decode(bytes.subarray(0, MAX_RECORDED_BODY_BYTES));
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    headers[name] = REDACTED.has(name) ? '[redacted]' : value.slice(0, 2048);
  });
  const remote = remoteAddress(c);
  return {
    id,
    receivedAt: new Date(receivedAt).toISOString(),
    ...(remote ? { remote } : {}),
    headers,
    body,
    ...(truncated ? { bodyTruncated: true as const } : {}),
  };
}

function withinLimit(req: Request, maxBodyBytes: number): boolean {
  const declared = Number(req.headers.get('Content-Length') ?? Number.NaN);
  return declared >= 0 && declared <= maxBodyBytes;
}

/** The ids a body names, even when the batch was refused (that is when they matter most). */
export function eventIdsIn(body: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  const events = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return [];
  const ids: string[] = [];
  for (const e of events.slice(0, 500)) {
    const eid = (e as { id?: unknown } | null)?.id;
    if (typeof eid === 'string' && eid.length > 0 && eid.length <= 128) ids.push(eid);
  }
  return ids;
}

function remoteAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}
