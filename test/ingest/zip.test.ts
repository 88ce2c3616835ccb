// ZIP attachments: unpacked within the attachment and byte budgets, never past the buffer.

import { describe, expect, it } from 'vitest';
import { isZipArchive, unzip, ZipError } from '../../src/ingest/parse/zip.ts';
import { parseReport } from '../../src/ingest/parse/report.ts';
import { zip } from './zip-builder.ts';

const lure = Buffer.from('<html><form action="https://harvest.zip-lure.test/post"><input name="password"></form></html>');
const LIMITS = { maxEntries: 100, maxBytes: 10 * 1024 * 1024 };

describe('unzip', () => {
  it('unpacks stored and deflated files, skipping folders', () => {
    const r = unzip(zip([{ name: 'docs/', data: Buffer.alloc(0), method: 0 }, { name: 'docs/invoice.html', data: lure }, { name: 'readme.txt', data: Buffer.from('hello'), method: 0 }]), LIMITS);
    expect(r.entries.map((e) => [e.name, e.content.toString()])).toEqual([
      ['invoice.html', lure.toString()],
      ['readme.txt', 'hello'],
    ]);
    expect(r).toMatchObject({ encrypted: 0, dropped: 0, unreadable: 0, overBudget: false });
  });

  it('a zip bomb stops at the byte budget, whatever size its header declares', () => {
    const bomb = zip([{ name: 'zeros.bin', data: Buffer.alloc(20 * 1024 * 1024), declared: 10 }]);
    expect(bomb.length).toBeLessThan(100 * 1024);
    const r = unzip(bomb, { maxEntries: 10, maxBytes: 1024 * 1024 });
    expect(r.entries).toEqual([]);
    expect(r.overBudget).toBe(true);
    expect(r.dropped).toBe(1);
  });

  it('counts password-protected files and files over the entry limit', () => {
    const r = unzip(zip([{ name: 'a.js', data: lure, encrypted: true }, { name: 'b.html', data: lure }, { name: 'c.html', data: lure }]), { maxEntries: 1, maxBytes: 1e6 });
    expect(r.entries.map((e) => e.name)).toEqual(['b.html']);
    expect(r).toMatchObject({ encrypted: 1, dropped: 1 });
  });

  it('damaged archives: no end record, offsets past the end, every truncation', () => {
    expect(() => unzip(Buffer.from('PK\x03\x04 nothing else'), LIMITS)).toThrow(ZipError);
    const good = zip([{ name: 'a.html', data: lure }, { name: 'b.html', data: lure }]);
    for (let n = 0; n < good.length; n++) {
      try {
        const r = unzip(good.subarray(0, n), LIMITS);
        expect(r.entries.length).toBeLessThanOrEqual(2);
      } catch (err) {
        expect(err).toBeInstanceOf(ZipError);
      }
    }
    const shifted = Buffer.from(good);
    shifted.writeUInt32LE(0x7fffffff, shifted.length - 6); // central directory offset past the end
    expect(unzip(shifted, LIMITS).unreadable).toBe(2);
  });

  it('only .zip files are archives (Office documents are ZIP too)', () => {
    const z = zip([{ name: 'a.txt', data: Buffer.from('x') }]);
    expect(isZipArchive({ filename: 'invoice.zip', contentType: 'application/octet-stream', content: z })).toBe(true);
    expect(isZipArchive({ filename: 'x', contentType: 'application/x-zip-compressed', content: z })).toBe(true);
    expect(isZipArchive({ filename: 'report.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: z })).toBe(false);
  });
});

describe('a .zip attached to a mail', () => {
  const mail = (z: Buffer): Buffer =>
    Buffer.from(
      [
        'From: Billing <billing@zip-sender.test>',
        'To: dana.reyes@corp.example.net',
        'Subject: Overdue invoice',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Open the attached invoice.',
        '--b',
        'Content-Type: application/zip; name="invoice.zip"',
        'Content-Disposition: attachment; filename="invoice.zip"',
        'Content-Transfer-Encoding: base64',
        '',
        z.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b--',
        '',
      ].join('\r\n'),
    );

  it('its files are hashed and scanned, with the archive named as their container', async () => {
    const r = await parseReport(mail(zip([{ name: 'invoice.html', data: lure }])));
    expect(r.indicators.attachments.map((a) => [a.filename, a.contentType, a.container])).toEqual([
      ['invoice.zip', 'application/zip', undefined],
      ['invoice.html', 'text/html', 'invoice.zip'],
    ]);
    expect(r.indicators.urls.map((u) => `${u.source} ${u.url}`)).toEqual(['attachment https://harvest.zip-lure.test/post']);
  });

  it('a password-protected archive says so', async () => {
    const r = await parseReport(mail(zip([{ name: 'invoice.js', data: lure, encrypted: true }])));
    expect(r.warnings).toContain('the archive "invoice.zip" is password-protected: 1 file(s) in it could not be unpacked');
  });
});
