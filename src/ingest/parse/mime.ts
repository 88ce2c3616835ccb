// RFC 5322 / MIME messages, through mailparser.

import { simpleParser } from 'mailparser';
import type { AddressObject, EmailAddress, ParsedMail, SimpleParserOptions } from 'mailparser';
import type { MailAddress, MailAttachment, MailContent } from './content.ts';
import { headerLineValue } from './headers.ts';

export interface MimeParseLimits {
  /** Attachments kept for this message; the rest are counted in `dropped`. */
  maxAttachments: number;
}

export interface MimeParseResult {
  mail: MailContent;
  /** Attachments beyond maxAttachments that were not kept. */
  dropped: number;
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
} as SimpleParserOptions;

export async function parseMime(raw: Buffer, limits: MimeParseLimits): Promise<MimeParseResult> {
  const parsed = await simpleParser(raw, PARSER_OPTIONS);
  return { mail: fromParsedMail(parsed, limits), dropped: Math.max(0, parsed.attachments.length - limits.maxAttachments) };
}

function fromParsedMail(p: ParsedMail, limits: MimeParseLimits): MailContent {
  const headers = p.headerLines.map((h) => ({ key: h.key.toLowerCase(), value: headerLineValue(h.line) }));
  const sender = p.headers.get('sender');
  const returnPathLine = headers.find((h) => h.key === 'return-path')?.value;
  const attachments: MailAttachment[] = [];
  p.attachments.slice(0, limits.maxAttachments).forEach((a, i) => {
    const content: Buffer = Buffer.isBuffer(a.content) ? a.content : Buffer.alloc(0);
    const contentType = (a.contentType || 'application/octet-stream').toLowerCase();
    attachments.push({
      filename: a.filename || unnamed(i, contentType),
      contentType,
      size: content.length,
      content,
    });
  });
  const date = p.date && !Number.isNaN(p.date.getTime()) ? p.date.toISOString() : undefined;
  const mail: MailContent = {
    kind: 'mime',
    headers,
    subject: p.subject ?? '',
    replyTo: addresses(p.replyTo),
    to: addresses(p.to),
    cc: addresses(p.cc),
    attachments,
  };
  const from = addresses(p.from)[0];
  if (from) mail.from = from;
  const snd = isAddressObject(sender) ? addresses(sender)[0] : undefined;
  if (snd) mail.sender = snd;
  const rp = returnPathLine ? parseReturnPath(returnPathLine) : undefined;
  if (rp) mail.returnPath = rp;
  if (date) mail.date = date;
  const mid = normaliseMessageId(p.messageId);
  if (mid) mail.messageId = mid;
  if (p.text) mail.text = p.text;
  if (typeof p.html === 'string' && p.html) mail.html = p.html;
  return mail;
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
