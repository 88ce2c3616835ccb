// The parser's intermediate model of one mail (MIME or Outlook .msg), shared by parse/ and extract/.
// It holds the decoded bodies and attachment bytes of one message while it is being parsed; it is
// transient and never stored: ParsedReport keeps only the summary and the indicators.

export interface MailAddress {
  address: string;
  name?: string;
}

export interface HeaderField {
  /** Lower-case field name. */
  key: string;
  /** Unfolded raw value (encoded words not decoded). */
  value: string;
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
  /** Outlook embedded items: the message class of the embedded item (IPM.Note, IPM.OLE.CLASS.{...}, ...). */
  embeddedClass?: string;
  /** Set when this attachment is itself a message (message/rfc822, .eml, .msg, an Outlook item in TNEF) that was opened. */
  message?: MailContent;
  /** The file this one was unpacked from (a winmail.dat, a .zip), when it was not a MIME part itself. */
  container?: string;
  /** Hashes computed while the attachment streamed (MIME parts); otherwise computed from `content`. */
  hashes?: { md5: string; sha1: string; sha256: string };
  /** The bytes were not kept (large, and nothing reads them): `content` is empty, `size` and `hashes` are real. */
  contentOmitted?: boolean;
}

/** A link read from a body that is not HTML (an RTF HYPERLINK field): its target and shown text. */
export interface BodyLink {
  url: string;
  text: string;
}

export interface MailContent {
  kind: 'mime' | 'msg' | 'tnef';
  /** All header fields in order, topmost first (for .msg: its transport headers, when present). */
  headers: HeaderField[];
  subject: string;
  from?: MailAddress;
  sender?: MailAddress;
  replyTo: MailAddress[];
  returnPath?: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  /** ISO 8601. */
  date?: string;
  /** With angle brackets, as in the Message-ID header. */
  messageId?: string;
  text?: string;
  html?: string;
  /** Links of a non-HTML rich body (RTF), scanned like HTML links. */
  links?: BodyLink[];
  attachments: MailAttachment[];
}

/** OLE2 compound file magic (Outlook .msg). */
export const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

export function isOle(buf: Buffer | Uint8Array): boolean {
  if (buf.length < OLE_MAGIC.length) return false;
  for (let i = 0; i < OLE_MAGIC.length; i++) if (buf[i] !== OLE_MAGIC[i]) return false;
  return true;
}

/** How an attachment should be opened as a message, if at all. */
export function messageKind(att: Pick<MailAttachment, 'filename' | 'contentType' | 'content' | 'embeddedClass'>): 'mime' | 'msg' | undefined {
  // Exceptions of recurring appointments are stored as embedded items of class IPM.OLE.CLASS.{...}:
  // they are part of the calendar item, not an attached mail.
  if (att.embeddedClass && /^IPM\.OLE\.CLASS/i.test(att.embeddedClass)) return undefined;
  const name = att.filename.toLowerCase();
  const type = att.contentType.toLowerCase();
  if (isOle(att.content)) {
    if (name.endsWith('.msg') || type === 'application/vnd.ms-outlook' || type === 'message/rfc822') return 'msg';
    return undefined;
  }
  if (type === 'message/rfc822' || type === 'message/global' || name.endsWith('.eml')) return 'mime';
  return undefined;
}

export function header(mail: Pick<MailContent, 'headers'>, key: string): string | undefined {
  const k = key.toLowerCase();
  return mail.headers.find((h) => h.key === k)?.value;
}

export function headers(mail: Pick<MailContent, 'headers'>, key: string): string[] {
  const k = key.toLowerCase();
  return mail.headers.filter((h) => h.key === k).map((h) => h.value);
}
