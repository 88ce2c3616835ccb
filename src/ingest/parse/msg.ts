// Outlook .msg files (OLE compound files), through @kenjiuno/msgreader.
//
// What is read: the transport headers when the message was received (PR_TRANSPORT_MESSAGE_HEADERS;
// parsed like a MIME header block, so Received, Authentication-Results, Network-Message-Id work),
// subject, sender, recipients, plain and HTML bodies, the compressed RTF body when there is no
// HTML one (parse/rtf.ts: encapsulated HTML, or text and HYPERLINK fields), and attachments. An
// embedded message (msg-in-msg, and .eml files that Outlook converted when they were attached)
// comes back as a new .msg file from msgreader, which the caller can open in turn; a .eml kept as
// a file attachment is opened as MIME by the caller. Not read: appointment/contact specifics.
//
// Code pages: a non-Unicode .msg keeps its strings (PT_STRING8) in a Windows code page that the
// file does not always state. msgreader decodes them as Latin-1 unless told otherwise, which
// garbles e.g. a Japanese subject, so a file with 8-bit strings is read a second time with the code
// page from PR_MESSAGE_CODEPAGE, else the one implied by PR_INTERNET_CPID (parse/codepage.ts).

import MsgReaderModule from '@kenjiuno/msgreader';
import type { FieldsData } from '@kenjiuno/msgreader';
import { ansiCodepage, codepageLabel, decodeCodepage } from './codepage.ts';
import type { MailAddress, MailAttachment, MailContent } from './content.ts';
import { splitHeaderFields } from './headers.ts';
import type { MimeParseResult } from './mime.ts';
import { normaliseMessageId, parseMime } from './mime.ts';
import { decompressRtf, readRtf } from './rtf.ts';

// CJS package with `exports.default`: under Node (and vitest with interopDefault: false) the class
// is the `default` property of the module object (shared/reference/spike-deps.md, pitfall 6).
const MsgReader = MsgReaderModule.default;
type Reader = InstanceType<typeof MsgReader>;

export interface MsgParseResult extends MimeParseResult {
  /** Problems worth telling the responder (e.g. strings in an unknown code page). */
  warnings: string[];
}

type MsgFields = FieldsData & { internetCodepage?: number; messageCodepage?: number; compressedRtf?: Uint8Array };

const PT_STRING8 = 0x001e;
const PT_MV_STRING8 = 0x101e;
/** Decompressed RTF bodies larger than this are cut (the excerpt and URL scan need far less). */
const MAX_RTF_BYTES = 8 * 1024 * 1024;

/** Read the fields, in the message's own code page when it has 8-bit strings. */
function readFields(ab: ArrayBuffer, warnings: string[]): { reader: Reader; f: MsgFields } {
  let string8 = false;
  const reader = new MsgReader(ab);
  reader.parserConfig = {
    propertyObserver: (_fields, tag) => {
      const type = tag & 0xffff;
      if (type === PT_STRING8 || type === PT_MV_STRING8) string8 = true;
    },
  };
  const f = reader.getFileData() as MsgFields;
  if (f.error || !string8) return { reader, f };
  const codepage = ansiCodepage(f.messageCodepage, f.internetCodepage);
  const label = codepageLabel(codepage);
  if (!label) return { reader, f };
  try {
    const again = new MsgReader(ab);
    // iconv-lite (msgreader's decoder) accepts the WHATWG labels ("shift_jis", "windows-1251").
    again.parserConfig = { ansiEncoding: label };
    const f2 = again.getFileData() as MsgFields;
    if (!f2.error) return { reader: again, f: f2 };
  } catch {
    // an encoding iconv-lite does not know: keep the first reading
  }
  warnings.push(`the Outlook message's non-Unicode text could not be decoded in code page ${codepage}; it may show garbled characters`);
  return { reader, f };
}

