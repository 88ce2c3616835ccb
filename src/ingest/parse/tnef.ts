// TNEF (winmail.dat, application/ms-tnef): Outlook's rich-text envelope, written from [MS-OXTNEF].
//
// No TNEF package on our registry is trustworthy, and the Debian `tnef` tool crashes on the
// corpus's panic.tnef, so this decoder is written to the spec with every read bounds-checked: a
// length that points past the end stops decoding with a warning, never a throw or an over-read.
//
// Layout: a 4-byte signature, a 2-byte key, then attributes: level (1 = message, 2 = attachment),
// id (low word: the attribute, high word: its type), length, data, 16-bit checksum. Attachments
// start at attAttachRendData; their bytes are in attAttachData and/or in the MAPI property
// PR_ATTACH_DATA_BIN / PR_ATTACH_DATA_OBJ of attAttachment; their names in attAttachTitle and
// PR_ATTACH_LONG_FILENAME. Message bodies are PR_BODY, PR_BODY_HTML and PR_RTF_COMPRESSED in
// attMAPIProps (and attBody). An attached Outlook item (attach method 5) is a TNEF stream inside
// PR_ATTACH_DATA_OBJ, decoded recursively down to a depth limit.

import type { MailAttachment, MailContent } from './content.ts';
import { decodeCodepage } from './codepage.ts';
import { splitHeaderFields } from './headers.ts';
import { decompressRtf, readRtf } from './rtf.ts';

export const TNEF_SIGNATURE = 0x223e9f78;

export function isTnef(buf: Uint8Array): boolean {
  return buf.length >= 6 && buf[0] === 0x78 && buf[1] === 0x9f && buf[2] === 0x3e && buf[3] === 0x22;
}

export class TnefError extends Error {}

export interface TnefLimits {
  /** Attachments decoded (all levels together); the rest are counted in `dropped`. */
  maxAttachments: number;
  /** Bytes of attachment content and decompressed RTF produced (all levels together). */
  maxBytes: number;
  /** Levels of embedded messages decoded below this one (0: none). */
  maxDepth: number;
}

export interface TnefAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** An attached Outlook item (attach method 5), decoded. */
  message?: TnefMessage;
  /** An attached Outlook item that was not decoded (too deep or unreadable): its raw TNEF is `content`. */
  embedded?: boolean;
}

export interface TnefMessage {
  messageClass?: string;
  subject?: string;
  messageId?: string;
  date?: string;
  from?: { address: string; name?: string };
  transportHeaders?: string;
  text?: string;
  html?: string;
  /** Decompressed PR_RTF_COMPRESSED. */
  rtf?: Buffer;
  attachments: TnefAttachment[];
}

export interface TnefResult {
  message: TnefMessage;
  /** Attachments not decoded because a limit was reached. */
  dropped: number;
  /** Attached Outlook items kept as raw bytes because of the depth limit. */
  notOpened: number;
  /** What was drawn from the limits: attachments decoded and bytes produced, all levels together. */
  used: { attachments: number; bytes: number };
  warnings: string[];
}

// attribute ids (low word)
const ATT_FROM = 0x8000;
const ATT_SUBJECT = 0x8004;
const ATT_DATE_SENT = 0x8005;
const ATT_MESSAGE_CLASS = 0x8008;
const ATT_MESSAGE_ID = 0x8009;
const ATT_BODY = 0x800c;
const ATT_ATTACH_DATA = 0x800f;
const ATT_ATTACH_TITLE = 0x8010;
const ATT_ATTACH_TRANSPORT_FILENAME = 0x9001;
const ATT_ATTACH_REND_DATA = 0x9002;
const ATT_MAPI_PROPS = 0x9003;
const ATT_ATTACHMENT = 0x9005;
const ATT_OEM_CODEPAGE = 0x9007;

