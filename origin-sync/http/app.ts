// origin-sync's HTTP API: the core's door (docs/contract.md §1) and the operators' view (§3).
import { Hono } from 'hono';
import { z } from 'zod';
import { type CoreEvent, CoreEventBatch } from '../../worker/domain/schema.ts';
import type { HostnameConflict } from '../../worker/sync/contract.ts';
import { readBodyWithin } from '../../worker/sync/read-body.ts';
import { explorerLinks, explorerRoutes } from '../explorer/routes.ts';
import { conflictProblem, type HostnameClaimer, hostnameOps } from '../hostname-claims.ts';
import { errorMessage, type Logger, silentLogger } from '../log.ts';
import { reservedHostnameErrors } from '../reserved-hostnames.ts';
import type { OriginSync } from '../service.ts';
import { deadLetterRoutes } from './dead-letters.ts';
import { operatorAuth } from './operator-auth.ts';
import { eventErrors, problem } from './problem.ts';
import { acceptedRecord, noteBody, noteRecorded, recordCoreRequests } from './record-requests.ts';
import { requestRoutes } from './requests-route.ts';
import {
  checkTimestamp,
  parseSignatureHeader,
  REPLAY_WINDOW_S,
  SIGNATURE_HEADER,
  verifySignature,
} from './signature.ts';

export const MAX_CORE_BODY_BYTES = 1024 * 1024;

export interface AppOptions {
  sync: OriginSync;
  /** CORE_SIGNING_SECRET. */
  secret: string;
  /** OPERATOR_TOKEN: every route but the core's door and /healthz needs it (operator-auth.ts). */
  operatorToken: string;
  log?: Logger;
  now?: () => number;
  maxBodyBytes?: number;
  /** Asks the edge whether a batch's hostname claims hold (hostname-claims.ts); unset: no check. */
  claimHostnames?: HostnameClaimer;
  /** SAAS_ZONE_NAME: zones whose names no page may claim. */
  reservedZones?: readonly string[];
}

/** How long a claim waits for the release its holder's queue still carries (app.ts, claims). */
const RELEASE_WAIT_MS = 5_000;

const PageEventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});

const UNSIGNED = {
  title: 'Missing or invalid signature',
  status: 401,
  detail: `Sign the request: ${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.`,
};

