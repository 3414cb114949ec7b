// Property test of the worker's /_sync route (the write path's door): whatever a correctly
// signed body holds, the answer is never a 5xx, and a refused body leaves nothing stored.
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validEvent } from '../support/arbitraries.ts';
import { mutated } from '../support/mutate.ts';
import { coordinator, postSync } from './support/sync-client.ts';

let pages = 0;
const freshPage = () => `prop_page_${++pages}`;

/** A body origin-sync might never send: noise, a batch with one field made hostile, another page's batch. */
const hostileBody = (pageId: string) =>
  fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.constantFrom('', '{', 'null', '[]', '{"pageId":', '\u0000', '{"events":[]}'),
    fc
      .array(validEvent, { minLength: 1, maxLength: 3 })
      .chain((events) => mutated({ pageId, events }))
      .map((body) => JSON.stringify(body)),
    fc
      .array(validEvent, { minLength: 1, maxLength: 3 })
      .map((events) => JSON.stringify({ pageId: `${pageId}_other`, events })),
  );

async function storedKeys(pageId: string): Promise<number> {
  return (await env.PAGES_KV.list({ prefix: `doc:${pageId}:` })).keys.length;
}

describe('/_sync with hostile bodies', () => {
  it('never answers 5xx, and stores nothing when it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constant(null)
          .map(freshPage)
          .chain((pageId) => fc.tuple(fc.constant(pageId), hostileBody(pageId))),
        async ([pageId, body]) => {
          const res = await postSync(pageId, body);
          expect(res.status).toBeLessThan(500);
          const text = await res.text();
          if (res.status === 200) return;
          expect(res.status, text).toBeGreaterThanOrEqual(400);
          expect(res.headers.get('Content-Type')).toBe('application/problem+json');
          const status = await coordinator(pageId).status();
          expect(status.pageId).toBeNull();
          expect(status.dirty).toBe(false);
          expect(status.renders).toBe(0);
          expect(await storedKeys(pageId)).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('refuses any body under a token that was not made for it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (token) => {
        const pageId = freshPage();
        const res = await postSync(pageId, JSON.stringify({ pageId, events: [] }), token);
        expect(res.status).toBe(401);
        expect((await coordinator(pageId).status()).pageId).toBeNull();
      }),
      { numRuns: 40 },
    );
  });
});
