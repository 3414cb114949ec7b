// origin-sync started inside the test process (its real HTTP server on a free port), for
// HTTP-level tests that need to look inside or tune retry timings. End-to-end tests start
// the real process instead (scripts/lib/system.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { type CryptoKey, generateKeyPair } from 'jose';
import type { HostnameClaimer } from '../../origin-sync/hostname-claims.ts';
import { createApp } from '../../origin-sync/http/app.ts';
import { silentLogger } from '../../origin-sync/log.ts';
import { OriginSync, type OriginSyncOptions } from '../../origin-sync/service.ts';
import { type FakeEdge, startFakeEdge } from './fake-edge.ts';

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

export async function startOriginSync(
  opts: OriginSyncOptions & { claimHostnames?: HostnameClaimer },
): Promise<RunningOriginSync> {
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
    ...(opts.claimHostnames ? { claimHostnames: opts.claimHostnames } : {}),
    secret: TEST_SECRET,
    operatorToken: TEST_OPERATOR_TOKEN,
    log: silentLogger,
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((r) => server.once('listening', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | null = null;
  return {
    url,
    sync,
    // Once: a test may stop it itself and leave the rest to its rig.
    stop: () =>
      (stopped ??= (async () => {
        server.close();
        server.closeAllConnections();
        await sync.stop({ drainMs: 0 });
      })()),
  };
}

export interface FakeEdgeRig {
  keys: { privateKey: CryptoKey; publicKey: CryptoKey };
  /** The edge stand-in every origin-sync of the rig pushes to (test/support/fake-edge.ts). */
  edge: FakeEdge;
  /** origin-sync's directory, a temp dir: a second start() picks up what the first left. */
  dir: string;
  /** origin-sync in this process on `dir`, pushing to `edge`; close() stops it if still running. */
  start(
    opts?: Partial<OriginSyncOptions> & { claimHostnames?: HostnameClaimer },
  ): Promise<RunningOriginSync>;
  /** Stops every origin-sync started, the edge, and removes the directory. */
  close(): Promise<void>;
}

/** The usual setup of an origin-sync test: a key pair, a fake edge that trusts it, a temp dir. */
export async function fakeEdgeRig(): Promise<FakeEdgeRig> {
  const keys = await syncKeyPair();
  const edge = await startFakeEdge(keys.publicKey);
  const dir = await mkdtemp(join(tmpdir(), 'esp-origin-sync-'));
  const running: RunningOriginSync[] = [];
  return {
    keys,
    edge,
    dir,
    async start(opts = {}) {
      const origin = await startOriginSync({
        dir,
        workerUrl: edge.url,
        syncPrivateKey: keys.privateKey,
        ...opts,
      });
      running.push(origin);
      return origin;
    },
    async close() {
      for (const origin of running.splice(0)) await origin.stop().catch(() => {});
      await edge.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