// MAPI property ids
const PR_SUBJECT = 0x0037;
const PR_TRANSPORT_MESSAGE_HEADERS = 0x007d;
const PR_SENDER_NAME = 0x0c1a;
const PR_SENDER_EMAIL_ADDRESS = 0x0c1f;
const PR_SENT_REPRESENTING_NAME = 0x0042;
const PR_SENT_REPRESENTING_EMAIL_ADDRESS = 0x0065;
const PR_SENDER_SMTP_ADDRESS = 0x5d01;
const PR_BODY = 0x1000;
const PR_RTF_COMPRESSED = 0x1009;
const PR_BODY_HTML = 0x1013;
const PR_INTERNET_MESSAGE_ID = 0x1035;
const PR_DISPLAY_NAME = 0x3001;
const PR_ATTACH_DATA = 0x3701;
const PR_ATTACH_FILENAME = 0x3704;
const PR_ATTACH_METHOD = 0x3705;
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;
const PR_INTERNET_CPID = 0x3fde;
const PR_MESSAGE_CODEPAGE = 0x3ffd;

const ATTACH_EMBEDDED_MSG = 5;

// MAPI property types
const PT_OBJECT = 0x000d;
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const MV_FLAG = 0x1000;
const FIXED_SIZE: Record<number, number> = {
  0x0001: 4, // PT_NULL
  0x0002: 4, // PT_SHORT, padded
  0x0003: 4,
  0x0004: 4,
  0x0005: 8,
  0x0006: 8,
  0x0007: 8,
  0x000a: 4,
  0x000b: 4, // PT_BOOLEAN, padded
  0x0014: 8,
  0x0040: 8,
  0x0048: 16,
};

