// RTF message bodies (Outlook's PR_RTF_COMPRESSED, in .msg and TNEF): decompression (MS-OXRTFCP)
// and a reading good enough for indicators, not a renderer.
//
// Outlook often keeps a message's only body as compressed RTF (winmail.dat from Outlook to a
// non-Outlook recipient, some .msg files). Without reading it the links of such a phish would be
// lost. Two cases:
// - RTF that encapsulates HTML (\fromhtml1, MS-OXRTFEX): the HTML is rebuilt from the \*\htmltag
//   groups and the text outside \htmlrtf, so links and their visible text are read like any HTML.
// - Plain RTF: the text, plus each HYPERLINK field as a link with its shown text, so that a link
//   whose text names another domain is flagged as in HTML mail.

import { decodeCodepage } from './codepage.ts';

export class RtfError extends Error {}

const PREBUFFER =
  '{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx';
const LZFU = 0x75465a4c;
const MELA = 0x414c454d;

/**
 * Decompress PR_RTF_COMPRESSED. Never reads outside `input` and never writes more than `maxOut`
 * bytes (the declared raw size is attacker-controlled; the output is cut at the smaller of both).
 */
export function decompressRtf(input: Uint8Array, maxOut: number): Buffer {
  if (input.length < 16) throw new RtfError('compressed RTF shorter than its 16-byte header');
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const compSize = view.getUint32(0, true);
  const rawSize = view.getUint32(4, true);
  const compType = view.getUint32(8, true);
  const end = Math.min(input.length, compSize + 4);
  const limit = Math.max(0, Math.min(rawSize, maxOut));
  if (compType === MELA) return Buffer.from(input.subarray(16, Math.min(end, 16 + limit)));
  if (compType !== LZFU) throw new RtfError('unknown compressed RTF type');

  const dict = new Uint8Array(4096);
  for (let i = 0; i < PREBUFFER.length; i++) dict[i] = PREBUFFER.charCodeAt(i);
  let write = PREBUFFER.length;
  const out = Buffer.allocUnsafe(limit);
  let o = 0;
  let i = 16;
  while (i < end && o < limit) {
    const control = input[i++] as number;
    for (let bit = 0; bit < 8 && o < limit; bit++) {
      if ((control & (1 << bit)) === 0) {
        if (i >= end) return out.subarray(0, o);
        const b = input[i++] as number;
        out[o++] = b;
        dict[write] = b;
        write = (write + 1) & 0xfff;
        continue;
      }
      if (i + 1 >= end) return out.subarray(0, o);
      const word = ((input[i] as number) << 8) | (input[i + 1] as number);
      i += 2;
      const offset = word >> 4;
      const length = (word & 0xf) + 2;
      if (offset === write) return out.subarray(0, o); // the end marker
      for (let k = 0; k < length && o < limit; k++) {
        const b = dict[(offset + k) & 0xfff] as number;
        out[o++] = b;
        dict[write] = b;
        write = (write + 1) & 0xfff;
      }
    }
  }
  return out.subarray(0, o);
}

export interface RtfBody {
  /** Plain text (for plain RTF). */
  text?: string;
  /** The encapsulated HTML (\fromhtml1). */
  html?: string;
  /** HYPERLINK fields of plain RTF: target and shown text. */
  links?: { url: string; text: string }[];
}

/** Destinations whose content is never text. */
const SKIP = new Set([
  'fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'object', 'objdata', 'themedata', 'colorschememapping',
  'datastore', 'latentstyles', 'listtable', 'listoverridetable', 'rsidtbl', 'generator', 'xmlnstbl', 'mmathPr',
  'pgdsctbl', 'filetbl', 'revtbl', 'header', 'footer', 'headerl', 'headerr', 'footerl', 'footerr', 'bkmkstart',
  'bkmkend', 'nonshppict', 'shppict', 'fldtype', 'template', 'userprops', 'xe', 'tc', 'private', 'blipuid',
]);

interface GroupState {
  skip: boolean;
  /** Inside \*\htmltag: the text is HTML source. */
  htmltag: boolean;
  /** Inside \fldinst: the text is a field instruction, collected apart. */
  fldinst: boolean;
  /** Characters to skip after a \uN (the \ucN fallback count). */
  uc: number;
  /** This group is a \fldrslt whose text (from index `start` of the output) is this link's. */
  link?: { url: string; start: number };
}

/** RTF parsing stops after this much output (the excerpt and URL scan need far less). */
const MAX_TEXT = 2 * 1024 * 1024;
const MAX_LINKS = 500;

/**
 * Read an RTF document (already decompressed). One linear pass over the bytes; unbalanced braces,
 * unknown control words and truncation are tolerated.
 */
