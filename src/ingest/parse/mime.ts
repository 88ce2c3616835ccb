// RFC 5322 / MIME messages, through mailparser's streaming MailParser.
//
// Not simpleParser: it is handed the whole message as one chunk and buffers every attachment, so a
// 100 MB message peaks at about 7x its size. Here the message is fed in 256 kB slices (mailparser's
// decoders then work on small pieces) and each attachment is hashed while it streams; its bytes
// are kept only when something will read them (see keepContent), so a large PDF costs its hashes,
// not its size.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MailParser } from 'mailparser';
import type { AddressObject, AttachmentStream, EmailAddress, HeaderLines, Headers, MailParserOptions, MessageText } from 'mailparser';
import type { MailAddress, MailAttachment, MailContent } from './content.ts';
import { isOle } from './content.ts';
import { headerLineValue } from './headers.ts';
import { isTnef } from './tnef.ts';

export interface MimeParseLimits {
  /** Attachments kept for this message; the rest are counted in `dropped`. */
  maxAttachments: number;
  /** Attachment bytes always kept up to this size (default KEEP_CONTENT_BYTES; see keepContent). */
  keepBytes?: number;
}

export interface MimeParseResult {
  mail: MailContent;
  /** Attachments beyond maxAttachments that were not kept. */
  dropped: number;
  /** Problems worth telling the responder (parseMsg has some; MIME parsing has none of its own). */
  warnings?: string[];
}

// `ignoreEmbedded` is passed through mailparser to its splitter (@zone-eu/mailsplit): without it an
// inline message/rfc822 part is merged into the outer message's text and never shows up as an
// attachment, so an attached phish would be lost inside the report. It is not in @types/mailparser.
const PARSER_OPTIONS = {
  ignoreEmbedded: true,
  // Text is derived from HTML by extract/html.ts when there is no text part (no link targets in
  // brackets, and far cheaper than html-to-text on large attacker HTML).
  skipHtmlToText: true,
  skipImageLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
} as MailParserOptions;

const FEED_CHUNK = 256 * 1024;

/**
 * Attachment bytes are always kept up to this size; larger ones only when they may be a message,
 * an archive or a winmail.dat to open (their size is bounded by the input limit).
 */
export const KEEP_CONTENT_BYTES = 10 * 1024 * 1024;

/** What simpleParser would have returned, minus what is not used. */
interface Collected {
  headers: Headers;
  headerLines: HeaderLines;
  text?: string;
  html?: string;
  attachments: MailAttachment[];
}

export async function parseMime(raw: Buffer, limits: MimeParseLimits): Promise<MimeParseResult> {
  const c = await collect(raw, limits.maxAttachments, limits.keepBytes ?? KEEP_CONTENT_BYTES);
  return { mail: fromCollected(c.mail), dropped: c.dropped };
}

function collect(raw: Buffer, maxAttachments: number, keepBytes: number): Promise<{ mail: Collected; dropped: number }> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser(PARSER_OPTIONS);
    const mail: Collected = { headers: new Map(), headerLines: [], attachments: [] };
    let dropped = 0;
    let index = 0;
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    parser.on('headers', (headers: Headers) => {
      mail.headers = headers;
      mail.headerLines = (parser as unknown as { headerLines: HeaderLines }).headerLines ?? [];
    });
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        if (typeof data.text === 'string') mail.text = data.text;
        if (typeof data.html === 'string') mail.html = data.html;
        return;
      }
      const i = index++;
      const contentType = (data.contentType || 'application/octet-stream').toLowerCase();
      const filename = data.filename || unnamed(i, contentType);
      const keep = mail.attachments.length < maxAttachments;
      if (!keep) dropped++;
      const hashes = keep ? [createHash('md5'), createHash('sha1'), createHash('sha256')] : [];
      const chunks: Buffer[] = [];
      let size = 0;
      let keeping = keep;
      data.content.on('data', (chunk: Buffer) => {
        if (!keep) return;
        size += chunk.length;
        for (const h of hashes) h.update(chunk);
        if (keeping) {
          chunks.push(chunk);
          if (size > keepBytes && !keepContent(contentType, filename, chunks[0] ?? chunk)) {
            keeping = false;
            chunks.length = 0;
          }
        }
      });
      data.content.on('error', fail);
      data.content.on('end', () => {
        if (keep) {
          const att: MailAttachment = { filename, contentType, size, content: keeping ? Buffer.concat(chunks, size) : Buffer.alloc(0) };
          const [md5, sha1, sha256] = hashes.map((h) => h.digest('hex')) as [string, string, string];
          att.hashes = { md5, sha1, sha256 };
          if (!keeping) att.contentOmitted = true;
          mail.attachments.push(att);
        }
        data.release();
      });
    });
    parser.on('error', fail);
    parser.on('end', () => {
      if (!failed) resolve({ mail, dropped });
    });
    // Slices of the caller's buffer, no copies.
    Readable.from(slices(raw), { objectMode: false }).on('error', fail).pipe(parser);
  });
}

