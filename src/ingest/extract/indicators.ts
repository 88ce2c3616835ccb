// Indicators of one (original) mail: URLs, domains, IPs, hashes, addresses, attachments and
// authentication verdicts. Pure and synchronous; resolves and fetches nothing.
//
// Scope: header-derived indicators (addresses, Received IPs, authentication) come from the mail
// itself; body-derived ones (URLs, body IPs, body hashes, body addresses, attachments) also from
// the messages attached inside it that the parser opened (up to its maxDepth), since an attached
// message is part of the phish's payload. Attachments feed them too: text-like files (HTML, SVG,
// text), calendar invites (extract/calendar.ts) and QR codes in images (extract/qr.ts).

import { createHash } from 'node:crypto';
import type { BodyLink, MailAddress, MailAttachment, MailContent } from '../parse/content.ts';
import { headers as headerValues } from '../parse/content.ts';
import type {
  AddressIndicator,
  AttachmentIndicator,
  CalendarIndicator,
  DomainIndicator,
  HashIndicator,
  Indicators,
  IpIndicator,
  UrlIndicator,
} from '../types.ts';
import { domainIndicator, registrableDomain } from './domains.ts';
import { collapseWhitespace, htmlToText, mailText, truncate } from './html.ts';
import { findIps, ipVersion, isPublicIp, isUnusableIp, normaliseIp } from './ip.ts';
import { isCalendar, parseCalendar } from './calendar.ts';
import { imageKind, QR_LIMITS, scanQr } from './qr.ts';
import { authenticationVerdicts, receivedIps } from './received.ts';
import type { FoundUrl } from './urls.ts';
import { findHtmlUrls, findTextUrls, urlIndicator } from './urls.ts';

/**
 * What to extract; mirrors the seed's extract_* switches (policy `ingest.extract*`). All on by
 * default. `eml` and `body` act in the parser (parse/report.ts), the others here.
 */
export interface ExtractSwitches {
  /** URLs (and the QR codes of images, which are only decoded for their URLs). */
  urls: boolean;
  ips: boolean;
  domains: boolean;
  /** Body hashes and attachment hashes in `hashes`. */
  hashes: boolean;
  /** The `attachments` list (file name, type, size, md5/sha1/sha256). */
  attachments: boolean;
  /** extract_eml: an attached .eml/.msg is opened as the original (off: the report itself is, and attached mails are only hashed). */
  eml: boolean;
  /** add_body_to_header_artifacts: the body excerpt is kept in the summary. */
  body: boolean;
}

export const DEFAULT_SWITCHES: ExtractSwitches = { urls: true, ips: true, domains: true, hashes: true, attachments: true, eml: true, body: true };

/**
 * Caps on list sizes, so that one mail stuffed with thousands of links cannot blow up a card or
 * the store. The first N distinct items in document order are kept. Text scanned is capped too
 * (regexes over megabytes of attacker HTML cost time).
 */
export const LIMITS = {
  urls: 200,
  domains: 200,
  ips: 100,
  hashes: 300,
  addresses: 200,
  /** Characters of plain text / HTML scanned per body. */
  textChars: 1024 * 1024,
  htmlChars: 2 * 1024 * 1024,
  /** Text-like attachments (HTML, SVG, text) up to this size are scanned for URLs. */
  scannedAttachmentBytes: 1024 * 1024,
};

export interface ExtractOptions {
  switches?: Partial<ExtractSwitches>;
  /** Receives a line for every list that hit its cap. */
  warnings?: string[];
}

const SCANNABLE_TYPES = /^(?:text\/(?:html|plain|xml)|image\/svg\+xml|application\/xhtml\+xml)$/;
const SCANNABLE_EXT = /\.(?:html?|shtml|xhtml|svg|txt|xml)$/i;

const EMAIL_RE = /(?<![\w.%+-])[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?![\w-])/gi;
const EMAIL_AT_RE = /(?<![\w.%+-])[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?![\w-])/iy;
const LOCAL_CHAR = /[\w.%+-]/;

/**
 * The addresses of a text, as EMAIL_RE finds them, but tried only where there is an "@": a regex
 * with a look-behind run over a whole body costs more than the rest of the extraction.
 */
