// One reported message (raw MIME or Outlook .msg) -> ParsedReport. Never throws.
//
// Which message is the "original" (the phish):
// - The report's first attachment that is a message (message/rfc822 part, .eml file, .msg file or
//   an Outlook embedded message) is the original; `reportedBy` is the report's From and
//   `originalAttached` is true. If that attachment cannot be read, the next one is tried, and if
//   none can be, the report itself is used (with a warning).
// - Otherwise the report itself is the original (forwarded inline, or the phish submitted
//   directly) and `reportedBy` is undefined.
// Depth: the report is level 0, the original level 1. Messages attached inside the original are
// opened down to level `maxDepth` (default 3) and their bodies and attachments feed the
// indicators; a message deeper than that is only hashed as an attachment. maxDepth 0 opens no
// attached message at all (the report is then always the original).

import type { Indicators, MailSummary, ParsedReport } from '../types.ts';
import { emptyIndicators } from '../types.ts';
import type { ExtractSwitches } from '../extract/indicators.ts';
import { extractIndicators } from '../extract/indicators.ts';
import { collapseWhitespace, htmlToText, truncate } from '../extract/html.ts';
import type { MailContent } from './content.ts';
import { header, isOle, messageKind } from './content.ts';
import { headerBlock, notAMailReason } from './headers.ts';
import { parseMime } from './mime.ts';
import { parseMsg } from './msg.ts';

export type { ExtractSwitches } from '../extract/indicators.ts';

export interface ParseOptions {
  /** Larger input is not parsed (default 25 MiB). */
  maxBytes?: number;
  /** Levels of attached messages opened (default 3; see the top of this file). */
  maxDepth?: number;
  /** Attachments kept across all levels (default 100); the rest are left out with a warning. */
  maxAttachments?: number;
  extract?: Partial<ExtractSwitches>;
}

export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 3;
export const DEFAULT_MAX_ATTACHMENTS = 100;
const EXCERPT_CHARS = 500;
const NETWORK_MESSAGE_ID = 'x-ms-exchange-organization-network-message-id';

interface Ctx {
  maxDepth: number;
  attachmentsLeft: number;
  warnings: string[];
}

export async function parseReport(raw: Buffer, opts: ParseOptions = {}): Promise<ParsedReport> {
  try {
    return await parseReportUnsafe(raw, opts);
  } catch (err) {
    // Defence in depth: every step below handles its own errors; this only catches the unforeseen.
    return unparseable(`the parser failed unexpectedly: ${errorText(err)}`, await peekSummary(raw));
  }
}

async function parseReportUnsafe(raw: Buffer, opts: ParseOptions): Promise<ParsedReport> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const ctx: Ctx = {
    maxDepth: Math.max(0, opts.maxDepth ?? DEFAULT_MAX_DEPTH),
    attachmentsLeft: Math.max(0, opts.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS),
    warnings: [],
  };
  if (!Buffer.isBuffer(raw) || raw.length === 0) return unparseable('empty input: the message has 0 bytes');
  if (raw.length > maxBytes) {
    return unparseable(
      `the message is too large to parse: ${raw.length} bytes, over the limit of ${maxBytes} bytes`,
      isOle(raw) ? undefined : await peekSummary(raw),
    );
  }

  let report: MailContent;
  if (isOle(raw)) {
    try {
      report = await openMessage(raw, 'msg', ctx);
    } catch (err) {
      return unparseable(`not a readable Outlook .msg file: ${errorText(err)}`);
    }
    if (!report.text && !report.html && report.attachments.length === 0 && !report.subject) {
      return unparseable('the Outlook .msg file holds no subject, body or attachments', summary(report));
    }
  } else {
    const notMail = notAMailReason(raw);
    if (notMail) return unparseable(notMail);
    try {
      report = await openMessage(raw, 'mime', ctx);
    } catch (err) {
      return unparseable(`the MIME structure could not be parsed: ${errorText(err)}`, await peekSummary(raw));
    }
    if (report.headers.length === 0) return unparseable('not an email: no header fields could be read');
    const { bodyOffset } = headerBlock(raw, raw.length);
    const bodyEmpty = bodyOffset === undefined || raw.subarray(bodyOffset).toString('latin1').trim() === '';
    if (bodyEmpty && !report.text?.trim() && !report.html && report.attachments.length === 0) {
      return unparseable('header-only message: it has header fields but no body and no attachments', summary(report));
    }
    if (!bodyEmpty && !report.text?.trim() && !report.html && report.attachments.length === 0) {
      ctx.warnings.push('the body could not be decoded (malformed MIME: no readable text, HTML or attachment part)');
    }
  }

  // The original: the first attached message that could be opened (see the top of this file).
  let original = report;
  let originalAttached = false;
  if (ctx.maxDepth >= 1) {
    for (const att of report.attachments) {
      const kind = messageKind(att);
      if (!kind) continue;
      try {
        att.message = await openMessage(att.content, kind, ctx, 1);
        original = att.message;
        originalAttached = true;
        break;
      } catch (err) {
        ctx.warnings.push(`the attached message "${att.filename}" could not be read: ${errorText(err)}`);
      }
    }
  }

  const indicators: Indicators = extractIndicators(original, opts.extract ? { switches: opts.extract, warnings: ctx.warnings } : { warnings: ctx.warnings });
  const result: ParsedReport = {
    status: 'parsed',
    originalAttached,
    original: summary(original),
    indicators,
  };
  if (originalAttached && report.from) result.reportedBy = { ...report.from };
  if (ctx.warnings.length > 0) result.warnings = [...new Set(ctx.warnings)];
  return result;
}

