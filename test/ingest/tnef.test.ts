// The TNEF (winmail.dat) decoder on streams built to the spec, on hostile input, and inside mail.
// The corpus checks (mimekit's .tnef files against their .list files) are in corpus.test.ts.

import { describe, expect, it } from 'vitest';
import { decodeTnef, isTnef } from '../../src/ingest/parse/tnef.ts';
import { parseReport } from '../../src/ingest/parse/report.ts';
import { ATT, PR, PT, attachment, attr, embeddedObject, props, tnef } from './tnef-builder.ts';

const LIMITS = { maxAttachments: 100, maxBytes: 10 * 1024 * 1024, maxDepth: 3 };
const html = Buffer.from('<html><body><a href="https://wire-transfer.tnef-lure.test/pay">Pay the invoice</a></body></html>');

function sample(): Buffer {
  return tnef(
    attr(1, ATT.oemCodepage, Buffer.from([0xe4, 0x04, 0, 0, 0, 0, 0, 0])), // 1252
    attr(1, ATT.subject, 'Invoice 4471'),
    attr(1, ATT.mapiProps, props([{ type: PT.BINARY, id: PR.BODY_HTML, value: html }])),
    ...attachment('INVOICE~1.HTM', Buffer.from('<a href="https://collect.tnef-lure.test/form">Open</a>'), [
      { type: PT.UNICODE, id: PR.ATTACH_LONG_FILENAME, value: 'invoice 4471.html' },
      { type: PT.STRING8, id: PR.ATTACH_MIME_TAG, value: 'text/html' },
    ]),
    ...attachment('logo.png', Buffer.from('not really a png')),
  );
}

describe('decodeTnef', () => {
  it('reads the subject, the HTML body and attachments, long file names first', () => {
    const r = decodeTnef(sample(), LIMITS);
    expect(r.warnings).toEqual([]);
    expect(r.message.subject).toBe('Invoice 4471');
    expect(r.message.html).toBe(html.toString());
    expect(r.message.attachments.map((a) => [a.filename, a.contentType, a.content.length])).toEqual([
      ['invoice 4471.html', 'text/html', 54],
      ['logo.png', 'application/octet-stream', 16],
    ]);
    expect(r.used).toEqual({ attachments: 2, bytes: 70 });
  });

  it('decodes 8-bit strings in the stated code page (PR_MESSAGE_CODEPAGE wins over attOemCodepage)', () => {
    const subject = Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0]); // 日本語 in Shift_JIS
    const t = tnef(
      attr(1, ATT.oemCodepage, Buffer.from([0xe4, 0x04, 0, 0])),
      attr(1, ATT.mapiProps, props([
        { type: PT.LONG, id: PR.MESSAGE_CODEPAGE, value: 932 },
        { type: PT.STRING8, id: PR.SUBJECT, value: subject },
      ])),
    );
    expect(decodeTnef(t, LIMITS).message.subject).toBe('日本語');
  });

  it('opens an attached Outlook item (attach method 5) down to the depth limit, then keeps it as bytes', () => {
    const level2 = tnef(attr(1, ATT.subject, 'Level 2'));
    const level1 = tnef(
      attr(1, ATT.subject, 'Level 1'),
      ...attachment('Level 2', undefined, [
        { type: PT.LONG, id: PR.ATTACH_METHOD, value: 5 },
        { type: PT.OBJECT, id: PR.ATTACH_DATA, value: embeddedObject(level2) },
      ]),
    );
    const outer = tnef(
      attr(1, ATT.subject, 'Outer'),
      ...attachment('Level 1', undefined, [
        { type: PT.LONG, id: PR.ATTACH_METHOD, value: 5 },
        { type: PT.OBJECT, id: PR.ATTACH_DATA, value: embeddedObject(level1) },
      ]),
    );
    const deep = decodeTnef(outer, LIMITS);
    const l1 = deep.message.attachments[0];
    expect(l1?.message?.subject).toBe('Level 1');
    expect(l1?.message?.attachments[0]?.message?.subject).toBe('Level 2');
    expect(deep.notOpened).toBe(0);

    const shallow = decodeTnef(outer, { ...LIMITS, maxDepth: 1 });
    const kept = shallow.message.attachments[0]?.message?.attachments[0];
    expect(kept?.message).toBeUndefined();
    expect(kept?.embedded).toBe(true);
    expect(isTnef(kept?.content ?? Buffer.alloc(0))).toBe(true);
    expect(shallow.notOpened).toBe(1);
  });

  it('counts attachments and bytes against its limits and leaves the rest out', () => {
    const few = decodeTnef(sample(), { ...LIMITS, maxAttachments: 1 });
    expect(few.message.attachments.map((a) => a.filename)).toEqual(['invoice 4471.html']);
    expect(few.dropped).toBe(1);
    const small = decodeTnef(sample(), { ...LIMITS, maxBytes: 60 }); // 54 + 16 bytes
    expect(small.message.attachments.map((a) => a.filename)).toEqual(['invoice 4471.html']);
    expect(small.warnings).toContain('decompressed size limit reached: TNEF attachment(s) left out');
  });

  it('rejects a stream without the signature', () => {
    expect(() => decodeTnef(Buffer.from('not tnef at all'), LIMITS)).toThrow(/bad signature/);
  });

  it('keeps what precedes a length that points past the end, without reading past the buffer', () => {
    const good = sample();
    // a last attribute claiming 1 GB
    const lying = Buffer.concat([good, Buffer.from([2]), Buffer.from([0x0f, 0x80, 0x06, 0x00]), Buffer.from([0, 0, 0, 0x40]), Buffer.from('xx')]);
    const r = decodeTnef(lying, LIMITS);
    expect(r.message.attachments).toHaveLength(2);
    expect(r.warnings).toContain('TNEF: the stream is truncated or malformed; what came before the damage was kept');
  });

  it('survives every truncation of a valid stream and every single-byte corruption of its first 200 bytes', () => {
    const good = sample();
    for (let n = 6; n < good.length; n++) {
      const r = decodeTnef(good.subarray(0, n), LIMITS);
      expect(r.message.attachments.length).toBeLessThanOrEqual(2);
    }
    for (let i = 6; i < Math.min(200, good.length); i++) {
      for (const v of [0x00, 0xff, 0x7f]) {
        const bad = Buffer.from(good);
        bad[i] = v;
        const r = decodeTnef(bad, LIMITS);
        expect(r.message.attachments.length).toBeLessThanOrEqual(2);
      }
    }
  });

  it('a MAPI property list with an absurd value count stops at the damage', () => {
    const broken = Buffer.concat([props([{ type: PT.UNICODE, id: PR.SUBJECT, value: 'ok' }]).subarray(0, 8), Buffer.from([0xff, 0xff, 0xff, 0x7f])]);
    const r = decodeTnef(tnef(attr(1, ATT.mapiProps, broken)), LIMITS);
    expect(r.message.subject).toBeUndefined();
    expect(r.warnings).toContain('TNEF: a MAPI property list is truncated or malformed; the properties before the damage were kept');
  });
});