/** Bounds-checked little-endian reader over one slice of the input. */
class Cursor {
  pos: number;
  readonly end: number;
  private readonly buf: Buffer;
  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = Math.min(end, buf.length);
  }
  get left(): number {
    return this.end - this.pos;
  }
  need(n: number): void {
    if (n < 0 || n > this.left) throw new TnefError('truncated');
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

interface Prop {
  id: number;
  type: number;
  /** Fixed-size values: the raw bytes; variable-size: each value's bytes. */
  values: Buffer[];
}

interface Budget {
  attachmentsLeft: number;
  bytesLeft: number;
  dropped: number;
  notOpened: number;
  warnings: string[];
}

/** Decode a TNEF stream. Throws TnefError only when the signature is wrong. */
export function decodeTnef(buf: Buffer, limits: TnefLimits): TnefResult {
  const budget: Budget = { attachmentsLeft: Math.max(0, limits.maxAttachments), bytesLeft: Math.max(0, limits.maxBytes), dropped: 0, notOpened: 0, warnings: [] };
  const startAttachments = budget.attachmentsLeft;
  const startBytes = budget.bytesLeft;
  const message = decodeStream(buf, Math.max(0, limits.maxDepth), budget);
  return {
    message,
    dropped: budget.dropped,
    notOpened: budget.notOpened,
    used: { attachments: startAttachments - budget.attachmentsLeft, bytes: startBytes - budget.bytesLeft },
    warnings: [...new Set(budget.warnings)],
  };
}

interface AttachmentDraft {
  title?: string;
  longName?: string;
  shortName?: string;
  displayName?: string;
  transportName?: string;
  mimeTag?: string;
  method?: number;
  data?: Buffer;
  /** PR_ATTACH_DATA_OBJ: the bytes after the 16-byte interface id. */
  object?: Buffer;
}

function decodeStream(buf: Buffer, depth: number, budget: Budget): TnefMessage {
  if (!isTnef(buf)) throw new TnefError('not a TNEF stream (bad signature)');
  const c = new Cursor(buf, 6);
  const msg: TnefMessage = { attachments: [] };
  let codepage: number | undefined;
  let msgProps: Prop[] = [];
  const drafts: AttachmentDraft[] = [];
  let current: AttachmentDraft | undefined;
  let badChecksums = 0;

  try {
    while (c.left > 0) {
      const level = c.u8();
      const attrId = c.u32();
      const length = c.u32();
      if (length > c.left) throw new TnefError('truncated');
      const start = c.pos;
      const data = c.bytes(length);
      const checksum = c.u16();
      if (checksum !== sum16(data)) badChecksums++;
      if (level !== 1 && level !== 2) {
        // Garbage after the last attribute (seen in the wild): stop here, keep what was read.
        budget.warnings.push('TNEF: unexpected data after the last attribute was ignored');
        break;
      }
      const id = attrId & 0xffff;
      if (level === 1) {
        switch (id) {
          case ATT_OEM_CODEPAGE:
            if (data.length >= 4) codepage = data.readUInt32LE(0);
            break;
          case ATT_MESSAGE_CLASS:
            msg.messageClass = cString(data, codepage);
            break;
          case ATT_SUBJECT:
            msg.subject ??= cString(data, codepage);
            break;
          case ATT_MESSAGE_ID:
            break; // a MAPI entry id in hex, not the Internet Message-ID
          case ATT_DATE_SENT:
            msg.date ??= tnefDate(data);
            break;
          case ATT_BODY:
            msg.text ??= cString(data, codepage);
            break;
          case ATT_FROM:
            msg.from ??= triple(data, codepage);
            break;
          case ATT_MAPI_PROPS:
            msgProps = readProps(buf, start, start + length, budget);
            break;
          default:
            break;
        }
        continue;
      }
      // attachment level
      if (id === ATT_ATTACH_REND_DATA || !current) {
        current = {};
        drafts.push(current);
      }
      switch (id) {
        case ATT_ATTACH_TITLE:
          current.title = cString(data, codepage);
          break;
        case ATT_ATTACH_TRANSPORT_FILENAME:
          current.transportName = cString(data, codepage);
          break;
        case ATT_ATTACH_DATA:
          current.data = data;
          break;
        case ATT_ATTACHMENT:
          for (const p of readProps(buf, start, start + length, budget)) applyAttachProp(current, p, codepage);
          break;
        default:
          break;
      }
    }
  } catch (err) {
    if (!(err instanceof TnefError)) throw err;
    budget.warnings.push('TNEF: the stream is truncated or malformed; what came before the damage was kept');
  }
  if (badChecksums > 0) budget.warnings.push(`TNEF: ${badChecksums} attribute(s) with a wrong checksum (kept)`);

  applyMessageProps(msg, msgProps, codepage, budget);
  for (const d of drafts) {
    const att = finishAttachment(d, depth, budget);
    if (att) msg.attachments.push(att);
  }
  return msg;
}

function applyAttachProp(d: AttachmentDraft, p: Prop, codepage: number | undefined): void {
  const v = p.values[0];
  if (!v) return;
  switch (p.id) {
    case PR_ATTACH_LONG_FILENAME:
      d.longName = propString(p, codepage);
      break;
    case PR_ATTACH_FILENAME:
      d.shortName = propString(p, codepage);
      break;
    case PR_DISPLAY_NAME:
      d.displayName = propString(p, codepage);
      break;
    case PR_ATTACH_MIME_TAG:
      d.mimeTag = propString(p, codepage);
      break;
    case PR_ATTACH_METHOD:
      if (v.length >= 4) d.method = v.readUInt32LE(0);
      break;
    case PR_ATTACH_DATA:
      if (p.type === PT_OBJECT) d.object = v.length >= 16 ? v.subarray(16) : Buffer.alloc(0);
      else if (p.type === PT_BINARY) d.data = v;
      break;
    default:
      break;
  }
}

function finishAttachment(d: AttachmentDraft, depth: number, budget: Budget): TnefAttachment | undefined {
  const filename = firstNonEmpty(d.longName, d.title, d.shortName, d.displayName, d.transportName) ?? 'Untitled Attachment';
  const embedded = d.method === ATTACH_EMBEDDED_MSG && d.object !== undefined && isTnef(d.object);
  const content = embedded ? (d.object as Buffer) : (d.data ?? d.object);
  if (!content) return undefined; // attachment attributes without any data (a by-reference attachment)
  if (budget.attachmentsLeft <= 0) {
    budget.dropped++;
    return undefined;
  }
  if (content.length > budget.bytesLeft) {
    budget.dropped++;
    budget.warnings.push('decompressed size limit reached: TNEF attachment(s) left out');
    return undefined;
  }
  budget.attachmentsLeft--;
  budget.bytesLeft -= content.length;
  const contentType = (d.mimeTag?.trim().toLowerCase() || (embedded ? 'application/vnd.ms-tnef' : 'application/octet-stream'));
  const att: TnefAttachment = { filename, contentType, content };
  if (embedded) {
    if (depth <= 0) {
      att.embedded = true;
      budget.notOpened++;
    } else {
      try {
        att.message = decodeStream(content, depth - 1, budget);
      } catch {
        att.embedded = true;
        budget.warnings.push(`TNEF: the embedded item "${filename}" could not be read`);
      }
    }
  }
  return att;
}

function applyMessageProps(msg: TnefMessage, props: Prop[], oemCodepage: number | undefined, budget: Budget): void {
  const byId = new Map<number, Prop>();
  for (const p of props) if (!byId.has(p.id)) byId.set(p.id, p);
  const num = (id: number): number | undefined => {
    const v = byId.get(id)?.values[0];
    return v && v.length >= 4 ? v.readUInt32LE(0) : undefined;
  };
  // 8-bit strings: the message code page when stated, else the TNEF OEM code page attribute.
  const codepage = num(PR_MESSAGE_CODEPAGE) ?? oemCodepage;
  const str = (id: number): string | undefined => {
    const p = byId.get(id);
    return p ? propString(p, codepage) : undefined;
  };
  const subject = str(PR_SUBJECT);
  if (subject) msg.subject = subject;
  const headers = str(PR_TRANSPORT_MESSAGE_HEADERS);
  if (headers?.trim()) msg.transportHeaders = headers;
  const mid = str(PR_INTERNET_MESSAGE_ID);
  if (mid?.trim()) msg.messageId = mid.trim();
  const address = [str(PR_SENDER_SMTP_ADDRESS), str(PR_SENDER_EMAIL_ADDRESS), str(PR_SENT_REPRESENTING_EMAIL_ADDRESS)].find((a) => a && /^[^\s@]+@[^\s@]+$/.test(a.trim()));
  if (address) {
    const name = str(PR_SENDER_NAME) ?? str(PR_SENT_REPRESENTING_NAME);
    msg.from = { address: address.trim(), ...(name?.trim() ? { name: name.trim() } : {}) };
  }
  const body = str(PR_BODY);
  if (body?.trim()) msg.text = body;
  const html = byId.get(PR_BODY_HTML);
  if (html?.values[0]) {
    // PR_BODY_HTML is usually binary in the Internet code page of the message.
    msg.html = html.type === PT_BINARY ? decodeCodepage(html.values[0], num(PR_INTERNET_CPID) ?? codepage) : propString(html, codepage);
  }
  const rtf = byId.get(PR_RTF_COMPRESSED)?.values[0];
  if (rtf) {
    try {
      msg.rtf = decompressRtf(rtf, budget.bytesLeft);
      budget.bytesLeft -= msg.rtf.length;
    } catch {
      budget.warnings.push('TNEF: the compressed RTF body could not be read');
    }
  }
}

/** A MAPI property list: count, then tag, [name], value(s). Stops (with a warning) at the first damage. */
function readProps(buf: Buffer, start: number, end: number, budget: Budget): Prop[] {
  const c = new Cursor(buf, start, end);
  const out: Prop[] = [];
  try {
    const count = c.u32();
    for (let i = 0; i < count && c.left > 0; i++) {
      const type = c.u16();
      const id = c.u16();
      if (id >= 0x8000) {
        c.skip(16); // property set GUID
        const kind = c.u32();
        if (kind === 0) c.skip(4);
        else {
          const len = c.u32();
          c.skip(pad4(len));
        }
      }
      const base = type & ~MV_FLAG;
      const multi = (type & MV_FLAG) !== 0;
      const values: Buffer[] = [];
      if (base === PT_STRING8 || base === PT_UNICODE || base === PT_BINARY || base === PT_OBJECT) {
        const n = c.u32();
        if (n > c.left / 4) throw new TnefError('truncated');
        for (let k = 0; k < n; k++) {
          const len = c.u32();
          c.need(pad4(len));
          values.push(c.bytes(len));
          c.skip(pad4(len) - len);
        }
      } else {
        const size = FIXED_SIZE[base];
        if (size === undefined) throw new TnefError(`unknown MAPI property type 0x${base.toString(16)}`);
        const n = multi ? c.u32() : 1;
        if (n > c.left / size) throw new TnefError('truncated');
        for (let k = 0; k < n; k++) values.push(c.bytes(size));
      }
      out.push({ id, type: base, values });
    }
  } catch (err) {
    if (!(err instanceof TnefError)) throw err;
    budget.warnings.push('TNEF: a MAPI property list is truncated or malformed; the properties before the damage were kept');
  }
  return out;
}

function propString(p: Prop, codepage: number | undefined): string | undefined {
  const v = p.values[0];
  if (!v) return undefined;
  if (p.type === PT_UNICODE) return stripNul(v.toString('utf16le'));
  if (p.type === PT_STRING8) return stripNul(decodeCodepage(v, codepage));
  if (p.type === PT_BINARY) return stripNul(decodeCodepage(v, codepage));
  return undefined; // a number or other non-text type where text was expected
}

function cString(data: Buffer, codepage: number | undefined): string {
  return stripNul(decodeCodepage(data, codepage));
}

function stripNul(s: string): string {
  const i = s.indexOf('\u0000');
  return i >= 0 ? s.slice(0, i) : s;
}

function pad4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

function sum16(data: Buffer): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s = (s + (data[i] as number)) & 0xffff;
  return s;
}

