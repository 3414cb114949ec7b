// Two origin-sync processes started at the same instant on one STATE_DIR: exactly one serves,
// the other exits non-zero within seconds without ever listening. 20 tries, as the issue that
// found the old pid-file LOCK wanting measured them: 10 on a fresh directory, 5 over a
// directory a SIGKILLed process left, 5 with each process as pid 1 of its own pid namespace
// (two containers on one volume; needs root and unshare, else those 5 are skipped).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureKeys, freePort } from '../../scripts/lib/system.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'origin-sync/main.ts');

const canUnshare =
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

interface Started {
  child: ChildProcess;
  port: number;
  listening: Promise<boolean>;
  exited: Promise<number | string>;
  log: string[];
}

const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function launch(stateDir: string, ownPidNamespace: boolean): Promise<Started> {
  const port = await freePort();
  const env = {
    ...process.env,
    SYNC_PORT: String(port),
    SYNC_HOST: '127.0.0.1',
    WORKER_URL: 'http://127.0.0.1:9',
    CORE_SIGNING_SECRET: 'exclusive',
    OPERATOR_TOKEN: 'exclusive-operator-token',
    STATE_DIR: stateDir,
    LOG_LEVEL: 'info',
  };
  const command = ownPidNamespace
    ? [
        'unshare',
        ['--pid', '--fork', '--mount-proc', '--kill-child=SIGKILL', process.execPath, MAIN],
      ]
    : [process.execPath, [MAIN]];
  const child = spawn(command[0] as string, command[1] as string[], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const log: string[] = [];
  const exited = new Promise<number | string>((r) =>
    child.once('exit', (code, signal) => r(code ?? signal ?? 'unknown')),
  );
  const listening = new Promise<boolean>((r) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      log.push(line);
      if (line.includes('origin-sync: listening')) r(true);
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) =>
      log.push(l),
    );
    void exited.then(() => r(false));
  });
  return { child, port, listening, exited, log };
}

async function serves(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
}

async function race(stateDir: string, ownPidNamespace: boolean): Promise<void> {
  const pair = await Promise.all([
    launch(stateDir, ownPidNamespace),
    launch(stateDir, ownPidNamespace),
  ]);
  const outcome = await Promise.all(
    pair.map((p) =>
      Promise.race([p.listening, p.exited.then(() => false)]).then((listened) => ({
        p,
        listened,
      })),
    ),
  );
  const winners = outcome.filter((o) => o.listened);
  expect(winners, pair.map((p) => p.log.join('\n')).join('\n---\n')).toHaveLength(1);
  const loser = outcome.find((o) => !o.listened)?.p as Started;
  const code = await Promise.race([
    loser.exited,
    new Promise<string>((r) => setTimeout(() => r('still running'), 20_000)),
  ]);
  expect(code).not.toBe(0);
  expect(code).not.toBe('still running');
  expect(loser.log.join('\n')).toContain('is in use by another origin-sync');
  expect(await serves(loser.port)).toBe(false);
  const winner = winners[0]?.p as Started;
  expect(await serves(winner.port)).toBe(true);
  // unshare ignores SIGTERM while it waits; SIGKILL reaches its child as --kill-child.
  winner.child.kill(ownPidNamespace ? 'SIGKILL' : 'SIGTERM');
  await winner.exited;
}

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'esp-exclusive-'));
  dirs.push(dir);
  await ensureKeys(dir);
  return dir;
}

describe('one origin-sync per STATE_DIR', () => {
  it('lets exactly one of two simultaneous starts serve, 10 times on a fresh directory', async () => {
    for (let i = 0; i < 10; i++) await race(await freshDir(), false);
  }, 180_000);

  it('lets exactly one serve over a directory a SIGKILLed origin-sync left, 5 times', async () => {
    for (let i = 0; i < 5; i++) {
      const dir = await freshDir();
      const crashed = await launch(dir, false);
      expect(await crashed.listening).toBe(true);
      crashed.child.kill('SIGKILL');
      await crashed.exited;
      await race(dir, false);
    }
  }, 180_000);

  it.skipIf(!canUnshare)(
    'lets exactly one serve when each is pid 1 of its own pid namespace, 5 times',
    async () => {
      for (let i = 0; i < 5; i++) {
        const dir = await freshDir();
        if (i % 2 === 1) {
          const crashed = await launch(dir, true);
          expect(await crashed.listening).toBe(true);
          crashed.child.kill('SIGKILL');
          await crashed.exited;
        }
        await race(dir, true);
      }
    },
    180_000,
  );
});
