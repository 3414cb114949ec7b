// State files are 0600 and state directories 0700 (issue 12): the journal, snapshots, keys and
// the operator token are nobody else's on a shared machine.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sendAllCoreEvents } from '../../scripts/lib/core-client.ts';
import {
  ensureKeys,
  freePort,
  startOriginSyncProcess,
} from '../../scripts/lib/origin-sync-process.ts';
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
  const stateDir = await mkdtemp(join(tmpdir(), 'file-modes-'));
  await ensureKeys(stateDir);
  const origin = await startOriginSyncProcess({
    stateDir,
    port: await freePort(),
    workerUrl: 'http://127.0.0.1:9',
    secret: 'modes',
  });
  await sendAllCoreEvents({ url: origin.url, secret: 'modes' }, [serviceEvent({ id: 's' })]);
  expect(await origin.stop()).toBe(0);
  const found = await modes(stateDir);
  expect(found.some(([p]) => p.includes('origin-sync'))).toBe(true);
  for (const [path, mode, isDir] of found) {
    expect(mode.toString(8), path).toBe(isDir ? '700' : '600');
  }
  await rm(stateDir, { recursive: true, force: true });
}, 60_000);
