// Outlook .msg files (OLE compound files), through @kenjiuno/msgreader.
//
// What is read: the transport headers when the message was received (PR_TRANSPORT_MESSAGE_HEADERS;
// parsed like a MIME header block, so Received, Authentication-Results, Network-Message-Id work),
// subject, sender, recipients, plain and HTML bodies, and attachments. An embedded message
// (msg-in-msg, and .eml files that Outlook converted when they were attached) comes back as a new
// .msg file from msgreader, which the caller can open in turn. Not read: RTF-only bodies
// (compressed RTF is not decompressed), TNEF, appointment/contact specifics.

import MsgReaderModule from '@kenjiuno/msgreader';
import type { FieldsData } from '@kenjiuno/msgreader';
import type { MailAddress, MailAttachment, MailContent } from './content.ts';
import { splitHeaderFields } from './headers.ts';
import { normaliseMessageId, parseMime } from './mime.ts';

// CJS package with `exports.default`: under Node (and vitest with interopDefault: false) the class
// is the `default` property of the module object (shared/reference/spike-deps.md, pitfall 6).
const MsgReader = MsgReaderModule.default;

export interface MsgParseResult {
  mail: MailContent;
  dropped: number;
}

type MsgFields = FieldsData & { internetCodepage?: number };

export async function parseMsg(raw: Buffer, limits: { maxAttachments: number }): Promise<MsgParseResult> {
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  const reader = new MsgReader(ab);
  const f = reader.getFileData() as MsgFields;
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
  const html = f.bodyHtml ?? (f.html ? decodeBytes(f.html, f.internetCodepage) : undefined);
  if (html?.trim()) mail.html = html;

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
  return { mail, dropped: Math.max(0, atts.length - limits.maxAttachments) };
}

function isEmail(v: string | undefined): v is string {
  return typeof v === 'string' && /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v.trim());
}

const CODEPAGES: Record<number, string> = {
  65001: 'utf-8',
  20127: 'utf-8',
  28591: 'iso-8859-1',
  28592: 'iso-8859-2',
  28595: 'iso-8859-5',
  28597: 'iso-8859-7',
  28605: 'iso-8859-15',
  874: 'windows-874',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  1250: 'windows-1250',
  1251: 'windows-1251',
  1252: 'windows-1252',
  1253: 'windows-1253',
  1254: 'windows-1254',
  1255: 'windows-1255',
  1256: 'windows-1256',
  1257: 'windows-1257',
  1258: 'windows-1258',
  20866: 'koi8-r',
  21866: 'koi8-u',
  50220: 'iso-2022-jp',
  51932: 'euc-jp',
};

function decodeBytes(bytes: Uint8Array, codepage: number | undefined): string {
  const label = (codepage && CODEPAGES[codepage]) || 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
