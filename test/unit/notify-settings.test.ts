import { describe, expect, it } from 'vitest';
import { poolOptions } from '../../origin-sync/notify/email.ts';
import { scrub } from '../../origin-sync/notify/outcome.ts';
import { notifySettings } from '../../origin-sync/notify/settings.ts';

const pool = (url: string) =>
  poolOptions({
    url,
    from: 'status@example.net',
    maxConnections: 8,
    maxMessages: 1000,
    ratePerS: 0,
    timeoutMs: 30_000,
  });

describe('notifier settings', () => {
  it('is off without SMTP_URL or MAIL_FROM, and says which', () => {
    expect(notifySettings({}).off).toBe('SMTP_URL not set');
    expect(notifySettings({ SMTP_URL: 'smtp://relay.example:25' }).off).toBe('MAIL_FROM not set');
    const on = notifySettings({ SMTP_URL: 'smtp://relay.example:25', MAIL_FROM: 'a@example.net' });
    expect(on.off).toBeNull();
    expect(on.concurrency).toBe(8);
    expect(on.allowLoopback).toBe(false);
    expect(on.pollMs).toBe(1000);
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://', () => {
    expect(() =>
      notifySettings({ SMTP_URL: 'http://relay.example', MAIL_FROM: 'a@b.example' }),
    ).toThrow(/SMTP_URL/);
  });

  it('reads credentials, TLS and ports from SMTP_URL', () => {
    const secure = pool('smtps://user%40example.net:p%3Ass@relay.example');
    expect(secure).toMatchObject({
      host: 'relay.example',
      port: 465,
      secure: true,
      auth: { user: 'user@example.net', pass: 'p:ss' },
      pool: true,
      maxConnections: 8,
      logger: false,
    });
    expect(pool('smtp://relay.example')).toMatchObject({ port: 587, secure: false });
    expect(pool('smtp://u:p@relay.example').requireTLS).toBe(true);
    expect(pool('smtp://u:p@127.0.0.1:2525').requireTLS).toBeUndefined();
    expect(pool('smtps://u:p@relay.example').requireTLS).toBeUndefined();
    expect(pool('smtp://127.0.0.1:2525')).toMatchObject({ host: '127.0.0.1', port: 2525 });
    expect(pool('smtp://relay.example').auth).toBeUndefined();
  });
});

describe('scrub', () => {
  it('takes addresses, URLs and named secrets out of an error text', () => {
    const text = scrub(
      '550 5.1.1 <ann@example.com>: Recipient address rejected; see https://relay.example/why?x=1 (hooks.example.org)',
      ['hooks.example.org'],
    );
    expect(text).not.toMatch(/ann@|relay\.example|hooks\.example/);
    expect(text).toContain('550 5.1.1');
  });
});
