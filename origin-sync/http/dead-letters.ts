// Operators' view of dead letters (deliveries the edge refused for good, or that failed too
// long): list them, put one back in its page's queue, or discard it. Counts are in /healthz.
import type { Hono } from 'hono';
import { z } from 'zod';
import { errorMessage, type Logger, silentLogger } from '../log.ts';
import type { OriginSync } from '../service.ts';
import { invalidQuery, problem } from './problem.ts';

/** Who an action through the API is recorded as: the bearer token is shared, so say which door. */
export const API_OPERATOR = 'operator token (API)';

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});
const Params = z.object({
  pageId: z.string().min(1).max(256),
  eventId: z.string().min(1).max(128),
});

export function deadLetterRoutes(
  app: Hono,
  sync: OriginSync,
  opts: { now?: () => number; log?: Logger } = {},
): void {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? silentLogger;
  app.get('/v1/dead-letters', (c) => {
    const query = ListQuery.safeParse(c.req.query());
    if (!query.success) return invalidQuery('limit must be an integer from 1 to 10000.');
    return c.json({ deadLetters: sync.deadLetters(query.data.limit) }, 200, {
      'Cache-Control': 'no-store',
    });
  });

  for (const action of ['retry', 'discard'] as const) {
    app.post(`/v1/dead-letters/:pageId/:eventId/${action}`, async (c) => {
      const params = Params.safeParse(c.req.param());
      if (!params.success) return problem({ title: 'Invalid dead letter', status: 400 });
      const { pageId, eventId } = params.data;
      const done =
        action === 'retry'
          ? await sync.retryDeadLetter(pageId, eventId)
          : await sync.discardDeadLetter(pageId, eventId);
      // Recorded with who and when, as the explorer's buttons are (its page view lists both).
      await sync
        .recordAction({
          at: new Date(now()).toISOString(),
          who: `${API_OPERATOR}${c.req.header('User-Agent') ? `, ${c.req.header('User-Agent')?.slice(0, 80)}` : ''}`,
          action: `dead letter ${action}`,
          pageId,
          eventId,
          result: done ? 'done' : 'no such dead letter',
        })
        .catch((err: unknown) =>
          log.warn('dead letters: action not recorded', { error: errorMessage(err) }),
        );
      if (!done) {
        return problem({
          title: 'Unknown dead letter',
          status: 404,
          detail: 'No dead letter of this event for this page.',
        });
      }
      return c.json({ pageId, eventId, [action === 'retry' ? 'retried' : 'discarded']: true });
    });
  }
}
