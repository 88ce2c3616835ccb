// Cheap checks on the raw bytes before (or instead of) a full MIME parse.

import type { HeaderField } from './content.ts';

/** Header blocks larger than this are not looked at by the cheap checks. */
const PEEK_LIMIT = 256 * 1024;

export interface HeaderBlock {
  /** The header block (latin1-decoded, so every byte maps to one char). */
  text: string;
  /** Offset of the first body byte, or undefined when there is no blank line (header-only input). */
  bodyOffset?: number;
}

/**
 * Where the header block ends: the offset of the first empty line (LF LF or LF CR LF) within the
 * first `limit` bytes, and the offset of the body after it; undefined when there is none. Searched
 * on the bytes, so that no more than the header block is ever turned into a string.
 */
function headerEnd(raw: Buffer, limit: number): { end: number; body: number } | undefined {
  const area = raw.subarray(0, Math.min(raw.length, limit));
  const crlf = area.indexOf('\n\r\n');
  // "\n\n" only matters before the first "\n\r\n" (mail with CRLF endings never has it)
  const lf = (crlf < 0 ? area : area.subarray(0, crlf + 1)).indexOf('\n\n');
  if (lf >= 0) return { end: lf > 0 && area[lf - 1] === 0x0d ? lf - 1 : lf, body: lf + 2 };
  if (crlf >= 0) return { end: crlf > 0 && area[crlf - 1] === 0x0d ? crlf - 1 : crlf, body: crlf + 3 };
  return undefined;
}

/** The header block of a raw message: everything up to the first empty line (CRLF or LF). */
export function headerBlock(raw: Buffer, limit = PEEK_LIMIT): HeaderBlock {
  const e = headerEnd(raw, limit);
  if (!e) return { text: raw.subarray(0, Math.min(raw.length, limit)).toString('latin1') };
  return { text: raw.subarray(0, e.end).toString('latin1'), bodyOffset: e.body };
}

/**
 * True when the message has no body: no blank line after the headers, or only whitespace after it.
 * Works on the bytes (indexOf, then an early-exit scan) so that a 100 MB message is never turned
 * into a string just to learn that its body is not empty.
 */
export function bodyIsBlank(raw: Buffer): boolean {
  const e = headerEnd(raw, raw.length);
  if (!e) return true;
  for (let i = e.body; i < raw.length; i++) {
    const c = raw[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

/** Unfold a header block into fields (RFC 5322 2.2.3); lines that are not fields are skipped. */
export function splitHeaderFields(text: string): HeaderField[] {
  const out: HeaderField[] = [];
  let current: HeaderField | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      if (current) current.value += line;
      continue;
    }
    const m = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:(.*)$/.exec(line);
    if (!m) {
      current = undefined;
      continue;
    }
    current = { key: (m[1] ?? '').toLowerCase(), value: m[2] ?? '' };
    out.push(current);
  }
  for (const f of out) f.value = f.value.trim();
  return out;
}

/**
 * Why the bytes cannot be an Internet message, or undefined when they plausibly are one.
 * The rule: the first line (after an optional mbox "From " line) must be a header field, and the
 * header block must be text (no NUL bytes). mailparser itself accepts anything, so without this
 * check random bytes would come back as a mail with no headers and a garbage body.
 */
export function notAMailReason(raw: Buffer): string | undefined {
  const { text } = headerBlock(raw, 64 * 1024);
  if (text.includes('\u0000')) {
    return 'not an email: the input is binary data (NUL bytes in the header area), not RFC 5322 text or an Outlook .msg file';
  }
  let lines = text.split(/\r?\n/);
  if (lines[0]?.startsWith('From ')) lines = lines.slice(1);
  const first = lines[0] ?? '';
  if (!/^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(first)) {
    return 'not an email: no header fields (such as From:, Subject:) at the start of the input';
  }
  return undefined;
}

/** Unfold and trim one raw header line as mailparser gives it ("Key: value\r\n continued"). */
export function headerLineValue(line: string): string {
  const i = line.indexOf(':');
  const v = i >= 0 ? line.slice(i + 1) : line;
  return v.replace(/\r?\n(?=[ \t])/g, '').trim();
}
