// A client for Cloudflare for SaaS custom hostnames (API v4), one HTTP request per call.
// Retrying, pacing and backoff are the caller's business (the updater owns one gate for the
// whole API); this module only says what kind of failure happened so the caller can decide.
//
//   POST   /zones/{zone_id}/custom_hostnames             { hostname, ssl: { method, type } } → 201
//   GET    /zones/{zone_id}/custom_hostnames?hostname=h   → list (exact hostname filter)
//   GET    /zones/{zone_id}/custom_hostnames/{id}         → one
//   PATCH  /zones/{zone_id}/custom_hostnames/{id}         { ssl } → 202 (same ssl = retry DCV)
//   DELETE /zones/{zone_id}/custom_hostnames/{id}         → { id } (documented without envelope)
//
// Responses are the v4 envelope `{ success, errors, messages, result }`, validated with zod.
// Status fields are kept as strings: Cloudflare adds statuses over time, and an unknown one
// must read as "still pending", not as a broken response.
import { z } from 'zod';

const CfMessage = z.looseObject({ code: z.number().optional(), message: z.string() });
export type CfMessage = z.infer<typeof CfMessage>;

const ValidationRecord = z.looseObject({
  txt_name: z.string().optional(),
  txt_value: z.string().optional(),
  http_url: z.string().optional(),
  http_body: z.string().optional(),
  emails: z.array(z.string()).optional(),
  cname: z.string().optional(),
  cname_target: z.string().optional(),
});

export const CustomHostname = z.looseObject({
  id: z.string().min(1),
  hostname: z.string().min(1),
  /** pending, active, moved, deleted, blocked, ... (hostname activation) */
  status: z.string().optional(),
  ssl: z
    .looseObject({
      id: z.string().optional(),
      /** initializing, pending_validation, pending_issuance, pending_deployment, active, ... */
      status: z.string().optional(),
      method: z.string().optional(),
      type: z.string().optional(),
      validation_records: z.array(ValidationRecord).nullish(),
      validation_errors: z.array(z.looseObject({ message: z.string().optional() })).nullish(),
    })
    .nullish(),
  /** What we wrote at creation (ownership.ts): absent on hostnames we did not create. */
  custom_metadata: z.record(z.string(), z.unknown()).nullish(),
  ownership_verification: z
    .looseObject({
      type: z.string().optional(),
      name: z.string().optional(),
      value: z.string().optional(),
    })
    .nullish(),
  ownership_verification_http: z
    .looseObject({ http_url: z.string().optional(), http_body: z.string().optional() })
    .nullish(),
  verification_errors: z.array(z.unknown()).nullish(),
  created_at: z.string().optional(),
});
export type CustomHostname = z.infer<typeof CustomHostname>;

function envelope<T extends z.ZodType>(result: T) {
  return z.looseObject({
    success: z.boolean(),
    errors: z.array(CfMessage).default([]),
    messages: z.array(z.unknown()).nullish(),
    result,
  });
}

const OneEnvelope = envelope(CustomHostname);
const ListEnvelope = envelope(z.array(CustomHostname));
const FailureEnvelope = z.looseObject({ errors: z.array(CfMessage) });
const DeleteAnswer = z.union([
  z.looseObject({ success: z.literal(true), result: z.looseObject({ id: z.string() }).nullish() }),
  z.looseObject({ id: z.string() }),
]);

export type DcvMethod = 'http' | 'txt';

export interface SslRequest {
  method: DcvMethod;
  type: 'dv';
  settings?: { min_tls_version?: '1.0' | '1.1' | '1.2' | '1.3'; http2?: 'on' | 'off' };
}

/**
 * What went wrong, as far as retrying is concerned:
 * - `rate_limited`: 429; wait `retryAfterMs` (from `Retry-After`) before any further call;
 * - `unavailable`: 5xx, network error or timeout; retry with backoff;
 * - `invalid_response`: a 2xx we cannot read; retry with backoff (and say so);
 * - `not_found`: 404; the custom hostname does not exist (any more);
 * - `unauthorized`: 401/403; the token lacks "SSL and Certificates Write" or is wrong;
 * - `rejected`: another 4xx; Cloudflare refuses the request as such (see `cfErrors`).
 */
export type CloudflareFailure =
  | 'rate_limited'
  | 'unavailable'
  | 'invalid_response'
  | 'not_found'
  | 'unauthorized'
  | 'rejected';

export class CloudflareApiError extends Error {
  readonly kind: CloudflareFailure;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly cfErrors: CfMessage[];

