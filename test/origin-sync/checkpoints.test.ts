// Checkpoints run on a thread of their own (store/checkpoint-thread.ts): what the core sends
// reaches the database file within moments, while the WAL stays far below the size at which
// the writing connection would checkpoint it itself (WAL_BACKSTOP_PAGES). Without that thread,
// the pages would stay in the WAL until the backstop; without the writer's checkpoint after a
// pass that caught up (checkpointer.ts, RESTART_AFTER_FRAMES), a steady stream of writes
// would never let the WAL start over, and it would grow to the backstop all the same.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, WAL_BACKSTOP_PAGES } from '../../origin-sync/store/database.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
import { type FakeEdgeRig, fakeEdgeRig, TEST_SECRET } from '../support/origin-sync-in-process.ts';
import { waitFor } from '../support/wait.ts';

let rig: FakeEdgeRig;

beforeEach(async () => {
  rig = await fakeEdgeRig();
});

afterEach(async () => {
  await rig.close();
});

async function size(path: string): Promise<number> {
  return (await stat(path).catch(() => ({ size: 0 }))).size;
}

describe('checkpoints', () => {
  it('copies what was committed into the database file soon, long before the WAL is large', async () => {
    const origin = await rig.start();
    const core = { url: origin.url, secret: TEST_SECRET };
    expect((await postCoreEvents(core, [pageEvent({ id: 'p', serviceIds: ['a'] })])).status).toBe(
      202,
    );
    const database = join(rig.dir, DATABASE_FILE);
    const before = await size(database);
    // ~4 MiB of events (~1,000 pages), a tenth of the backstop.
    for (let n = 1; n <= 10; n++) {
      const batch = Array.from({ length: 200 }, (_, i) =>
        serviceEvent(
          { id: 'a', name: `A ${n}.${i}`, description: 'x'.repeat(2_000) },
          n * 1000 + i,
        ),
      );
      expect((await postCoreEvents(core, batch)).status).toBe(202);
    }
    const copied = await waitFor(
      async () => ((await size(database)) - before >= 4 * 1024 * 1024 ? true : null),
      { timeoutMs: 3_000 },
    );
    expect(copied).toBe(true);
    expect(await size(`${database}-wal`)).toBeLessThan(WAL_BACKSTOP_PAGES * 4096);
  });

  it('starts the WAL over while writes keep coming, so it never reaches the backstop', async () => {
    const origin = await rig.start();
    const core = { url: origin.url, secret: TEST_SECRET };
    expect((await postCoreEvents(core, [pageEvent({ id: 'p', serviceIds: ['a'] })])).status).toBe(
      202,
    );
    const wal = `${join(rig.dir, DATABASE_FILE)}-wal`;
    // ~60 MiB of events, 1.5 times the backstop, from four senders at once: the writer never
    // waits long between commits, so a checkpoint pass always ends behind it.
    let n = 0;
    let largest = 0;
    const sender = async () => {
      while (n < 150) {
        const k = ++n;
        const batch = Array.from({ length: 200 }, (_, i) =>
          serviceEvent(
            { id: 'a', name: `A ${k}.${i}`, description: 'x'.repeat(2_000) },
            k * 1000 + i,
          ),
        );
        expect((await postCoreEvents(core, batch)).status).toBe(202);
        largest = Math.max(largest, await size(wal));
      }
    };
    await Promise.all([sender(), sender(), sender(), sender()]);
    // The WAL file only grows when the log outgrows it, so its size is the log's high point: a
    // log that reached the backstop's 10,000 pages is a file past 10,000 × 4096 bytes (with
    // the frame headers). Measured: 21–30 MB; 42–44 MB when nothing starts the WAL over.
    expect(largest).toBeLessThan(WAL_BACKSTOP_PAGES * 4096);
  });
});
