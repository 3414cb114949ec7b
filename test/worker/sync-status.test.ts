// GET /_sync/pages/:pageId/status: how origin-sync learns that the render version it was
// promised is published. Only origin-sync's fresh read token for this page and request is
// answered; the answer follows the coordinator's renders, failed ones included.
import { runInDurableObject } from 'cloudflare:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { KvWriter } from '../../worker/coordinator/kv-writer.ts';
import type { PageCoordinator } from '../../worker/coordinator/page-coordinator.ts';
import {
  PageRenderStatus,
  SYNC_AUDIENCE,
  SYNC_ISSUER,
  syncPath,
  syncReadRequest,
  syncStatusPath,
} from '../../worker/sync/contract.ts';
import { importSyncKey, signSyncReadToken, signSyncToken } from '../../worker/sync/token.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
import { getSyncStatus, postSync, syncPrivateKey, TestPage } from './support/sync-client.ts';

async function statusOf(pageId: string): Promise<PageRenderStatus> {
  const res = await getSyncStatus(pageId);
  expect(res.status).toBe(200);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  return PageRenderStatus.parse(await res.json());
}

async function expectUnauthorized(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  expect(res.headers.get('WWW-Authenticate')).toContain('Bearer');
}

const readRequest = (pageId: string) => syncReadRequest('GET', syncStatusPath(pageId));

describe('the render status of a page', () => {
  it('follows the promised version from stored to published', async () => {
    const p = new TestPage('page_status');
    await p.setClock();
    const sent = await p.sync([
      pageEvent({ id: p.pageId, hostnames: ['status.example'], serviceIds: ['api'] }, 1),
      serviceEvent({ id: 'api' }, 1),
    ]);
    expect(await statusOf(p.pageId)).toEqual({
      pageId: p.pageId,
      publishedVersion: 0,
      renderedAt: null,
      pending: true,
      failures: 0,
      lastError: null,
    });

    await p.render();
    const done = await statusOf(p.pageId);
    expect(done.publishedVersion).toBeGreaterThanOrEqual(sent.renderVersion);
    expect(done).toMatchObject({
      pending: false,
      renderedAt: new Date(p.now).toISOString(),
      failures: 0,
    });

    // A batch that changes nothing is promised the version already published.
    const again = await p.sync([serviceEvent({ id: 'api' }, 1)]);
    expect(again.renderVersion).toBe(done.publishedVersion);
    expect((await statusOf(p.pageId)).pending).toBe(false);
  });

  it('says why a render failed while the change waits for the retry', async () => {
    const p = new TestPage('page_status_fail');
    await p.setClock();
    await runInDurableObject(p.stub, (instance: PageCoordinator) => {
      const real = instance.kv;
      const failing: KvWriter = {
        ...real,
        put: async () => {
          throw new Error('KV is unavailable');
        },
      };
      instance.kv = failing;
    });
    await p.sync([pageEvent({ id: p.pageId, hostnames: ['status-fail.example'] }, 1)]);
    await p.render();
    expect(await statusOf(p.pageId)).toMatchObject({
      publishedVersion: 0,
      renderedAt: null,
      pending: true,
      failures: 1,
      lastError: expect.stringContaining('KV is unavailable'),
    });
  });

  it('answers 404 for a page the edge never stored anything for', async () => {
    const res = await getSyncStatus('page_never_synced');
    expect(res.status).toBe(404);
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  });
});

describe('authentication of status requests', () => {
  it('refuses a missing token and one signed by another key', async () => {
    await expectUnauthorized(await getSyncStatus('page_status', null));
    const other = await generateKeyPair('EdDSA', { extractable: true });
    const key = await importSyncKey(await exportJWK(other.privateKey));
    const forged = await signSyncReadToken(key, 'page_status', readRequest('page_status'));
    await expectUnauthorized(await getSyncStatus('page_status', forged));
  });

  it('refuses a read token bound to another page or another request', async () => {
    const key = await syncPrivateKey();
    const otherPage = await signSyncReadToken(key, 'page_other', readRequest('page_other'));
    await expectUnauthorized(await getSyncStatus('page_status', otherPage));
    const otherPath = await signSyncReadToken(
      key,
      'page_status',
      syncReadRequest('GET', syncPath('page_status')),
    );
    await expectUnauthorized(await getSyncStatus('page_status', otherPath));
  });

  it('refuses an expired read token', async () => {
    const iat = Math.floor(Date.now() / 1000) - 600;
    const token = await new SignJWT({ page: 'page_status', req: readRequest('page_status') })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(SYNC_ISSUER)
      .setAudience(SYNC_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(await syncPrivateKey());
    await expectUnauthorized(await getSyncStatus('page_status', token));
  });

  it('keeps read and write tokens apart', async () => {
    const key = await syncPrivateKey();
    // A write token for an empty body cannot read...
    await expectUnauthorized(
      await getSyncStatus('page_status', await signSyncToken(key, 'page_status', '')),
    );
    // ...and a read token cannot write.
    const body = JSON.stringify({
      pageId: 'page_status_w',
      events: [pageEvent({ id: 'page_status_w' }, 1)],
    });
    const readToken = await signSyncReadToken(key, 'page_status_w', readRequest('page_status_w'));
    await expectUnauthorized(await postSync('page_status_w', body, readToken));
    expect((await getSyncStatus('page_status_w')).status).toBe(404);
  });
});