export function readRtf(rtf: Uint8Array): RtfBody {
  const s = Buffer.from(rtf.buffer, rtf.byteOffset, rtf.byteLength).toString('latin1');
  let codepage = 1252;
  const fromHtml = /\\fromhtml1/.test(s.slice(0, 2048));
  const out: string[] = [];
  let outLen = 0;
  let pending: number[] = []; // \'hh bytes waiting to be decoded together (multi-byte code pages)
  let instr = '';
  let pendingLink: string | undefined; // the target of the last HYPERLINK, until its \fldrslt
  let suppress = false; // \htmlrtf: RTF-only content of encapsulated HTML
  const links: { url: string; text: string }[] = [];
  let st: GroupState = { skip: false, htmltag: false, fldinst: false, uc: 1 };
  const stack: GroupState[] = [];
  let skipChars = 0;
  let nextIsDest = false;

  const visible = (): boolean => !st.skip && (fromHtml ? st.htmltag || !suppress : true);
  const flush = (): void => {
    if (pending.length === 0) return;
    emit(decodeCodepage(Uint8Array.from(pending), codepage), true);
    pending = [];
  };
  function emit(t: string, decoded = false): void {
    if (!decoded) flush();
    if (st.skip) return;
    if (st.fldinst) {
      if (instr.length < 4096) instr += t;
      return;
    }
    if (!visible() || outLen >= MAX_TEXT) return;
    out.push(t);
    outLen += t.length;
  }

  let i = 0;
  const n = s.length;
  while (i < n && outLen < MAX_TEXT) {
    const c = s[i] as string;
    if (c === '{') {
      flush();
      stack.push(st);
      st = { ...st, link: undefined };
      i++;
      continue;
    }
    if (c === '}') {
      flush();
      const closed = st;
      st = stack.pop() ?? { skip: false, htmltag: false, fldinst: false, uc: 1 };
      if (closed.fldinst && !st.fldinst) {
        const m = /HYPERLINK\s+(?:\\l\s+)?"([^"]{1,4000})"/i.exec(instr) ?? /HYPERLINK\s+(\S{1,4000})/i.exec(instr);
        pendingLink = m?.[1];
        instr = '';
      }
      if (closed.link && links.length < MAX_LINKS) links.push({ url: closed.link.url, text: out.slice(closed.link.start).join('').trim() });
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c !== '\\') {
      if (skipChars > 0) {
        skipChars--;
        i++;
        continue;
      }
      // a run of plain characters in one go
      let j = i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d === 0x5c || d === 0x7b || d === 0x7d || d === 0x0d || d === 0x0a) break;
        j++;
      }
      emit(s.slice(i, j));
      i = j;
      continue;
    }
    // a control word or symbol
    const next = s[i + 1];
    if (next === undefined) break;
    if (next === "'") {
      const hex = s.slice(i + 2, i + 4);
      i += 4;
      if (skipChars > 0) {
        skipChars--;
        continue;
      }
      if (/^[0-9a-f]{2}$/i.test(hex)) pending.push(Number.parseInt(hex, 16));
      continue;
    }
    if (!/[a-z]/i.test(next)) {
      i += 2;
      if (next === '*') {
        nextIsDest = true;
        continue;
      }
      if (skipChars > 0) {
        skipChars--;
        continue;
      }
      if (next === '\\' || next === '{' || next === '}') emit(next);
      else if (next === '~') emit('\u00a0');
      else if (next === '_') emit('-');
      continue;
    }
    const m = /^([a-z]{1,32})(-?\d{1,10})? ?/i.exec(s.slice(i + 1, i + 48));
    if (!m) {
      i++;
      continue;
    }
    i += 1 + m[0].length;
    const word = m[1] as string;
    const param = m[2] === undefined ? undefined : Number(m[2]);
    const dest = nextIsDest;
    nextIsDest = false;
    if (word === 'bin') {
      flush();
      i += Math.max(0, Math.min(param ?? 0, n - i));
      continue;
    }
    if (skipChars > 0 && word !== 'u') {
      skipChars--;
      continue;
    }
    switch (word) {
      case 'ansicpg':
        if (param && param > 0) codepage = param;
        break;
      case 'uc':
        st.uc = Math.max(0, Math.min(param ?? 1, 10));
        break;
      case 'u': {
        flush();
        const cp = (param ?? 0) < 0 ? (param ?? 0) + 65536 : (param ?? 0);
        emit(String.fromCharCode(cp & 0xffff));
        skipChars = st.uc;
        break;
      }
      case 'par':
      case 'line':
      case 'row':
      case 'sect':
      case 'page':
        emit(fromHtml && !st.htmltag ? '\r\n' : '\n');
        break;
      case 'cell':
      case 'tab':
        emit('\t');
        break;
      case 'emdash':
        emit('—');
        break;
      case 'endash':
        emit('–');
        break;
      case 'lquote':
        emit('‘');
        break;
      case 'rquote':
        emit('’');
        break;
      case 'ldblquote':
        emit('“');
        break;
      case 'rdblquote':
        emit('”');
        break;
      case 'bullet':
        emit('•');
        break;
      case 'htmlrtf':
        flush();
        suppress = param !== 0;
        break;
      case 'htmltag':
        flush();
        if (dest && fromHtml) st.htmltag = true;
        break;
      case 'fldinst':
        flush();
        st.fldinst = true;
        break;
      case 'fldrslt':
        flush();
        if (pendingLink) {
          st.link = { url: pendingLink, start: out.length };
          pendingLink = undefined;
        }
        break;
      default:
        if (dest || SKIP.has(word)) {
          flush();
          st.skip = true;
        }
    }
  }
  flush();
  // NULs: the C string terminator that Outlook keeps at the end of the RTF
  const text = out.join('').replace(/\u0000/g, '');
  if (fromHtml) return text.trim() ? { html: text } : {};
  const body: RtfBody = {};
  if (text.trim()) body.text = text;
  if (links.length > 0) body.links = links;
  return body;
}
