// The database cannot grow (a full disk, stood in for by SQLite's max_page_count): the core
// gets 503 with Retry-After and nothing half-stored, the explorer stays readable, /healthz
// says so, and once there is room again origin-sync accepts by itself. A damaged database
// refuses the start with what to do.
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Health } from '../../origin-sync/service.ts';
import { DATABASE_FILE } from '../../origin-sync/store/database.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
import type { FakeEdge } from '../support/fake-edge.ts';
import {
  AS_OPERATOR,
  type FakeEdgeRig,
  fakeEdgeRig,
  type RunningOriginSync,
  TEST_SECRET,
} from '../support/origin-sync-in-process.ts';
import { waitFor } from '../support/wait.ts';

let rig: FakeEdgeRig;
let edge: FakeEdge;
let dir: string;
let origin: RunningOriginSync | null = null;

beforeEach(async () => {
  rig = await fakeEdgeRig();
  ({ edge, dir } = rig);
});

afterEach(async () => {
  origin = null;
  await rig.close();
});

describe('storage faults', () => {
  it('answers 503 with Retry-After while the disk is full, and recovers by itself', async () => {
    origin = await rig.start();
    const core = { url: origin.url, secret: TEST_SECRET };
    const page = pageEvent({ id: 'p', serviceIds: ['a'] });
    expect((await postCoreEvents(core, [page])).status).toBe(202);
    await waitFor(async () => edge.pages.get('p') ?? null);

    expect(origin.sync.health().storage.writable).toBe(true);
    // No room to grow: only the pages the database has now.
    origin.sync.setMaxPageCount(1);
    const big = (n: number) =>
      Array.from({ length: 200 }, (_, i) =>
        serviceEvent(
          { id: 'a', name: `A ${n}.${i}`, description: 'x'.repeat(2_000) },
          n * 1000 + i,
        ),
      );
    let refused: Response | null = null;
    for (let n = 1; n <= 20 && !refused; n++) {
      const res = await postCoreEvents(core, big(n));
      if (res.status !== 202) refused = res;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('Retry-After')).toBeTruthy();
    expect(refused?.headers.get('Content-Type')).toContain('application/problem+json');
    const refusedBatch = big(99);
    expect((await postCoreEvents(core, refusedBatch)).status).toBe(503);

    const health = (await (await fetch(`${origin.url}/healthz`)).json()) as Health;
    expect(health.storage.writable).toBe(false);
    expect(health.status).toBe('degraded');
    // The explorer still answers, and nothing of a refused batch was kept.
    expect((await fetch(`${origin.url}/v1/events/${page.id}`, AS_OPERATOR)).status).toBe(200);
    expect(
      (await fetch(`${origin.url}/v1/events/${refusedBatch[0]?.id}`, AS_OPERATOR)).status,
    ).toBe(404);

    origin.sync.setMaxPageCount(1_000_000);
    const again = await postCoreEvents(core, refusedBatch);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ accepted: 200, duplicates: 0 });
    const after = (await (await fetch(`${origin.url}/healthz`)).json()) as Health;
    expect(after.storage.writable).toBe(true);
    await waitFor(async () =>
      edge.pages.get('p')?.get('service:a')?.id === refusedBatch.at(-1)?.id ? true : null,
    );
  });

  it('keeps its database private: directory 0700, files 0600', async () => {
    const own = join(dir, 'origin-sync');
    origin = await rig.start({ dir: own });
    await postCoreEvents({ url: origin.url, secret: TEST_SECRET }, [
      pageEvent({ id: 'p', serviceIds: [] }),
    ]);
    expect((await stat(own)).mode & 0o777).toBe(0o700);
    const files = (await readdir(own)).filter((n) => n.startsWith(DATABASE_FILE));
    expect(files).toContain(`${DATABASE_FILE}-wal`);
    for (const f of files) expect((await stat(join(own, f))).mode & 0o777).toBe(0o600);
  });

  it('refuses to start on a damaged database, saying what to do', async () => {
    await writeFile(join(dir, DATABASE_FILE), `SQLite format 3\0${'garbage'.repeat(1000)}`);
    await expect(rig.start()).rejects.toThrow(/restore it from a backup|move it aside/i);
  });
});