describe('winmail.dat inside a mail', () => {
  const mail = (winmail: Buffer): Buffer =>
    Buffer.from(
      [
        'From: Payroll <payroll@tnef-sender.test>',
        'To: dana.reyes@corp.example.net',
        'Subject: Invoice 4471',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Please see the attached invoice.',
        '--b',
        'Content-Type: application/ms-tnef; name="winmail.dat"',
        'Content-Disposition: attachment; filename="winmail.dat"',
        'Content-Transfer-Encoding: base64',
        '',
        winmail.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b--',
        '',
      ].join('\r\n'),
    );

  it('unpacks its files next to it (hashed, HTML scanned) and reads its HTML body', async () => {
    const r = await parseReport(mail(sample()));
    expect(r.status).toBe('parsed');
    expect(r.indicators.attachments.map((a) => [a.filename, a.container])).toEqual([
      ['winmail.dat', undefined],
      ['invoice 4471.html', 'winmail.dat'],
      ['logo.png', 'winmail.dat'],
    ]);
    expect(r.indicators.urls.map((u) => `${u.source} ${u.url}`)).toEqual([
      'html https://wire-transfer.tnef-lure.test/pay',
      'attachment https://collect.tnef-lure.test/form',
    ]);
  });

  it('an Outlook item inside the winmail.dat is the reported original', async () => {
    const phish = tnef(
      attr(1, ATT.subject, 'Your parcel is held'),
      attr(1, ATT.body, 'Pay the customs fee at https://parcel-fee.tnef-lure.test/pay'),
    );
    const report = tnef(
      attr(1, ATT.subject, 'FW: suspicious'),
      ...attachment('Your parcel is held', undefined, [
        { type: PT.LONG, id: PR.ATTACH_METHOD, value: 5 },
        { type: PT.OBJECT, id: PR.ATTACH_DATA, value: embeddedObject(phish) },
      ]),
    );
    const r = await parseReport(mail(report));
    expect(r.originalAttached).toBe(true);
    expect(r.reportedBy?.address).toBe('payroll@tnef-sender.test');
    expect(r.original.subject).toBe('Your parcel is held');
    expect(r.indicators.urls.map((u) => u.url)).toEqual(['https://parcel-fee.tnef-lure.test/pay']);
  });

  it('a bare winmail.dat is a report of its own', async () => {
    const r = await parseReport(sample());
    expect(r.status).toBe('parsed');
    expect(r.original.subject).toBe('Invoice 4471');
    expect(r.original.excerpt).toBe('Pay the invoice');
  });

  it('a bare TNEF stream with nothing in it is unparseable, with its reason', async () => {
    const r = await parseReport(tnef(attr(1, 0x00089006, Buffer.from([0, 0, 1, 0]))));
    expect(r.status).toBe('unparseable');
    expect(r.parseError).toBe('the TNEF (winmail.dat) file holds no subject, body or attachments');
  });
});
