import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/ingest/parse/report.ts';

const fixtures = path.resolve(import.meta.dirname, '..', 'fixtures', 'mail');
const fixture = (name: string): Buffer => readFileSync(path.join(fixtures, name));

describe('parseReport: a phish submitted directly (plain .eml)', () => {
  it('summarises the mail itself and has no reporter', async () => {
    const r = await parseReport(fixture('plain-phish.eml'));
    expect(r.status).toBe('parsed');
    expect(r.originalAttached).toBe(false);
    expect(r.reportedBy).toBeUndefined();
    expect(r.original.subject).toBe('Action required: verify your account – ref 8812');
    expect(r.original.from).toEqual({ address: 'security@bank.example.com', name: 'Example Bank Security' });
    expect(r.original.replyTo).toEqual([{ address: 'verify-team@account-help.test', name: 'Account Team' }]);
    expect(r.original.to).toEqual([{ address: 'dana.reyes@corp.example.net', name: 'Dana Reyes' }]);
    expect(r.original.cc).toEqual([{ address: 'ops@corp.example.net' }]);
    expect(r.original.date).toBe('2025-03-04T09:12:00.000Z');
    expect(r.original.internetMessageId).toBe('<20250304091200.4412@mailer.example.org>');
    expect(r.original.networkMessageId).toBe('3f2b6c1e-8d4a-4e7b-9c21-08dd5a7e1b42');
    expect(r.original.excerpt).toMatch(/^Dear customer, We noticed unusual sign-in activity/);
    expect(r.original.excerpt!.length).toBeLessThanOrEqual(500);
    expect(r.original.excerpt).not.toMatch(/\s{2}|\n/);
  });

  it('extracts addresses from every header role and the body', async () => {
    const { indicators } = await parseReport(fixture('plain-phish.eml'));
    const roles = indicators.addresses.map((a) => `${a.role}:${a.address}`);
    expect(roles).toEqual([
      'from:security@bank.example.com',
      'sender:mailer@mailer.example.org',
      'reply-to:verify-team@account-help.test',
      'return-path:bounce-7f3a@mailer.example.org',
      'to:dana.reyes@corp.example.net',
      'cc:ops@corp.example.net',
      'body:helpdesk@bank-verify.test',
    ]);
  });

  it('extracts URLs from text, HTML and HTML attachments, deduplicated, with the lure flagged', async () => {
    const { indicators } = await parseReport(fixture('plain-phish.eml'));
    expect(indicators.urls.map((u) => `${u.source} ${u.url}`)).toEqual([
      'html https://secure-login.bank-verify.test/session?id=8812',
      'text https://track.bank-verify.test/o/0123456789abcdef0123456789abcdef',
      'attachment https://collect.phish-kit.test/post.php',
    ]);
    const lure = indicators.urls[0]!;
    expect(lure.mismatch).toBe(true);
    expect(lure.displayText).toBe('https://www.bank.example.com/login');
    expect(lure.host).toBe('secure-login.bank-verify.test');
    expect(lure.registrableDomain).toBe('bank-verify.test');
  });

  it('reads SPF/DKIM/DMARC from Authentication-Results', async () => {
    const { indicators } = await parseReport(fixture('plain-phish.eml'));
    expect(indicators.authentication).toEqual({ spf: 'fail', dkim: 'none', dmarc: 'fail' });
  });

  it('hashes attachments (md5/sha1/sha256) into attachments and hashes', async () => {
    const { indicators } = await parseReport(fixture('plain-phish.eml'));
    // statement.html is 126 bytes: <html><body><form action="https://collect.phish-kit.test/post.php" ...
    const sha256 = '0454b39426d0c90bf383f0cc2f028333c49e5a0c950a07b611227360444c42ea';
    expect(indicators.attachments).toEqual([
      {
        filename: 'statement.html',
        contentType: 'text/html',
        size: 126,
        md5: '04877096886287c9e5ffd46ed9c2eb77',
        sha1: '155a035611e99f80995f8d0f0f99d4a8a29183df',
        sha256,
      },
    ]);
    expect(indicators.hashes).toContainEqual({ type: 'sha256', value: sha256, source: 'attachment', filename: 'statement.html' });
    expect(indicators.hashes.filter((h) => h.source === 'attachment')).toHaveLength(3);
  });

  it('finds hex hashes in the body, but not inside URLs', async () => {
    const { indicators } = await parseReport(fixture('plain-phish.eml'));
    expect(indicators.hashes.filter((h) => h.source === 'body')).toEqual([
      { type: 'md5', value: '5d41402abc4b2a76b9719d911017c592', source: 'body' },
    ]);
  });

  it('takes IPs from the body and the Received chain (first external hop from the stated client IP)', async () => {
    const { indicators } = await parseReport(fixture('plain-phish.eml'));
    expect(indicators.ips).toEqual([
      { ip: '198.51.100.23', version: 4, source: 'received', firstExternalHop: true },
      { ip: '192.168.10.44', version: 4, source: 'received', private: true },
      { ip: '203.0.113.77', version: 4, source: 'body' },
    ]);
  });

  it('lists sender-side domains but not the recipients\' domains', async () => {
    const { indicators } = await parseReport(fixture('plain-phish.eml'));
    const names = indicators.domains.map((d) => d.domain);
    expect(names).toEqual([
      'secure-login.bank-verify.test',
      'track.bank-verify.test',
      'collect.phish-kit.test',
      'bank.example.com',
      'mailer.example.org',
      'account-help.test',
      'bank-verify.test',
    ]);
    expect(names).not.toContain('corp.example.net');
  });

  it('honours the extract switches', async () => {
    const r = await parseReport(fixture('plain-phish.eml'), { extract: { urls: false, hashes: false, attachments: false } });
    expect(r.indicators.urls).toEqual([]);
    expect(r.indicators.hashes).toEqual([]);
    expect(r.indicators.attachments).toEqual([]);
    expect(r.indicators.ips.length).toBeGreaterThan(0);
    expect(r.indicators.domains.length).toBeGreaterThan(0);
  });

  it('respects maxAttachments and says so', async () => {
    const r = await parseReport(fixture('plain-phish.eml'), { maxAttachments: 0 });
    expect(r.status).toBe('parsed');
    expect(r.indicators.attachments).toEqual([]);
    expect(r.warnings).toContain('attachment limit reached: 1 attachment(s) left out');
  });
});