function firstNonEmpty(...xs: (string | undefined)[]): string | undefined {
  return xs.map((x) => x?.trim()).find((x): x is string => !!x);
}

/** attDateSent: seven 16-bit fields, year .. second, day of week. */
function tnefDate(data: Buffer): string | undefined {
  if (data.length < 12) return undefined;
  const [y, mo, d, h, mi, s] = [0, 2, 4, 6, 8, 10].map((o) => data.readUInt16LE(o)) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(t) || y < 1970 || y > 9999 ? undefined : new Date(t).toISOString();
}

/** attFrom: a TRP structure (type, sizes), the display name, then "TYPE:address". */
function triple(data: Buffer, codepage: number | undefined): { address: string; name?: string } | undefined {
  if (data.length < 8) return undefined;
  const nameLen = data.readUInt16LE(4);
  const addrLen = data.readUInt16LE(6);
  if (8 + nameLen + addrLen > data.length) return undefined;
  const name = cString(data.subarray(8, 8 + nameLen), codepage).trim();
  const raw = cString(data.subarray(8 + nameLen, 8 + nameLen + addrLen), codepage).trim();
  const address = raw.replace(/^SMTP:/i, '');
  if (!/^[^\s@:]+@[^\s@]+$/.test(address)) return undefined;
  return name ? { address, name } : { address };
}

