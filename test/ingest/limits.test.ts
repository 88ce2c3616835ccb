// Parser limits: message size, nesting depth, attachment count and decoded (decompressed) size.
// Each one reached gives a clear warning (or, for the input size, the unparseable reason); nothing
// throws and what fits within the limits is kept. Empty, binary and header-only input: see
// parse-report.test.ts.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseMime } from '../../src/ingest/parse/mime.ts';
import { parseReport } from '../../src/ingest/parse/report.ts';
import { ATT, PR, PT, attachment, attr, embeddedObject, tnef } from './tnef-builder.ts';
import { zip } from './zip-builder.ts';

function mail(parts: { type: string; name: string; body: Buffer }[], text = 'See attached.'): Buffer {
  const lines = [
    'From: Sender <sender@limits.test>',
    'To: dana.reyes@corp.example.net',
    'Subject: Limits',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    text,
  ];
  for (const p of parts) {
    lines.push('--b', `Content-Type: ${p.type}; name="${p.name}"`, `Content-Disposition: attachment; filename="${p.name}"`, 'Content-Transfer-Encoding: base64', '', p.body.toString('base64').replace(/.{76}/g, '$&\r\n'));
  }
  lines.push('--b--', '');
  return Buffer.from(lines.join('\r\n'));
}

const html = (i: number): Buffer => Buffer.from(`<a href="https://file${i}.limits.test/">open</a>`);

describe('message size', () => {
  it('over maxBytes: unparseable with the sizes, the subject kept from the headers', async () => {
    const raw = mail([{ type: 'application/octet-stream', name: 'x.bin', body: Buffer.alloc(5000) }]);
    const r = await parseReport(raw, { maxBytes: 4000 });
    expect(r.status).toBe('unparseable');
    expect(r.parseError).toBe(`the message is too large to parse: ${raw.length} bytes, over the limit of 4000 bytes`);
    expect(r.original.subject).toBe('Limits');
  });
});

describe('attachment count', () => {
  it('counts MIME parts and the files unpacked from archives together', async () => {
    const z = zip([0, 1, 2, 3].map((i) => ({ name: `f${i}.html`, data: html(i) })));
    const r = await parseReport(mail([{ type: 'application/zip', name: 'files.zip', body: z }]), { maxAttachments: 3 });
    expect(r.status).toBe('parsed');
    expect(r.indicators.attachments.map((a) => a.filename)).toEqual(['files.zip', 'f0.html', 'f1.html']);
    expect(r.warnings).toContain('attachment limit reached: 2 attachment(s) left out');
  });

  it('and the files of a winmail.dat', async () => {
    const t = tnef(...attachment('a.txt', Buffer.from('a')), ...attachment('b.txt', Buffer.from('b')), ...attachment('c.txt', Buffer.from('c')));
    const r = await parseReport(mail([{ type: 'application/ms-tnef', name: 'winmail.dat', body: t }]), { maxAttachments: 2 });
    expect(r.indicators.attachments.map((a) => a.filename)).toEqual(['winmail.dat', 'a.txt']);
    expect(r.warnings).toContain('attachment limit reached: 2 attachment(s) left out');
  });
});

describe('nesting depth', () => {
  it('Outlook items nested in a winmail.dat deeper than maxDepth are only hashed', async () => {
    const inner = tnef(attr(1, ATT.subject, 'Inner'), attr(1, ATT.body, 'https://inner.limits.test/'));
    const middle = tnef(
      attr(1, ATT.subject, 'Middle'),
      ...attachment('Inner', undefined, [
        { type: PT.LONG, id: PR.ATTACH_METHOD, value: 5 },
        { type: PT.OBJECT, id: PR.ATTACH_DATA, value: embeddedObject(inner) },
      ]),
    );
    const outer = tnef(
      attr(1, ATT.subject, 'Outer'),
      ...attachment('Middle', undefined, [
        { type: PT.LONG, id: PR.ATTACH_METHOD, value: 5 },
        { type: PT.OBJECT, id: PR.ATTACH_DATA, value: embeddedObject(middle) },
      ]),
    );
    const r = await parseReport(mail([{ type: 'application/ms-tnef', name: 'winmail.dat', body: outer }]), { maxDepth: 1 });
    expect(r.original.subject).toBe('Middle');
    expect(r.indicators.urls).toEqual([]);
    expect(r.indicators.attachments.map((a) => a.filename)).toEqual(['Inner']);
    expect(r.warnings).toContain('a message nested more than 1 levels deep was not opened (only hashed as an attachment)');
    const deeper = await parseReport(mail([{ type: 'application/ms-tnef', name: 'winmail.dat', body: outer }]), { maxDepth: 2 });
    expect(deeper.indicators.urls.map((u) => u.url)).toEqual(['https://inner.limits.test/']);
  });
});

