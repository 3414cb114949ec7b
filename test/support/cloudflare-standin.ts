// A local stand-in for Cloudflare's custom hostnames API (v4), on a free port, for tests.
// It follows the documented shapes: Bearer auth, the `{ success, errors, messages, result }`
// envelope, 201 on create, 200 on get/list/delete (delete answers a bare `{ id }`), 202 on
// PATCH; and it walks each hostname through the documented statuses, one step per GET by id:
//   status:     pending → active   (or moved, blocked, ...)
//   ssl.status: initializing → pending_validation → pending_issuance → pending_deployment → active
//               (or ... → validation_timed_out)
// Tests can script the walk per hostname, seed existing hostnames, and inject faults
// (429 with Retry-After, 5xx, a lost answer after the change was applied, a whole outage).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './close-server.ts';

export interface StatusStep {
  status: string;
  sslStatus: string;
  verificationErrors?: string[];
  validationErrors?: string[];
}

const NOT_CNAMED = 'custom hostname does not CNAME to this zone.';

export const WALK_TO_ACTIVE: StatusStep[] = [
  { status: 'pending', sslStatus: 'initializing', verificationErrors: [NOT_CNAMED] },
  { status: 'pending', sslStatus: 'pending_validation', verificationErrors: [NOT_CNAMED] },
  { status: 'active', sslStatus: 'pending_issuance' },
  { status: 'active', sslStatus: 'pending_deployment' },
  { status: 'active', sslStatus: 'active' },
];

export const WALK_TO_VALIDATION_TIMEOUT: StatusStep[] = [
  { status: 'pending', sslStatus: 'initializing', verificationErrors: [NOT_CNAMED] },
  { status: 'pending', sslStatus: 'pending_validation', verificationErrors: [NOT_CNAMED] },
  {
    status: 'pending',
    sslStatus: 'validation_timed_out',
    verificationErrors: [NOT_CNAMED],
    validationErrors: ['no TXT record found at _acme-challenge'],
  },
];

/** The last step repeats forever: a customer who never sets their DNS. */
export const STAY_PENDING: StatusStep[] = [
  { status: 'pending', sslStatus: 'pending_validation', verificationErrors: [NOT_CNAMED] },
];

export interface Fault {
  status: number;
  retryAfter?: string;
  method?: string;
  /** Matched against the path after `/zones/<zone>/custom_hostnames`. */
  path?: RegExp;
  /** Carry the request out, then answer with the fault (an answer lost on the way back). */
  afterApplying?: boolean;
  times?: number;
}

export interface RecordedRequest {
  at: number;
  method: string;
  /** Path after `/zones/<zone>/custom_hostnames` ('' for the collection). */
  path: string;
  query: string;
  status: number;
  authorization: string | undefined;
  body: unknown;
}

interface Entry {
  id: string;
  hostname: string;
  method: string;
  steps: StatusStep[];
  index: number;
  createdAt: string;
  ownershipToken: string;
  dcvToken: string;
  /** `custom_metadata` as created (absent: none). */
  metadata?: Record<string, unknown>;
}

export interface CloudflareStandin {
  baseUrl: string;
  zoneId: string;
  token: string;
  requests: RecordedRequest[];
  /** The walk used for hostnames created without a script of their own. */
  defaultWalk: StatusStep[];
  /** A script for a hostname that will be created (or is). */
  script(hostname: string, steps: StatusStep[]): void;
  /** An existing custom hostname, as if created earlier by hand or by another replica. */
  seed(
    hostname: string,
    steps?: StatusStep[],
    method?: string,
    metadata?: Record<string, unknown>,
  ): string;
  failNext(fault: Fault): void;
  /** While true, every request gets 503 (the API is down). */
  down: boolean;
  hostnames(): string[];
  entry(hostname: string): { id: string; status: string; sslStatus: string } | undefined;
  count(method: string, path?: RegExp): number;
  close(): Promise<void>;
}

