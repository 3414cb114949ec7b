// POST /_sync/pages/:pageId as origin-sync's counterpart sees it: only a fresh token signed by
// origin-sync's key, bound to this page and these exact bytes, gets a batch stored.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SYNC_AUDIENCE, SYNC_ISSUER, SyncResult } from '../../worker/sync/contract.ts';
import { bodyDigest, importSyncKey, signSyncToken } from '../../worker/sync/token.ts';
import { pageEvent, serviceEvent } from '../support/events.ts';
import { coordinator, postSync, syncPrivateKey } from './support/sync-client.ts';

const batchFor = (pageId: string) =>
  JSON.stringify({
    pageId,
    events: [
      pageEvent(
        { id: pageId, hostnames: [`${pageId.replaceAll('_', '-')}.example`], serviceIds: ['api'] },
        1,
      ),
      serviceEvent({ id: 'api', status: 'major_outage' }, 1),
    ],
  });

/** Nothing of the batch reached the page's coordinator. */
async function expectNothingStored(pageId: string): Promise<void> {
  const status = await coordinator(pageId).status();
  expect(status.pageId).toBeNull();
  expect(status.dirty).toBe(false);
  expect(status.alarmAt).toBeNull();
}

async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe('string');
  return body;
}

describe('a good batch', () => {
  it('is stored and answered per event with the render version that will contain it', async () => {
    const res = await postSync('page_ok', batchFor('page_ok'));
    expect(res.status).toBe(200);
    const result = SyncResult.parse(await res.json());
    expect(result.pageId).toBe('page_ok');
    expect(result.renderVersion).toBe(1);
    expect(result.results.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    const status = await coordinator('page_ok').status();
    expect(status.pageId).toBe('page_ok');
    expect(status.dirty).toBe(true);
  });
});

describe('authentication', () => {
  it('refuses a request without a token', async () => {
    const res = await postSync('page_noauth', batchFor('page_noauth'), null);
    await expectProblem(res, 401);
    expect(res.headers.get('WWW-Authenticate')).toContain('Bearer');
    await expectNothingStored('page_noauth');
  });

  it('refuses a token signed by another key', async () => {
    const other = await generateKeyPair('EdDSA', { extractable: true });
    const key = await importSyncKey(await exportJWK(other.privateKey));
    const body = batchFor('page_wrongkey');
    const res = await postSync(
      'page_wrongkey',
      body,
      await signSyncToken(key, 'page_wrongkey', body),
    );
    await expectProblem(res, 401);
    await expectNothingStored('page_wrongkey');
  });

  it('refuses an expired token', async () => {
    const body = batchFor('page_expired');
    const iat = Math.floor(Date.now() / 1000) - 600;
    const token = await new SignJWT({ page: 'page_expired', sha256: await bodyDigest(body) })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(SYNC_ISSUER)
      .setAudience(SYNC_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(await syncPrivateKey());
    await expectProblem(await postSync('page_expired', body, token), 401);
    await expectNothingStored('page_expired');
  });

  it('refuses a token made for another body', async () => {
    const body = batchFor('page_digest');
    const token = await signSyncToken(await syncPrivateKey(), 'page_digest', body);
    const tampered = body.replace('major_outage', 'operational');
    await expectProblem(await postSync('page_digest', tampered, token), 401);
    await expectNothingStored('page_digest');
  });

  it('refuses a token made for another page', async () => {
    const body = batchFor('page_target');
    const token = await signSyncToken(await syncPrivateKey(), 'page_other', body);
    await expectProblem(await postSync('page_target', body, token), 401);
    await expectNothingStored('page_target');
  });

  it('refuses a token signed with an algorithm other than EdDSA', async () => {
    const body = batchFor('page_hs256');
    const token = await new SignJWT({ page: 'page_hs256', sha256: await bodyDigest(body) })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(SYNC_ISSUER)
      .setAudience(SYNC_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('a shared secret nobody should accept'));
    await expectProblem(await postSync('page_hs256', body, token), 401);
    await expectNothingStored('page_hs256');
  });
});

describe('bad bodies', () => {
  it('answers 400 naming the bad fields, and stores nothing', async () => {
    const good = JSON.parse(batchFor('page_bad')) as { events: Record<string, unknown>[] };
    const event = good.events[1]!;
    const body = JSON.stringify({
      pageId: 'page_bad',
      events: [
        good.events[0],
        { ...event, data: { ...(event.data as object), status: 'on_fire' } },
      ],
    });
    const problem = await expectProblem(await postSync('page_bad', body), 400);
    const errors = problem.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path)).toContain('events.1.data.status');
    await expectNothingStored('page_bad');
  });

  it('answers 400 for a body that is not JSON', async () => {
    await expectProblem(await postSync('page_notjson', '{"pageId": '), 400);
    await expectNothingStored('page_notjson');
  });

  it('answers 400 for a batch of another page, or carrying another page', async () => {
    const other = await expectProblem(await postSync('page_self', batchFor('page_elsewhere')), 400);
    expect((other.errors as { path: string }[]).map((e) => e.path)).toEqual([
      'pageId',
      'events.0.data.id',
    ]);
    await expectNothingStored('page_self');
  });

  it('answers 400 for an empty batch', async () => {
    const problem = await expectProblem(
      await postSync('page_empty', JSON.stringify({ pageId: 'page_empty', events: [] })),
      400,
    );
    expect((problem.errors as { path: string }[])[0]!.path).toBe('events');
    await expectNothingStored('page_empty');
  });

  it('answers 413 for a body over the size limit without reading it all', async () => {
    const big = JSON.stringify({
      pageId: 'page_big',
      events: [],
      pad: 'x'.repeat(9 * 1024 * 1024),
    });
    await expectProblem(await postSync('page_big', big), 413);
    await expectNothingStored('page_big');
  });
});
