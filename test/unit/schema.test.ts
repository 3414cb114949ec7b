import { describe, expect, it } from 'vitest';
import { demoEvents } from '../../scripts/lib/demo-events.ts';
import { CoreEventBatch, Hostname, StatusPage } from '../../worker/domain/schema.ts';

const page = {
  id: 'p1',
  name: 'Acme',
  hostnames: ['Status.Acme.COM.'],
  visibility: 'public',
  serviceIds: ['a'],
};

describe('core event schemas', () => {
  it('normalises hostnames (case, trailing dot, port) and refuses non-hostnames', () => {
    expect(Hostname.parse('Status.ACME.com.')).toBe('status.acme.com');
    expect(Hostname.parse('status.acme.com:443')).toBe('status.acme.com');
    expect(Hostname.safeParse('bad host').success).toBe(false);
    expect(Hostname.safeParse('-x.com').success).toBe(false);
    expect(StatusPage.parse(page).hostnames).toEqual(['status.acme.com']);
  });

  it('refuses links that are not http(s) and colours that are not hex', () => {
    expect(StatusPage.safeParse({ ...page, supportUrl: 'javascript:alert(1)' }).success).toBe(
      false,
    );
    expect(
      StatusPage.safeParse({ ...page, branding: { logoUrl: 'data:image/svg+xml,<svg>' } }).success,
    ).toBe(false);
    expect(
      StatusPage.safeParse({ ...page, branding: { accentColor: 'red;}body{display:none' } })
        .success,
    ).toBe(false);
    expect(StatusPage.safeParse({ ...page, supportUrl: 'https://help.acme.com/' }).success).toBe(
      true,
    );
  });

  it('refuses unknown zones and locales, and symmetric or private JWKs', () => {
    expect(StatusPage.safeParse({ ...page, timeZone: 'Mars/Olympus' }).success).toBe(false);
    expect(
      StatusPage.safeParse({ ...page, timeZone: 'Europe/Paris', locale: 'fr-FR' }).success,
    ).toBe(true);
    const jwt = (keys: unknown[]) => ({
      ...page,
      access: { jwt: { issuer: 'i', jwks: { keys } } },
    });
    expect(StatusPage.safeParse(jwt([{ kty: 'oct', k: 'c2VjcmV0' }])).success).toBe(false);
    expect(
      StatusPage.safeParse(jwt([{ kty: 'OKP', crv: 'Ed25519', x: 'a', d: 'b' }])).success,
    ).toBe(false);
    expect(StatusPage.safeParse(jwt([{ kty: 'OKP', crv: 'Ed25519', x: 'a' }])).success).toBe(true);
  });

  it('names each bad event by index and field path', () => {
    const result = CoreEventBatch.safeParse({
      events: [
        {
          id: 'e1',
          type: 'service.upserted',
          occurredAt: '2026-11-21T10:00:00Z',
          version: 1,
          data: { id: 's', name: 'S', status: 'operational' },
        },
        {
          id: 'e2',
          type: 'service.upserted',
          occurredAt: '2026-11-21T10:00:00Z',
          version: 1,
          data: { id: 's', name: 'S', status: 'on_fire' },
        },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['events.1.data.status']);
  });

  it('accepts the demo data as the core would send it', () => {
    const events = demoEvents({
      now: new Date('2026-11-21T12:00:00Z'),
      jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] },
    });
    for (let i = 0; i < events.length; i += 500) {
      expect(
        CoreEventBatch.safeParse({ events: events.slice(i, i + 500) }).error?.issues,
      ).toBeUndefined();
    }
  });
});
