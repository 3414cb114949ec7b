// origin-sync as a real process: SIGTERM stops it cleanly (exit 0, nothing that
// got a 202 lost, even with requests in flight), and the next start picks up from there.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Health } from '../../origin-sync/service.ts';
import { postCoreEvents } from '../../scripts/lib/core-client.ts';
import { startSystem } from '../../scripts/lib/system.ts';
import type { CoreEvent } from '../../worker/domain/schema.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';

describe('origin-sync process lifecycle', () => {
  it('on SIGTERM stops accepting, keeps every 202 and exits 0', async () => {
    const system = await startSystem({
      worker: false,
      // No worker: everything stays in the outbox, which must survive the stop.
      originSync: { workerUrl: 'http://127.0.0.1:9' },
    });
    const { core, stateDir } = system;
    // No hostnames: without a worker, a hostname claim cannot be checked and is refused (503).
    const page = pageEvent({ id: 'p', serviceIds: ['a'], hostnames: [] });
    expect((await postCoreEvents(core, [page])).status).toBe(202);

    const acknowledged: CoreEvent[] = [];
    let stop = false;
    const senders = Array.from({ length: 4 }, async (_, s) => {
      for (let k = 0; !stop; k++) {
        const batch = Array.from({ length: 50 }, (_, i) =>
          serviceEvent({ id: 'a', name: `A ${s}.${k}.${i}` }, k * 50 + i + 1),
        );
        const res = await postCoreEvents(core, batch).catch(() => null);
        if (res?.status === 202) acknowledged.push(...batch);
        else if (res) expect(res.status).toBe(503);
        else stop = true;
      }
    });
    while (acknowledged.length < 2_000) await new Promise((r) => setTimeout(r, 10));
    const code = await system.stopOriginSync('SIGTERM');
    stop = true;
    await Promise.all(senders);
    expect(code).toBe(0);
    expect(await readdir(join(stateDir, 'origin-sync'))).toContain('origin-sync.db');

    const second = await system.startOriginSync();
    const health = (await (await fetch(`${core.url}/healthz`)).json()) as Health;
    expect(health.outbox.depth).toBe(acknowledged.length + 1);
    for (const event of [acknowledged[0], acknowledged.at(-1)] as CoreEvent[]) {
      const asOperator = { headers: { Authorization: `Bearer ${second.operatorToken}` } };
      expect((await fetch(`${core.url}/v1/events/${event.id}`, asOperator)).status).toBe(200);
    }
    const again = await postCoreEvents(core, acknowledged.slice(-10));
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 10 });
    expect(await system.stopOriginSync()).toBe(0);
    await system.stop();
  }, 60_000);
});
