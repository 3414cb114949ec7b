// First start over what the journal-based origin-sync left (snapshot.bin + journal segments,
// in its framing): everything it knew is in the database, nothing is lost or sent twice, and
// the old files are moved aside, not deleted.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Health } from '../../origin-sync/service.ts';
import { encodeRecord } from '../../origin-sync/store/legacy/framing.ts';
import { LEGACY_DIR } from '../../origin-sync/store/legacy-import.ts';
import type { EventTrace } from '../../origin-sync/store/trace.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import type { FakeEdge } from '../support/fake-edge.ts';
import {
  AS_OPERATOR,
  type FakeEdgeRig,
  fakeEdgeRig,
  type RunningOriginSync,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';
import { waitFor } from '../support/wait.ts';

const T = Date.now() - 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

let rig: FakeEdgeRig;
let edge: FakeEdge;
let dir: string;
let origin: RunningOriginSync | null = null;

beforeEach(async () => {
  rig = await fakeEdgeRig();
  ({ edge, dir } = rig);
});

afterEach(() => rig.close());

function trace(event: CoreEvent, pageId: string): EventTrace {
  return {
    id: event.id,
    type: event.type,
    receivedAt: iso(T),
    steps: [
      { step: 'received', at: iso(T) },
      { step: 'validated', at: iso(T) },
      { step: 'journaled', at: iso(T) },
      { step: 'fanned_out', at: iso(T), pageId },
    ],
  };
}

describe('import of the old journal', () => {
  it('keeps every event, the outbox and the explorer, and sends nothing twice', async () => {
    const page = pageEvent({ id: 'p', serviceIds: ['a'] });
    const svc = serviceEvent({ id: 'a' });
    const queued = serviceEvent({ id: 'a', status: 'major_outage' }, 2);
    const incident = incidentEvent({ id: 'i', serviceIds: ['a'] });
    const acked = incidentEvent({ id: 'j', serviceIds: ['a'] });
    // The snapshot: page and service delivered; `queued` still waiting for p (seq 3).
    const snapshot = {
      format: 1,
      entities: [page, queued],
      seen: [page.id, svc.id, queued.id],
      outbox: { nextSeq: 4, pages: [['p', [{ seq: 3, enqueuedAt: T, event: queued }]]] },
      explorer: { traces: [trace(page, 'p'), trace(svc, 'p'), trace(queued, 'p')], pages: [] },
      renders: [],
    };
    const sync = join(dir, 'origin-sync');
    await mkdir(sync, { recursive: true });
    await writeFile(
      join(sync, 'snapshot.bin'),
      Buffer.concat([
        encodeRecord(json({ format: 1, lastSegment: 1, writtenAt: iso(T) })),
        encodeRecord(json(snapshot)),
      ]),
    );
    // After it: two incidents accepted (seq 4, 5), the first pushed and acknowledged with
    // `queued` (everything up to seq 4); then a torn record the crash cut short.
    await writeFile(
      join(sync, 'journal-000000000002.log'),
      Buffer.concat([
        encodeRecord(
          json({ kind: 'accept', at: T, receivedAt: T, validatedAt: T, events: [acked, incident] }),
        ),
        encodeRecord(
          json({
            kind: 'ack',
            at: T + 1,
            pushedAt: T + 1,
            pageId: 'p',
            upTo: 4,
            attempt: 1,
            renderVersion: null,
            results: [],
          }),
        ),
        encodeRecord(json({ kind: 'accept', at: T, events: [] })).subarray(0, 10),
      ]),
    );

    origin = await rig.start({ dir: sync });
    await waitFor(async () => {
      const h = (await (await fetch(`${origin?.url}/healthz`)).json()) as Health;
      return h.outbox.depth === 0 ? h : null;
    });
    // Only what was not acknowledged went out.
    expect(edge.batches.flatMap((b) => b.events.map((e) => e.id))).toEqual([incident.id]);
    expect((await readdir(sync)).filter((n) => !n.startsWith('origin-sync.db'))).toEqual([
      LEGACY_DIR,
    ]);
    expect((await readdir(join(sync, LEGACY_DIR))).sort()).toEqual([
      'journal-000000000002.log',
      'snapshot.bin',
    ]);
    // The ids it had seen are still duplicates, and the explorer kept their history.
    const again = await postCoreEvents({ url: origin.url, secret: TEST_SECRET }, [svc, acked]);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 2 });
    const svcTrace = (await (
      await fetch(`${origin.url}/v1/events/${svc.id}`, AS_OPERATOR)
    ).json()) as EventTrace;
    expect(svcTrace.steps.map((s) => s.step)).toEqual([
      'received',
      'validated',
      'journaled',
      'fanned_out',
    ]);
    const ackedTrace = (await (
      await fetch(`${origin.url}/v1/events/${acked.id}`, AS_OPERATOR)
    ).json()) as EventTrace;
    expect(ackedTrace.steps.map((s) => s.step)).toContain('pushed');
    // The catalogue came along: a new page showing `a` gets its current state and incidents.
    await postCoreEvents({ url: origin.url, secret: TEST_SECRET }, [
      pageEvent({ id: 'q', serviceIds: ['a'] }),
    ]);
    await waitFor(async () => (edge.pages.get('q')?.size === 4 ? true : null));
    expect(edge.pages.get('q')?.get('service:a')?.version).toBe(2);
    // The edge applied it; its acknowledgement is committed a moment later (a stop without
    // drain would abort the answer in flight, and the batch would rightly go again).
    await waitFor(async () => {
      const h = (await (await fetch(`${origin?.url}/healthz`)).json()) as Health;
      return h.outbox.depth === 0 ? h : null;
    });

    // A second start does not import again.
    await origin.stop();
    origin = await rig.start({ dir: sync });
    const h = (await (await fetch(`${origin.url}/healthz`)).json()) as Health;
    expect(h.outbox.depth).toBe(0);
  });
});
