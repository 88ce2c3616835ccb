// Robustness over the shared third-party corpus (real phishing, Outlook .msg, malformed MIME).
// The corpus is optional: when the folder is absent these tests are skipped with a message.
// Nothing here opens or fetches any URL found in the corpus: parseReport never resolves anything.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/ingest/parse/report.ts';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
const corpus = path.resolve(projectRoot, '..', 'shared', 'corpus');
const folders = ['phishing', 'msg', path.join('mime', 'spamscope')];
const present = existsSync(corpus);

if (!present) console.warn(`[ingest corpus tests] skipped: corpus folder not found at ${corpus}`);

const files = (folder: string): string[] => {
  const dir = path.join(corpus, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => path.join(dir, f))
    .filter((p) => statSync(p).isFile())
    .sort();
};

describe.skipIf(!present)('parseReport over the shared corpus', () => {
  for (const folder of folders) {
    it(`never throws on any file in ${folder}/`, { timeout: 120_000 }, async () => {
      const list = files(folder);
      if (list.length === 0) console.warn(`[ingest corpus tests] ${path.join(corpus, folder)} is missing or empty`);
      const started = Date.now();
      for (const file of list) {
        const r = await parseReport(readFileSync(file));
        expect(['parsed', 'unparseable'], file).toContain(r.status);
        if (r.status === 'unparseable') expect(r.parseError, file).toBeTruthy();
        expect(r.original.excerpt?.length ?? 0, file).toBeLessThanOrEqual(500);
        expect(r.indicators.urls.length, file).toBeLessThanOrEqual(200);
      }
      console.info(`[ingest corpus tests] ${folder}/: ${list.length} files in ${Date.now() - started} ms`);
    });
  }

  const msg = (name: string): Buffer => readFileSync(path.join(corpus, 'msg', name));

  it('msg/msgInMsg.msg: the embedded message is the original', async () => {
    const r = await parseReport(msg('msgInMsg.msg'));
    expect(r.status).toBe('parsed');
    expect(r.originalAttached).toBe(true);
    expect(r.original.subject).toBe('Microsoft Outlook テスト メッセージ');
  });

  it('msg/Attach sample eml received.msg: reporter from the outer transport headers', async () => {
    const r = await parseReport(msg('Attach sample eml received.msg'));
    expect(r.originalAttached).toBe(true);
    expect(r.reportedBy?.address).toBe('hmailuser@hmailserver.test');
  });

  it('msg/htmlLink.msg: HTML links are read from a .msg body', async () => {
    const r = await parseReport(msg('htmlLink.msg'));
    expect(r.status).toBe('parsed');
    expect(r.originalAttached).toBe(false);
    expect(r.indicators.urls.length).toBeGreaterThan(0);
  });

  it('msg/Friday Lunch.msg: appointment exceptions are not taken for an attached mail', async () => {
    const r = await parseReport(msg('Friday Lunch.msg'));
    expect(r.originalAttached).toBe(false);
  });

  it('a MIME report carrying a .msg attachment opens it as the original', async () => {
    const inner = msg('htmlLink.msg');
    const b64 = inner.toString('base64').replace(/.{76}/g, '$&\r\n');
    const report = [
      'From: Dana Reyes <dana.reyes@corp.example.net>',
      'To: phish-reports@corp.example.net',
      'Subject: FW: suspicious',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b',
      'Content-Type: application/vnd.ms-outlook; name="suspicious.msg"',
      'Content-Disposition: attachment; filename="suspicious.msg"',
      'Content-Transfer-Encoding: base64',
      '',
      b64,
      '--b--',
      '',
    ].join('\r\n');
    const r = await parseReport(Buffer.from(report));
    expect(r.originalAttached).toBe(true);
    expect(r.reportedBy?.address).toBe('dana.reyes@corp.example.net');
    expect(r.original.subject).toBe('htmlLink');
    expect(r.indicators.urls.length).toBeGreaterThan(0);
  });

  it('phishing/sample-2590.eml: the spam report\'s attached original is found', async () => {
    const r = await parseReport(readFileSync(path.join(corpus, 'phishing', 'sample-2590.eml')));
    expect(r.originalAttached).toBe(true);
    expect(r.original.subject).toBe('PLEASE GET BACK TO US');
  });

  it('known unparseable samples give a reason', async () => {
    const empty = await parseReport(readFileSync(path.join(corpus, 'phishing', 'sample-2227.eml')));
    expect(empty.parseError).toBe('empty input: the message has 0 bytes');
    const headersOnly = await parseReport(readFileSync(path.join(corpus, 'phishing', 'sample-2024.eml')));
    expect(headersOnly.parseError).toBe('header-only message: it has header fields but no body and no attachments');
  });
});

describe.skipIf(present)('parseReport over the shared corpus (absent)', () => {
  it.skip(`skipped: corpus folder not found at ${corpus}`, () => {});
});
