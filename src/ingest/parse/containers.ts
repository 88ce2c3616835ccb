// Attachments that hold other files: winmail.dat (TNEF) and .zip archives. Their files are added
// to the mail's attachments (with `container` naming where they came from) so that they are hashed
// and scanned like any attachment, and an Outlook item inside a winmail.dat can be the reported
// original. The container itself stays in the list: its own hash is an indicator too.
//
// Everything unpacked draws on the parse budget (attachment count, decoded bytes, depth); a limit
// reached leaves the rest out with a warning, never an error.

import { hasText } from '../extract/html.ts';
import type { MailAttachment, MailContent } from './content.ts';
import { decodeTnef, isTnef, tnefToMail } from './tnef.ts';
import { isZipArchive, unzip } from './zip.ts';

/** The parser's running budget for one report (see parse/report.ts). */
export interface ParseBudget {
  /** Levels of attached messages opened below the report (0 = none). */
  maxDepth: number;
  attachmentsLeft: number;
  /** Bytes that decoding and unpacking may still produce. */
  bytesLeft: number;
  warnings: string[];
}

export const DECODED_LIMIT_WARNING = 'decompressed size limit reached';

const TYPE_BY_EXT: Record<string, string> = {
  htm: 'text/html',
  html: 'text/html',
  shtml: 'text/html',
  xhtml: 'application/xhtml+xml',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  xml: 'text/xml',
  js: 'application/javascript',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  pdf: 'application/pdf',
  eml: 'message/rfc822',
  msg: 'application/vnd.ms-outlook',
  ics: 'text/calendar',
  zip: 'application/zip',
};

function typeFor(name: string): string {
  const ext = /\.([a-z0-9]{1,8})$/i.exec(name)?.[1]?.toLowerCase();
  return (ext && TYPE_BY_EXT[ext]) || 'application/octet-stream';
}

/**
 * Unpack the winmail.dat and .zip attachments of `mail` (a message at `depth`) in place.
 * Files found inside are not unpacked again (no archive in an archive).
 */
export function unpackContainers(mail: MailContent, budget: ParseBudget, depth: number): void {
  const containers = mail.attachments.filter((a) => !a.message && !a.container);
  for (const att of containers) {
    if (isTnef(att.content)) unpackTnef(mail, att, budget, depth);
    else if (isZipArchive(att)) unpackZip(mail, att, budget);
  }
}

/**
 * Decode a TNEF stream found in a message at `depth` into parser content, drawing on the budget.
 * Throws only when it is not TNEF at all (bad signature).
 */
export function openTnef(buf: Buffer, budget: ParseBudget, depth: number): MailContent {
  const result = decodeTnef(buf, { maxAttachments: budget.attachmentsLeft, maxBytes: budget.bytesLeft, maxDepth: Math.max(0, budget.maxDepth - depth) });
  budget.warnings.push(...result.warnings);
  budget.attachmentsLeft -= result.used.attachments;
  budget.bytesLeft -= result.used.bytes;
  if (result.dropped > 0) budget.warnings.push(`attachment limit reached: ${result.dropped} attachment(s) left out`);
  if (result.notOpened > 0 && budget.maxDepth > 0) {
    budget.warnings.push(`a message nested more than ${budget.maxDepth} levels deep was not opened (only hashed as an attachment)`);
  }
  return tnefToMail(result.message);
}

function unpackTnef(mail: MailContent, att: MailAttachment, budget: ParseBudget, depth: number): void {
  let inner: MailContent;
  try {
    inner = openTnef(att.content, budget, depth);
  } catch (err) {
    budget.warnings.push(`the TNEF attachment "${att.filename}" could not be read: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  // winmail.dat is the same message in Outlook's format: its rich body fills what the MIME lacks.
  if (!mail.html && inner.html) mail.html = inner.html;
  if (!hasText(mail.text) && inner.text) mail.text = inner.text;
  if (inner.links?.length) mail.links = [...(mail.links ?? []), ...inner.links];
  for (const a of inner.attachments) mail.attachments.push({ ...a, container: att.filename });
}

function unpackZip(mail: MailContent, att: MailAttachment, budget: ParseBudget): void {
  let result;
  try {
    result = unzip(att.content, { maxEntries: budget.attachmentsLeft, maxBytes: budget.bytesLeft });
  } catch (err) {
    budget.warnings.push(`the archive "${att.filename}" could not be read: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  for (const e of result.entries) {
    budget.attachmentsLeft--;
    budget.bytesLeft -= e.content.length;
    mail.attachments.push({ filename: e.name, contentType: typeFor(e.name), size: e.content.length, content: e.content, container: att.filename });
  }
  if (result.encrypted > 0) budget.warnings.push(`the archive "${att.filename}" is password-protected: ${result.encrypted} file(s) in it could not be unpacked`);
  if (result.unreadable > 0) budget.warnings.push(`the archive "${att.filename}": ${result.unreadable} file(s) could not be unpacked (damaged or unsupported)`);
  if (result.overBudget) budget.warnings.push(`${DECODED_LIMIT_WARNING}: files of the archive "${att.filename}" left out`);
  else if (result.dropped > 0) budget.warnings.push(`attachment limit reached: ${result.dropped} attachment(s) left out`);
}
