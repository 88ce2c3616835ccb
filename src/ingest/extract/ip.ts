// IP address helpers: validation, classification, and finding addresses in text.

import { BlockList, isIPv4, isIPv6 } from 'node:net';

// Not publicly routable: RFC 1918, CGNAT (RFC 6598), loopback, link-local, unique-local,
// unspecified, multicast, and IPv4-mapped forms of these. Documentation ranges (RFC 5737 /
// RFC 3849) are deliberately NOT listed: they stand in for public addresses in examples and tests.
const nonPublic = new BlockList();
nonPublic.addSubnet('0.0.0.0', 8, 'ipv4');
nonPublic.addSubnet('10.0.0.0', 8, 'ipv4');
nonPublic.addSubnet('100.64.0.0', 10, 'ipv4');
nonPublic.addSubnet('127.0.0.0', 8, 'ipv4');
nonPublic.addSubnet('169.254.0.0', 16, 'ipv4');
nonPublic.addSubnet('172.16.0.0', 12, 'ipv4');
nonPublic.addSubnet('192.168.0.0', 16, 'ipv4');
nonPublic.addSubnet('224.0.0.0', 3, 'ipv4');
nonPublic.addAddress('::', 'ipv6');
nonPublic.addAddress('::1', 'ipv6');
nonPublic.addSubnet('fc00::', 7, 'ipv6');
nonPublic.addSubnet('fe80::', 10, 'ipv6');
nonPublic.addSubnet('ff00::', 8, 'ipv6');

const unusable = new BlockList();
unusable.addSubnet('0.0.0.0', 8, 'ipv4');
unusable.addSubnet('127.0.0.0', 8, 'ipv4');
unusable.addAddress('::', 'ipv6');
unusable.addAddress('::1', 'ipv6');

export function ipVersion(ip: string): 4 | 6 | undefined {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  return undefined;
}

/** Normalise: lower-case IPv6, strip brackets and an "IPv6:" prefix; undefined when not an IP. */
export function normaliseIp(s: string): string | undefined {
  let v = s.trim().replace(/^\[|\]$/g, '');
  if (/^ipv6:/i.test(v)) v = v.slice(5);
  v = v.toLowerCase();
  // zone ids (fe80::1%eth0) are not indicators
  if (v.includes('%')) v = v.slice(0, v.indexOf('%'));
  return ipVersion(v) ? v : undefined;
}

function family(ip: string): 'ipv4' | 'ipv6' {
  return isIPv4(ip) ? 'ipv4' : 'ipv6';
}

export function isPublicIp(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped?.[1]) return isPublicIp(mapped[1]);
  return !nonPublic.check(ip, family(ip));
}

/** Loopback and unspecified addresses say nothing about a sender: never reported. */
export function isUnusableIp(ip: string): boolean {
  return unusable.check(ip, family(ip));
}

const IPV4_RE = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\d]|\.\d)/g;
const IPV6_RE = /(?<![0-9a-f:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{0,4}|\d+\.\d+\.\d+\.\d+)(?![0-9a-f:])/gi;

/** All IPv4/IPv6 addresses in a text, normalised, in order of first appearance. */
export function findIps(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IPV4_RE)) out.push(m[0]);
  // Every IPv6 address has two colons with at most four hex digits between them; most texts have
  // none, and the full pattern (tried at every position) is the costly one.
  if (!/:[0-9a-f]{0,4}:/i.test(text)) return out;
  for (const m of text.matchAll(IPV6_RE)) {
    const v = normaliseIp(m[0]);
    // "::" alone, and things like "a:b:" fragments, are not worth reporting
    if (v && ipVersion(v) === 6 && /[0-9a-f]{1,4}:[0-9a-f]{0,4}:?[0-9a-f]{1,4}/.test(v)) out.push(v);
  }
  return out;
}
