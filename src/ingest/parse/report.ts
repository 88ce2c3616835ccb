// One reported message (raw MIME, Outlook .msg or a bare TNEF winmail.dat) -> ParsedReport.
// Never throws.
//
// Which message is the "original" (the phish):
// - The report's first attachment that is a message (message/rfc822 part, .eml file, .msg file,
//   an Outlook embedded message, an Outlook item inside a winmail.dat) is the original;
//   `reportedBy` is the report's From and `originalAttached` is true. If that attachment cannot be
//   read, the next one is tried, and if none can be, the report itself is used (with a warning).
// - Otherwise the report itself is the original (forwarded inline, or the phish submitted
//   directly) and `reportedBy` is undefined.
// Depth: the report is level 0, the original level 1. Messages attached inside the original are
// opened down to level `maxDepth` (default 3) and their bodies and attachments feed the
// indicators; a message deeper than that is only hashed as an attachment. maxDepth 0 (or the
// extract_eml switch off) opens no attached message at all (the report is then always the original).
// Containers (winmail.dat, .zip) are unpacked at every level opened (parse/containers.ts).
//
// Limits, each a warning (or, for the input size, the unparseable reason) when reached: input
// size (maxBytes), nesting depth (maxDepth), attachments kept across all levels (maxAttachments),
// and bytes produced by decoding and unpacking across all levels (maxDecodedBytes: base64 and
// quoted-printable parts, TNEF, zip, compressed RTF).

import type { Indicators, MailSummary, ParsedReport } from '../types.ts';
import { emptyIndicators } from '../types.ts';
import type { ExtractSwitches } from '../extract/indicators.ts';
import { DEFAULT_SWITCHES, extractIndicators } from '../extract/indicators.ts';
import { collapseWhitespace, hasText, mailText, truncate } from '../extract/html.ts';
import type { MailContent } from './content.ts';
import { header, isOle, messageKind } from './content.ts';
import type { ParseBudget } from './containers.ts';
import { DECODED_LIMIT_WARNING, openTnef, unpackContainers } from './containers.ts';
import { bodyIsBlank, headerBlock, notAMailReason } from './headers.ts';
import { parseMime } from './mime.ts';
import { parseMsg } from './msg.ts';
import { isTnef } from './tnef.ts';

export type { ExtractSwitches } from '../extract/indicators.ts';

export interface ParseOptions {
  /** Larger input is not parsed (default 25 MiB). */
  maxBytes?: number;
  /** Levels of attached messages opened (default 3; see the top of this file). */
  maxDepth?: number;
  /** Attachments kept across all levels (default 100); the rest are left out with a warning. */
  maxAttachments?: number;
  /** Bytes that decoding and unpacking may produce across all levels (default 4 x maxBytes: 100 MiB). */
  maxDecodedBytes?: number;
  extract?: Partial<ExtractSwitches>;
}

export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 3;
export const DEFAULT_MAX_ATTACHMENTS = 100;
/** maxDecodedBytes is this many times maxBytes unless set: room for nested levels and archives. */
export const DECODED_BYTES_FACTOR = 4;
const EXCERPT_CHARS = 500;
const NETWORK_MESSAGE_ID = 'x-ms-exchange-organization-network-message-id';

interface Ctx extends ParseBudget {
  maxDecodedBytes: number;
}

export async function parseReport(raw: Buffer, opts: ParseOptions = {}): Promise<ParsedReport> {
  try {
    return await parseReportUnsafe(raw, opts);
  } catch (err) {
    // Defence in depth: every step below handles its own errors; this only catches the unforeseen.
    return unparseable(`the parser failed unexpectedly: ${errorText(err)}`, await peekSummary(raw, { body: opts.extract?.body ?? true }));
  }
}

