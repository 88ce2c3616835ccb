// Small HTML helpers: enough to read links and make an excerpt, not a renderer.

import type { MailContent } from '../parse/content.ts';

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  shy: '',
  zwnj: '',
  zwj: '',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  copy: '©',
  reg: '®',
  trade: '™',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  middot: '·',
  bull: '•',
  euro: '€',
};

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});?/gi, (m, body: string) => {
    if (body.startsWith('#')) {
      const cp = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return m;
      return String.fromCodePoint(cp);
    }
    const v = NAMED[body.toLowerCase()];
    return v ?? m;
  });
}

const HIDDEN = new Set(['script', 'style', 'head', 'title']);
const BLOCK = new Set(['p', 'div', 'br', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'td', 'th']);

/**
 * Strip tags (dropping <script>, <style>, <head>, <title> contents and comments) and decode
 * entities. A single linear pass: regexes like /<!--[\s\S]*?-->/ go quadratic on attacker HTML
 * full of unclosed comments or tags.
 */
export function htmlToText(html: string): string {
  const lower = html.toLowerCase();
  const out: string[] = [];
  const unclosed = new Set<string>();
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end < 0) break; // an unclosed comment hides the rest, as in a browser
      out.push(' ');
      i = end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break; // an unclosed tag at the end
    const name = /^\/?([a-z][a-z0-9]*)/i.exec(html.slice(lt + 1, Math.min(gt, lt + 20)))?.[1]?.toLowerCase() ?? '';
    i = gt + 1;
    if (HIDDEN.has(name) && html[lt + 1] !== '/' && !unclosed.has(name)) {
      const close = lower.indexOf(`</${name}`, i);
      if (close < 0) {
        unclosed.add(name);
      } else {
        const closeEnd = html.indexOf('>', close);
        i = closeEnd < 0 ? html.length : closeEnd + 1;
      }
      out.push(' ');
      continue;
    }
    out.push(BLOCK.has(name) ? '\n' : ' ');
  }
  return decodeEntities(out.join(''));
}

/** HTML read for text: at most this much of a body (attacker HTML can be megabytes). */
export const HTML_TEXT_CHARS = 2 * 1024 * 1024;

/** True when the string has a non-space character (without copying it, as trim() would). */
export function hasText(s: string | undefined): s is string {
  return s !== undefined && /\S/.test(s);
}

const textOfMail = new WeakMap<MailContent, string | undefined>();

/**
 * The plain text of a mail's body: its text part, else its HTML as text. Remembered per mail, since
 * both the excerpt and the indicators need it and turning megabytes of HTML into text twice is waste.
 */
export function mailText(mail: Pick<MailContent, 'text' | 'html'>): string | undefined {
  if (hasText(mail.text)) return mail.text;
  if (!mail.html) return undefined;
  const key = mail as MailContent;
  if (textOfMail.has(key)) return textOfMail.get(key);
  const text = htmlToText(mail.html.slice(0, HTML_TEXT_CHARS));
  textOfMail.set(key, text);
  return text;
}

/** Collapse all runs of whitespace to one space and trim. */
export function collapseWhitespace(s: string): string {
  return s.replace(/[\s\u00a0\u200b\u200c\u200d\u2060\ufeff]+/g, ' ').trim();
}

/** Cut to at most `max` UTF-16 code units without splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}