  constructor(
    kind: CloudflareFailure,
    message: string,
    extra: { status?: number; retryAfterMs?: number; cfErrors?: CfMessage[] } = {},
  ) {
    super(message);
    this.name = 'CloudflareApiError';
    this.kind = kind;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
    this.cfErrors = extra.cfErrors ?? [];
  }
}

/** `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when unusable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

export interface CustomHostnamesClientOptions {
  baseUrl: string;
  zoneId: string;
  apiToken: string;
  /** Per request; a timeout counts as `unavailable`. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Awaited before every request: where the caller paces and holds calls. */
  beforeRequest?: () => Promise<void>;
}

export class CustomHostnamesClient {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #beforeRequest: (() => Promise<void>) | undefined;

  constructor(options: CustomHostnamesClientOptions) {
    this.#base = `${options.baseUrl.replace(/\/+$/, '')}/zones/${encodeURIComponent(options.zoneId)}/custom_hostnames`;
    this.#token = options.apiToken;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
    this.#beforeRequest = options.beforeRequest;
  }

  async create(
    hostname: string,
    ssl: SslRequest,
    metadata?: Record<string, string>,
  ): Promise<CustomHostname> {
    const body = await this.#request('POST', '', {
      hostname,
      ssl,
      ...(metadata ? { custom_metadata: metadata } : {}),
    });
    return parse(OneEnvelope, body, 'create').result;
  }

  async get(id: string): Promise<CustomHostname> {
    const body = await this.#request('GET', `/${encodeURIComponent(id)}`);
    return parse(OneEnvelope, body, 'get').result;
  }

  /** The custom hostname for exactly this hostname, if the zone has one. */
  async findByHostname(hostname: string): Promise<CustomHostname | null> {
    const body = await this.#request('GET', `?hostname=${encodeURIComponent(hostname)}`);
    const wanted = hostname.toLowerCase();
    const found = parse(ListEnvelope, body, 'list').result;
    return found.find((ch) => ch.hostname.toLowerCase() === wanted) ?? null;
  }

  /** Sending the hostname's current ssl settings again asks Cloudflare to retry validation. */
  async refreshValidation(id: string, ssl: SslRequest): Promise<CustomHostname> {
    const body = await this.#request('PATCH', `/${encodeURIComponent(id)}`, { ssl });
    return parse(OneEnvelope, body, 'edit').result;
  }

  async delete(id: string): Promise<void> {
    const body = await this.#request('DELETE', `/${encodeURIComponent(id)}`);
    parse(DeleteAnswer, body, 'delete');
  }

  async #request(method: string, path: string, json?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#token}`,
      Accept: 'application/json',
    };
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    await this.#beforeRequest?.();
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new CloudflareApiError('unavailable', `${method} custom_hostnames: ${describe(err)}`);
    }
    const text = await res.text().catch(() => '');
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // A proxy's HTML error page: the status code still says what happened.
    }
    if (res.ok) return body;

    const cfErrors = FailureEnvelope.safeParse(body).data?.errors ?? [];
    const said = cfErrors.map((e) => (e.code ? `${e.code}: ${e.message}` : e.message)).join('; ');
    const message = `${method} custom_hostnames: HTTP ${res.status}${said ? ` (${said})` : ''}`;
    const extra = { status: res.status, cfErrors };
    if (res.status === 429) {
      const retryAfterMs = parseRetryAfter(res.headers.get('Retry-After'), this.#now());
      throw new CloudflareApiError('rate_limited', message, {
        ...extra,
        ...(retryAfterMs !== null ? { retryAfterMs } : {}),
      });
    }
    if (res.status >= 500) throw new CloudflareApiError('unavailable', message, extra);
    if (res.status === 404) throw new CloudflareApiError('not_found', message, extra);
    if (res.status === 401 || res.status === 403) {
      throw new CloudflareApiError('unauthorized', message, extra);
    }
    throw new CloudflareApiError('rejected', message, extra);
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unreadable';
    throw new CloudflareApiError('invalid_response', `${what} custom_hostnames: ${where}`);
  }
  const value = parsed.data as { success?: boolean; errors?: CfMessage[] };
  if (value.success === false) {
    throw new CloudflareApiError('invalid_response', `${what} custom_hostnames: success=false`, {
      cfErrors: value.errors ?? [],
    });
  }
  return parsed.data;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out';
    const cause = (err as { cause?: { code?: string } }).cause;
    return cause?.code ? `${err.message} (${cause.code})` : err.message;
  }
  return String(err);
}
