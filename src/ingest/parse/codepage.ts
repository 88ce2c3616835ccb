// Windows code pages -> text. Outlook (.msg), TNEF and RTF store non-Unicode strings as bytes in a
// Windows code page named by number; this is the one table that turns those numbers into decoders.

import { TextDecoder } from 'node:util';

/** Code page number -> WHATWG encoding label (what TextDecoder accepts). */
const LABELS: Record<number, string> = {
  437: 'windows-1252', // OEM US: not in WHATWG; its letters and digits agree with 1252
  850: 'windows-1252', // OEM Western Europe: idem
  874: 'windows-874',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  1200: 'utf-16le',
  1250: 'windows-1250',
  1251: 'windows-1251',
  1252: 'windows-1252',
  1253: 'windows-1253',
  1254: 'windows-1254',
  1255: 'windows-1255',
  1256: 'windows-1256',
  1257: 'windows-1257',
  1258: 'windows-1258',
  10000: 'macintosh',
  20127: 'windows-1252', // US-ASCII is a subset
  20866: 'koi8-r',
  20932: 'euc-jp',
  20936: 'gbk',
  21866: 'koi8-u',
  28591: 'windows-1252', // WHATWG maps latin1 to 1252 as browsers do
  28592: 'iso-8859-2',
  28593: 'iso-8859-3',
  28594: 'iso-8859-4',
  28595: 'iso-8859-5',
  28596: 'iso-8859-6',
  28597: 'iso-8859-7',
  28598: 'iso-8859-8',
  28599: 'windows-1254',
  28603: 'iso-8859-13',
  28605: 'iso-8859-15',
  38598: 'iso-8859-8-i',
  50220: 'iso-2022-jp',
  50221: 'iso-2022-jp',
  50222: 'iso-2022-jp',
  51932: 'euc-jp',
  51936: 'gbk',
  51949: 'euc-kr',
  52936: 'gbk',
  54936: 'gb18030',
  65001: 'utf-8',
};

/**
 * The Windows ("ANSI") code page that Outlook uses for 8-bit strings when only the Internet code
 * page (PR_INTERNET_CPID, a MIME charset) is known: a Japanese message sent as ISO-2022-JP keeps its
 * non-Unicode properties in Shift_JIS (932), a Cyrillic KOI8-R one in 1251, and so on.
 */
const ANSI_FOR_INTERNET: Record<number, number> = {
  20127: 1252,
  28591: 1252,
  28605: 1252,
  28592: 1250,
  28595: 1251,
  20866: 1251,
  21866: 1251,
  28597: 1253,
  28599: 1254,
  28598: 1255,
  38598: 1255,
  28596: 1256,
  28594: 1257,
  28603: 1257,
  50220: 932,
  50221: 932,
  50222: 932,
  51932: 932,
  20932: 932,
  936: 936,
  20936: 936,
  52936: 936,
  54936: 936,
  51936: 936,
  949: 949,
  51949: 949,
  50225: 949,
  950: 950,
  874: 874,
};

/** The WHATWG label for a code page, or undefined when it is unknown (or not a number). */
export function codepageLabel(codepage: number | undefined): string | undefined {
  if (codepage === undefined || !Number.isInteger(codepage)) return undefined;
  return LABELS[codepage];
}

/**
 * The code page of a message's 8-bit strings: the message code page when stated, else the one
 * implied by its Internet code page, else Windows-1252 (what Western Outlook writes).
 */
export function ansiCodepage(messageCodepage: number | undefined, internetCodepage: number | undefined): number {
  if (messageCodepage !== undefined && codepageLabel(messageCodepage) && messageCodepage !== 65001 && messageCodepage !== 1200) return messageCodepage;
  if (internetCodepage !== undefined) {
    const ansi = ANSI_FOR_INTERNET[internetCodepage] ?? (internetCodepage >= 1250 && internetCodepage <= 1258 ? internetCodepage : undefined);
    if (ansi) return ansi;
  }
  return 1252;
}

const decoders = new Map<string, TextDecoder>();

/** Decode bytes in a code page; unknown code pages fall back to Windows-1252, never throw. */
export function decodeCodepage(bytes: Uint8Array, codepage: number | undefined): string {
  const label = codepageLabel(codepage) ?? 'windows-1252';
  let d = decoders.get(label);
  if (!d) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = new TextDecoder('windows-1252');
    }
    decoders.set(label, d);
  }
  return d.decode(bytes);
}