function findEmails(text: string): string[] {
  const out: string[] = [];
  let at = text.indexOf('@');
  let from = 0;
  while (at >= 0) {
    // the local part is the run of local-part characters before the "@" (at most 64)
    let start = at;
    while (start > from && at - start <= 64 && LOCAL_CHAR.test(text[start - 1] as string)) start--;
    EMAIL_AT_RE.lastIndex = start;
    const m = EMAIL_AT_RE.exec(text);
    if (m) {
      out.push(m[0]);
      from = start + m[0].length;
    }
    at = text.indexOf('@', Math.max(at + 1, from));
  }
  return out;
}
const HEX_RE = /(?<![0-9a-f])[0-9a-f]{32,64}(?![0-9a-f])/gi;
const HEX_RUN_RE = /[0-9a-f]{32}/i;

class Capped<T> {
  readonly items: T[] = [];
  private readonly keys = new Set<string>();
  dropped = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  add(key: string, item: T): void {
    if (this.keys.has(key)) return;
    if (this.items.length >= this.max) {
      this.dropped++;
      return;
    }
    this.keys.add(key);
    this.items.push(item);
  }
  has(key: string): boolean {
    return this.keys.has(key);
  }
}

interface Body {
  text?: string;
  html?: string;
  /** Links of a non-HTML rich body (RTF HYPERLINK fields), read like HTML links. */
  links?: BodyLink[];
  source: 'text' | 'attachment' | 'qr';
}

interface Collected {
  bodies: Body[];
  atts: MailAttachment[];
  calendar: CalendarIndicator[];
  /** Pixels left for QR decoding in this report. */
  qrPixelsLeft: number;
  qrSkipped: number;
  warnings: string[];
}

/** Every body to scan: the mail's, its opened nested messages', and what its attachments hold. */
function collectBodies(mail: MailContent, c: Collected, sw: ExtractSwitches): void {
  const text = mailText(mail);
  const body: Body = { source: 'text' };
  if (text) body.text = text.slice(0, LIMITS.textChars);
  if (mail.html) body.html = mail.html.slice(0, LIMITS.htmlChars);
  if (mail.links?.length) body.links = mail.links;
  c.bodies.push(body);
  for (const att of mail.attachments) {
    c.atts.push(att);
    if (att.message) {
      collectBodies(att.message, c, sw);
      continue;
    }
    if (att.size > LIMITS.scannedAttachmentBytes && !imageKind(att.content)) continue;
    if (isCalendar(att)) {
      for (const ev of parseCalendar(att.content.toString('utf8'))) {
        const ind: CalendarIndicator = { filename: att.filename, attendees: ev.attendees };
        if (ev.method) ind.method = ev.method;
        if (ev.summary) ind.summary = ev.summary;
        if (ev.location) ind.location = ev.location;
        if (ev.organizer?.address) ind.organizer = ev.organizer.address;
        if (ev.organizer?.name) ind.organizerName = ev.organizer.name;
        c.calendar.push(ind);
        const b: Body = { text: ev.text, source: 'attachment' };
        if (ev.html) b.html = ev.html;
        c.bodies.push(b);
      }
      continue;
    }
    if (SCANNABLE_TYPES.test(att.contentType) || SCANNABLE_EXT.test(att.filename)) {
      const s = att.content.toString('utf8');
      const isHtml = /<(?:html|a|svg|form|script|meta)\b/i.test(s);
      c.bodies.push(isHtml ? { html: s, text: htmlToText(s), source: 'attachment' } : { text: s, source: 'attachment' });
      continue;
    }
    // QR codes are decoded only for their URLs: with URL extraction off the (costly) decode is skipped.
    const kind = sw.urls ? imageKind(att.content) : undefined;
    if (!kind) continue;
    const qr = scanQr(att.content, kind, c.qrPixelsLeft);
    c.qrPixelsLeft -= qr.pixels;
    if (qr.status === 'found') c.bodies.push({ text: qrUrlText(qr.text), source: 'qr' });
    else if (qr.status === 'skipped' && qr.reason === 'too-large') {
      c.warnings.push(`the image "${att.filename}" is too large to be scanned for a QR code (over ${QR_LIMITS.maxPixels} pixels or ${QR_LIMITS.maxBytes} bytes)`);
    } else if (qr.status === 'skipped' && qr.reason === 'over-budget') c.qrSkipped++;
  }
}

