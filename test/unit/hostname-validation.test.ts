// Which names a page may claim as hostnames (docs/contract.md §1, issue 12): DNS names of at least
// two labels, stored lower-case and in punycode; never localhost, an IP literal, a wildcard or
// one of the SaaS zone's own names. Every refusal names the field.
import { describe, expect, it } from 'vitest';
import { reservedHostnameErrors } from '../../origin-sync/reserved-hostnames.ts';
import { CoreEventBatch, Hostname } from '../../worker/domain/schema.ts';
import { pageEvent } from '../support/events.ts';

function refusal(host: string): { path: string; message: string } | null {
  const parsed = CoreEventBatch.safeParse({
    events: [pageEvent({ id: 'p1', hostnames: ['ok.example', host] }, 1)],
  });
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return issue ? { path: issue.path.join('.'), message: issue.message } : null;
}

describe('page hostnames', () => {
  it('are stored lower-case and in punycode', () => {
    expect(Hostname.parse('Status.Acme.COM')).toBe('status.acme.com');
    expect(Hostname.parse('status.bücher.example')).toBe('status.xn--bcher-kva.example');
    expect(Hostname.parse('demo.localhost')).toBe('demo.localhost');
  });

  it.each([
    ['localhost', 'localhost is not a hostname'],
    ['LOCALHOST.', 'localhost is not a hostname'],
    ['intranet', 'a hostname has at least two labels (status.example.com)'],
    ['127.0.0.1', 'an IP address is not a hostname'],
    ['10.1', 'an IP address is not a hostname'],
    ['[::1]', 'an IP address is not a hostname'],
    ['*.acme.com', 'a wildcard is not a hostname'],
    ['status.acme.123', 'an IP address is not a hostname'],
    ['bad host.com', 'not a valid DNS hostname'],
  ])('refuse %s, naming the field', (host, message) => {
    expect(refusal(host)).toEqual({ path: 'events.0.data.hostnames.1', message });
  });

  it('refuse the SaaS zone’s own names (a setting)', () => {
    const events = [pageEvent({ id: 'p1', hostnames: ['status.acme.com', 'x.pages.example'] }, 1)];
    expect(reservedHostnameErrors(events, ['pages.example'])).toEqual([
      expect.objectContaining({ index: 0, pointer: '/events/0/data/hostnames/1' }),
    ]);
    expect(
      reservedHostnameErrors(
        [pageEvent({ id: 'p', hostnames: ['pages.example'] }, 1)],
        ['pages.example'],
      ),
    ).toHaveLength(1);
    expect(reservedHostnameErrors(events, [])).toEqual([]);
  });
});
