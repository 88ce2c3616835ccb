// URLs: found in plain text and in HTML (href/action/src), unwrapped from link-protection
// rewriters, with a flag when an HTML link's visible text names another domain than its target.
// Nothing here resolves or fetches anything.

import { domainToUnicode } from 'node:url';
import type { UrlIndicator } from '../types.ts';
import { asciiHost, hasKnownSuffix, registrableDomain } from './domains.ts';
import { collapseWhitespace, decodeEntities, truncate } from './html.ts';

/** URLs longer than this are dropped (they are data blobs, not indicators). */
const MAX_URL_LENGTH = 8192;
const MAX_DISPLAY_TEXT = 200;

export interface FoundUrl {
  /** As found (entity-decoded for HTML). */
  raw: string;
  source: UrlIndicator['source'];
  /** The visible text of an <a> link. */
  linkText?: string;
}

const TEXT_URL_RE = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`{}|\\^]+/gi;

function trimTrailing(u: string): string {
  let s = u;
  for (;;) {
    const before = s;
    s = s.replace(/[.,;:!?'"*]+$/, '');
    if (s.endsWith(')') && count(s, '(') < count(s, ')')) s = s.slice(0, -1);
    if (s.endsWith(']') && count(s, '[') < count(s, ']')) s = s.slice(0, -1);
    if (s.endsWith('>')) s = s.slice(0, -1);
    if (s === before) return s;
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

export function findTextUrls(text: string, source: UrlIndicator['source'] = 'text'): FoundUrl[] {
  const out: FoundUrl[] = [];
  for (const m of text.matchAll(TEXT_URL_RE)) out.push({ raw: trimTrailing(m[0]), source });
  return out;
}

// <link> (stylesheets, fonts) and <img> mostly point at CDNs and trackers: noise on a block list.
const TAG_START_RE = /<(a|area|form|iframe|frame|meta)\b/gi;
const attrRe = (name: string): RegExp => new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i');
const HREF = attrRe('href');
const ATTR_FOR: Record<string, RegExp> = {
  a: HREF,
  area: HREF,
  form: attrRe('action'),
  iframe: attrRe('src'),
  frame: attrRe('src'),
  meta: attrRe('content'),
};

/** Links of an HTML document: <a>/<area> hrefs (with their visible text), form actions, frames, meta refresh. */
export function findHtmlUrls(html: string, source: UrlIndicator['source'] = 'html'): FoundUrl[] {
  const out: FoundUrl[] = [];
  // The end of each tag is found with a remembered indexOf, not a regex like /<a\b[^>]*>/, which
  // rescans to the end of the input for every unclosed "<a" (quadratic on hostile HTML).
  let gt = -1;
  for (const m of html.matchAll(TAG_START_RE)) {
    const start = m.index ?? 0;
    if (gt < start) gt = html.indexOf('>', start);
    if (gt < 0) break;
    const tag = (m[1] ?? '').toLowerCase();
    const attrs = html.slice(start + m[0].length, gt);
    const attrRegex = ATTR_FOR[tag];
    if (!attrRegex) continue;
    const a = attrRegex.exec(attrs);
    let value = a ? (a[1] ?? a[2] ?? a[3] ?? '') : '';
    if (!value) continue;
    if (tag === 'meta') {
      if (!/http-equiv\s*=\s*["']?refresh/i.test(attrs)) continue;
      const r = /url\s*=\s*['"]?([^'"]+)/i.exec(decodeEntities(value));
      if (!r?.[1]) continue;
      value = r[1];
    }
    // Browsers drop tabs and newlines inside URLs; so do we.
    const raw = decodeEntities(value).replace(/[\t\r\n]/g, '').trim();
    const found: FoundUrl = { raw, source };
    if (tag === 'a') {
      const rest = html.slice(gt + 1, gt + 4001);
      const end = rest.search(/<\/a\s*>|<a\b/i);
      const inner = end >= 0 ? rest.slice(0, end) : rest.slice(0, 500);
      const text = collapseWhitespace(decodeEntities(inner.replace(/<[^>]*>/g, ' ')));
      if (text) found.linkText = truncate(text, MAX_DISPLAY_TEXT);
    }
    out.push(found);
  }
  return out;
}

// --- unwrapping ------------------------------------------------------------------------------

const SAFELINKS_RE = /(^|\.)safelinks\.protection\.(outlook\.com|office365\.us|apps\.mil)$/;

/** Proofpoint v3 run-length characters: `**X` stands for a run of 2.. characters of the payload. */
const V3_RUN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeProofpointV3(raw: string): string | undefined {
  const m = /\/v3\/__(.+?)__;([^!]*)!/.exec(raw);
  if (!m?.[1]) return undefined;
  const url = m[1];
  const b64 = (m[2] ?? '').replace(/-/g, '+').replace(/_/g, '/');
  const chars = Array.from(Buffer.from(b64, 'base64').toString('utf8'));
  let pos = 0;
  let failed = false;
  const decoded = url.replace(/\*\*(.)|\*/g, (_tok, run: string | undefined) => {
    if (run === undefined) {
      const c = chars[pos++];
      if (c === undefined) failed = true;
      return c ?? '';
    }
    const n = V3_RUN.indexOf(run) + 2;
    if (n < 2 || pos + n > chars.length) {
      failed = true;
      return '';
    }
    const s = chars.slice(pos, pos + n).join('');
    pos += n;
    return s;
  });
  return failed ? undefined : safeDecode(decoded);
}

function safeDecode(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}

/** One layer of unwrapping, or undefined when the URL is not a known wrapper. */
function unwrapOnce(raw: string, u: URL): string | undefined {
  const host = u.hostname.toLowerCase();
  if (SAFELINKS_RE.test(host)) return u.searchParams.get('url') ?? undefined;
  if (host === 'urldefense.proofpoint.com') {
    const p = u.searchParams.get('u');
    if (u.pathname.startsWith('/v2/url') && p) {
      try {
        return decodeURIComponent(p.replace(/-/g, '%').replace(/_/g, '/'));
      } catch {
        return undefined;
      }
    }
    if (u.pathname.startsWith('/v1/url') && p) return p;
  }
  if (host === 'urldefense.com' && u.pathname.startsWith('/v3/__')) return decodeProofpointV3(raw);
  return undefined;
}

export interface NormalisedUrl {
  url: string;
  parsed: URL;
  wrappedUrl?: string;
}

/** Parse (adding http:// to www.), keep http/https/ftp only, unwrap up to 3 layers. */
export function normaliseUrl(raw: string): NormalisedUrl | undefined {
  if (!raw || raw.length > MAX_URL_LENGTH) return undefined;
  let candidate = raw.startsWith('//') ? `http:${raw}` : /^www\./i.test(raw) ? `http://${raw}` : raw;
  let parsed = tryUrl(candidate);
  if (!parsed) return undefined;
  let wrappedUrl: string | undefined;
  for (let i = 0; i < 3; i++) {
    const inner = unwrapOnce(candidate, parsed);
    const innerParsed = inner ? tryUrl(inner.trim()) : undefined;
    if (!inner || !innerParsed) break;
    wrappedUrl ??= raw;
    candidate = inner.trim();
    parsed = innerParsed;
  }
  const out: NormalisedUrl = { url: candidate, parsed };
  if (wrappedUrl) out.wrappedUrl = wrappedUrl;
  return out;
}