/**
 * Parse one message at `depth` (0 = the report). Its attachments are capped by the shared
 * attachment budget. Messages attached inside it are opened when depth + 1 <= maxDepth, except at
 * depth 0, where the caller picks the original itself.
 */
async function openMessage(raw: Buffer, kind: 'mime' | 'msg', ctx: Ctx, depth = 0): Promise<MailContent> {
  const { mail, dropped } = kind === 'msg' ? await parseMsg(raw, { maxAttachments: ctx.attachmentsLeft }) : await parseMime(raw, { maxAttachments: ctx.attachmentsLeft });
  ctx.attachmentsLeft -= mail.attachments.length;
  if (dropped > 0) ctx.warnings.push(`attachment limit reached: ${dropped} attachment(s) left out`);
  if (depth === 0) return mail;
  for (const att of mail.attachments) {
    const k = messageKind(att);
    if (!k) continue;
    if (depth + 1 > ctx.maxDepth) {
      ctx.warnings.push(`a message nested more than ${ctx.maxDepth} levels deep was not opened (only hashed as an attachment)`);
      continue;
    }
    try {
      att.message = await openMessage(att.content, k, ctx, depth + 1);
    } catch (err) {
      ctx.warnings.push(`the nested message "${att.filename}" could not be read: ${errorText(err)}`);
    }
  }
  return mail;
}

function summary(mail: MailContent): MailSummary {
  const s: MailSummary = {
    subject: mail.subject,
    to: mail.to.map((a) => ({ ...a })),
    cc: mail.cc.map((a) => ({ ...a })),
  };
  if (mail.from) s.from = { ...mail.from };
  if (mail.replyTo.length > 0) s.replyTo = mail.replyTo.map((a) => ({ ...a }));
  if (mail.date) s.date = mail.date;
  if (mail.messageId) s.internetMessageId = mail.messageId;
  const nmid = header(mail, NETWORK_MESSAGE_ID)?.trim();
  if (nmid) s.networkMessageId = nmid;
  const text = (mail.text?.trim() ? mail.text : undefined) ?? (mail.html ? htmlToText(mail.html.slice(0, 256 * 1024)) : undefined);
  if (text) {
    // Collapse only the head of a long body: the excerpt needs 500 characters, not megabytes.
    const excerpt = truncate(collapseWhitespace(text.slice(0, 64 * 1024)), EXCERPT_CHARS);
    if (excerpt) s.excerpt = excerpt;
  }
  return s;
}

/** What can be read from the header block alone (for reports that cannot be parsed as a whole). */
async function peekSummary(raw: Buffer): Promise<MailSummary | undefined> {
  try {
    if (!Buffer.isBuffer(raw) || raw.length === 0 || isOle(raw) || notAMailReason(raw)) return undefined;
    const { text } = headerBlock(raw);
    const { mail } = await parseMime(Buffer.from(`${text}\r\n\r\n`, 'latin1'), { maxAttachments: 0 });
    return summary(mail);
  } catch {
    return undefined;
  }
}

function unparseable(parseError: string, original?: MailSummary): ParsedReport {
  return {
    status: 'unparseable',
    parseError,
    original: original ?? { subject: '', to: [], cc: [] },
    indicators: emptyIndicators(),
    originalAttached: false,
  };
}

function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return truncate(collapseWhitespace(msg), 300) || 'unknown error';
}