export async function parseMsg(raw: Buffer, limits: { maxAttachments: number }): Promise<MsgParseResult> {
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  const warnings: string[] = [];
  const { reader, f } = readFields(ab, warnings);
  if (f.error) throw new Error(f.error);
  if (f.dataType !== 'msg') throw new Error('the file is an OLE compound file but not an Outlook message');

  let mail: MailContent = { kind: 'msg', headers: [], subject: '', replyTo: [], to: [], cc: [], attachments: [] };
  const transport = f.headers?.trim();
  if (transport) {
    // Reuse the MIME header decoding (encoded words, address lists, dates) on the header block.
    const fromHeaders = await parseMime(Buffer.from(`${transport}\r\n\r\n`, 'utf8'), { maxAttachments: 0 });
    mail = { ...fromHeaders.mail, kind: 'msg', attachments: [] };
    delete mail.text;
    delete mail.html;
    if (mail.headers.length === 0) mail.headers = splitHeaderFields(transport);
  }
  if (f.subject) mail.subject = f.subject;
  if (!mail.from) {
    const address = [f.senderSmtpAddress, f.sentRepresentingSmtpAddress, f.senderEmail, f.creatorSMTPAddress].find(isEmail);
    if (address) {
      const from: MailAddress = { address };
      if (f.senderName?.trim()) from.name = f.senderName.trim();
      mail.from = from;
    }
  }
  if (mail.to.length === 0 && mail.cc.length === 0) {
    for (const r of f.recipients ?? []) {
      const address = [r.smtpAddress, r.email].find(isEmail);
      if (!address) continue;
      const a: MailAddress = { address };
      if (r.name?.trim() && r.name.trim() !== address) a.name = r.name.trim();
      if (r.recipType === 'cc') mail.cc.push(a);
      else if (r.recipType !== 'bcc') mail.to.push(a);
    }
  }
  if (!mail.date) {
    const d = [f.clientSubmitTime, f.messageDeliveryTime, f.creationTime].map((s) => (s ? new Date(s) : undefined)).find((x) => x && !Number.isNaN(x.getTime()));
    if (d) mail.date = d.toISOString();
  }
  if (!mail.messageId) {
    const mid = normaliseMessageId(f.messageId);
    if (mid) mail.messageId = mid;
  }
  if (f.body?.trim()) mail.text = f.body;
  const html = f.bodyHtml ?? (f.html ? decodeCodepage(f.html, f.internetCodepage ?? 65001) : undefined);
  if (html?.trim()) mail.html = html;
  if (!mail.html && f.compressedRtf && f.compressedRtf.length > 0) {
    try {
      const rtf = readRtf(decompressRtf(f.compressedRtf, MAX_RTF_BYTES));
      if (rtf.html) mail.html = rtf.html;
      if (rtf.text && !mail.text) mail.text = rtf.text;
      if (rtf.links) mail.links = rtf.links;
    } catch {
      warnings.push('the RTF body of the Outlook message could not be read');
    }
  }

  const atts = f.attachments ?? [];
  atts.slice(0, limits.maxAttachments).forEach((a, i) => {
    let data: { fileName: string; content: Uint8Array };
    try {
      data = reader.getAttachment(a);
    } catch {
      return; // one unreadable attachment does not lose the message
    }
    const content = Buffer.from(data.content.buffer, data.content.byteOffset, data.content.byteLength);
    const filename = a.fileName || data.fileName || a.fileNameShort || a.name || `unnamed-${i + 1}${a.innerMsgContent ? '.msg' : ''}`;
    const contentType = a.innerMsgContent ? 'application/vnd.ms-outlook' : (a.attachMimeTag?.toLowerCase() || 'application/octet-stream');
    const att: MailAttachment = { filename, contentType, size: content.length, content };
    const embeddedClass = a.innerMsgContentFields?.messageClass;
    if (a.innerMsgContent && embeddedClass) att.embeddedClass = embeddedClass;
    mail.attachments.push(att);
  });
  return { mail, dropped: Math.max(0, atts.length - limits.maxAttachments), warnings };
}

function isEmail(v: string | undefined): v is string {
  return typeof v === 'string' && /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v.trim());
}
