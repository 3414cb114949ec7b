// A core that moves a hostname sends the release and then, on its 202, the claim. The release
// is accepted here but reaches the edge only with its page's push; until then the edge's
// registry still names the old holder. origin-sync must not answer that claim 409 for a
// hostname it has itself seen released: it waits for the holder's push and asks again.
// (test/e2e/hostname-takeover.test.ts did this against the real worker and failed under load.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostnameClaimer } from '../../origin-sync/hostname-claims.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import type { HostnameConflict } from '../../worker/sync/contract.ts';
import { pageEvent } from '../support/events.ts';
import {
  type FakeEdgeRig,
  fakeEdgeRig,
  type RunningOriginSync,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';

let rig: FakeEdgeRig;
let origin: RunningOriginSync;
const core = () => ({ url: origin.url, secret: TEST_SECRET });
const HOST = 'moving.example';

/** The edge's registry as its stored pushes say: a hostname is held by the page whose latest delivered event names it. */
const edgeRegistry: HostnameClaimer = async (ops) => {
  const conflicts: HostnameConflict[] = [];
  for (const op of ops) {
    if (op.op !== 'claim') continue;
    for (const [pageId, state] of rig.edge.pages) {
      const page = state.get(`status_page:${pageId}`);
      if (pageId === op.pageId || page?.type !== 'status_page.upserted') continue;
      if (page.data.hostnames.includes(op.hostname)) {
        conflicts.push({ ...op, holder: pageId });
      }
    }
  }
  return conflicts;
};

beforeAll(async () => {
  rig = await fakeEdgeRig();
  origin = await rig.start({ claimHostnames: edgeRegistry });
});
afterAll(() => rig?.close());

describe('a hostname claimed right after its release', () => {
  it('waits for the release to reach the edge instead of refusing the claim', async () => {
    const old = pageEvent({ id: 'p_old', hostnames: [HOST] }, 1);
    expect((await postCoreEvents(core(), [old])).status).toBe(202);
    await waitDelivered('p_old');
    // The release is accepted while the edge holds every push back.
    const release = rig.edge.hold();
    const released = pageEvent({ id: 'p_old', hostnames: [] }, 2);
    expect((await postCoreEvents(core(), [released])).status).toBe(202);
    setTimeout(release, 300);
    const started = Date.now();
    const claim = await postCoreEvents(core(), [pageEvent({ id: 'p_new', hostnames: [HOST] }, 1)]);
    expect(claim.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('still refuses at once a hostname its holder names', async () => {
    await waitDelivered('p_new');
    const started = Date.now();
    const res = await postCoreEvents(core(), [pageEvent({ id: 'p_evil', hostnames: [HOST] }, 1)]);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { errors: { holder: string }[] }).errors).toEqual([
      expect.objectContaining({ holder: 'p_new' }),
    ]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

async function waitDelivered(pageId: string): Promise<void> {
  expect(await origin.sync.delivered([pageId], 5_000)).toBe(true);
}