describe('decoded (decompressed) size', () => {
  it('a zip bomb stops at maxDecodedBytes with a warning; the archive itself is still hashed', async () => {
    const bomb = zip([{ name: 'zeros.html', data: Buffer.alloc(8 * 1024 * 1024) }]);
    const r = await parseReport(mail([{ type: 'application/zip', name: 'bomb.zip', body: bomb }]), { maxDecodedBytes: 1024 * 1024 });
    expect(r.status).toBe('parsed');
    expect(r.indicators.attachments.map((a) => a.filename)).toEqual(['bomb.zip']);
    expect(r.warnings).toContain('decompressed size limit reached: files of the archive "bomb.zip" left out');
  });

  it('base64 parts decoded past the limit: no attached message or archive is opened after that', async () => {
    const phish = Buffer.from('From: a@phish.limits.test\r\nSubject: inner\r\n\r\nhttps://inner.limits.test/\r\n');
    const raw = mail([
      { type: 'application/octet-stream', name: 'big.bin', body: Buffer.alloc(600 * 1024, 7) },
      { type: 'message/rfc822', name: 'phish.eml', body: phish },
    ]);
    const r = await parseReport(raw, { maxDecodedBytes: 512 * 1024 });
    expect(r.status).toBe('parsed');
    expect(r.originalAttached).toBe(false);
    expect(r.indicators.attachments.map((a) => a.filename)).toEqual(['big.bin', 'phish.eml']);
    expect(r.warnings).toContain('decompressed size limit reached: more than 524288 bytes decoded; further attached messages and archives were not opened');
    const roomy = await parseReport(raw, { maxDecodedBytes: 4 * 1024 * 1024 });
    expect(roomy.originalAttached).toBe(true);
  });

  it('TNEF files beyond the remaining budget are left out', async () => {
    const t = tnef(...attachment('small.txt', Buffer.alloc(1000, 1)), ...attachment('large.bin', Buffer.alloc(300_000, 2)));
    const r = await parseReport(mail([{ type: 'application/ms-tnef', name: 'winmail.dat', body: t }]), { maxDecodedBytes: 400_000 });
    // the MIME decoding of winmail.dat itself (~301 kB) comes first: 1000 bytes fit after it, 300000 do not
    expect(r.indicators.attachments.map((a) => a.filename)).toEqual(['winmail.dat', 'small.txt']);
    expect(r.warnings).toContain('decompressed size limit reached: TNEF attachment(s) left out');
  });
});

describe('large attachments', () => {
  it('are hashed while they stream; their bytes are kept only when something will open them', async () => {
    const pdf = Buffer.alloc(5000, 3);
    const eml = Buffer.from(`From: a@phish.limits.test\r\nSubject: inner\r\n\r\n${'x'.repeat(5000)}\r\n`);
    const raw = mail([
      { type: 'application/pdf', name: 'statement.pdf', body: pdf },
      { type: 'application/octet-stream', name: 'phish.eml', body: eml },
    ]);
    const { mail: m } = await parseMime(raw, { maxAttachments: 10, keepBytes: 1000 });
    const [p, e] = m.attachments;
    expect(p).toMatchObject({ filename: 'statement.pdf', size: 5000, contentOmitted: true });
    expect(p?.content.length).toBe(0);
    expect(p?.hashes?.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    expect(p?.hashes?.md5).toBe(createHash('md5').update(pdf).digest('hex'));
    expect(e?.contentOmitted).toBeUndefined();
    expect(e?.content.equals(eml)).toBe(true);
  });
});