describe('parseReport: the phish attached to a report', () => {
  it('message/rfc822 part (inline): original = inner mail, reportedBy = outer From', async () => {
    const r = await parseReport(fixture('report-rfc822.eml'));
    expect(r.status).toBe('parsed');
    expect(r.originalAttached).toBe(true);
    expect(r.reportedBy).toEqual({ address: 'dana.reyes@corp.example.net', name: 'Dana Reyes' });
    expect(r.original.subject).toBe('Mailbox quota warning');
    expect(r.original.from).toEqual({ address: 'it-desk@helpdesk-portal.test', name: 'IT Service Desk' });
    // the inner header, not the report's own 99999999-... id
    expect(r.original.networkMessageId).toBe('5c0d7e2a-41b9-4f3e-a7c2-08dd5a11aa01');
    expect(r.original.internetMessageId).toBe('<a1b2c3d4.5566@helpdesk-portal.test>');
    expect(r.original.excerpt).toMatch(/^Your mailbox is almost full/);
    // indicators come from the original only: the report's intranet link is not one
    expect(r.indicators.urls.map((u) => u.url)).toEqual(['https://quota-upgrade.helpdesk-portal.test/increase']);
    expect(r.indicators.authentication).toEqual({ spf: 'pass', dkim: 'pass', dmarc: 'pass' });
    expect(r.indicators.ips).toEqual([{ ip: '192.0.2.61', version: 4, source: 'received', firstExternalHop: true }]);
  });

  it('.eml attached as application/octet-stream (base64)', async () => {
    const r = await parseReport(fixture('report-octet-eml.eml'));
    expect(r.status).toBe('parsed');
    expect(r.originalAttached).toBe(true);
    expect(r.reportedBy).toEqual({ address: 'sam.okafor@corp.example.net', name: 'Sam Okafor' });
    expect(r.original.subject).toBe('Your parcel is waiting');
    expect(r.original.networkMessageId).toBe('6d1e8f3b-52ca-4a4f-b8d3-08dd5a22bb02');
    expect(r.indicators.urls.map((u) => u.url)).toEqual(['https://parcel-tracking.delivery-notice.test/track?id=TT42']);
    // the .eml itself is the original, not an attachment of it
    expect(r.indicators.attachments).toEqual([]);
  });

  it('maxDepth 0 never opens an attached message', async () => {
    const r = await parseReport(fixture('report-octet-eml.eml'), { maxDepth: 0 });
    expect(r.originalAttached).toBe(false);
    expect(r.reportedBy).toBeUndefined();
    expect(r.original.subject).toBe('Suspicious parcel mail');
    expect(r.indicators.attachments.map((a) => a.filename)).toEqual(['Your parcel is waiting.eml']);
  });
});