function tryUrl(s: string): URL | undefined {
  if (!/^(?:https?|ftp):\/\//i.test(s)) return undefined;
  try {
    const u = new URL(s);
    return u.hostname ? u : undefined;
  } catch {
    return undefined;
  }
}

const DISPLAY_HOST_RE = /(?:\b(?:https?|ftp):\/\/)?((?:[\p{L}\p{N}](?:[\p{L}\p{N}_-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}|xn--[a-z0-9-]+)\b/iu;

/**
 * The domain a link's visible text claims, when it claims one: a URL, a www. name, or a name whose
 * suffix is on the public suffix list ("Click here" claims nothing).
 */
export function displayedHost(text: string): string | undefined {
  // A full URL in the text is unwrapped first, so a shown Safe Links URL compares as its target.
  const shownUrl = findTextUrls(text)[0];
  const n = shownUrl ? normaliseUrl(shownUrl.raw) : undefined;
  if (n) return asciiHost(n.parsed.hostname);
  const m = DISPLAY_HOST_RE.exec(text);
  if (!m?.[1]) return undefined;
  const explicit = /^(?:https?|ftp):\/\//i.test(m[0]) || /^www\./i.test(m[1]);
  const host = asciiHost(m[1]);
  if (!host) return undefined;
  if (!explicit && !hasKnownSuffix(host)) return undefined;
  return host;
}

/** Build the indicator for one found URL (undefined when it is not a usable http/https/ftp URL). */
export function urlIndicator(found: FoundUrl): UrlIndicator | undefined {
  const n = normaliseUrl(found.raw);
  if (!n) return undefined;
  const host = asciiHost(n.parsed.hostname);
  if (!host) return undefined;
  const ind: UrlIndicator = { url: n.url, host, source: found.source };
  const reg = registrableDomain(host);
  if (reg) ind.registrableDomain = reg;
  if (host.split('.').some((l) => l.startsWith('xn--'))) {
    const unicode = domainToUnicode(host);
    if (unicode && unicode !== host) ind.hostUnicode = unicode;
  }
  if (n.wrappedUrl) ind.wrappedUrl = n.wrappedUrl;
  if (found.linkText) {
    const shown = displayedHost(found.linkText);
    if (shown) {
      const shownKey = registrableDomain(shown) ?? shown;
      const realKey = reg ?? host;
      if (shownKey !== realKey) {
        ind.mismatch = true;
        ind.displayText = found.linkText;
      }
    }
  }
  return ind;
}