/** A QR code often holds a bare "host/path": read it as a web address, as phone cameras do. */
function qrUrlText(payload: string): string {
  const t = payload.trim();
  return /^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:[/?#]\S*)?$/i.test(t) ? `http://${t}` : t;
}

function addrKey(a: string): string {
  return a.trim().toLowerCase();
}

export function extractIndicators(mail: MailContent, opts: ExtractOptions = {}): Indicators {
  const sw: ExtractSwitches = { ...DEFAULT_SWITCHES, ...opts.switches };
  const col: Collected = { bodies: [], atts: [], calendar: [], qrPixelsLeft: QR_LIMITS.budgetPixels, qrSkipped: 0, warnings: [] };
  collectBodies(mail, col, sw);
  const { bodies, atts } = col;
  opts.warnings?.push(...col.warnings);
  if (col.qrSkipped > 0) opts.warnings?.push(`QR scan budget reached: ${col.qrSkipped} image(s) not scanned for QR codes`);

  // --- URLs ---
  const urls = new Capped<UrlIndicator>(LIMITS.urls);
  const mailtos: string[] = [];
  for (const b of bodies) {
    const found: FoundUrl[] = [];
    // A URL that is only the visible text of a link pointing elsewhere is what the lure claims,
    // not where it goes (and is often the impersonated brand's real site): it is not reported on
    // its own; the link's indicator carries it as displayText.
    const shownOnly = new Set<string>();
    // The mail's own body gives 'html' / 'text'; attachments and QR codes keep their source.
    const richSource = b.source === 'text' ? 'html' : b.source;
    const textSource = b.source;
    if (b.html) {
      for (const f of findHtmlUrls(b.html, richSource)) {
        found.push(f);
        if (f.linkText && f.linkText !== f.raw) shownOnly.add(f.linkText);
      }
    }
    for (const l of b.links ?? []) {
      const f: FoundUrl = { raw: l.url.trim(), source: richSource };
      const shown = collapseWhitespace(l.text);
      if (shown) f.linkText = truncate(shown, 200);
      found.push(f);
      if (f.linkText && f.linkText !== f.raw) shownOnly.add(f.linkText);
    }
    if (b.text) found.push(...findTextUrls(b.text, textSource).filter((f) => !shownOnly.has(f.raw)));
    for (const f of found) {
      if (/^mailto:/i.test(f.raw)) {
        mailtos.push(decodeURIComponentSafe(f.raw.slice(7).split('?')[0] ?? ''));
        continue;
      }
      const ind = urlIndicator(f);
      if (ind) urls.add(ind.url, ind);
    }
  }

  // --- addresses ---
  const addresses = new Capped<AddressIndicator>(LIMITS.addresses);
  const addAddr = (a: MailAddress | undefined, role: AddressIndicator['role']): void => {
    if (!a?.address || !a.address.includes('@')) return;
    const address = addrKey(a.address);
    const ind: AddressIndicator = { address, role };
    if (a.name) ind.name = a.name;
    addresses.add(`${role}|${address}`, ind);
  };
  addAddr(mail.from, 'from');
  addAddr(mail.sender, 'sender');
  mail.replyTo.forEach((a) => addAddr(a, 'reply-to'));
  addAddr(mail.returnPath, 'return-path');
  mail.to.forEach((a) => addAddr(a, 'to'));
  mail.cc.forEach((a) => addAddr(a, 'cc'));
  const bodyEmails: string[] = [];
  for (const b of bodies) if (b.text) bodyEmails.push(...findEmails(b.text));
  for (const e of [...bodyEmails, ...mailtos]) if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) addAddr({ address: e }, 'body');

  // --- domains: URL hosts, then the sender-side addresses and body addresses ---
  const domains = new Capped<DomainIndicator>(LIMITS.domains);
  const recipientDomains = new Set(
    [...mail.to, ...mail.cc].map((a) => registrableDomain(domainOf(a.address))).filter((d): d is string => !!d),
  );
  const addDomain = (host: string): void => {
    const d = domainIndicator(host);
    if (d) domains.add(d.domain, d);
  };
  for (const u of urls.items) addDomain(u.host);
  for (const a of addresses.items) {
    if (a.role === 'to' || a.role === 'cc') continue;
    const host = domainOf(a.address);
    if (a.role === 'body' && recipientDomains.has(registrableDomain(host) ?? host)) continue;
    addDomain(host);
  }
  // an invite's organizer is the sender of the invite
  for (const ev of col.calendar) if (ev.organizer) addDomain(domainOf(ev.organizer));

  // --- IPs: the Received chain, then the bodies and URL hosts ---
  const ips = new Capped<IpIndicator>(LIMITS.ips);
  for (const ip of receivedIps(headerValues(mail, 'received'), mail.headers)) ips.add(ip.ip, ip);
  const addBodyIp = (raw: string): void => {
    const ip = normaliseIp(raw);
    const version = ip ? ipVersion(ip) : undefined;
    if (!ip || !version || isUnusableIp(ip)) return;
    const ind: IpIndicator = { ip, version, source: 'body' };
    if (!isPublicIp(ip)) ind.private = true;
    ips.add(ip, ind);
  };
  for (const b of bodies) if (b.text) findIps(b.text).forEach(addBodyIp);
  for (const u of urls.items) if (ipVersion(u.host)) addBodyIp(u.host);

  // --- attachments and hashes ---
  const attachments = new Capped<AttachmentIndicator>(Number.MAX_SAFE_INTEGER);
  const hashes = new Capped<HashIndicator>(LIMITS.hashes);
  for (const att of atts) {
    const { md5, sha1, sha256 } = att.hashes ?? {
      md5: createHash('md5').update(att.content).digest('hex'),
      sha1: createHash('sha1').update(att.content).digest('hex'),
      sha256: createHash('sha256').update(att.content).digest('hex'),
    };
    const ind: AttachmentIndicator = { filename: att.filename, contentType: att.contentType, size: att.size, md5, sha1, sha256 };
    if (att.container) ind.container = att.container;
    attachments.add(`${sha256}|${att.filename}`, ind);
    for (const [type, value] of [['md5', md5], ['sha1', sha1], ['sha256', sha256]] as const) {
      hashes.add(value, { type, value, source: 'attachment', filename: att.filename });
    }
  }
  for (const b of bodies) {
    if (!b.text) continue;
    if (!HEX_RUN_RE.test(b.text)) continue; // most bodies have no 32-character hex run at all
    // hex strings inside URLs and addresses are tracking ids, not file hashes
    const scrubbed = b.text.replace(/\b(?:https?|ftp):\/\/\S+/gi, ' ').replace(EMAIL_RE, ' ');
    for (const m of scrubbed.matchAll(HEX_RE)) {
      const value = m[0].toLowerCase();
      const type = value.length === 32 ? 'md5' : value.length === 40 ? 'sha1' : value.length === 64 ? 'sha256' : undefined;
      if (type) hashes.add(value, { type, value, source: 'body' });
    }
  }

  const warn = (what: string, c: Capped<unknown>, max: number): void => {
    if (c.dropped > 0) opts.warnings?.push(`more than ${max} ${what}: ${c.dropped} left out`);
  };
  const out: Indicators = {
    urls: sw.urls ? urls.items : [],
    domains: sw.domains ? domains.items : [],
    ips: sw.ips ? ips.items : [],
    hashes: sw.hashes ? hashes.items : [],
    addresses: addresses.items,
    attachments: sw.attachments ? attachments.items : [],
  };
  if (sw.urls) warn('URLs', urls, LIMITS.urls);
  if (sw.domains) warn('domains', domains, LIMITS.domains);
  if (sw.ips) warn('IP addresses', ips, LIMITS.ips);
  if (sw.hashes) warn('hashes', hashes, LIMITS.hashes);
  warn('addresses', addresses, LIMITS.addresses);
  const auth = authenticationVerdicts(mail.headers);
  if (auth) out.authentication = auth;
  if (col.calendar.length > 0) out.calendar = col.calendar;
  return out;
}

function domainOf(address: string): string {
  const i = address.lastIndexOf('@');
  return i >= 0 ? address.slice(i + 1).toLowerCase() : '';
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
