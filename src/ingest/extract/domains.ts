// Domain names: registrable domain (public suffix list, via tldts) and punycode decoding.

import { domainToASCII, domainToUnicode } from 'node:url';
import { parse } from 'tldts';
import type { DomainIndicator } from '../types.ts';
import { ipVersion } from './ip.ts';

// allowPrivateDomains: the private section of the public suffix list counts as suffixes, so
// `evil.github.io` and `x.web.app` are registrable domains of their own (who controls the name),
// instead of all collapsing to github.io / web.app.
const TLDTS_OPTS = { allowPrivateDomains: true } as const;

/** Lower-case ASCII (punycode) form of a host name; undefined when it is not a usable host name. */
export function asciiHost(host: string): string | undefined {
  const h = host.trim().replace(/\.$/, '');
  if (!h || h.length > 253) return undefined;
  if (ipVersion(h.replace(/^\[|\]$/g, ''))) return h.replace(/^\[|\]$/g, '').toLowerCase();
  const a = domainToASCII(h);
  return a ? a.toLowerCase() : undefined;
}

// The same few hundred names (mail relays, CDNs, the big senders) come back in every report: the
// public-suffix lookups are remembered, within a bound.
const MEMO_MAX = 10_000;
const registrableMemo = new Map<string, string | null>();

export function registrableDomain(host: string): string | undefined {
  const hit = registrableMemo.get(host);
  if (hit !== undefined) return hit ?? undefined;
  const d = ipVersion(host) ? null : (parse(host, TLDTS_OPTS).domain ?? null);
  if (registrableMemo.size >= MEMO_MAX) registrableMemo.clear();
  registrableMemo.set(host, d);
  return d ?? undefined;
}

/** True when tldts knows the host's suffix (ICANN or private section of the PSL). */
export function hasKnownSuffix(host: string): boolean {
  const p = parse(host, TLDTS_OPTS);
  return p.isIcann === true || p.isPrivate === true;
}

/** A DomainIndicator for a host name, or undefined for IPs, single labels and junk. */
export function domainIndicator(host: string): DomainIndicator | undefined {
  const domain = asciiHost(host);
  if (!domain || ipVersion(domain) || !domain.includes('.')) return undefined;
  if (!/^[a-z0-9_.-]+$/.test(domain)) return undefined;
  const d: DomainIndicator = { domain };
  const reg = registrableDomain(domain);
  if (reg) d.registrableDomain = reg;
  if (domain.split('.').some((l) => l.startsWith('xn--'))) {
    const unicode = domainToUnicode(domain);
    if (unicode && unicode !== domain) {
      d.unicode = unicode;
      d.punycode = true;
    }
  }
  return d;
}