async function parseReportUnsafe(raw: Buffer, opts: ParseOptions): Promise<ParsedReport> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const sw: ExtractSwitches = { ...DEFAULT_SWITCHES, ...opts.extract };
  const maxDecodedBytes = Math.max(0, opts.maxDecodedBytes ?? DECODED_BYTES_FACTOR * maxBytes);
  const ctx: Ctx = {
    // extract_eml off: attached mails are not opened (so the report itself is the original)
    maxDepth: sw.eml ? Math.max(0, opts.maxDepth ?? DEFAULT_MAX_DEPTH) : 0,
    attachmentsLeft: Math.max(0, opts.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS),
    bytesLeft: maxDecodedBytes,
    maxDecodedBytes,
    warnings: [],
  };
  if (!Buffer.isBuffer(raw) || raw.length === 0) return unparseable('empty input: the message has 0 bytes');
  if (raw.length > maxBytes) {
    return unparseable(
      `the message is too large to parse: ${raw.length} bytes, over the limit of ${maxBytes} bytes`,
      isOle(raw) || isTnef(raw) ? undefined : await peekSummary(raw, sw),
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
      return unparseable('the Outlook .msg file holds no subject, body or attachments', summary(report, sw));
    }
  } else if (isTnef(raw)) {
    // A bare winmail.dat (saved from a mail client, or posted to /ingest): Outlook's own format.
    try {
      report = await openMessage(raw, 'tnef', ctx);
    } catch (err) {
      return unparseable(`not a readable TNEF (winmail.dat) file: ${errorText(err)}`);
    }
    if (!report.text && !report.html && !report.links && report.attachments.length === 0 && !report.subject) {
      return unparseable('the TNEF (winmail.dat) file holds no subject, body or attachments', summary(report, sw));
    }
  } else {
    const notMail = notAMailReason(raw);
    if (notMail) return unparseable(notMail);
    try {
      report = await openMessage(raw, 'mime', ctx);
    } catch (err) {
      return unparseable(`the MIME structure could not be parsed: ${errorText(err)}`, await peekSummary(raw, sw));
    }
    if (report.headers.length === 0) return unparseable('not an email: no header fields could be read');
    const bodyEmpty = bodyIsBlank(raw);
    if (bodyEmpty && !hasText(report.text) && !report.html && report.attachments.length === 0) {
      return unparseable('header-only message: it has header fields but no body and no attachments', summary(report, sw));
    }
    if (!bodyEmpty && !hasText(report.text) && !report.html && report.attachments.length === 0) {
      ctx.warnings.push('the body could not be decoded (malformed MIME: no readable text, HTML or attachment part)');
    }
  }

  // The original: the first attached message that could be opened (see the top of this file).
  let original = report;
  let originalAttached = false;
  if (ctx.maxDepth >= 1) {
    for (const att of report.attachments) {
      if (att.message) {
        // already opened while unpacking (an Outlook item inside a winmail.dat)
        original = att.message;
        originalAttached = true;
        break;
      }
      const kind = messageKind(att);
      if (!kind) continue;
      if (ctx.bytesLeft <= 0) break;
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

  const indicators: Indicators = extractIndicators(original, { switches: sw, warnings: ctx.warnings });
  const result: ParsedReport = {
    status: 'parsed',
    originalAttached,
    original: summary(original, sw),
    indicators,
  };
  if (originalAttached && report.from) result.reportedBy = { ...report.from };
  if (ctx.warnings.length > 0) result.warnings = [...new Set(ctx.warnings)];
  return result;
}

/**
 * Parse one message at `depth` (0 = the report), unpack its containers and, below the report,
 * open the messages attached to it while depth + 1 <= maxDepth (at depth 0 the caller picks the
 * original itself). Everything draws on the shared budget in `ctx`.
 */
async function openMessage(raw: Buffer, kind: 'mime' | 'msg' | 'tnef', ctx: Ctx, depth = 0): Promise<MailContent> {
  let mail: MailContent;
  if (kind === 'tnef') {
    mail = openTnef(raw, ctx, depth);
  } else {
    const parsed = kind === 'msg' ? await parseMsg(raw, { maxAttachments: ctx.attachmentsLeft }) : await parseMime(raw, { maxAttachments: ctx.attachmentsLeft });
    mail = parsed.mail;
    if (parsed.warnings) ctx.warnings.push(...parsed.warnings);
    ctx.attachmentsLeft -= mail.attachments.length;
    if (parsed.dropped > 0) ctx.warnings.push(`attachment limit reached: ${parsed.dropped} attachment(s) left out`);
    chargeDecoded(mail, ctx);
  }
  if (ctx.bytesLeft > 0) unpackContainers(mail, ctx, depth);
  if (depth === 0) return mail;
  for (const att of mail.attachments) {
    if (att.message) continue;
    const k = messageKind(att);
    if (!k) continue;
    if (depth + 1 > ctx.maxDepth) {
      ctx.warnings.push(`a message nested more than ${ctx.maxDepth} levels deep was not opened (only hashed as an attachment)`);
      continue;
    }
    if (ctx.bytesLeft <= 0) continue; // the limit's warning was given when it was reached
    try {
      att.message = await openMessage(att.content, k, ctx, depth + 1);
    } catch (err) {
      ctx.warnings.push(`the nested message "${att.filename}" could not be read: ${errorText(err)}`);
    }
  }
  return mail;
}

/**
 * Count what a parse produced (decoded bodies and attachments) against the decoded-bytes budget.
 * mailparser decodes a whole message at once, so the check comes after it: past the limit, no
 * further message or archive is opened.
 */
function chargeDecoded(mail: MailContent, ctx: Ctx): void {
  let decoded = (mail.text?.length ?? 0) + (mail.html?.length ?? 0);
  for (const a of mail.attachments) decoded += a.size;
  const before = ctx.bytesLeft;
  ctx.bytesLeft -= decoded;
  if (ctx.bytesLeft < 0) {
    ctx.bytesLeft = 0;
    if (before > 0) {
      ctx.warnings.push(`${DECODED_LIMIT_WARNING}: more than ${ctx.maxDecodedBytes} bytes decoded; further attached messages and archives were not opened`);
    }
  }
}

function summary(mail: MailContent, sw: Pick<ExtractSwitches, 'body'>): MailSummary {
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
  // add_body_to_header_artifacts off: no excerpt of the (attacker-written) body is kept
  const text = sw.body ? mailText(mail) : undefined;
  if (text) {
    // Collapse only the head of a long body: the excerpt needs 500 characters, not megabytes.
    const excerpt = truncate(collapseWhitespace(text.slice(0, 64 * 1024)), EXCERPT_CHARS);
    if (excerpt) s.excerpt = excerpt;
  }
  return s;
}

/** What can be read from the header block alone (for reports that cannot be parsed as a whole). */
async function peekSummary(raw: Buffer, sw: Pick<ExtractSwitches, 'body'>): Promise<MailSummary | undefined> {
  try {
    if (!Buffer.isBuffer(raw) || raw.length === 0 || isOle(raw) || notAMailReason(raw)) return undefined;
    const { text } = headerBlock(raw);
    const { mail } = await parseMime(Buffer.from(`${text}\r\n\r\n`, 'latin1'), { maxAttachments: 0 });
    return summary(mail, sw);
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
