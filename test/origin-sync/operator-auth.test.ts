// Fail closed (issue 12): the operator endpoints need the operator token, /healthz stays open
// and names nothing of anyone's, and origin-sync will not start with the public development
// secret anywhere but loopback, nor without an operator token.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CORE_SIGNING_SECRET } from '../../origin-sync/config.ts';
import { operatorTokenFile } from '../../origin-sync/http/operator-auth.ts';
import { sendAllCoreEvents } from '../../scripts/lib/core-client.ts';
import {
  ensureKeys,
  type OriginSyncProcess,
  type System,
  startSystem,
} from '../../scripts/lib/system.ts';
import { pageEvent } from '../support/events.ts';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../origin-sync/main.ts');
let system: System;
let origin: OriginSyncProcess;
const SECRET = 'operator-test-secret';

beforeAll(async () => {
  // No edge runs here: origin-sync only journals. (Its hostname check would fail closed, so
  // the page below has no hostnames.)
  system = await startSystem({
    worker: false,
    originSync: { workerUrl: 'http://127.0.0.1:9' },
    secret: SECRET,
  });
  origin = system.originSync;
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

describe('operator endpoints', () => {
  const paths = ['/v1/events/evt_x', '/v1/pages/page_op/events', '/v1/pages/page_op/domains'];

  it('answer 401 problem+json without the token, or with a wrong one', async () => {
    for (const path of paths) {
      const attempts: Record<string, string>[] = [
        {},
        { Authorization: 'Bearer wrong-token-wrong-token-wrong' },
        { Authorization: `Basic ${origin.operatorToken}` },
      ];
      for (const headers of attempts) {
        const res = await fetch(`${origin.url}${path}`, { headers });
        expect(res.status, path).toBe(401);
        expect(res.headers.get('Content-Type'), path).toContain('application/problem+json');
        expect(res.headers.get('WWW-Authenticate'), path).toContain('Bearer');
      }
    }
  });

  it('answer with the token', async () => {
    const auth = { headers: { Authorization: `Bearer ${origin.operatorToken}` } };
    expect((await fetch(`${origin.url}/v1/events/evt_x`, auth)).status).toBe(404);
    expect((await fetch(`${origin.url}/v1/pages/page_op/events`, auth)).status).toBe(200);
    expect((await fetch(`${origin.url}/v1/pages/page_op/domains`, auth)).status).not.toBe(401);
  });

  it('leave /healthz open, naming no page or event', async () => {
    const event = pageEvent({ id: 'page_secretive', serviceIds: [], hostnames: [] });
    await sendAllCoreEvents({ url: origin.url, secret: SECRET }, [event]);
    const res = await fetch(`${origin.url}/healthz`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('page_secretive');
    expect(text).not.toContain(event.id);
  });

  it('keep the generated token in a 0600 file', async () => {
    expect((await stat(operatorTokenFile(system.stateDir))).mode & 0o777).toBe(0o600);
  });
});

describe('origin-sync refuses to start', () => {
  const start = async (env: Record<string, string>) => {
    const dir = await mkdtemp(join(tmpdir(), 'fail-closed-'));
    await ensureKeys(dir);
    try {
      await run(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH ?? '', STATE_DIR: dir, SYNC_PORT: '0', ...env },
        timeout: 20_000,
      });
      return { code: 0, stderr: '' };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stderr: `${e.stdout}${e.stderr}` };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('with the development secret on a non-loopback address', async () => {
    const { code, stderr } = await start({
      SYNC_HOST: '0.0.0.0',
      CORE_SIGNING_SECRET: DEV_CORE_SIGNING_SECRET,
      OPERATOR_TOKEN: 'x'.repeat(32),
    });
    expect(code).not.toBe(0);
    expect(stderr).toContain('CORE_SIGNING_SECRET is the development default');
  });

  it('without an operator token', async () => {
    const { code, stderr } = await start({ SYNC_HOST: '127.0.0.1' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('no operator token');
  });
});
