// Compressed RTF (MS-OXRTFCP) and the reading of RTF bodies for indicators.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decompressRtf, readRtf, RtfError } from '../../src/ingest/parse/rtf.ts';
import { decodeTnef } from '../../src/ingest/parse/tnef.ts';

/** A valid LZFu stream of literals only (each control byte announces up to 8 literal bytes). */
function lzfuLiterals(raw: Buffer, withEndMarker = true): Buffer {
  const body: number[] = [];
  let ctrlAt = -1;
  for (let i = 0; i < raw.length; i++) {
    if (i % 8 === 0) {
      ctrlAt = body.length;
      body.push(0);
    }
    body.push(raw[i] as number);
  }
  if (withEndMarker) {
    // the end is a reference whose offset is the current write position
    const write = (207 + raw.length) % 4096;
    if (raw.length % 8 === 0) {
      ctrlAt = body.length;
      body.push(0);
    }
    body[ctrlAt] = (body[ctrlAt] as number) | (1 << (raw.length % 8));
    body.push((write >> 4) & 0xff, (write & 0xf) << 4);
  }
  return header(Buffer.from(body), raw.length);
}

function header(body: Buffer, rawSize: number, magic = 0x75465a4c): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(body.length + 12, 0);
  h.writeUInt32LE(rawSize, 4);
  h.writeUInt32LE(magic, 8);
  return Buffer.concat([h, body]);
}

describe('decompressRtf', () => {
  it('literal runs, with and without the end marker', () => {
    const rtf = Buffer.from('{\\rtf1\\ansi hello world}');
    expect(decompressRtf(lzfuLiterals(rtf), 1000).toString('latin1')).toBe(rtf.toString('latin1'));
    expect(decompressRtf(lzfuLiterals(rtf, false), 1000).toString('latin1')).toBe(rtf.toString('latin1'));
  });

  it('a back-reference into the pre-loaded dictionary', () => {
    // control 0b01: a reference to offset 0, length 11 ("{\rtf1\ansi" opens the dictionary), then "X"
    const stream = header(Buffer.from([0b01, 0x00, 0x09, 0x58]), 12);
    expect(decompressRtf(stream, 100).toString('latin1')).toBe('{\\rtf1\\ansiX');
  });

  it('never writes more than the declared size or the caller\'s limit', () => {
    // a reference that repeats itself: each token yields 17 bytes from 2
    const tokens = Buffer.alloc(1 + 16, 0);
    tokens[0] = 0xff;
    for (let i = 0; i < 8; i++) {
      tokens[1 + i * 2] = 0x00;
      tokens[2 + i * 2] = 0x0f;
    }
    const bomb = header(tokens, 0xffffffff);
    expect(decompressRtf(bomb, 50)).toHaveLength(50);
    expect(decompressRtf(header(tokens, 20), 1000)).toHaveLength(20);
  });

  it('uncompressed (MELA) content, bad magic, short input', () => {
    expect(decompressRtf(header(Buffer.from('{\\rtf1 plain}'), 13, 0x414c454d), 100).toString()).toBe('{\\rtf1 plain}');
    expect(() => decompressRtf(header(Buffer.from('x'), 1, 0x12345678), 100)).toThrow(RtfError);
    expect(() => decompressRtf(Buffer.from([1, 2, 3]), 100)).toThrow(RtfError);
  });

  const corpus = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'tnef', 'mimekit');
  if (!existsSync(corpus)) console.warn(`[rtf tests] corpus comparison skipped: ${corpus} not found`);
  it.skipIf(!existsSync(corpus))('matches the RTF that the corpus lists for winmail.tnef and christmas.tnef', () => {
    for (const name of ['winmail', 'christmas']) {
      const t = decodeTnef(readFileSync(path.join(corpus, `${name}.tnef`)), { maxAttachments: 10, maxBytes: 1e8, maxDepth: 1 });
      expect(t.message.rtf?.equals(readFileSync(path.join(corpus, name, 'message.rtf'))), name).toBe(true);
    }
  });
});

describe('readRtf', () => {
  it('plain RTF: text (control words, escapes, \\uN) and HYPERLINK fields with their shown text', () => {
    const rtf = Buffer.from(
      '{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red0\\green0\\blue0;}' +
        '\\pard Dear customer,\\par Caf\\\'e9 \\u8364?5 due.\\par ' +
        '{\\field{\\*\\fldinst{HYPERLINK "https://pay.rtf-lure.test/x"}}{\\fldrslt{\\ul www.bank.example.com}}}\\par}',
      'latin1',
    );
    const body = readRtf(rtf);
    expect(body.text).toBe('Dear customer,\nCafé €5 due.\nwww.bank.example.com\n');
    expect(body.links).toEqual([{ url: 'https://pay.rtf-lure.test/x', text: 'www.bank.example.com' }]);
    expect(body.html).toBeUndefined();
  });

  it('\\fromhtml1: the encapsulated HTML is rebuilt, RTF-only parts left out', () => {
    const rtf = Buffer.from(
      '{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag64 <html>}{\\*\\htmltag84 <a href="https://enc.rtf-lure.test/">}\\htmlrtf {\\field{\\*\\fldinst HYPERLINK x}}\\htmlrtf0 Click{\\*\\htmltag92 </a>}{\\*\\htmltag72 </html>}}',
      'latin1',
    );
    expect(readRtf(rtf)).toEqual({ html: '<html><a href="https://enc.rtf-lure.test/">Click</a></html>' });
  });

  it('multi-byte code pages through \\ansicpg and \\\'hh pairs', () => {
    const rtf = Buffer.from("{\\rtf1\\ansi\\ansicpg932 \\'93\\'fa\\'96\\'7b}", 'latin1');
    expect(readRtf(rtf).text).toBe('日本');
  });

  it('unbalanced braces and a truncated control word do not throw', () => {
    expect(readRtf(Buffer.from('}}}{\\rtf1 text {\\b bold')).text).toBe('text bold');
    expect(readRtf(Buffer.from('{\\rtf1 a\\')).text).toBe('a');
  });
});