/** The TNEF message as parser content: bodies (RTF read when it is the only rich body) and attachments. */
export function tnefToMail(t: TnefMessage): MailContent {
  // Transport headers (when the item was received) give Received, Authentication-Results and the
  // network message id, as for .msg; addresses come from the MAPI properties.
  const headers = t.transportHeaders ? splitHeaderFields(t.transportHeaders) : [];
  const mail: MailContent = { kind: 'tnef', headers, subject: t.subject ?? '', replyTo: [], to: [], cc: [], attachments: [] };
  if (t.from) mail.from = { ...t.from };
  if (t.date) mail.date = t.date;
  const mid = t.messageId ?? headers.find((h) => h.key === 'message-id')?.value;
  if (mid) mail.messageId = mid.startsWith('<') ? mid : `<${mid}>`;
  if (t.text?.trim()) mail.text = t.text;
  if (t.html?.trim()) mail.html = t.html;
  if (t.rtf && !mail.html) {
    const r = readRtf(t.rtf);
    if (r.html) mail.html = r.html;
    if (r.text && !mail.text) mail.text = r.text;
    if (r.links) mail.links = r.links;
  }
  for (const a of t.attachments) {
    const att: MailAttachment = { filename: a.filename, contentType: a.contentType, size: a.content.length, content: a.content };
    if (a.message) att.message = tnefToMail(a.message);
    mail.attachments.push(att);
  }
  return mail;
}
