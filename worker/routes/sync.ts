// POST /_sync/pages/:pageId — origin-sync hands a page's batch of core events to the page's
// coordinator (the contract is worker/sync/contract.ts). The token's signature, expiry and page
// are checked before the body is even read, its digest while the body streams, and nothing reaches the coordinator unless both are good: a refused request
// stores nothing. 200 only once the coordinator has committed the batch.
// GET /_sync/pages/:pageId/status — what the coordinator has published, for origin-sync to
// confirm the render versions it was promised.

import type { Context } from 'hono';
import type { z } from 'zod';
import type { Env } from '../env.ts';
import { problemResponse } from '../http/problem.ts';
import { log } from '../log.ts';
import { MAX_SYNC_BYTES, SyncBatch, syncReadRequest, syncStatusPath } from '../sync/contract.ts';
import { readHashedBody } from '../sync/streamed-body.ts';
import { digestClaim, importSyncKey, syncTokenDigest, verifySyncReadToken } from '../sync/token.ts';

export type AppContext = Context<{ Bindings: Env }>;

interface FieldError {
  path: string;
  message: string;
}

const keys = new Map<string, Promise<CryptoKey>>();

/** The verification key, imported once per isolate (and again only if the variable changes). */
function syncKey(jwkJson: string): Promise<CryptoKey> {
  let key = keys.get(jwkJson);
  if (!key) {
    key = importSyncKey(jwkJson);
    keys.clear();
    keys.set(jwkJson, key);
    key.catch(() => keys.delete(jwkJson));
  }
  return key;
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.slice(0, 50).map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

/** Checks the schema cannot express: the batch is for this URL's page and only this page. */
function crossChecks(batch: SyncBatch, pageId: string): FieldError[] {
  const errors: FieldError[] = [];
  if (batch.pageId !== pageId) {
    errors.push({ path: 'pageId', message: `must be the page of the URL (${pageId})` });
  }
  batch.events.forEach((event, i) => {
    const isPageEvent =
      event.type === 'status_page.upserted' || event.type === 'status_page.deleted';
    if (isPageEvent && event.data.id !== pageId) {
      errors.push({ path: `events.${i}.data.id`, message: 'a status page event for another page' });
    }
  });
  return errors;
}

export function badRequest(detail: string, errors: FieldError[] = []): Response {
  return problemResponse({
    title: 'Invalid sync batch',
    status: 400,
    detail,
    ...(errors.length ? { errors } : {}),
  });
}

export function unauthorized(detail: string): Response {
  return problemResponse(
    { title: 'Authentication required', status: 401, detail },
    { 'WWW-Authenticate': 'Bearer realm="_sync"' },
  );
}

export function bearerToken(c: AppContext): string | undefined {
  const auth = c.req.header('Authorization') ?? '';
  return /^Bearer ([A-Za-z0-9_.-]+)$/.exec(auth)?.[1];
}

/** The verification key, or the 503 answer when the worker has none that works. */
export async function verificationKey(c: AppContext): Promise<CryptoKey | Response> {
  try {
    return await syncKey(c.env.SYNC_PUBLIC_KEY);
  } catch {
    log.error('SYNC_PUBLIC_KEY is missing or invalid');
    return problemResponse({
      title: 'Sync is not configured',
      status: 503,
      detail: 'the worker has no valid SYNC_PUBLIC_KEY',
    });
  }
}

export async function handleSyncStatus(c: AppContext): Promise<Response> {
  const pageId = c.req.param('pageId') ?? '';
  const token = bearerToken(c);
  if (!token) return unauthorized('a Bearer token is required');
  const key = await verificationKey(c);
  if (key instanceof Response) return key;
  const request = syncReadRequest('GET', syncStatusPath(pageId));
  if (!(await verifySyncReadToken(key, token, pageId, request))) {
    return unauthorized('the token is invalid, expired, or not bound to this page and request');
  }
  try {
    const stub = c.env.PAGE_COORDINATOR.get(c.env.PAGE_COORDINATOR.idFromName(pageId));
    const status = await stub.renderStatus();
    if (!status) {
      return problemResponse({
        title: 'Unknown page',
        status: 404,
        detail: 'no batch for this page was ever stored here',
      });
    }
    return c.json(status, 200, { 'Cache-Control': 'no-store' });
  } catch (err) {
    log.error('page status unavailable', { pageId, error: String(err) });
    return problemResponse(
      { title: 'Status unavailable', status: 503, detail: 'the page coordinator did not answer' },
      { 'Retry-After': '1' },
    );
  }
}

export function tooLarge(): Response {
  return problemResponse({
    title: 'Batch too large',
    status: 413,
    detail: `at most ${MAX_SYNC_BYTES} bytes`,
  });
}

/**
 * The body of a signed write, in the order that costs a stranger least: the token's signature,
 * expiry and page before a byte of the body is read; the size before it is buffered; the
 * digest as it streams. A Response is the refusal.
 */
export async function signedBody(c: AppContext, subject: string): Promise<string | Response> {
  const token = bearerToken(c);
  if (!token) return unauthorized('a Bearer token is required');
  const key = await verificationKey(c);
  if (key instanceof Response) return key;
  const promised = await syncTokenDigest(key, token, subject);
  if (promised === null) {
    return unauthorized('the token is invalid, expired, or not bound to this page and body');
  }
  const body = await readHashedBody(c.req.raw, MAX_SYNC_BYTES);
  if (!body.ok) return tooLarge();
  if (digestClaim(body.sha256) !== promised) {
    return unauthorized('the token is invalid, expired, or not bound to this page and body');
  }
  return body.text;
}

/** The signed body (`signedBody`) as JSON of `schema`; a 400 naming the fields when it is not. */
export async function signedJson<T>(
  c: AppContext,
  subject: string,
  schema: z.ZodType<T>,
  what: string,
): Promise<T | Response> {
  const body = await signedBody(c, subject);
  if (body instanceof Response) return body;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return badRequest('the body is not JSON');
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? parsed.data
    : badRequest(`the body is not ${what}`, fieldErrors(parsed.error));
}

export async function handleSync(c: AppContext): Promise<Response> {
  const pageId = c.req.param('pageId') ?? '';
  const batch = await signedJson(c, pageId, SyncBatch, 'a SyncBatch');
  if (batch instanceof Response) return batch;
  const crossErrors = crossChecks(batch, pageId);
  if (crossErrors.length) return badRequest('the batch does not belong to this page', crossErrors);

  try {
    const stub = c.env.PAGE_COORDINATOR.get(c.env.PAGE_COORDINATOR.idFromName(pageId));
    const result = await stub.applyBatch(pageId, batch.events);
    return c.json(result, 200, { 'Cache-Control': 'no-store' });
  } catch (err) {
    log.error('sync batch not stored', { pageId, error: String(err) });
    return problemResponse(
      {
        title: 'Batch not stored',
        status: 503,
        detail: 'the page coordinator did not store it; retry',
      },
      { 'Retry-After': '1' },
    );
  }
}
