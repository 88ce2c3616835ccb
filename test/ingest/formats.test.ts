// Small format rules: which attachments are opened as messages, and Windows code pages.

import { describe, expect, it } from 'vitest';
import { ansiCodepage, codepageLabel, decodeCodepage } from '../../src/ingest/parse/codepage.ts';
import { messageKind, OLE_MAGIC } from '../../src/ingest/parse/content.ts';
import { bodyIsBlank } from '../../src/ingest/parse/headers.ts';

describe('messageKind', () => {
  const ole = Buffer.concat([OLE_MAGIC, Buffer.alloc(8)]);
  const eml = Buffer.from('From: a@b.test\r\n\r\nhi');

  it('an .eml kept as a file attachment (in a .msg or MIME) is opened as MIME, whatever its declared type', () => {
    expect(messageKind({ filename: 'sample.eml', contentType: 'application/octet-stream', content: eml })).toBe('mime');
    expect(messageKind({ filename: 'x', contentType: 'message/rfc822', content: eml })).toBe('mime');
  });

  it('an OLE file is a .msg when named or typed so, and an appointment exception is not a mail', () => {
    expect(messageKind({ filename: 'phish.msg', contentType: 'application/octet-stream', content: ole })).toBe('msg');
    expect(messageKind({ filename: 'x', contentType: 'application/vnd.ms-outlook', content: ole })).toBe('msg');
    expect(messageKind({ filename: 'report.doc', contentType: 'application/msword', content: ole })).toBeUndefined();
    expect(messageKind({ filename: 'x.msg', contentType: 'application/vnd.ms-outlook', content: ole, embeddedClass: 'IPM.OLE.CLASS.{00061055-0000-0000-C000-000000000046}' })).toBeUndefined();
  });
});

describe('code pages', () => {
  it('the message code page wins; else the ANSI page of the Internet code page; else 1252', () => {
    expect(ansiCodepage(1251, 50220)).toBe(1251);
    expect(ansiCodepage(undefined, 50220)).toBe(932); // ISO-2022-JP mail keeps Shift_JIS strings
    expect(ansiCodepage(undefined, 20866)).toBe(1251); // KOI8-R
    expect(ansiCodepage(undefined, 1250)).toBe(1250);
    expect(ansiCodepage(undefined, 65001)).toBe(1252); // UTF-8 says nothing about 8-bit strings
    expect(ansiCodepage(65001, undefined)).toBe(1252);
  });

  it('decodes in the code page, falling back to Windows-1252 for unknown ones', () => {
    expect(decodeCodepage(Buffer.from([0x93, 0xfa, 0x96, 0x7b]), 932)).toBe('日本');
    expect(decodeCodepage(Buffer.from([0xcf, 0xf0, 0xe8]), 1251)).toBe('При');
    expect(decodeCodepage(Buffer.from([0x80, 0x41]), 99999)).toBe('€A');
    expect(codepageLabel(undefined)).toBeUndefined();
  });
});

describe('bodyIsBlank', () => {
  it('looks at the bytes after the first empty line only', () => {
    expect(bodyIsBlank(Buffer.from('Subject: x\r\nFrom: a@b.test\r\n'))).toBe(true);
    expect(bodyIsBlank(Buffer.from('Subject: x\r\n\r\n \r\n\t\r\n'))).toBe(true);
    expect(bodyIsBlank(Buffer.from('Subject: x\r\n\r\nhello'))).toBe(false);
    expect(bodyIsBlank(Buffer.from('Subject: x\n\nhello'))).toBe(false);
  });
});
