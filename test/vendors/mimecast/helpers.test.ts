// Pure helpers of the Mimecast client: dates, search conditions + archive XML, request builders,
// the password-protected zip writer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mimecastDate, parseUserDate, toMimecastDate } from '../../../src/vendors/mimecast/dates.ts';
import { buildArchiveQuery, parseSearchConditions } from '../../../src/vendors/mimecast/query.ts';
import { bracketMessageId, requests } from '../../../src/vendors/mimecast/requests.ts';
import { contentDispositionFilename, flattenFailures } from '../../../src/vendors/mimecast/client.ts';
import { createZip } from '../../../src/util/zip.ts';
import { readZip } from './zip-reader.ts';

describe('dates', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  it('reads what analysts type (UTC when no zone) and writes Mimecast form', () => {
    expect(mimecastDate('2021-04-07 00:00')).toBe('2021-04-07T00:00:00+0000');
    expect(mimecastDate('2021-04-07')).toBe('2021-04-07T00:00:00+0000');
    expect(mimecastDate('2021-04-07T10:30:00+02:00')).toBe('2021-04-07T08:30:00+0000');
    expect(mimecastDate('2015-11-16T14:49:18+0000')).toBe('2015-11-16T14:49:18+0000');
    expect(mimecastDate('24h', now)).toBe('2026-11-21T10:00:00+0000');
    expect(mimecastDate('7d', now)).toBe('2026-11-15T10:00:00+0000');
    expect(toMimecastDate(now)).toBe('2026-11-22T10:00:00+0000');
  });
  it('rejects nonsense and impossible dates', () => {
    expect(parseUserDate('yesterday-ish')).toBeUndefined();
    expect(parseUserDate('2021-02-31')).toBeUndefined();
    expect(parseUserDate('2021-13-01 00:00')).toBeUndefined();
    expect(() => mimecastDate('soon')).toThrow(/"soon" is not a date: expected a UTC time like 2021-04-07 00:00/);
  });
});

describe('search conditions', () => {
  it('parses archive and tracking conditions with their own keys', () => {
    expect(parseSearchConditions('view=INBOX, mailbox=a@example.com, from=b@example.net, filename=test.pdf', true)).toEqual({
      ok: true,
      archive: true,
      conditions: { view: 'INBOX', mailbox: 'a@example.com', from: 'b@example.net', filename: 'test.pdf' },
    });
    expect(parseSearchConditions('to=a@example.com, SenderIP=203.0.113.7, subject=Hello, world', false)).toEqual({
      ok: true,
      archive: false,
      conditions: { to: 'a@example.com', senderip: '203.0.113.7', subject: 'Hello, world' },
    });
  });
  it('explains unknown keys, missing values and a view without mailbox', () => {
    expect(parseSearchConditions('mailbox=a@example.com', false)).toEqual({ ok: false, message: 'unknown search condition "mailbox": message tracking (search_archive=false) accepts to, from, subject, senderip' });
    expect(parseSearchConditions('from=', true)).toMatchObject({ ok: false, message: 'search condition "from" has no value' });
    expect(parseSearchConditions('view=INBOX', true)).toMatchObject({ ok: false, message: 'view needs a mailbox (view=INBOX, mailbox=user@example.com)' });
    expect(parseSearchConditions('view=TRASH, mailbox=a@example.com', true)).toMatchObject({ ok: false, message: 'view must be INBOX or SENT, not "TRASH"' });
  });
  it('builds the archive XML with escaped values', () => {
    const xml = buildArchiveQuery({ mailbox: 'a@example.com', from: 'x@evil.example.org', subject: 'Pay <now> & win' }, new Date('2026-11-01T00:00:00Z'), new Date('2026-11-02T00:00:00Z'), 25);
    expect(xml).toContain('<metadata query-type="emailarchive" archive="true" active="false" page-size="25" startrow="0">');
    expect(xml).toContain('<mailboxes><mailbox include-aliases="true">a@example.com</mailbox></mailboxes>');
    expect(xml).toContain('<text>subject:Pay &lt;now&gt; &amp; win</text>');
    expect(xml).toContain('<date select="between" from="2026-11-01T00:00:00Z" to="2026-11-02T00:00:00Z"/>');
    expect(xml).toContain('<sent select="from">x@evil.example.org</sent>');
  });
});

describe('request builders', () => {
  it('wraps message ids in <> and picks the documented remediation variant for one criterion', () => {
    expect(bracketMessageId('abc@example.net')).toBe('<abc@example.net>');
    expect(bracketMessageId('<abc@example.net>')).toBe('<abc@example.net>');
    expect(requests.createRemediationIncident({ reason: 'r', messageId: 'abc@example.net' })).toMatchObject({
      path: '/api/ttp/remediation/create',
      data: [{ reason: 'r', searchBy: 'messageId', hashOrMessageId: '<abc@example.net>' }],
    });
    expect(requests.createRemediationIncident({ reason: 'r', subject: 'Invoice', from: 'x@example.net' })).toMatchObject({
      path: '/api/ttp/remediation/v2/create',
      data: [{ reason: 'r', subject: 'Invoice', from: 'x@example.net' }],
    });
  });
  it('flattens fail[] and reads Content-Disposition file names', () => {
    expect(flattenFailures([{ key: { id: 'g' }, errors: [{ code: 'err_x', message: 'Bad', retryable: true }] }, {}])).toEqual([
      { key: { id: 'g' }, code: 'err_x', message: 'Bad', retryable: true },
      { message: 'Mimecast reported a failure without a message', retryable: false },
    ]);
    expect(contentDispositionFilename('attachment; filename="invoice 1.pdf"')).toBe('invoice 1.pdf');
    expect(contentDispositionFilename("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.docx")).toBe('résumé.docx');
    expect(contentDispositionFilename(undefined)).toBeUndefined();
  });
});

describe('zip writer', () => {
  const entries = [
    { name: 'invoice.pdf', data: Buffer.from('%PDF-1.4 '.repeat(40)) },
    { name: '../evil/path.exe', data: Buffer.from('MZ') },
    { name: 'invoice.pdf', data: Buffer.from('second') },
  ];

  it('encrypts every entry and decrypts back with the password; names are flattened and unique', () => {
    const zip = createZip(entries, { password: 'infected' });
    const read = readZip(zip, 'infected');
    expect(read.map((e) => e.name)).toEqual(['invoice.pdf', '.._evil_path.exe', 'invoice (2).pdf']);
    expect(read.every((e) => e.encrypted)).toBe(true);
    expect(read.map((e) => e.data.toString())).toEqual(entries.map((e) => e.data.toString()));
    // The plain bytes do not appear in the archive.
    expect(zip.includes(Buffer.from('%PDF-1.4 %PDF'))).toBe(false);
  });

  it('opens with Info-ZIP unzip when it is installed', () => {
    let hasUnzip = true;
    try {
      execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    } catch {
      hasUnzip = false;
    }
    if (!hasUnzip) return;
    const dir = mkdtempSync(join(tmpdir(), 'hookline-zip-'));
    try {
      writeFileSync(join(dir, 'a.zip'), createZip(entries, { password: 'infected' }));
      execFileSync('unzip', ['-q', '-P', 'infected', 'a.zip'], { cwd: dir });
      expect(readFileSync(join(dir, 'invoice (2).pdf'), 'utf8')).toBe('second');
      expect(() => execFileSync('unzip', ['-q', '-o', '-P', 'wrong', 'a.zip'], { cwd: dir, stdio: 'ignore' })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
