// Private and audience pages: who gets in, who does not, and what each answer gives away.
// Every attack in issue 5 has a case here; positive cases prove the door opens at all.
import { SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_ISSUER, PARTNERS_HOST, PRIVATE_HOST } from '../../scripts/lib/demo-events.ts';
import { TOKEN_COOKIE } from '../../worker/access/credentials.ts';
import { looksLikeToken } from '../../worker/access/viewer-token.ts';
import { matchCached } from '../../worker/store/edge-cache.ts';
import {
  bearer,
  CLIENT_CA,
  CLIENT_CA_SKI,
  cert,
  cookie,
  expectLeaksNothing,
  expectUnauthorized,
  FINGERPRINT,
  get,
  INTERNAL,
  type Init,
  OTHER_FINGERPRINT,
  PARTNERS,
  PARTNERS_ID,
  PRIVATE,
  seedAccessPages,
} from './support/access-fixtures.ts';
import { contentKeyInKv } from './support/seed.ts';
import {
  base64url,
  forgeToken,
  signToken,
  type TestSigner,
  type TokenOptions,
} from './support/viewer-tokens.ts';

const now = new Date();
let es: TestSigner;
let rsa: TestSigner;
let stranger: TestSigner;
let remoteSigner: TestSigner;

/** A token the private demo page accepts, unless opts say otherwise. */
const internalToken = (opts: TokenOptions = {}, signer = es) =>
  signToken(signer, { iss: DEMO_ISSUER, aud: INTERNAL, ...opts });
const partnerToken = (audience: unknown, opts: TokenOptions = {}) =>
  signToken(es, {
    iss: DEMO_ISSUER,
    aud: PARTNERS_ID,
    ...opts,
    claims: audience === undefined ? {} : { audience },
  });

beforeAll(async () => {
  ({ es, rsa, stranger, remoteSigner } = await seedAccessPages(now));
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a private page without credentials', () => {
  it('answers 401 with a Bearer challenge and none of the page (what curl sees)', async () => {
    const res = await get(`${PRIVATE}/`);
    await expectUnauthorized(res);
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
  });

  it('refuses every document of the page the same way: history, incidents, feeds, badge, API', async () => {
    for (const path of [
      '/history',
      '/incidents/inc_api_errors',
      '/incidents/nope',
      '/history.atom',
      '/badge.svg',
    ]) {
      const res = await get(`${PRIVATE}${path}`);
      expect(res.status, path).toBe(401);
      await expectLeaksNothing(res);
    }
    const api = await get(`${PRIVATE}/api/v2/summary.json`);
    await expectUnauthorized(api);
    expect(api.headers.get('Content-Type')).toBe('application/problem+json');
    const problem = await (await get(`${PRIVATE}/api/v2/summary.json`)).json();
    expect(problem).toMatchObject({ status: 401, title: 'Authentication required' });
  });

  it('sends a browser to the page’s sign-in when it has one, but APIs still get 401', async () => {
    const browser = await get('http://login.test/', { headers: { Accept: 'text/html,*/*;q=0.8' } });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('Location')).toBe('https://sso.example/login');
    expect(browser.headers.get('Cache-Control')).toContain('no-store');
    await expectLeaksNothing(browser);
    await expectUnauthorized(
      await get('http://login.test/api/v2/summary.json', { headers: { Accept: 'text/html' } }),
    );
    await expectUnauthorized(await get('http://login.test/', { headers: { Accept: '*/*' } }));
  });
});

