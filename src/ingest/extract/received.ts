// The Received chain and authentication verdicts.
//
// Received fields are prepended by each MTA, so the topmost one is the latest hop (added inside
// the receiving organisation) and the bottom one the earliest (closest to the sender, and the
// easiest to forge). Each hop is read as "from <helo> (<rdns> [<ip>]) by <receiver> ...": the IP in
// the from-clause is the address the receiver saw connecting.
//
// The first external hop is where the mail entered the receiving organisation: the topmost hop
// whose connecting IP is outside it. Rule, in order:
//  1. If the receiving side stated the connecting IP itself (the topmost Received-SPF
//     `client-ip=`, Authentication-Results "sender IP is ..." as Exchange Online writes it, or
//     X-Forefront-Antispam-Report `CIP:`) and a hop in the chain has that connecting IP, the
//     topmost such hop is the first external hop.
//  2. Otherwise walk from the top down. The receiver of each hop walked so far belongs to the
//     organisation, so the registrable domains of those `by` hosts are "ours". A hop is internal
//     when its connecting IP is not public (RFC 1918, loopback, link-local, ULA, CGNAT) or its
//     from-host is in one of our domains (Exchange Online relays between *.outlook.com servers
//     over public IPv6, which must not count as external). The first hop that is neither is the
//     first external hop.
// Sender-side IPs (the first external hop and the hops below it) are reported as indicators;
// the hops above it are the receiving organisation's own relays and are left out. When no
// boundary is found, every connecting IP in the chain is reported.

import type { IpIndicator } from '../types.ts';
import { asciiHost, registrableDomain } from './domains.ts';
import { ipVersion, isPublicIp, isUnusableIp, normaliseIp } from './ip.ts';

export interface ReceivedHop {
  /** HELO name. */
  helo?: string;
  /** Reverse-DNS name the receiver recorded, when present. */
  rdns?: string;
  /** Connecting IP. */
  ip?: string;
  /** Receiving host. */
  by?: string;
}

export function parseReceived(value: string): ReceivedHop {
  const hop: ReceivedHop = {};
  const v = value.replace(/\s+/g, ' ').trim();
  const byMatch = /(?:^|[\s)])by\s+([^\s;()]+)/i.exec(v);
  if (byMatch?.[1]) {
    const by = asciiHost(byMatch[1]);
    if (by) hop.by = by;
  }
  const fromMatch = /^from\s+(.*?)(?=(?:^|[\s)])by\s|;|$)/i.exec(v);
  if (!fromMatch?.[1]) return hop;
  const fromClause = fromMatch[1];
  const helo = /^([^\s()[\]]+)/.exec(fromClause)?.[1];
  if (helo) {
    const ipHelo = normaliseIp(helo);
    if (!ipHelo) {
      const h = asciiHost(helo);
      if (h) hop.helo = h;
    }
  }
  // The connecting IP is what the receiver recorded in parentheses: "(rdns [192.0.2.1])",
  // "(192.0.2.1)", "([IPv6:2001:db8::1])". The HELO name before them may itself be an IP literal
  // ("from [127.0.1.1] (198.51.100.5)") chosen by the sender, so it is only a last resort; qmail's
  // "(HELO name)" group is the HELO too.
  const groups = [...fromClause.matchAll(/\(([^()]*)\)/g)].map((m) => m[1] ?? '').filter((g) => !/^\s*(?:HELO|EHLO)\b/i.test(g));
  const ip = [...groups, fromClause].map(firstIp).find((x) => x);
  if (ip) hop.ip = ip;
  const paren = /\(([^()]*)\)/.exec(fromClause)?.[1];
  const rdnsToken = paren?.split(/\s+/).find((t) => /[a-z]/i.test(t) && t.includes('.') && !normaliseIp(t));
  if (rdnsToken) {
    const r = asciiHost(rdnsToken.replace(/^\[|\]$/g, ''));
    if (r) hop.rdns = r;
  }
  return hop;
}

/** The first IP in a fragment: a bracketed one ("[192.0.2.1]", "[IPv6:...]") first, then any IP token. */
function firstIp(fragment: string): string | undefined {
  const bracketed = [...fragment.matchAll(/\[([^\]]+)\]/g)].map((m) => normaliseIp(m[1] ?? '')).find((x) => x);
  if (bracketed) return bracketed;
  return fragment
    .split(/[\s()[\];,=]+/)
    .filter(Boolean)
    .map(normaliseIp)
    .find((x) => x);
}

