// Which addresses a webhook may be sent to. Production: only globally reachable unicast
// addresses (IANA's special-purpose registries say which are not), so a subscriber cannot make
// origin-sync call into its own network (SSRF). Development: loopback too. Pure: the caller
// resolves the name, checks every address here, and connects to one it checked.
import { BlockList, isIP } from 'node:net';

const NOT_GLOBAL_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
];

const NOT_GLOBAL_V6: readonly [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  // IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are
  // checked as the IPv4 address they carry (checkAddress). The mapped prefix must not be listed:
  // BlockList matches every IPv4 address against it.
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, benchmarking, …)
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['5f00::', 16], // segment routing SIDs
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const notGlobal = new BlockList();
for (const [net, prefix] of NOT_GLOBAL_V4) notGlobal.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of NOT_GLOBAL_V6) notGlobal.addSubnet(net, prefix, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

export type AddressVerdict = { ok: true } | { ok: false; reason: string };

/** The IPv4 address an IPv6 address carries (mapped, NAT64 well-known prefix, 6to4), if any. */
export function embeddedIPv4(address: string): string | null {
  const groups = expandIPv6(address);
  if (!groups) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zero(0, 5) && groups[5] === 0xffff) return v4(groups[6] as number, groups[7] as number);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6))
    return v4(groups[6] as number, groups[7] as number);
  if (groups[0] === 0x2002) return v4(groups[1] as number, groups[2] as number);
  return null;
}

function expandIPv6(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.toLowerCase().replace(/%.*$/, '');
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...new Array<number>(fill).fill(0), ...t];
  return groups.length === 8 ? groups : null;
}

export function isLoopback(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const inner = family === 6 ? embeddedIPv4(address) : null;
  if (inner) return loopback.check(inner, 'ipv4');
  return loopback.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** May a webhook connect to this (resolved) address? */
export function checkAddress(address: string, opts: { allowLoopback: boolean }): AddressVerdict {
  const family = isIP(address);
  if (family === 0) return { ok: false, reason: 'not an IP address' };
  if (opts.allowLoopback && isLoopback(address)) return { ok: true };
  const inner = family === 6 ? embeddedIPv4(address) : null;
  if (inner) return checkAddress(inner, opts);
  if (notGlobal.check(address, family === 4 ? 'ipv4' : 'ipv6')) {
    return { ok: false, reason: 'a loopback, private, link-local or other non-global address' };
  }
  return { ok: true };
}