describe('a private page with a valid token', () => {
  it('serves the page to a Bearer token, privately and varying by credential', async () => {
    for (const signer of [es, rsa]) {
      const res = await get(`${PRIVATE}/`, bearer(await internalToken({}, signer)));
      expect(res.status, signer.alg).toBe(200);
      expect(res.headers.get('Cache-Control')).toBe('private, no-store');
      expect(res.headers.get('Vary')).toBe('Cookie, Authorization');
      expect(await res.text()).toContain('Acme Internal');
    }
  });

  it('serves the JSON API and other documents with the same credential and cache rules', async () => {
    const token = await internalToken();
    for (const path of ['/api/v2/summary.json', '/history.atom', '/badge.svg']) {
      const res = await get(`${PRIVATE}${path}`, bearer(token));
      expect(res.status, path).toBe(200);
      expect(res.headers.get('Cache-Control'), path).toBe('private, no-store');
      expect(res.headers.get('Vary'), path).toBe('Cookie, Authorization');
      // Earned by a credential: no other site may read it cross-origin.
      expect(res.headers.get('Access-Control-Allow-Origin'), path).toBeNull();
    }
    const api = await get(`${PRIVATE}/api/v2/summary.json`, bearer(token));
    expect(((await api.json()) as { page: { name: string } }).page.name).toBe('Acme Internal');
    const incident = await get(`${PRIVATE}/incidents/inc_api_errors`, cookie(token));
    expect(incident.status).toBe(200);
    expect(await incident.text()).toContain('Elevated API error rates');
  });

  it('answers a matching If-None-Match with 304, still private', async () => {
    const token = await internalToken();
    const first = await get(`${PRIVATE}/`, bearer(token));
    const etag = first.headers.get('ETag')!;
    const again = await get(`${PRIVATE}/`, {
      headers: { Authorization: `Bearer ${token}`, 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('Cache-Control')).toBe('private, no-store');
    expect(again.headers.get('Vary')).toBe('Cookie, Authorization');
    // Without credentials the ETag is no key: the answer is still 401.
    expect((await get(`${PRIVATE}/`, { headers: { 'If-None-Match': etag } })).status).toBe(401);
  });

  it('accepts an audience array that includes the page, per RFC 7519', async () => {
    const token = await internalToken({ aud: ['other', INTERNAL] });
    expect((await get(`${PRIVATE}/`, bearer(token))).status).toBe(200);
  });
});

describe('the token link (?token=)', () => {
  it('redirects 303 to the same URL without the token and sets a __Host- cookie until exp', async () => {
    const token = await internalToken({ expiresIn: 3600 });
    const res = await get(`${PRIVATE}/history?a=1&token=${token}&b=two`);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/history?a=1&b=two');
    expect(res.headers.get('Cache-Control')).toContain('no-store');
    const setCookie = res.headers.get('Set-Cookie')!;
    expect(setCookie).toMatch(
      new RegExp(
        `^${TOKEN_COOKIE}=${token.replaceAll('.', '\\.')}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=\\d+; Expires=`,
      ),
    );
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)![1]);
    expect(maxAge).toBeGreaterThan(3500);
    expect(maxAge).toBeLessThanOrEqual(3600);
    const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie)![1]!);
    expect(Math.abs(expires - (Math.floor(now.getTime() / 1000) + 3600) * 1000)).toBeLessThan(
      120_000,
    );

    const later = await get(`${PRIVATE}/history?a=1&b=two`, cookie(token));
    expect(later.status).toBe(200);
    expect(await later.text()).toContain('Acme Internal');
  });

  it('redirects to the bare path when the token was the only parameter', async () => {
    const res = await get(`${PRIVATE}/?token=${await internalToken()}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/');
  });

  it('answers an invalid token link with 401 and sets no cookie', async () => {
    for (const bad of ['', 'garbage', await internalToken({ iss: 'https://evil.example' })]) {
      await expectUnauthorized(await get(`${PRIVATE}/?token=${bad}`));
    }
  });

  it('lets a new link replace the cookie rather than combining with it', async () => {
    const good = await internalToken();
    const res = await get(`${PRIVATE}/?token=expired.bad.link`, cookie(good));
    await expectUnauthorized(res);
  });
});

describe('attacks on the token', () => {
  const rejects = async (token: string, base = PRIVATE) => {
    for (const init of [bearer(token), cookie(token)])
      await expectUnauthorized(await get(`${base}/`, init));
    await expectUnauthorized(await get(`${base}/?token=${encodeURIComponent(token)}`));
  };

  it('alg: none', async () => {
    const payload = { iss: DEMO_ISSUER, aud: INTERNAL, exp: Math.floor(Date.now() / 1000) + 600 };
    await rejects(forgeToken({ alg: 'none', typ: 'JWT' }, payload));
    await rejects(forgeToken({ alg: 'none', kid: es.kid }, payload, 'AAAA'));
    await rejects(forgeToken({ alg: 'NONE' }, payload, 'AAAA'));
  });

  it('HS256 signed with the page’s public key as the secret', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    for (const secret of [
      JSON.stringify(es.publicJwk),
      JSON.stringify(rsa.publicJwk),
      es.publicJwk.x!,
    ]) {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid: es.kid })
        .setIssuer(DEMO_ISSUER)
        .setAudience(INTERNAL)
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(secret));
      await rejects(token);
    }
  });

  it('wrong issuer', async () => {
    await rejects(await internalToken({ iss: 'https://auth.evil.example' }));
    await rejects(await internalToken({ iss: `${DEMO_ISSUER}/` }));
  });

  it('wrong audience, or none', async () => {
    await rejects(await internalToken({ aud: 'page_other' }));
    await rejects(await signToken(es, { iss: DEMO_ISSUER }));
  });

  it('expired (beyond the 30 s clock tolerance)', async () => {
    await rejects(await internalToken({ expiresIn: -120 }));
  });

  it('not yet valid: nbf or iat in the future', async () => {
    await rejects(await internalToken({ notBefore: 600 }));
    await rejects(await internalToken({ issuedAt: 600 }));
  });

  it('no exp', async () => {
    await rejects(await internalToken({ expiresIn: null }));
  });

  it('tampered payload', async () => {
    const [h, , s] = (await internalToken()).split('.');
    const payload = {
      iss: DEMO_ISSUER,
      aud: INTERNAL,
      exp: Math.floor(Date.now() / 1000) + 99_999,
    };
    await rejects(`${h}.${base64url(JSON.stringify(payload))}.${s}`);
    // Gold's header and signature over silver's payload.
    const [goldHeader, , goldSig] = (await partnerToken('gold')).split('.');
    const [, silverPayload] = (await partnerToken('silver')).split('.');
    await rejects(`${goldHeader}.${silverPayload}.${goldSig}`, PARTNERS);
  });

  it('a valid token from a key not in the set (even with a known kid)', async () => {
    await rejects(await internalToken({}, stranger));
    await rejects(await internalToken({ kid: null }, stranger));
  });

  it('a token for page A used on page B', async () => {
    const forInternal = await signToken(es, {
      iss: DEMO_ISSUER,
      aud: INTERNAL,
      claims: { audience: 'gold' },
    });
    // Accepted (and remembered) on its own page first, so a cache keyed only by token would show.
    expect((await get(`${PRIVATE}/`, bearer(forInternal))).status).toBe(200);
    await rejects(forInternal, PARTNERS);
    await rejects(await partnerToken('gold'), PRIVATE);
  });

  it('a 64 KB token is refused before it is parsed', async () => {
    const huge = await internalToken({ claims: { pad: 'x'.repeat(64 * 1024) } });
    expect(huge.length).toBeGreaterThan(64 * 1024);
    expect(looksLikeToken(huge)).toBe(false);
    await rejects(huge);
  });

  it('a cookie forged without a signature', async () => {
    const payload = { iss: DEMO_ISSUER, aud: INTERNAL, exp: Math.floor(Date.now() / 1000) + 600 };
    const [h, p] = (await internalToken()).split('.');
    for (const forged of [
      `${h}.${p}.`,
      `${h}.${p}`,
      forgeToken({ alg: 'ES256', kid: es.kid }, payload),
      base64url(JSON.stringify(payload)),
      JSON.stringify(payload),
    ]) {
      await expectUnauthorized(await get(`${PRIVATE}/`, cookie(forged)));
    }
  });

  it('a token under another cookie name or auth scheme counts for nothing', async () => {
    const token = await internalToken();
    await expectUnauthorized(await get(`${PRIVATE}/`, { headers: { Cookie: `token=${token}` } }));
    await expectUnauthorized(
      await get(`${PRIVATE}/`, { headers: { Cookie: `Host-status-token=${token}` } }),
    );
    await expectUnauthorized(
      await get(`${PRIVATE}/`, { headers: { Authorization: `Basic ${token}` } }),
    );
    await expectUnauthorized(await get(`${PRIVATE}/`, { headers: { 'X-Token': token } }));
    // …while a valid cookie still counts next to another scheme's header, and an empty
    // Bearer is a failed credential, not an absent one.
    const basicAndCookie = await get(`${PRIVATE}/`, {
      headers: { Authorization: 'Basic dXNlcjpwYXNz', Cookie: `${TOKEN_COOKIE}=${token}` },
    });
    expect(basicAndCookie.status).toBe(200);
    const emptyBearer = await get(`${PRIVATE}/`, {
      headers: { Authorization: 'Bearer ', Cookie: `${TOKEN_COOKIE}=${token}` },
    });
    await expectUnauthorized(emptyBearer);
    expect(emptyBearer.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
  });
});

describe('audience pages', () => {
  it('shows each audience only its own slice', async () => {
    const gold = await get(`${PARTNERS}/`, bearer(await partnerToken('gold')));
    expect(gold.status).toBe(200);
    expect(gold.headers.get('Cache-Control')).toBe('private, no-store');
    expect(gold.headers.get('Vary')).toBe('Cookie, Authorization');
    const goldHtml = await gold.text();
    expect(goldHtml).toContain('Public API');
    expect(goldHtml).toContain('Elevated API error rates');
    expect(goldHtml).not.toContain('Email notifications');

    const silver = await get(`${PARTNERS}/`, bearer(await partnerToken('silver')));
    const silverHtml = await silver.text();
    expect(silverHtml).toContain('Email notifications');
    expect(silverHtml).not.toContain('Public API');
    expect(silverHtml).not.toContain('Elevated API error rates');
    // An incident outside the audience's slice does not exist for it.
    const hidden = await get(
      `${PARTNERS}/incidents/inc_api_errors`,
      bearer(await partnerToken('silver')),
    );
    expect(hidden.status).toBe(404);
    await expectLeaksNothing(hidden);
  });

  it('refuses a valid viewer with no audience claim, an unknown one or a non-string one with 403', async () => {
    for (const claim of [
      undefined,
      'platinum',
      '',
      ['gold'],
      { id: 'gold' },
      'audience:gold',
      'GOLD',
      '__proto__',
    ]) {
      const res = await get(`${PARTNERS}/`, bearer(await partnerToken(claim)));
      expect(res.status, JSON.stringify(claim)).toBe(403);
      expect(res.headers.get('Set-Cookie')).toBeNull();
      await expectLeaksNothing(res);
    }
    const viaLink = await get(`${PARTNERS}/?token=${await partnerToken('platinum')}`);
    expect(viaLink.status).toBe(403);
    expect(viaLink.headers.get('Set-Cookie')).toBeNull();
  });

  it('lets nothing but the verified claim pick the variant (escalation from gold to silver)', async () => {
    const gold = await partnerToken('gold');
    const silverOnly = 'Email notifications';
    const tries: { url: string; init: Init }[] = [
      { url: `${PARTNERS}/?audience=silver`, init: bearer(gold) },
      { url: `${PARTNERS}/?variant=audience:silver`, init: bearer(gold) },
      { url: `${PARTNERS}/?audience=silver&token=`, init: cookie(gold) },
      {
        url: `${PARTNERS}/`,
        init: {
          headers: {
            Authorization: `Bearer ${gold}`,
            'X-Audience': 'silver',
            'X-Variant': 'audience:silver',
          },
        },
      },
      {
        url: `${PARTNERS}/`,
        init: {
          headers: {
            Authorization: `Bearer ${gold}`,
            Cookie: 'audience=silver; variant=audience:silver',
          },
        },
      },
      {
        // A forged silver token in the cookie next to a real gold header: only one is read.
        url: `${PARTNERS}/`,
        init: {
          headers: {
            Authorization: `Bearer ${gold}`,
            Cookie: `${TOKEN_COOKIE}=${forgeToken({ alg: 'none' }, { iss: DEMO_ISSUER, aud: PARTNERS_ID, audience: 'silver', exp: 9e9 })}`,
          },
        },
      },
      {
        url: `${PARTNERS}/`,
        init: {
          headers: {
            Cookie: `${TOKEN_COOKIE}=${gold}; ${TOKEN_COOKIE}=${await partnerToken('bogus')}`,
          },
        },
      },
    ];
    for (const { url, init } of tries) {
      const res = await get(url, init);
      const body = await res.text();
      expect(body, `${url} ${JSON.stringify(init)}`).not.toContain(silverOnly);
    }
    // The tampered-claim path: gold's signature over a silver payload.
    const [h, , s] = gold.split('.');
    const [, silverPayload] = (await partnerToken('silver')).split('.');
    await expectUnauthorized(await get(`${PARTNERS}/`, bearer(`${h}.${silverPayload}.${s}`)));
  });

  it('an audience token link sets the cookie, which keeps the audience', async () => {
    const token = await partnerToken('silver');
    const res = await get(`${PARTNERS}/?token=${token}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('Set-Cookie')).toContain(`${TOKEN_COOKIE}=${token}`);
    const page = await get(`${PARTNERS}/`, cookie(token));
    expect(await page.text()).toContain('Email notifications');
  });

  it('a client certificate alone proves who, not which audience: 403', async () => {
    const res = await get('http://partners-mtls.test/', { cf: cert() });
    expect(res.status).toBe(403);
    await expectLeaksNothing(res);
    const withToken = await get('http://partners-mtls.test/', {
      ...bearer(await partnerToken('gold')),
      cf: cert(),
    });
    expect(withToken.status).toBe(200);
  });
});

