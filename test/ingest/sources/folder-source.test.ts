// REPORT_DIR on a real folder and a real store (SQLite and PostgreSQL): files are committed before
// they move, partially written files wait, unreadable or oversized ones go to failed/ with a
// reason, the same mail twice is one report, and fs.watch picks up new files.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../../helpers/databases.ts';
import { waitFor } from '../../helpers/wait.ts';
import { FolderSource, type FolderSourceOptions } from '../../../src/ingest/sources/folder-source.ts';
import { ingestRaw, sha256 } from '../../../src/ingest/pipeline.ts';
import { Store } from '../../../src/store/store.ts';
import { captureLog, mail, type CapturedLog } from './helpers.ts';

const targets = await dbTargets();
const projectRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const CORPUS_MSG = path.join(path.resolve(projectRoot, '..', 'shared', 'corpus'), 'msg', 'Attach sample eml received.msg');
const HOUR = 3600_000;

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`REPORT_DIR source on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let dir: string;
    let logs: CapturedLog;
    const sources: FolderSource[] = [];

    beforeEach(async () => {
      const db = await t.create();
      drop = db.drop;
      logs = captureLog();
      store = await Store.open(db.url, logs.log);
      dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-reportdir-'));
    });
    afterEach(async () => {
      for (const s of sources.splice(0)) await s.close();
      await store.close();
      await drop();
    });

    const folder = (o: Partial<FolderSourceOptions> = {}) => {
      const s = new FolderSource({ store, log: logs.log }, { dir, maxBytes: 1024 * 1024, ...o });
      sources.push(s);
      return s;
    };
    /** Writes a file whose mtime is an hour old: settled. */
    const settledFile = (name: string, content: Buffer | string) => {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      const old = new Date(Date.now() - HOUR);
      utimesSync(file, old, old);
      return file;
    };
    const ls = (sub = '') => readdirSync(path.join(dir, sub)).sort();

    it('commits each settled .eml, then moves it to processed/', async () => {
      const content = mail(1);
      settledFile('one.eml', content);
      settledFile('notes.txt', 'not a report');
      settledFile('.hidden.eml', mail(2));
      const s = folder();
      expect(await s.poll()).toEqual({ ingested: 1, pending: 0, skipped: 0 });
      expect(ls()).toEqual(['.hidden.eml', 'failed', 'notes.txt', 'processed']);
      expect(ls('processed')).toEqual(['one.eml']);
      const report = await store.getReportByDedupeKey(`folder:${sha256(content)}`);
      expect(report).toMatchObject({ source: 'folder', sourceRef: sha256(content), status: 'parsed' });
      expect(report?.original.subject).toBe('Phish 1');
      expect(await s.poll()).toEqual({ ingested: 0, pending: 0, skipped: 0 });
    });

    it('does not read a file that is still being written', async () => {
      const file = path.join(dir, 'partial.eml');
      writeFileSync(file, 'From: a@b.test\r\nSubject: half');
      const now = Date.now();
      const s = folder({ settleMs: 60_000, now: () => now });
      expect(await s.poll()).toEqual({ ingested: 0, pending: 1, skipped: 0 });
      expect(ls()).toContain('partial.eml');
      expect(await store.countReports()).toBe(0);
      // The writer finishes; once the file has been still for settleMs it is taken.
      writeFileSync(file, mail(3));
      const old = new Date(now - 2 * 60_000);
      utimesSync(file, old, old);
      expect(await s.poll()).toEqual({ ingested: 1, pending: 0, skipped: 0 });
      expect((await store.reportsToPost('x', 10))[0]?.original.subject).toBe('Phish 3');
    });

    it('a file whose mtime is in the future is taken once this process has seen it unchanged for settleMs', async () => {
      const file = settledFile('future.eml', mail(4));
      const future = new Date(Date.now() + HOUR);
      utimesSync(file, future, future);
      let clock = Date.now();
      const s = folder({ settleMs: 5000, now: () => clock });
      expect((await s.poll()).pending).toBe(1);
      clock += 5000;
      expect((await s.poll()).ingested).toBe(1);
    });

    it('the same mail under two names is one report; a name already in processed/ is never overwritten', async () => {
      const content = mail(5);
      settledFile('a.eml', content);
      settledFile('b.eml', content);
      const s = folder();
      expect((await s.poll()).ingested).toBe(1);
      expect(await store.countReports()).toBe(1);
      expect(ls('processed')).toEqual(['a.eml', 'b.eml']);
      settledFile('a.eml', mail(6));
      expect((await s.poll()).ingested).toBe(1);
      const processed = ls('processed');
      expect(processed).toHaveLength(3);
      expect(readFileSync(path.join(dir, 'processed', 'a.eml'))).toEqual(content);
    });

    it('a crash between commit and move: the next round recognises the file, stores nothing new and moves it', async () => {
      const content = mail(7);
      await ingestRaw({ store, log: logs.log }, { source: 'folder', sourceRef: sha256(content), raw: content });
      settledFile('again.eml', content);
      expect(await folder().poll()).toEqual({ ingested: 0, pending: 0, skipped: 0 });
      expect(await store.countReports()).toBe(1);
      expect(ls('processed')).toEqual(['again.eml']);
    });

    it('garbage, empty and header-only files become unparseable reports with their reason (and are processed)', async () => {
      settledFile('garbage.eml', Buffer.from([0, 0xff, 0x13, 0x37, 0, 0xde, 0xad]));
      settledFile('empty.eml', '');
      settledFile('header-only.eml', 'From: a@b.test\r\nSubject: only headers\r\n');
      expect((await folder().poll()).ingested).toBe(3);
      const reports = await store.reportsToPost('x', 10);
      expect(reports.map((r) => r.status)).toEqual(['unparseable', 'unparseable', 'unparseable']);
      for (const r of reports) expect(r.parseError).toBeTruthy();
      expect(ls('processed')).toHaveLength(3);
    });

    it('a file over the size limit goes to failed/ unread, with a reason', async () => {
      settledFile('huge.eml', Buffer.alloc(4096, 0x41));
      const r = await folder({ maxBytes: 1024 }).poll();
      expect(r).toEqual({ ingested: 0, pending: 0, skipped: 1 });
      expect(ls('failed')).toEqual(['huge.eml', 'huge.eml.reason.txt']);
      expect(readFileSync(path.join(dir, 'failed', 'huge.eml.reason.txt'), 'utf8')).toMatch(/4096 bytes, over the limit of 1024 bytes/);
      expect(await store.countReports()).toBe(0);
    });

    it.skipIf(process.getuid?.() === 0)('a file that cannot be read goes to failed/ with the reason (skipped as root: root reads anything)', async () => {
      const file = settledFile('locked.eml', mail(8));
      chmodSync(file, 0o000);
      expect((await folder().poll()).skipped).toBe(1);
      expect(readFileSync(path.join(dir, 'failed', 'locked.eml.reason.txt'), 'utf8')).toMatch(/cannot be read \(EACCES\)/);
    });

    it.skipIf(!existsSync(CORPUS_MSG))('ingests an Outlook .msg (skipped when shared/corpus is absent)', async () => {
      settledFile('outlook.msg', readFileSync(CORPUS_MSG));
      expect((await folder().poll()).ingested).toBe(1);
      const [r] = await store.reportsToPost('x', 10);
      expect(r?.status).toBe('parsed');
      expect(r?.original.subject).toBeTruthy();
    });

    it('fs.watch picks up a file written under a temporary name and renamed in', async () => {
      const s = folder({ settleMs: 0 });
      await s.start();
      await s.settled();
      const tmp = path.join(dir, 'incoming.eml.part');
      writeFileSync(tmp, mail(9));
      renameSync(tmp, path.join(dir, 'incoming.eml'));
      await waitFor(() => ls('processed').includes('incoming.eml'), 'the watched file to be processed');
      expect(await store.countReports()).toBe(1);
    });

    it('says clearly when REPORT_DIR cannot be used', async () => {
      const file = path.join(dir, 'not-a-dir');
      writeFileSync(file, 'x');
      const s = folder({ dir: file });
      await expect(s.poll()).rejects.toThrow(/REPORT_DIR .*not-a-dir cannot be used/);
    });
  });
}

if (!existsSync(CORPUS_MSG)) console.warn(`[skip] .msg folder test skipped: ${CORPUS_MSG} is absent (shared/corpus)`);
