// State files are 0600 and state directories 0700 (issue 12): the journal, snapshots, keys and
// the operator token are nobody else's on a shared machine.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sendAllCoreEvents } from '../../scripts/lib/core-client.ts';
import { startSystem } from '../../scripts/lib/system.ts';
import { serviceEvent } from '../support/events.ts';

async function modes(dir: string): Promise<[string, number, boolean][]> {
  const out: [string, number, boolean][] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    out.push([path.slice(dir.length), (await stat(path)).mode & 0o777, entry.isDirectory()]);
  }
  return out;
}

it('origin-sync keeps its state files 0600 and directories 0700', async () => {
  const system = await startSystem({
    worker: false,
    originSync: { workerUrl: 'http://127.0.0.1:9' },
  });
  await sendAllCoreEvents(system.core, [serviceEvent({ id: 's' })]);
  expect(await system.stopOriginSync()).toBe(0);
  const found = await modes(system.stateDir);
  expect(found.some(([p]) => p.includes('origin-sync'))).toBe(true);
  for (const [path, mode, isDir] of found) {
    expect(mode.toString(8), path).toBe(isDir ? '700' : '600');
  }
  await system.stop();
}, 60_000);
