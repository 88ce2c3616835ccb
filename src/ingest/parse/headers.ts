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

/** The header block of a raw message: everything up to the first empty line (CRLF or LF). */
export function headerBlock(raw: Buffer, limit = PEEK_LIMIT): HeaderBlock {
  const head = raw.subarray(0, Math.min(raw.length, limit)).toString('latin1');
  const m = /\r?\n\r?\n/.exec(head);
  if (!m) return { text: head };
  return { text: head.slice(0, m.index), bodyOffset: m.index + m[0].length };
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