export function createApp(opts: AppOptions): Hono {
  const { sync, secret } = opts;
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  const maxBytes = opts.maxBodyBytes ?? MAX_CORE_BODY_BYTES;
  const app = new Hono();
  app.use('/v1/*', explorerLinks());
  app.use('/healthz', explorerLinks());
  app.use('/v1/events', async (c, next) =>
    c.req.method === 'POST' ? recordCoreRequests(sync, log, now, maxBytes)(c, next) : next(),
  );
  // /explorer signs people in with the same token and then checks its own cookie; its routes
  // come before the bearer check, which would otherwise answer a browser with problem+json.
  explorerRoutes(app, { sync, operatorToken: opts.operatorToken, log, now });
  app.use(operatorAuth(opts.operatorToken));

  app.post('/v1/events', async (c) => {
    const receivedAt = now();
    const refuse = (reason: string, res: Response) => {
      log.warn('core batch refused', { status: res.status, reason });
      return res;
    };
    if (!sync.accepting) {
      return problem(
        { title: 'Not accepting events', status: 503, detail: 'origin-sync is stopping.' },
        { 'Retry-After': '5' },
      );
    }
    const signature = parseSignatureHeader(c.req.header(SIGNATURE_HEADER));
    if (!signature) return refuse('signature missing or malformed', problem(UNSIGNED));
    if (!checkTimestamp(signature, receivedAt)) {
      return refuse(
        'timestamp outside the replay window',
        problem({
          ...UNSIGNED,
          title: 'Signature timestamp outside the replay window',
          detail: `t must be within ${REPLAY_WINDOW_S} s of the current time.`,
        }),
      );
    }
    const type = c.req.header('Content-Type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      return refuse(
        'content type',
        problem({
          title: 'Unsupported media type',
          status: 415,
          detail: 'Send the batch as application/json.',
        }),
      );
    }
    const tooLarge = problem({
      title: 'Body too large',
      status: 413,
      detail: `A batch may be at most ${maxBytes} bytes.`,
    });
    const declared = Number(c.req.header('Content-Length') ?? '0');
    if (declared > maxBytes) return refuse('body too large', tooLarge);
    // Backpressure before the body is read: while the fan-out's backlog is full, a batch waits
    // in the socket's buffers, not as bytes and parsed events on the heap that outlive young
    // collections and pile up as garbage in V8's old space (docs/origin-sync-storage.md).
    await sync.room();
    const read = await readBatch(c.req.raw, secret, signature, maxBytes, tooLarge);
    if ('refused' in read) return refuse(read.refused, read.response);
    const { events } = read;

    const reserved = reservedHostnameErrors(events, opts.reservedZones ?? []);
    if (reserved.length > 0) {
      return refuse(
        'reserved hostnames',
        problem({
          title: 'Invalid events',
          status: 400,
          detail:
            'A hostname is one of the service’s own names; the whole batch was rejected and nothing changed.',
          errors: reserved,
        }),
      );
    }
    if (opts.claimHostnames) {
      const claim = opts.claimHostnames;
      const ops = hostnameOps(events, (id) => sync.directory.page(id)?.hostnames ?? null);
      let conflicts = await claim(ops).catch((err: unknown) => err as Error);
      // Held by a page whose latest event here no longer names it: that release is accepted
      // but not at the edge yet (the core may send the claim right after the release's
      // 202). Once the holders' queues are delivered, ask once more; the edge decides.
      const released = (c: HostnameConflict) =>
        !sync.directory.page(c.holder)?.hostnames.includes(c.hostname);
      if (!(conflicts instanceof Error) && conflicts.length > 0 && conflicts.every(released)) {
        const holders = [...new Set(conflicts.map((c) => c.holder))];
        if (await sync.delivered(holders, RELEASE_WAIT_MS)) {
          conflicts = await claim(ops).catch((err: unknown) => err as Error);
        }
      }
      if (conflicts instanceof Error) {
        // Same shape as notify/routes.ts's `unavailable` and the worker's own claims 503
        // (routes/sync-hostnames.ts): each says in its own words what was not done, with its own retry.
        log.error('hostname claims not checked', { error: errorMessage(conflicts) });
        return problem(
          {
            title: 'Hostnames not checked',
            status: 503,
            detail: 'The edge did not answer; nothing was accepted. Retry.',
          },
          { 'Retry-After': '5' },
        );
      }
      if (conflicts.length > 0) return refuse('hostname held', problem(conflictProblem(conflicts)));
    }
    try {
      // The request's own record commits with its batch: one commit before the 202.
      const record = acceptedRecord(
        c,
        events.map((e) => e.id),
      );
      const result = await sync.accept(events, receivedAt, now(), record);
      if (record) noteRecorded(c.req.raw);
      log.info('core batch accepted', {
        accepted: result.accepted,
        duplicates: result.duplicates,
        pendingApply: sync.pendingApply,
        ms: now() - receivedAt,
      });
      return c.json({ accepted: result.accepted, duplicates: result.duplicates }, 202);
    } catch (err) {
      log.error('core batch not stored', { error: errorMessage(err) });
      return problem(
        {
          title: 'Not stored',
          status: 503,
          detail:
            'The batch could not be stored durably (the disk may be full); nothing was accepted. Retry.',
        },
        { 'Retry-After': '5' },
      );
    }
  });

  app.get('/v1/events/:id', (c) => {
    const trace = sync.trace(c.req.param('id'));
    if (!trace) {
      return problem({
        title: 'Unknown event',
        status: 404,
        detail:
          'No event with this id was accepted recently (the explorer keeps 7 days by default).',
      });
    }
    return c.json(trace, 200, { 'Cache-Control': 'no-store' });
  });

  app.get('/v1/pages/:id/events', (c) => {
    const query = PageEventsQuery.safeParse(c.req.query());
    if (!query.success) {
      return problem({
        title: 'Invalid query',
        status: 400,
        detail: 'limit must be an integer from 1 to 10000.',
      });
    }
    const events = sync.pageTraces(c.req.param('id'), query.data.limit);
    return c.json({ events }, 200, { 'Cache-Control': 'no-store' });
  });

  app.get('/healthz', (c) => {
    const health = sync.health();
    return c.json(health, health.ok ? 200 : 503, { 'Cache-Control': 'no-store' });
  });

  deadLetterRoutes(app, sync, { now, log });
  requestRoutes(app, sync);
  for (const ext of sync.extensions) ext.routes?.(app, sync.directory);

  app.notFound(() => problem({ title: 'Not found', status: 404 }));
  app.onError((err) => {
    log.error('unhandled', { error: errorMessage(err) });
    return problem({ title: 'Internal error', status: 500 });
  });
  return app;
}

type BatchRead = { events: CoreEvent[] } | { refused: string; response: Response };

/**
 * Reads, verifies, parses and validates a core batch's body. Its own function so that the bytes and the
 * decoded text are garbage as soon as it returns: the handler then holds only the parsed
 * batch while its commit is awaited, not the body three times over.
 */
async function readBatch(
  req: Request,
  secret: string,
  signature: NonNullable<ReturnType<typeof parseSignatureHeader>>,
  maxBytes: number,
  tooLarge: Response,
): Promise<BatchRead> {
  // With its length declared (and within the limit, checked before), the body is read whole
  // straight off the socket: @hono/node-server then builds no web Request and stream around
  // it (~3 % of the main thread under load). Streamed without a length, it is counted as it
  // comes and refused as soon as it passes the limit.
  const body =
    req.headers.get('Content-Length') !== null
      ? { ok: true as const, bytes: new Uint8Array(await req.arrayBuffer()) }
      : await readBodyWithin(req.body, maxBytes);
  if (!body.ok) return { refused: 'body too large', response: tooLarge };
  noteBody(req, body.bytes);
  if (!verifySignature(secret, signature, body.bytes).ok) {
    return { refused: 'signature mismatch', response: problem(UNSIGNED) };
  }
  let json: unknown;
  try {
    json = JSON.parse(
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body.bytes),
    );
  } catch (err) {
    return {
      refused: 'not JSON',
      response: problem({ title: 'Malformed JSON', status: 400, detail: errorMessage(err) }),
    };
  }
  const parsed = CoreEventBatch.safeParse(json);
  if (parsed.success) return { events: parsed.data.events };
  const { errors, omitted } = eventErrors(parsed.error.issues, json);
  const bad = new Set(errors.flatMap((e) => (e.index === undefined ? [] : [e.index])));
  return {
    refused: 'invalid events',
    response: problem({
      title: 'Invalid events',
      status: 400,
      detail:
        bad.size > 0
          ? `${bad.size} event(s) are invalid (indexes ${[...bad].join(', ')}); the whole batch was rejected and nothing changed.`
          : 'The body is not a batch of 1 to 500 events; nothing changed.',
      errors,
      ...(omitted > 0 ? { omittedErrors: omitted } : {}),
    }),
  };
}