describe('the edge cache', () => {
  it('never holds a private or audience document, so no viewer is served another’s copy', async () => {
    const gold = await partnerToken('gold');
    const silver = await partnerToken('silver');
    for (let round = 0; round < 2; round++) {
      const g = await (await get(`${PARTNERS}/`, bearer(gold))).text();
      expect(g).toContain('Public API');
      const s = await (await get(`${PARTNERS}/`, cookie(silver))).text();
      expect(s).toContain('Email notifications');
      expect(s).not.toContain('Public API');
      expect((await get(`${PRIVATE}/`, bearer(await internalToken()))).status).toBe(200);
    }
    let checked = 0;
    for (const [host, pageId] of [
      [PARTNERS_HOST, PARTNERS_ID],
      [PRIVATE_HOST, INTERNAL],
    ] as const) {
      for (const variant of ['private', 'audience:gold', 'audience:silver']) {
        for (const path of ['/', '/api/v2/summary.json']) {
          const key = await contentKeyInKv(pageId, variant, path);
          if (key === null) continue;
          checked += 1;
          expect(
            await matchCached(caches.default, host, path, key),
            `${pageId} ${variant} ${path}`,
          ).toBeNull();
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });
});

describe('client certificates (mTLS)', () => {
  it('admits a verified, unrevoked certificate whose fingerprint is allowed (any case, colons)', async () => {
    for (const fp of [
      FINGERPRINT,
      FINGERPRINT.toUpperCase(),
      FINGERPRINT.match(/../g)!.join(':'),
    ]) {
      const res = await get('http://mtls.test/', { cf: cert({ certFingerprintSHA256: fp }) });
      expect(res.status, fp).toBe(200);
      expect(res.headers.get('Cache-Control')).toBe('private, no-store');
      expect(await res.text()).toContain('Acme Internal');
    }
  });

  it('admits any verified certificate issued by the configured CA, known by its key', async () => {
    const res = await get('http://ca.test/', {
      cf: cert({
        certFingerprintSHA256: OTHER_FINGERPRINT,
        certIssuerDN: CLIENT_CA,
        certIssuerDNRFC2253: CLIENT_CA,
        certIssuerSKI: CLIENT_CA_SKI.toUpperCase(),
      }),
    });
    expect(res.status).toBe(200);
    await expectUnauthorized(await get('http://ca.test/', { cf: cert() }));
    // Another CA that wrote the same DN into its certificates: its key gives it away.
    await expectUnauthorized(
      await get('http://ca.test/', {
        cf: cert({
          certFingerprintSHA256: OTHER_FINGERPRINT,
          certIssuerDN: CLIENT_CA,
          certIssuerDNRFC2253: CLIENT_CA,
          certIssuerSKI: 'ab'.repeat(20),
        }),
      }),
    );
  });

  it('refuses no certificate, one not verified, one revoked, and one not allowed', async () => {
    const refused: Record<string, unknown>[] = [
      {},
      { tlsClientAuth: null },
      cert({ certPresented: '0', certVerified: 'NONE' }),
      cert({ certVerified: 'FAILED:unable to get local issuer certificate' }),
      cert({ certVerified: 'FAILED:certificate has expired' }),
      cert({ certRevoked: '1' }),
      cert({ certFingerprintSHA256: OTHER_FINGERPRINT }),
      cert({ certFingerprintSHA256: '' }),
      {
        tlsClientAuth: {
          ...(cert().tlsClientAuth as object),
          certVerified: true,
          certRevoked: false,
        },
      },
    ];
    for (const cf of refused) await expectUnauthorized(await get('http://mtls.test/', { cf }));
    // A DN that looks like the CA's but was not verified gets nothing either.
    await expectUnauthorized(
      await get('http://ca.test/', {
        cf: cert({ certVerified: 'FAILED:self signed', certIssuerDN: CLIENT_CA }),
      }),
    );
  });

  it('require: all needs both the token and the certificate', async () => {
    const token = await internalToken({ aud: 'page_all' });
    await expectUnauthorized(await get('http://all.test/', bearer(token)));
    await expectUnauthorized(await get('http://all.test/', { cf: cert() }));
    await expectUnauthorized(
      await get('http://all.test/', { ...bearer(token), cf: cert({ certRevoked: '1' }) }),
    );
    expect((await get('http://all.test/', { ...bearer(token), cf: cert() })).status).toBe(200);
  });

  it('require: any (the default) takes either', async () => {
    expect(
      (await get('http://any.test/', bearer(await internalToken({ aud: 'page_any' })))).status,
    ).toBe(200);
    expect((await get('http://any.test/', { cf: cert() })).status).toBe(200);
    await expectUnauthorized(await get('http://any.test/', { cf: cert({ certRevoked: '1' }) }));
  });
});

describe('remote key sets (jwksUrl)', () => {
  it('verifies with keys fetched from the page’s jwksUrl, and refuses tokens it cannot check', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url === 'https://idp.test/jwks.json') {
        return Response.json({ keys: [remoteSigner.publicJwk] });
      }
      throw new TypeError('network down');
    });
    const token = await signToken(remoteSigner, { iss: DEMO_ISSUER, aud: 'page_remote' });
    const res = await get('http://remote.test/', bearer(token));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Acme Internal');
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    // Cached: the next viewers cost no fetch.
    expect((await get('http://remote.test/', cookie(token))).status).toBe(200);
    const other = await signToken(remoteSigner, {
      iss: DEMO_ISSUER,
      aud: 'page_remote',
      claims: { sub: 'b' },
    });
    expect((await get('http://remote.test/', bearer(other))).status).toBe(200);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    // A key that is not in the remote set, and a set that cannot be fetched.
    await expectUnauthorized(
      await get(
        'http://remote.test/',
        bearer(await signToken(stranger, { iss: DEMO_ISSUER, aud: 'page_remote' })),
      ),
    );
    await expectUnauthorized(
      await get(
        'http://down.test/',
        bearer(await signToken(remoteSigner, { iss: DEMO_ISSUER, aud: 'page_down' })),
      ),
    );
  });
});
