import { BlockList, isIP } from 'node:net';

/**
 * Addresses the outbound webhook never posts to unless the workspace opts in: a signed POST to them
 * would reach the host deskbolt runs on or its private network (a metadata service at 169.254.169.254,
 * an admin port on localhost) on behalf of whoever wrote the URL. Ranges from RFC 6890's special-purpose
 * registries: loopback, link-local, private (RFC 1918, RFC 6598 shared, RFC 4193 unique-local and the
 * old site-local), and the unspecified address, which reaches the local host.
 */
const RANGES: readonly { name: string; family: 'ipv4' | 'ipv6'; network: string; prefix: number }[] = [
  { name: 'loopback', family: 'ipv4', network: '127.0.0.0', prefix: 8 },
  { name: 'loopback', family: 'ipv6', network: '::1', prefix: 128 },
  { name: 'unspecified', family: 'ipv4', network: '0.0.0.0', prefix: 8 },
  { name: 'unspecified', family: 'ipv6', network: '::', prefix: 128 },
  { name: 'link-local', family: 'ipv4', network: '169.254.0.0', prefix: 16 },
  { name: 'link-local', family: 'ipv6', network: 'fe80::', prefix: 10 },
  { name: 'private', family: 'ipv4', network: '10.0.0.0', prefix: 8 },
  { name: 'private', family: 'ipv4', network: '172.16.0.0', prefix: 12 },
  { name: 'private', family: 'ipv4', network: '192.168.0.0', prefix: 16 },
  { name: 'private', family: 'ipv4', network: '100.64.0.0', prefix: 10 },
  { name: 'private', family: 'ipv6', network: 'fc00::', prefix: 7 },
  { name: 'private', family: 'ipv6', network: 'fec0::', prefix: 10 },
];

// One list per kind, so a match can say which kind it was. BlockList also matches IPv4-mapped IPv6
// addresses (::ffff:127.0.0.1) against the IPv4 ranges.
const LISTS = [...new Set(RANGES.map((range) => range.name))].map((name) => {
  const list = new BlockList();
  for (const range of RANGES.filter((entry) => entry.name === name))
    list.addSubnet(range.network, range.prefix, range.family);
  return { name, list };
});

/** The kind of private range an IP address is in ("loopback", "link-local", …), or null for a public one. */
export function privateRangeOf(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return LISTS.find(({ list }) => list.check(address, type))?.name ?? null;
}

/** "a loopback address", "an unspecified address": for the sentence that refuses it. */
export function rangeWords(range: string): string {
  return `${/^[aeiou]/.test(range) ? 'an' : 'a'} ${range} address`;
}

/** The same for a URL's hostname when it is an address literal (`127.0.0.1`, `[::1]`); a name needs resolving first. */
export function privateRangeOfLiteral(hostname: string): string | null {
  return privateRangeOf(hostname.replace(/^\[(.*)\]$/, '$1'));
}
