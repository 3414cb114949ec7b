import { describe, expect, it } from 'vitest';
import { StatusPage } from '../../worker/domain/schema.ts';
import { wwwRedirectTarget } from '../../worker/domain/www-redirect.ts';

const hostnames = ['acme.com', 'www.acme.com', 'status.acme.com'];

describe('wwwRedirectTarget', () => {
  it('points www at the apex (to_apex) and the apex at www (to_www)', () => {
    expect(wwwRedirectTarget({ hostnames, wwwRedirect: 'to_apex' }, 'www.acme.com')).toBe(
      'acme.com',
    );
    expect(wwwRedirectTarget({ hostnames, wwwRedirect: 'to_apex' }, 'acme.com')).toBeUndefined();
    expect(wwwRedirectTarget({ hostnames, wwwRedirect: 'to_www' }, 'acme.com')).toBe(
      'www.acme.com',
    );
    expect(wwwRedirectTarget({ hostnames, wwwRedirect: 'to_www' }, 'www.acme.com')).toBeUndefined();
  });

  it('only redirects between two hostnames of the same page', () => {
    expect(
      wwwRedirectTarget({ hostnames, wwwRedirect: 'to_www' }, 'status.acme.com'),
    ).toBeUndefined();
    expect(
      wwwRedirectTarget({ hostnames: ['www.x.com'], wwwRedirect: 'to_apex' }, 'www.x.com'),
    ).toBeUndefined();
    expect(
      wwwRedirectTarget({ hostnames, wwwRedirect: 'to_apex' }, 'www.other.com'),
    ).toBeUndefined();
    expect(wwwRedirectTarget({ hostnames }, 'www.acme.com')).toBeUndefined();
  });

  it('is an optional page field that accepts only the two directions', () => {
    const page = { id: 'p', name: 'P', hostnames, visibility: 'public', serviceIds: [] };
    expect(StatusPage.parse(page).wwwRedirect).toBeUndefined();
    expect(StatusPage.parse({ ...page, wwwRedirect: 'to_www' }).wwwRedirect).toBe('to_www');
    expect(StatusPage.safeParse({ ...page, wwwRedirect: 'sideways' }).success).toBe(false);
  });
});
