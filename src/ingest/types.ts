// The report model: what ingestion produces and the store keeps. Every string in here may be
// attacker-controlled (it comes from mail): it must go through cards/text.ts before reaching a card.

export interface UrlIndicator {
  /** The URL as found (after unwrapping Safe Links and similar rewrites). */
  url: string;
  /** Host name, lower-case, in ASCII (punycode) form as in the URL; see hostUnicode for display. */
  host: string;
  /** The Unicode form of `host` when it has punycode (xn--) labels; `host` stays the ASCII form. */
  hostUnicode?: string;
  /** Registrable domain (public-suffix aware), when the host is a domain name. */
  registrableDomain?: string;
  /** Where it was found. */
  source: 'text' | 'html' | 'attachment' | 'qr';
  /** The visible text of an HTML link, when it names another domain than the href (a classic lure). */
  displayText?: string;
  mismatch?: boolean;
  /** The original rewritten URL when this one was unwrapped (Safe Links, urldefense, ...). */
  wrappedUrl?: string;
}

export interface DomainIndicator {
  domain: string;
  registrableDomain?: string;
  /** Unicode form when the domain is punycode (xn--): shown decoded and flagged. */
  unicode?: string;
  punycode?: boolean;
}

export interface IpIndicator {
  ip: string;
  version: 4 | 6;
  source: 'body' | 'received';
  /** The first hop outside the receiving organisation in the Received chain. */
  firstExternalHop?: boolean;
  /** Not publicly routable (RFC 1918, CGNAT, link-local, unique-local): context, not a block target. */
  private?: boolean;
}

export interface HashIndicator {
  type: 'md5' | 'sha1' | 'sha256';
  value: string;
  source: 'attachment' | 'body';
  filename?: string;
}

export interface AddressIndicator {
  address: string;
  name?: string;
  role: 'from' | 'sender' | 'reply-to' | 'return-path' | 'to' | 'cc' | 'body';
}

export interface AttachmentIndicator {
  filename: string;
  contentType: string;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  /** The file it was unpacked from (a winmail.dat, a .zip), when it was not a MIME part itself. */
  container?: string;
}

/** A calendar invite (text/calendar part or .ics attachment) found in the mail. */
export interface CalendarIndicator {
  /** The attachment that holds it. */
  filename: string;
  /** iCalendar METHOD (REQUEST, PUBLISH, ...). */
  method?: string;
  summary?: string;
  location?: string;
  /** ORGANIZER's address (lower-case) and CN. */
  organizer?: string;
  organizerName?: string;
  attendees: number;
}

export interface Indicators {
  urls: UrlIndicator[];
  domains: DomainIndicator[];
  ips: IpIndicator[];
  hashes: HashIndicator[];
  addresses: AddressIndicator[];
  attachments: AttachmentIndicator[];
  authentication?: { spf?: string; dkim?: string; dmarc?: string };
  /** Calendar invites; URLs of their descriptions are in `urls` (source 'attachment'). */
  calendar?: CalendarIndicator[];
}

export const emptyIndicators = (): Indicators => ({
  urls: [],
  domains: [],
  ips: [],
  hashes: [],
  addresses: [],
  attachments: [],
});

/** The reported phish (the original mail), or the report itself when nothing was attached. */
export interface MailSummary {
  subject: string;
  from?: { address: string; name?: string };
  replyTo?: { address: string; name?: string }[];
  to: { address: string; name?: string }[];
  cc: { address: string; name?: string }[];
  date?: string;
  internetMessageId?: string;
  /** X-MS-Exchange-Organization-Network-Message-Id: what Graph remediate needs. */
  networkMessageId?: string;
  /** A short plain-text excerpt of the body (never the whole body: it is attacker content). */
  excerpt?: string;
}

export type ParseStatus = 'parsed' | 'unparseable';

/** What the parser makes of one raw reported message. */
export interface ParsedReport {
  status: ParseStatus;
  /** Why it is unparseable, in words a responder understands. */
  parseError?: string;
  /** Who reported it: the From of the report (the outer mail) when the phish was attached. */
  reportedBy?: { address: string; name?: string };
  /** true when the phish came attached to the report (.eml / message/rfc822 / .msg). */
  originalAttached: boolean;
  original: MailSummary;
  indicators: Indicators;
  /** Things the parser skipped or could not read (limits reached, an unreadable attachment, ...). */
  warnings?: string[];
}

/** One message fetched from a source, before parsing. */
export interface RawReport {
  /** 'graph', 'ews', 'folder', 'http', ... */
  source: string;
  /** The source's immutable id for the message (Graph immutable id, EWS ItemId, file hash, ...). */
  sourceRef: string;
  /** The raw MIME (or .msg bytes). */
  raw: Buffer;
  receivedAt?: string;
}
