// Fetching a page's jwksUrl with limits (issue 12): a 10 MB key set is refused without being
// read whole, a dead endpoint costs a few fetches a minute however many viewers knock, a token
// the page could never accept costs no fetch, and an address is refused at ingest.
import { exportJWK, generateKeyPair, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_JWKS_BYTES, remoteKeySet } from '../../worker/access/remote-key-set.ts';
import { StatusPage } from '../../worker/domain/schema.ts';

const URL_ = 'https://idp.example/jwks.json';
const OPTIONS = {
  timeoutMs: 3000,
  maxAgeMs: 600_000,
  cooldownMs: 30_000,
  backoffMs: 30_000,
  maxBackoffMs: 600_000,
};

afterEach(() => vi.restoreAllMocks());

async function signer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer('iss')
    .setAudience('aud')
    .setExpirationTime('5m')
    .sign(privateKey);
  return { jwk, token };
}

const verify = (getKey: JWTVerifyGetKey, token: string) =>
  jwtVerify(token, getKey, { algorithms: ['ES256'] }).then(
    () => true,
    () => false,
  );

describe('a jwksUrl key set', () => {
  it('verifies with the fetched keys, one fetch for many tokens', async () => {
    const { jwk, token } = await signer();
    const spy = vi
      .spyOn(globalThis, 'fetch')
      .mockImplementation(async () => Response.json({ keys: [jwk] }));
    const getKey = remoteKeySet(URL_, ['ES256'], OPTIONS);
    for (let i = 0; i < 5; i++) expect(await verify(getKey, token)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('refuses a set that streams 10 MB, having read little of it', async () => {
    const { token } = await signer();
    let pulled = 0;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => {
      const chunk = new TextEncoder().encode(`{"keys":[${' '.repeat(16 * 1024)}`);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= 10 * 1024 * 1024) return controller.close();
          pulled += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'application/json' } });
    });
    expect(await verify(remoteKeySet(URL_, ['ES256'], OPTIONS), token)).toBe(false);
    expect(pulled).toBeLessThan(MAX_JWKS_BYTES + 64 * 1024);
  });

  it('refuses a set whose Content-Length is over the limit without reading it', async () => {
    const { token } = await signer();
    vi.spyOn(globalThis, 'fetch').mockImplementation(
      async () => new Response('{}', { headers: { 'Content-Length': String(10 * 1024 * 1024) } }),
    );
    expect(await verify(remoteKeySet(URL_, ['ES256'], OPTIONS), token)).toBe(false);
  });

  it('asks a dead endpoint a few times a minute, however many viewers knock', async () => {
    const { token } = await signer();
    const spy = vi
      .spyOn(globalThis, 'fetch')
      .mockRejectedValue(new TypeError('connection refused'));
    let now = 0;
    const getKey = remoteKeySet(URL_, ['ES256'], { ...OPTIONS, now: () => now });
    // 6,000 requests over one minute (100 a second).
    for (; now < 60_000; now += 10) expect(await verify(getKey, token)).toBe(false);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(3);
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(1);
  });

  it('fetches nothing for a token the page could never accept', async () => {
    const spy = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('unreachable'));
    const getKey = remoteKeySet(URL_, ['ES256'], OPTIONS);
    const { privateKey } = await generateKeyPair('ES256');
    const noKid = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    expect(await verify(getKey, noKid)).toBe(false);
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new Uint8Array(32));
    expect(await verify(getKey, hs)).toBe(false);
    expect(await verify(getKey, 'not.a.token')).toBe(false);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('a jwksUrl at ingest', () => {
  const page = (jwksUrl: string) => ({
    id: 'p',
    name: 'P',
    hostnames: ['p.example'],
    visibility: 'private',
    serviceIds: [],
    access: { jwt: { issuer: 'iss', jwksUrl } },
  });
  it.each([
    'https://127.0.0.1/jwks',
    'https://10.0.0.8/jwks',
    'https://[::1]/jwks',
    'https://169.254.169.254/latest',
    'https://localhost/jwks',
    'https://idp.localhost/jwks',
    'https://idp.internal/jwks',
  ])('refuses %s', (url) => {
    const parsed = StatusPage.safeParse(page(url));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join('.')).toBe('access.jwt.jwksUrl');
  });
  it('accepts a public https name', () => {
    expect(
      StatusPage.safeParse(page('https://idp.example.com/.well-known/jwks.json')).success,
    ).toBe(true);
  });
});
