// origin-sync started inside the test process (its real HTTP server on a free port), for
// HTTP-level tests that need to look inside or tune retry timings. End-to-end tests start
// the real process instead (scripts/lib/system.ts).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type CryptoKey, generateKeyPair } from 'jose';
import { createApp } from '../../origin-sync/http/app.ts';
import { silentLogger } from '../../origin-sync/log.ts';
import { OriginSync, type OriginSyncOptions } from '../../origin-sync/service.ts';

export const TEST_SECRET = 'test-core-secret';
export const TEST_OPERATOR_TOKEN = 'test-operator-token-0123456789';
/** Request options that carry the operator token (for GET /v1/events/:id and the like). */
export const AS_OPERATOR: RequestInit = {
  headers: { Authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
};

export async function syncKeyPair(): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> {
  return generateKeyPair('EdDSA', { crv: 'Ed25519' });
}

export interface RunningOriginSync {
  url: string;
  sync: OriginSync;
  stop(): Promise<void>;
}

export async function startOriginSync(opts: OriginSyncOptions): Promise<RunningOriginSync> {
  const sync = await OriginSync.start({
    log: silentLogger,
    ...opts,
    push: {
      retry: { initialMs: 20, maxMs: 200 },
      breaker: { failureThreshold: 3, open: { initialMs: 50, maxMs: 200 } },
      ...opts.push,
    },
    confirm: {
      ...opts.confirm,
      timing: { poll: { initialMs: 20, maxMs: 200 }, ...opts.confirm?.timing },
    },
  });
  const app = createApp({
    sync,
    secret: TEST_SECRET,
    operatorToken: TEST_OPERATOR_TOKEN,
    log: silentLogger,
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((r) => server.once('listening', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sync,
    stop: async () => {
      server.close();
      server.closeAllConnections();
      await sync.stop({ drainMs: 0 });
    },
  };
}
