import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../origin-sync/http/signature.ts';
import { validEvent } from '../support/arbitraries.ts';
import { mutated } from '../support/mutate.ts';
import {
  type FakeEdgeRig,
  fakeEdgeRig,
  type RunningOriginSync,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';

let origin: RunningOriginSync;
let rig: FakeEdgeRig;

beforeAll(async () => {
  rig = await fakeEdgeRig();
  origin = await rig.start();
});

afterAll(() => rig?.close());

/** What accepting any event grows (not the journal's record count: acknowledgements and
 * render confirmations of earlier batches are journaled in the background). */
async function journalled(): Promise<{ records: number; depth: number }> {
  const h = (await (await fetch(`${origin.url}/healthz`)).json()) as {
    outbox: { depth: number };
    catalogue: { entities: number };
    explorer: { events: number };
  };
  return { records: h.explorer.events + h.catalogue.entities, depth: h.outbox.depth };
}

/** The journal once deliveries of earlier accepted batches are done (they journal too). */
async function settled(): Promise<{ records: number; depth: number }> {
  let last = await journalled();
  for (let i = 0; i < 250; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const now = await journalled();
    if (now.depth === 0 && now.records === last.records) return now;
    last = now;
  }
  throw new Error('origin-sync did not settle');
}

const hostileBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.constantFrom('', '{', 'null', '[]', '{"events":[]}', '{"events":null}', '\u0000'),
  fc
    .array(validEvent, { minLength: 1, maxLength: 4 })
    .chain((events) => mutated({ events }))
    .map((body) => JSON.stringify(body)),
);

describe('POST /v1/events with hostile bodies', () => {
  it('never answers 5xx, and journals nothing when it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody, async (body) => {
        const before = await settled();
        const res = await fetch(`${origin.url}/v1/events`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-Signature': signatureHeader(TEST_SECRET, body),
          },
          body,
        });
        const text = await res.text();
        expect(res.status, text).toBeLessThan(500);
        if (res.status === 202) return;
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.headers.get('Content-Type')).toBe('application/problem+json');
        expect(await journalled()).toEqual(before);
      }),
      { numRuns: 120 },
    );
  });
});