export async function startCloudflareStandin(
  options: { zoneId?: string; token?: string } = {},
): Promise<CloudflareStandin> {
  const zoneId = options.zoneId ?? randomBytes(16).toString('hex');
  const token = options.token ?? `standin-${randomBytes(12).toString('hex')}`;
  const entries = new Map<string, Entry>(); // by id
  const scripts = new Map<string, StatusStep[]>();
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];
  const prefix = `/client/v4/zones/${zoneId}/custom_hostnames`;

  const state = {
    defaultWalk: WALK_TO_ACTIVE,
    down: false,
  };

  const byHostname = (hostname: string): Entry | undefined =>
    [...entries.values()].find((e) => e.hostname === hostname.toLowerCase());

  function newEntry(hostname: string, method: string, steps?: StatusStep[]): Entry {
    const entry: Entry = {
      id: randomUUID(),
      hostname: hostname.toLowerCase(),
      method,
      steps: steps ?? scripts.get(hostname.toLowerCase()) ?? state.defaultWalk,
      index: 0,
      createdAt: new Date().toISOString(),
      ownershipToken: randomUUID(),
      dcvToken: randomBytes(16).toString('hex'),
    };
    entries.set(entry.id, entry);
    return entry;
  }

  function step(entry: Entry): StatusStep {
    return entry.steps[Math.max(0, Math.min(entry.index, entry.steps.length - 1))]!;
  }

  function render(entry: Entry): Record<string, unknown> {
    const s = step(entry);
    const validating = s.sslStatus === 'pending_validation' || s.sslStatus.endsWith('_timed_out');
    const records = validating
      ? entry.method === 'txt'
        ? [{ txt_name: `_acme-challenge.${entry.hostname}`, txt_value: entry.dcvToken }]
        : [
            {
              http_url: `http://${entry.hostname}/.well-known/acme-challenge/${entry.dcvToken}`,
              http_body: `${entry.dcvToken}.${entry.ownershipToken}`,
            },
          ]
      : [];
    const pending = s.status !== 'active';
    return {
      id: entry.id,
      hostname: entry.hostname,
      ...(entry.metadata ? { custom_metadata: entry.metadata } : {}),
      status: s.status,
      ssl: {
        id: `ssl-${entry.id}`,
        type: 'dv',
        method: entry.method,
        status: s.sslStatus,
        bundle_method: 'ubiquitous',
        certificate_authority: 'google',
        wildcard: false,
        settings: {},
        validation_records: records,
        ...(s.validationErrors
          ? { validation_errors: s.validationErrors.map((message) => ({ message })) }
          : {}),
      },
      ...(pending
        ? {
            ownership_verification: {
              type: 'txt',
              name: `_cf-custom-hostname.${entry.hostname}`,
              value: entry.ownershipToken,
            },
            ownership_verification_http: {
              http_url: `http://${entry.hostname}/.well-known/cf-custom-hostname-challenge/${entry.id}`,
              http_body: entry.ownershipToken,
            },
          }
        : {}),
      ...(s.verificationErrors ? { verification_errors: s.verificationErrors } : {}),
      created_at: entry.createdAt,
    };
  }

  const ok = (result: unknown) => ({ success: true, errors: [], messages: [], result });
  const fail = (code: number, message: string) => ({
    success: false,
    errors: [{ code, message }],
    messages: [],
    result: null,
  });

  function handle(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
  ): { status: number; json?: unknown } {
    if (path === '' && method === 'POST') {
      const b = body as { hostname?: unknown; ssl?: { method?: unknown; type?: unknown } } | null;
      if (
        !b ||
        typeof b.hostname !== 'string' ||
        !b.ssl ||
        !['http', 'txt', 'email'].includes(String(b.ssl.method)) ||
        b.ssl.type !== 'dv'
      ) {
        return {
          status: 400,
          json: fail(
            1400,
            'Unable to decode the JSON request body. Check your input and try again.',
          ),
        };
      }
      if (/\.(test|example|invalid|localhost)$/.test(b.hostname.toLowerCase())) {
        return {
          status: 400,
          json: fail(
            1409,
            "Reserved top domain custom hostnames, such as 'test', 'example', 'invalid' or 'localhost', is not supported. Check your input and try again.",
          ),
        };
      }
      if (byHostname(b.hostname)) {
        return { status: 409, json: fail(1406, 'Duplicate custom hostname found.') };
      }
      const created = newEntry(b.hostname, String(b.ssl.method));
      const metadata = (body as { custom_metadata?: unknown }).custom_metadata;
      if (metadata && typeof metadata === 'object') {
        created.metadata = metadata as Record<string, unknown>;
      }
      return { status: 201, json: ok(render(created)) };
    }
    if (path === '' && method === 'GET') {
      const wanted = query.get('hostname');
      const found = [...entries.values()].filter((e) => !wanted || e.hostname === wanted);
      return {
        status: 200,
        json: {
          ...ok(found.map(render)),
          result_info: { page: 1, per_page: 20, count: found.length, total_count: found.length },
        },
      };
    }
    const id = decodeURIComponent(path.slice(1));
    const entry = entries.get(id);
    if (!entry || path.indexOf('/', 1) !== -1) {
      return { status: 404, json: fail(1436, 'The custom hostname was not found.') };
    }
    if (method === 'GET') {
      entry.index = Math.min(entry.index + 1, entry.steps.length - 1);
      return { status: 200, json: ok(render(entry)) };
    }
    if (method === 'PATCH') {
      // Same ssl again = "retry domain control validation": walk on from pending_validation.
      entry.steps = WALK_TO_ACTIVE.slice(1);
      entry.index = 0;
      return { status: 202, json: ok(render(entry)) };
    }
    if (method === 'DELETE') {
      entries.delete(id);
      return { status: 200, json: { id } };
    }
    return { status: 405, json: fail(10000, 'Method not allowed') };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://standin');
      const method = req.method ?? 'GET';
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      const record: RecordedRequest = {
        at: Date.now(),
        method,
        path: url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname,
        query: url.search,
        status: 0,
        authorization: req.headers.authorization,
        body,
      };
      requests.push(record);
      const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        const payload = typeof json === 'string' ? json : JSON.stringify(json);
        res.writeHead(status, {
          'Content-Type': typeof json === 'string' ? 'text/html' : 'application/json',
          ...headers,
        });
        res.end(payload);
      };

      if (state.down) {
        send(503, '<html><body>503 Service Temporarily Unavailable</body></html>');
        return;
      }
      const faultIndex = faults.findIndex(
        (f) => (!f.method || f.method === method) && (!f.path || f.path.test(record.path)),
      );
      const fault = faultIndex === -1 ? undefined : faults[faultIndex];
      if (fault) {
        fault.times = (fault.times ?? 1) - 1;
        if (fault.times <= 0) faults.splice(faultIndex, 1);
      }
      const answerFault = (f: Fault) => {
        if (f.status === 429) {
          send(
            429,
            fail(971, 'Please wait and consider throttling your request speed'),
            f.retryAfter !== undefined ? { 'Retry-After': f.retryAfter } : {},
          );
        } else if (f.status >= 500) {
          send(f.status, `<html><body>${f.status} Bad Gateway</body></html>`);
        } else {
          send(f.status, fail(10000, `injected ${f.status}`));
        }
      };
      if (fault && !fault.afterApplying) {
        answerFault(fault);
        return;
      }

      if (!url.pathname.startsWith(`/client/v4/zones/`)) {
        send(404, fail(7000, 'No route for that URI'));
        return;
      }
      if (!url.pathname.startsWith(prefix)) {
        send(
          404,
          fail(7003, 'Could not route to the zone, perhaps your object identifier is invalid?'),
        );
        return;
      }
      if (req.headers.authorization !== `Bearer ${token}`) {
        send(403, fail(10000, 'Authentication error'));
        return;
      }
      const answer = handle(method, record.path, url.searchParams, body);
      if (fault) {
        answerFault(fault);
        return;
      }
      send(answer.status, answer.json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    zoneId,
    token,
    requests,
    get defaultWalk() {
      return state.defaultWalk;
    },
    set defaultWalk(steps: StatusStep[]) {
      state.defaultWalk = steps;
    },
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    script(hostname, steps) {
      scripts.set(hostname.toLowerCase(), steps);
      const entry = byHostname(hostname);
      if (entry) {
        // The next GET shows the script's first step.
        entry.steps = steps;
        entry.index = -1;
      }
    },
    seed(
      hostname,
      steps = [WALK_TO_ACTIVE[WALK_TO_ACTIVE.length - 1]!],
      method = 'http',
      metadata,
    ) {
      const entry = newEntry(hostname, method, steps);
      if (metadata) entry.metadata = metadata;
      return entry.id;
    },
    failNext(fault) {
      faults.push({ ...fault });
    },
    hostnames() {
      return [...entries.values()].map((e) => e.hostname).sort();
    },
    entry(hostname) {
      const e = byHostname(hostname);
      if (!e) return undefined;
      const s = step(e);
      return { id: e.id, status: s.status, sslStatus: s.sslStatus };
    },
    count(method, path) {
      return requests.filter((r) => r.method === method && (!path || path.test(r.path))).length;
    },
    close: () => closeServer(server),
  };
}