describe('parseReport: nested messages and maxDepth', () => {
  const levelUrls = (urls: { url: string }[]): string[] => urls.map((u) => u.url.replace(/^https:\/\/(level\d)\.nest\.test\/$/, '$1'));

  it('default maxDepth 3: report(0) -> original(1) -> 2 -> 3 opened, level 4 only hashed', async () => {
    const r = await parseReport(fixture('nested-deep.eml'));
    expect(r.status).toBe('parsed');
    expect(r.originalAttached).toBe(true);
    expect(r.original.subject).toBe('Level 1');
    expect(levelUrls(r.indicators.urls)).toEqual(['level1', 'level2', 'level3']);
    expect(r.indicators.attachments.map((a) => a.filename)).toEqual(['level2.eml', 'level3.eml', 'level4.eml']);
    expect(r.warnings).toEqual(['a message nested more than 3 levels deep was not opened (only hashed as an attachment)']);
  });

  it('maxDepth 2 stops one level earlier, without failing', async () => {
    const r = await parseReport(fixture('nested-deep.eml'), { maxDepth: 2 });
    expect(r.status).toBe('parsed');
    expect(levelUrls(r.indicators.urls)).toEqual(['level1', 'level2']);
    expect(r.indicators.attachments.map((a) => a.filename)).toEqual(['level2.eml', 'level3.eml']);
  });

  it('maxDepth 1: the original is opened, nothing inside it', async () => {
    const r = await parseReport(fixture('nested-deep.eml'), { maxDepth: 1 });
    expect(r.original.subject).toBe('Level 1');
    expect(levelUrls(r.indicators.urls)).toEqual(['level1']);
  });
});

describe('parseReport: HTML links', () => {
  it('unwraps Safe Links and Proofpoint v2/v3, flags mismatched link text', async () => {
    const r = await parseReport(fixture('html-links.eml'));
    expect(r.status).toBe('parsed');
    const byUrl = new Map(r.indicators.urls.map((u) => [u.url, u]));
    const safe = byUrl.get('https://payroll-update.example.org/form?u=1');
    expect(safe?.wrappedUrl).toMatch(/^https:\/\/eur01\.safelinks\.protection\.outlook\.com\/\?url=https%3A%2F%2Fpayroll-update/);
    expect(safe?.mismatch).toBe(true);
    expect(safe?.displayText).toBe('https://payroll.example.com');
    expect(safe?.source).toBe('html');

    const v2 = byUrl.get('https://docs.example.org/share/file?id=42');
    expect(v2?.wrappedUrl).toMatch(/^https:\/\/urldefense\.proofpoint\.com\/v2\/url\?u=/);
    expect(v2?.mismatch).toBeUndefined();

    const v3 = byUrl.get('https://files.example.org/dl?x=1&y=2');
    expect(v3?.wrappedUrl).toBe('https://urldefense.com/v3/__https://files.example.org/dl?x=1*y=2__;Jg!!XyZ12!abc$');
    expect(v3?.mismatch).toBeUndefined(); // the text names the same domain

    expect(byUrl.get('https://login.example.com/reset')?.mismatch).toBeUndefined(); // "Reset password" names no domain
    const ipLink = byUrl.get('http://192.0.2.200/payroll');
    expect(ipLink).toMatchObject({ host: '192.0.2.200', mismatch: true, displayText: 'www.payroll.example.com' });
    expect(ipLink?.registrableDomain).toBeUndefined();
    expect(r.indicators.ips).toContainEqual({ ip: '192.0.2.200', version: 4, source: 'body' });

    // the claimed (visible) URLs are not reported as URLs of their own
    expect(r.indicators.urls.map((u) => u.host)).not.toContain('payroll.example.com');
    expect(r.indicators.urls.some((u) => u.host.includes('safelinks') || u.host.includes('urldefense'))).toBe(false);
  });

  it('decodes punycode domains for display and flags them', async () => {
    const r = await parseReport(fixture('html-links.eml'));
    const url = r.indicators.urls.find((u) => u.host === 'xn--bnk-example-yij.test');
    expect(url).toMatchObject({ url: 'https://xn--bnk-example-yij.test/login', hostUnicode: 'b\u0430nk-example.test' });
    expect(r.indicators.domains).toContainEqual({
      domain: 'xn--bnk-example-yij.test',
      registrableDomain: 'xn--bnk-example-yij.test',
      unicode: 'b\u0430nk-example.test',
      punycode: true,
    });
  });

  it('makes the excerpt from the HTML when there is no text part (no markup, no link targets)', async () => {
    const r = await parseReport(fixture('html-links.eml'));
    expect(r.original.excerpt).toBe(
      'Hello, Please review the updated form at https://payroll.example.com . The policy document: View document Download: files.example.org Sign in: Bank sign-in Or reset: Reset password Mirror: www.payroll.example.com',
    );
  });
});

