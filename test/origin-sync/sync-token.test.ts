// origin-sync signs its /_sync tokens with node:crypto (origin-sync/sync-token.ts); the worker
// verifies them with jose (worker/sync/token.ts). These hold the two to one token format.
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  bodyDigest as nodeBodyDigest,
  signSyncToken as nodeSign,
  signSyncReadToken as nodeSignRead,
} from '../../origin-sync/sync-token.ts';
import { syncReadRequest } from '../../worker/sync/contract.ts';
import {
  bodyDigest,
  importSyncKey,
  signSyncReadToken,
  signSyncToken,
  syncTokenDigest,
  verifySyncReadToken,
  verifySyncToken,
} from '../../worker/sync/token.ts';

type Key = Awaited<ReturnType<typeof importSyncKey>>;
let privateKey: Key;
let publicKey: Key;
let otherKey: Key;

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  // As main.ts gets it: imported from the JWK file, not extractable.
  privateKey = await importSyncKey(JSON.stringify(await exportJWK(pair.privateKey)));
  publicKey = await importSyncKey(JSON.stringify(await exportJWK(pair.publicKey)));
  const other = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  otherKey = await importSyncKey(JSON.stringify(await exportJWK(other.privateKey)));
});

afterEach(() => {
  vi.useRealTimers();
});

const body = Buffer.from('{"pageId":"p1","events":[{"id":"e1","name":"Ünïcode ✓"}]}');

describe('origin-sync /_sync tokens (node:crypto)', () => {
  it('are the same bytes jose signs for the same claims and second', async () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    vi.useFakeTimers({ toFake: ['Date'], now: at });
    expect(nodeSign(privateKey, 'p1', body, 60, at)).toBe(
      await signSyncToken(privateKey, 'p1', body),
    );
    expect(nodeSign(privateKey, 'p1', body.toString(), 60, at)).toBe(
      await signSyncToken(privateKey, 'p1', body.toString()),
    );
    const request = syncReadRequest('GET', '/_sync/pages/p1/status');
    expect(nodeSignRead(privateKey, 'p1', request, 30, at)).toBe(
      await signSyncReadToken(privateKey, 'p1', request, 30),
    );
    // The TTL is capped as jose's signer caps it.
    expect(nodeSign(privateKey, 'p1', body, 10_000, at)).toBe(
      await signSyncToken(privateKey, 'p1', body, 10_000),
    );
  });

  it('digest the body as the worker does', async () => {
    expect(nodeBodyDigest(body)).toBe(await bodyDigest(new Uint8Array(body)));
    expect(nodeBodyDigest('')).toBe(await bodyDigest(''));
  });

  it('pass the worker verifier for their page and body only', async () => {
    const token = nodeSign(privateKey, 'p1', body);
    expect(await verifySyncToken(publicKey, token, 'p1', body.toString())).toBe(true);
    expect(await syncTokenDigest(publicKey, token, 'p1')).toBe(await bodyDigest(body.toString()));
    expect(await verifySyncToken(publicKey, token, 'p2', body.toString())).toBe(false);
    expect(await verifySyncToken(publicKey, token, 'p1', `${body.toString()} `)).toBe(false);
    // A write token is no read token, and a stranger's key is refused.
    expect(await verifySyncReadToken(publicKey, token, 'p1', 'GET /x')).toBe(false);
    const forged = nodeSign(otherKey, 'p1', body);
    expect(await verifySyncToken(publicKey, forged, 'p1', body.toString())).toBe(false);
  });

  it('read tokens pass for their page and request only', async () => {
    const request = syncReadRequest('GET', '/_sync/pages/p1/status');
    const token = nodeSignRead(privateKey, 'p1', request);
    expect(await verifySyncReadToken(publicKey, token, 'p1', request)).toBe(true);
    expect(await verifySyncReadToken(publicKey, token, 'p1', `${request}x`)).toBe(false);
    expect(await verifySyncToken(publicKey, token, 'p1', '')).toBe(false);
  });

  it('expire: a token older than its TTL is refused', async () => {
    const token = nodeSign(privateKey, 'p1', body, 60, Date.now() - 120_000);
    expect(await verifySyncToken(publicKey, token, 'p1', body.toString())).toBe(false);
  });
});