function* slices(raw: Buffer): Generator<Buffer> {
  for (let i = 0; i < raw.length; i += FEED_CHUNK) yield raw.subarray(i, i + FEED_CHUNK);
  if (raw.length === 0) yield raw;
}

/** Whether a large attachment's bytes are needed: something the parser may open. */
function keepContent(contentType: string, filename: string, head: Buffer): boolean {
  if (contentType === 'message/rfc822' || contentType === 'message/global' || contentType === 'application/vnd.ms-outlook') return true;
  if (/\.(?:eml|msg|zip|dat)$/i.test(filename) || /^application\/(?:(?:x-)?zip(?:-compressed)?|(?:vnd\.)?ms-tnef)$/.test(contentType)) return true;
  return isOle(head) || isTnef(head);
}

function fromCollected(p: Collected): MailContent {
  const headers = p.headerLines.map((h) => ({ key: h.key.toLowerCase(), value: headerLineValue(h.line) }));
  const sender = p.headers.get('sender');
  const returnPathLine = headers.find((h) => h.key === 'return-path')?.value;
  const attachments = p.attachments;
  const dateValue = p.headers.get('date');
  const date = dateValue instanceof Date && !Number.isNaN(dateValue.getTime()) ? dateValue.toISOString() : undefined;
  const subject = p.headers.get('subject');
  const mail: MailContent = {
    kind: 'mime',
    headers,
    subject: typeof subject === 'string' ? subject : '',
    replyTo: addresses(addressHeader(p.headers, 'reply-to')),
    to: addresses(addressHeader(p.headers, 'to')),
    cc: addresses(addressHeader(p.headers, 'cc')),
    attachments,
  };
  const from = addresses(addressHeader(p.headers, 'from'))[0];
  if (from) mail.from = from;
  const snd = isAddressObject(sender) ? addresses(sender)[0] : undefined;
  if (snd) mail.sender = snd;
  const rp = returnPathLine ? parseReturnPath(returnPathLine) : undefined;
  if (rp) mail.returnPath = rp;
  if (date) mail.date = date;
  const messageId = p.headers.get('message-id');
  const mid = normaliseMessageId(typeof messageId === 'string' ? messageId : undefined);
  if (mid) mail.messageId = mid;
  if (p.text) mail.text = p.text;
  if (p.html) mail.html = p.html;
  return mail;
}

function addressHeader(headers: Headers, key: string): AddressObject | AddressObject[] | undefined {
  const v = headers.get(key);
  if (Array.isArray(v)) return (v as unknown[]).filter(isAddressObject);
  return isAddressObject(v) ? v : undefined;
}

export function unnamed(i: number, contentType: string): string {
  const ext = contentType === 'message/rfc822' ? '.eml' : contentType === 'application/vnd.ms-outlook' ? '.msg' : '';
  return `unnamed-${i + 1}${ext}`;
}

function isAddressObject(v: unknown): v is AddressObject {
  return typeof v === 'object' && v !== null && Array.isArray((v as AddressObject).value);
}

/** Flatten mailparser address objects (and groups) into plain addresses; entries without an address are dropped. */
export function addresses(v: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (!v) return [];
  const out: MailAddress[] = [];
  const push = (e: EmailAddress): void => {
    if (e.group) {
      e.group.forEach(push);
      return;
    }
    const address = e.address?.trim();
    if (!address) return;
    const a: MailAddress = { address };
    if (e.name?.trim()) a.name = e.name.trim();
    out.push(a);
  };
  for (const obj of Array.isArray(v) ? v : [v]) obj.value.forEach(push);
  return out;
}

/** Return-Path is `<addr>` (or `<>` for bounces, which gives undefined). */
export function parseReturnPath(value: string): MailAddress | undefined {
  const m = /<([^<>]*)>/.exec(value);
  const address = (m ? m[1] : value)?.trim();
  if (!address || !address.includes('@') || /\s/.test(address)) return undefined;
  return { address };
}

export function normaliseMessageId(id: string | undefined): string | undefined {
  const v = id?.trim();
  if (!v) return undefined;
  return v.startsWith('<') ? v : `<${v}>`;
}
