// Test helpers for the write path: signed /_sync requests (as origin-sync sends them), and a
// page coordinator driven by a test clock instead of real alarms.

import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { inject } from 'vitest';
import type { PageCoordinator } from '../../../worker/coordinator/page-coordinator.ts';
import { DEFAULT_TIMING } from '../../../worker/coordinator/schedule.ts';
import type { CoreEvent } from '../../../worker/domain/schema.ts';
import {
  type SyncResult,
  syncPath,
  syncReadRequest,
  syncStatusPath,
} from '../../../worker/sync/contract.ts';
import { importSyncKey, signSyncReadToken, signSyncToken } from '../../../worker/sync/token.ts';

export const SYNC_ORIGIN = 'http://edge-sync.internal';

let privateKey: Promise<CryptoKey> | undefined;
export function syncPrivateKey(): Promise<CryptoKey> {
  privateKey ??= importSyncKey(inject('syncPrivateJwk'));
  return privateKey;
}

export async function postSync(
  pageId: string,
  body: string,
  token?: string | null,
): Promise<Response> {
  const auth =
    token === undefined ? await signSyncToken(await syncPrivateKey(), pageId, body) : token;
  return exports.default.fetch(
    new Request(`${SYNC_ORIGIN}${syncPath(pageId)}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(auth === null ? {} : { Authorization: `Bearer ${auth}` }),
      },
      body,
    }),
  );
}

/** GET /_sync/pages/:pageId/status, signed the way origin-sync does unless `token` is given. */
export async function getSyncStatus(pageId: string, token?: string | null): Promise<Response> {
  const path = syncStatusPath(pageId);
  const auth =
    token === undefined
      ? await signSyncReadToken(await syncPrivateKey(), pageId, syncReadRequest('GET', path))
      : token;
  return exports.default.fetch(
    new Request(`${SYNC_ORIGIN}${path}`, {
      headers: auth === null ? {} : { Authorization: `Bearer ${auth}` },
    }),
  );
}

/** Sends a batch the way origin-sync does and returns the coordinator's answer. */
export async function sync(pageId: string, events: CoreEvent[]): Promise<SyncResult> {
  const res = await postSync(pageId, JSON.stringify({ pageId, events }));
  if (res.status !== 200) throw new Error(`sync ${res.status}: ${await res.text()}`);
  return (await res.json()) as SyncResult;
}

export function coordinator(pageId: string): DurableObjectStub<PageCoordinator> {
  return env.PAGE_COORDINATOR.get(env.PAGE_COORDINATOR.idFromName(pageId));
}

/** Noon UTC on a day after any real run of these tests: alarms set on this clock never fire
 * by themselves during a test, the test runs them (`runAlarm`). */
export const TEST_EPOCH = Date.UTC(2027, 0, 15, 12, 0, 0);

/** A page's coordinator on a test clock, driven by the test instead of real alarms. */
export class TestPage {
  readonly pageId: string;
  readonly stub: DurableObjectStub<PageCoordinator>;
  now: number;

  constructor(pageId: string, start = TEST_EPOCH) {
    this.pageId = pageId;
    this.stub = coordinator(pageId);
    this.now = start;
  }

  /** Sets the coordinator's clock (and default timing); call before anything else. Every
   * render then happens in runAlarm (no leading-edge render without the alarm). */
  async setClock(now = this.now): Promise<void> {
    this.now = now;
    await runInDurableObject(this.stub, (instance: PageCoordinator) => {
      instance.clock = () => now;
      instance.timing = DEFAULT_TIMING;
      instance.renderAtOnce = false;
    });
  }

  /**
   * The page's coordinator as if it ran in another location than the readers of the test:
   * its new renders reach them through KV and the pointer only (publish.ts's own-location
   * lane off).
   */
  async elsewhere(): Promise<void> {
    await runInDurableObject(this.stub, (instance: PageCoordinator) => {
      instance.ownLocation = null;
    });
  }

  async advance(ms: number): Promise<void> {
    await this.setClock(this.now + ms);
  }

  /** Runs the scheduled alarm now (on the test clock). True if an alarm was scheduled. */
  runAlarm(): Promise<boolean> {
    return runDurableObjectAlarm(this.stub);
  }

  status() {
    return this.stub.status();
  }

  sync(events: CoreEvent[]): Promise<SyncResult> {
    return sync(this.pageId, events);
  }

  /** Lets the debounce window pass and runs the render. */
  async render(): Promise<void> {
    await this.advance(DEFAULT_TIMING.maxWaitMs);
    await this.runAlarm();
  }
}