/** The IP the receiving side says connected to it, from its own topmost verdict headers. */
export function statedClientIp(headers: { key: string; value: string }[]): string | undefined {
  const spf = headers.find((h) => h.key === 'received-spf')?.value;
  const fromSpf = spf ? /client-ip=([0-9a-f.:]+)/i.exec(spf)?.[1] : undefined;
  const ar = headers.find((h) => h.key === 'authentication-results')?.value;
  const fromAr = ar ? /sender IP is ([0-9a-f.:]+)/i.exec(ar)?.[1] : undefined;
  const fop = headers.find((h) => h.key === 'x-forefront-antispam-report')?.value;
  const fromFop = fop ? /(?:^|;)\s*CIP:([0-9a-f.:]+)/i.exec(fop)?.[1] : undefined;
  for (const c of [fromAr, fromSpf, fromFop]) {
    const ip = c ? normaliseIp(c.replace(/[.:;]+$/, '')) : undefined;
    if (ip && isPublicIp(ip)) return ip;
  }
  return undefined;
}

/** Index (0 = topmost) of the first external hop, per the rule at the top of this file. */
export function firstExternalHopIndex(hops: ReceivedHop[], statedIp?: string): number | undefined {
  if (statedIp) {
    const i = hops.findIndex((h) => h.ip === statedIp);
    if (i >= 0) return i;
  }
  const ours = new Set<string>();
  for (const [i, hop] of hops.entries()) {
    if (hop.by) ours.add(registrableDomain(hop.by) ?? hop.by);
    if (!hop.ip || !isPublicIp(hop.ip)) continue;
    const names = [hop.helo, hop.rdns].filter((x): x is string => !!x);
    const internal = names.some((n) => ours.has(registrableDomain(n) ?? n));
    if (!internal) return i;
  }
  return undefined;
}

/** IP indicators from the Received chain (topmost first), with the first external hop flagged. */
export function receivedIps(receivedValues: string[], headers: { key: string; value: string }[]): IpIndicator[] {
  const hops = receivedValues.map(parseReceived);
  const boundary = firstExternalHopIndex(hops, statedClientIp(headers));
  const out: IpIndicator[] = [];
  const seen = new Set<string>();
  hops.forEach((hop, i) => {
    if (!hop.ip || isUnusableIp(hop.ip)) return;
    if (boundary !== undefined && i < boundary) return;
    if (seen.has(hop.ip)) return;
    seen.add(hop.ip);
    const version = ipVersion(hop.ip);
    if (!version) return;
    const ind: IpIndicator = { ip: hop.ip, version, source: 'received' };
    if (i === boundary) ind.firstExternalHop = true;
    if (!isPublicIp(hop.ip)) ind.private = true;
    out.push(ind);
  });
  return out;
}

/**
 * SPF / DKIM / DMARC verdicts from the topmost Authentication-Results field: the receiving
 * organisation's own verdict. Fields lower down were written by earlier hops or by the sender and
 * may be forged, so they are not used. SPF falls back to the topmost Received-SPF.
 */
export function authenticationVerdicts(headers: { key: string; value: string }[]): { spf?: string; dkim?: string; dmarc?: string } | undefined {
  const ar = headers.find((h) => h.key === 'authentication-results')?.value ?? '';
  const out: { spf?: string; dkim?: string; dmarc?: string } = {};
  for (const method of ['spf', 'dkim', 'dmarc'] as const) {
    const m = new RegExp(`(?:^|[;\\s])${method}\\s*=\\s*([a-z_-]+)`, 'i').exec(ar);
    if (m?.[1]) out[method] = m[1].toLowerCase();
  }
  if (!out.spf) {
    const rs = headers.find((h) => h.key === 'received-spf')?.value;
    const m = rs ? /^\s*([a-z]+)/i.exec(rs) : undefined;
    if (m?.[1]) out.spf = m[1].toLowerCase();
  }
  return out.spf || out.dkim || out.dmarc ? out : undefined;
}
