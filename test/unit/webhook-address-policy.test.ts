import { describe, expect, it } from 'vitest';
import { checkAddress, embeddedIPv4 } from '../../origin-sync/notify/address-policy.ts';

const prod = { allowLoopback: false };
const dev = { allowLoopback: true };

describe('webhook address policy', () => {
  it.each([
    '127.0.0.1',
    '127.5.6.7',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a9fe:a9fe',
    '2002:c0a8:0101::1',
    '2001:db8::1',
  ])('production refuses %s', (address) => {
    expect(checkAddress(address, prod).ok).toBe(false);
  });

  it.each(['93.184.216.34', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'production accepts the global address %s',
    (address) => {
      expect(checkAddress(address, prod).ok).toBe(true);
    },
  );

  it('development accepts loopback, and still refuses private and link-local addresses', () => {
    expect(checkAddress('127.0.0.1', dev).ok).toBe(true);
    expect(checkAddress('::1', dev).ok).toBe(true);
    expect(checkAddress('::ffff:127.0.0.1', dev).ok).toBe(true);
    expect(checkAddress('10.0.0.1', dev).ok).toBe(false);
    expect(checkAddress('169.254.169.254', dev).ok).toBe(false);
  });

  it('refuses what is not an address', () => {
    expect(checkAddress('example.com', prod).ok).toBe(false);
  });

  it('finds the IPv4 address inside mapped, NAT64 and 6to4 addresses', () => {
    expect(embeddedIPv4('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(embeddedIPv4('::ffff:0102:0304')).toBe('1.2.3.4');
    expect(embeddedIPv4('64:ff9b::0102:0304')).toBe('1.2.3.4');
    expect(embeddedIPv4('2002:0102:0304::')).toBe('1.2.3.4');
    expect(embeddedIPv4('2606:4700::1')).toBeNull();
  });
});