describe('parseReport: Received chain', () => {
  it('skips the receiving organisation\'s own hops (public IPv6 included) and flags the first external one', async () => {
    const r = await parseReport(fixture('received-chain.eml'));
    expect(r.indicators.ips).toEqual([
      { ip: '203.0.113.45', version: 4, source: 'received', firstExternalHop: true },
      { ip: '172.16.5.9', version: 4, source: 'received', private: true },
      { ip: '100.64.3.2', version: 4, source: 'received', private: true },
    ]);
    expect(r.indicators.authentication).toBeUndefined();
  });
});

describe('parseReport: input that is not a readable mail', () => {
  const empty = { subject: '', to: [], cc: [] };

  it('empty buffer', async () => {
    const r = await parseReport(Buffer.alloc(0));
    expect(r).toEqual({
      status: 'unparseable',
      parseError: 'empty input: the message has 0 bytes',
      original: empty,
      indicators: { urls: [], domains: [], ips: [], hashes: [], addresses: [], attachments: [] },
      originalAttached: false,
    });
  });

  it('random binary bytes', async () => {
    // deterministic pseudo-random bytes (LCG), so the test never flakes
    const bytes = Buffer.alloc(4096);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    const r = await parseReport(bytes);
    expect(r.status).toBe('unparseable');
    expect(r.parseError).toMatch(/^not an email: /);
    expect(r.original).toEqual(empty);
    expect(r.originalAttached).toBe(false);
  });

  it('text that is not a mail', async () => {
    const r = await parseReport(Buffer.from('Hello there,\nthis is just a note.\n'));
    expect(r.parseError).toBe('not an email: no header fields (such as From:, Subject:) at the start of the input');
  });

  it('binary data with NUL bytes', async () => {
    const r = await parseReport(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x0a, 0x00]));
    expect(r.parseError).toBe(
      'not an email: the input is binary data (NUL bytes in the header area), not RFC 5322 text or an Outlook .msg file',
    );
  });

  it('header-only mail keeps what the headers say', async () => {
    const r = await parseReport(fixture('header-only.eml'));
    expect(r.status).toBe('unparseable');
    expect(r.parseError).toBe('header-only message: it has header fields but no body and no attachments');
    expect(r.original.subject).toBe('Header only test');
    expect(r.original.from).toEqual({ address: 'someone@header-only.test', name: 'Header Only' });
    expect(r.indicators.urls).toEqual([]);
    expect(r.originalAttached).toBe(false);
  });

  it('oversize input: refuses to parse but keeps the subject', async () => {
    const raw = fixture('plain-phish.eml');
    const r = await parseReport(raw, { maxBytes: 1000 });
    expect(r.status).toBe('unparseable');
    expect(r.parseError).toBe(`the message is too large to parse: ${raw.length} bytes, over the limit of 1000 bytes`);
    expect(r.original.subject).toBe('Action required: verify your account – ref 8812');
    expect(r.indicators.urls).toEqual([]);
  });

  it('an OLE file that is not a readable .msg', async () => {
    const raw = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(600, 0x41)]);
    const r = await parseReport(raw);
    expect(r.status).toBe('unparseable');
    expect(r.parseError).toMatch(/^not a readable Outlook \.msg file: /);
  });

  it('a non-Buffer argument does not throw either', async () => {
    const r = await parseReport(undefined as unknown as Buffer);
    expect(r.status).toBe('unparseable');
  });
});

describe('parseReport: hostile sizes', () => {
  const mail = (contentType: string, body: string): Buffer =>
    Buffer.from(`From: a@sender.test\r\nTo: b@corp.example.net\r\nSubject: big\r\nContent-Type: ${contentType}\r\n\r\n${body}`);

  it('caps the URL list at 200 and says so', async () => {
    const body = Array.from({ length: 1000 }, (_, i) => `https://host${i}.many-links.test/p`).join('\n');
    const r = await parseReport(mail('text/plain', body));
    expect(r.indicators.urls).toHaveLength(200);
    expect(r.indicators.domains).toHaveLength(200);
    expect(r.warnings).toContain('more than 200 URLs: 800 left out');
  });

  it('reads HTML full of unclosed tags and comments (linear passes; a quadratic one would hit the test timeout)', async () => {
    // No timing here (no timed tests): the speed of parsing is measured in bench/ingest.
    const body = '<a <!-- <script <style x '.repeat(80_000); // ~2 MB
    const r = await parseReport(mail('text/html', body));
    expect(r.status).toBe('parsed');
    expect(r.indicators.urls).toEqual([]);
    expect(r.original.excerpt).toBeUndefined(); // everything after the first unclosed "<a" is markup
  });
});
