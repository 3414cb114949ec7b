// Subscriptions on private and audience pages: only a viewer with access may subscribe, and
// the subscription keeps the viewer's audience, so they hear only of their slice.
import { beforeAll, describe, expect, it } from 'vitest';
import { forgetHosts } from '../../worker/store/host-lookup.ts';
import { incidentEvent, pageEvent, serviceEvent } from '../support/events.ts';
import { confirmPath, lease, postForm, report, T0, visit } from './support/subscriptions.ts';
import { TestPage } from './support/sync-client.ts';
import { makeSigner, signToken, type TestSigner } from './support/viewer-tokens.ts';

const HOST = 'subs-audience.example';
const ISSUER = 'https://idp.subs.test';
let signer: TestSigner;
let page: TestPage;

const tokenFor = (audience: string) =>
  signToken(signer, { iss: ISSUER, aud: 'page_subs_aud', claims: { audience, sub: audience } });

beforeAll(async () => {
  signer = await makeSigner('ES256', 'k-subs');
  page = new TestPage('page_subs_aud', T0);
  await page.setClock(T0);
  await page.sync([
    pageEvent(
      {
        id: 'page_subs_aud',
        hostnames: [HOST],
        visibility: 'audience',
        serviceIds: ['api', 'db'],
        audiences: [
          { id: 'apiusers', name: 'API users', serviceIds: ['api'] },
          { id: 'dbusers', name: 'DB users', serviceIds: ['db'] },
        ],
        access: { jwt: { issuer: ISSUER, jwks: { keys: [signer.publicJwk as never] } } },
      },
      1,
      T0,
    ),
    serviceEvent({ id: 'api', name: 'Public API' }, 1, T0),
    serviceEvent({ id: 'db', name: 'Database' }, 1, T0),
  ]);
  await page.render();
  forgetHosts(HOST);
});

describe('an audience page', () => {
  it('refuses the form and a sign-up without access, and stores nothing', async () => {
    const form = await visit(`http://${HOST}/subscribe`);
    expect(form.status).toBe(401);
    const body = await form.text();
    expect(body).not.toContain('Public API');
    const post = await postForm(`http://${HOST}/subscribe`, [['email', 'x@example.org']]);
    expect(post.status).toBe(401);
    expect(await lease()).toEqual([]);
  });

  it('lets a viewer subscribe to their slice only', async () => {
    const auth = { Authorization: `Bearer ${await tokenFor('apiusers')}` };
    const form = await visit(`http://${HOST}/subscribe`, { headers: auth });
    expect(form.status).toBe(200);
    expect(form.headers.get('Cache-Control')).toBe('private, no-store');
    const html = await form.text();
    expect(html).toContain('Public API');
    expect(html).not.toContain('Database');
    // A service of another audience is refused, not quietly kept.
    const other = await postForm(
      `http://${HOST}/subscribe`,
      [
        ['email', 'api@example.org'],
        ['component', 'db'],
      ],
      auth,
    );
    expect(other.status).toBe(400);
    const ok = await postForm(`http://${HOST}/subscribe`, [['email', 'api@example.org']], auth);
    expect(ok.status).toBe(303);
    const [confirm] = await lease();
    await report([confirm!]);
    // The link is its own credential: it works without the viewer's token.
    expect((await postForm(`http://${HOST}${confirmPath(confirm!)}`, [])).status).toBe(200);

    await page.sync([incidentEvent({ id: 'inc_db_only', serviceIds: ['db'] }, 1, T0)]);
    expect(await lease()).toEqual([]);
    await page.sync([incidentEvent({ id: 'inc_api_too', serviceIds: ['api'] }, 1, T0)]);
    const leased = await lease();
    expect(leased.map((d) => d.kind)).toEqual(['incident_created']);
    if (leased[0]?.channel !== 'email') throw new Error('expected an email');
    expect(leased[0].email.to).toBe('api@example.org');
  });
});

describe('a private page', () => {
  it('takes sign-ups only from a viewer with access, and HEAD answers like GET', async () => {
    const host = 'subs-private.example';
    const priv = new TestPage('page_subs_priv', T0);
    await priv.setClock(T0);
    await priv.sync([
      pageEvent(
        {
          id: 'page_subs_priv',
          hostnames: [host],
          visibility: 'private',
          serviceIds: ['api'],
          access: { jwt: { issuer: ISSUER, jwks: { keys: [signer.publicJwk as never] } } },
        },
        1,
        T0,
      ),
      serviceEvent({ id: 'api', name: 'Public API' }, 1, T0),
    ]);
    await priv.render();
    forgetHosts(host);
    expect((await visit(`http://${host}/subscribe`)).status).toBe(401);
    expect((await postForm(`http://${host}/subscribe`, [['email', 'p@example.org']])).status).toBe(
      401,
    );
    const token = await signToken(signer, { iss: ISSUER, aud: 'page_subs_priv' });
    const auth = { Authorization: `Bearer ${token}` };
    const head = await visit(`http://${host}/subscribe`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('Cache-Control')).toBe('private, no-store');
    expect(
      (await postForm(`http://${host}/subscribe`, [['email', 'p@example.org']], auth)).status,
    ).toBe(303);
    const [confirm] = await lease();
    expect(confirm?.pageId).toBe('page_subs_priv');
    await report([confirm!]);
  });
});
