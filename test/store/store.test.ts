import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Store, auditHash, GENESIS_HASH } from '../../src/store/store.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { emptyIndicators, type ParsedReport } from '../../src/ingest/types.ts';
import type { Actor } from '../../src/store/types.ts';
import { dbTargets } from '../helpers/databases.ts';

const targets = await dbTargets();

const parsed = (subject: string): ParsedReport => ({
  status: 'parsed',
  originalAttached: true,
  reportedBy: { address: 'reporter@example.com' },
  original: { subject, to: [{ address: 'a@example.com' }], cc: [], internetMessageId: '<x@example.com>', networkMessageId: 'nmid-1' },
  indicators: { ...emptyIndicators(), urls: [{ url: 'https://evil.example/x', host: 'evil.example', source: 'text' }] },
});
const alice: Actor = { platform: 'slack', id: 'UALICE' };
const bob: Actor = { platform: 'slack', id: 'UBOB' };

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`store on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let url: string;

    beforeAll(async () => {
      ({ url, drop } = await t.create());
      store = await Store.open(url, silentLogger());
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('applies migrations once: opening again adds nothing and keeps data', async () => {
      const { created } = await store.insertReport({ dedupeKey: 'mig-1', source: 'test', sourceRef: 'r', parsed: parsed('s') });
      expect(created).toBe(true);
      const again = await Store.open(url, silentLogger());
      expect(await again.getReportByDedupeKey('mig-1')).toBeDefined();
      await again.close();
    });

    it('stores a report with its JSON fields and dedupes on the key', async () => {
      const a = await store.insertReport({ dedupeKey: 'k1', source: 'graph', sourceRef: 'AAMk1', parsed: parsed('Invoice') });
      const b = await store.insertReport({ dedupeKey: 'k1', source: 'graph', sourceRef: 'AAMk1', parsed: parsed('Other') });
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.report.id).toBe(a.report.id);
      expect(b.report.original.subject).toBe('Invoice');
      const got = await store.getReport(a.report.id);
      expect(got?.indicators.urls[0]?.host).toBe('evil.example');
      expect(got?.originalAttached).toBe(true);
      expect(got?.reportedBy?.address).toBe('reporter@example.com');
    });

    it('keeps unparseable reports with their reason', async () => {
      const { report } = await store.insertReport({
        dedupeKey: 'bad',
        source: 'http',
        sourceRef: 'sha',
        parsed: { status: 'unparseable', parseError: 'empty message', originalAttached: false, original: { subject: '', to: [], cc: [] }, indicators: emptyIndicators() },
      });
      expect((await store.getReport(report.id))?.parseError).toBe('empty message');
    });

    it('lets exactly one of many concurrent claimers post a report, and lists it no more', async () => {
      const { report } = await store.insertReport({ dedupeKey: 'post-1', source: 'test', sourceRef: 'p', parsed: parsed('p') });
      expect((await store.reportsToPost('slack', 100)).some((r) => r.id === report.id)).toBe(true);
      const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claimPost(report.id, 'slack', `h${i}`)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await store.reportsToPost('slack', 100)).some((r) => r.id === report.id)).toBe(false);
      await store.markPosted(report.id, { platform: 'slack', channel: 'C1', messageId: '111.222' });
      expect(await store.postsOf(report.id)).toEqual([{ platform: 'slack', channel: 'C1', messageId: '111.222' }]);
      expect(await store.reportByPost('slack', 'C1', '111.222')).toBe(report.id);
    });

    it('gives a released or stale claim back', async () => {
      const { report } = await store.insertReport({ dedupeKey: 'post-2', source: 'test', sourceRef: 'p', parsed: parsed('p') });
      expect(await store.claimPost(report.id, 'slack', 'a')).toBe(true);
      expect(await store.claimPost(report.id, 'slack', 'b')).toBe(false);
      await store.releasePost(report.id, 'slack', 'a');
      expect(await store.claimPost(report.id, 'slack', 'b')).toBe(true);
      // b died without posting: after the stale window another holder may take over
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.claimPost(report.id, 'slack', 'c', 0)).toBe(true);
    });

    it('moves cursors', async () => {
      expect(await store.getCursor('graph:inbox')).toBeUndefined();
      await store.setCursor('graph:inbox', 'https://graph/delta?1');
      await store.setCursor('graph:inbox', 'https://graph/delta?2');
      expect(await store.getCursor('graph:inbox')).toBe('https://graph/delta?2');
    });

    it('claims a decision once under 50 concurrent claims and transitions it conditionally', async () => {
      const { report } = await store.insertReport({ dedupeKey: 'dec-1', source: 'test', sourceRef: 'd', parsed: parsed('d') });
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.claimDecision({ reportId: report.id, action: 'quarantine', idempotencyKey: `decide:${report.id}`, requestedBy: alice, state: 'executing' }),
        ),
      );
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      const d = results[0]!.decision;
      expect(new Set(results.map((r) => r.decision.id)).size).toBe(1);
      const failed = await store.transitionDecision(d.id, ['executing'], { state: 'failed', error: 'HTTP 503', outcome: { steps: [] } });
      expect(failed?.state).toBe('failed');
      expect(failed?.error).toBe('HTTP 503');
      // retry: only one of two concurrent retries wins
      const retries = await Promise.all([
        store.transitionDecision(d.id, ['failed'], { state: 'executing', requestedBy: bob, incrementAttempts: true, error: null }),
        store.transitionDecision(d.id, ['failed'], { state: 'executing', requestedBy: bob, incrementAttempts: true, error: null }),
      ]);
      expect(retries.filter(Boolean)).toHaveLength(1);
      const done = await store.transitionDecision(d.id, ['executing'], { state: 'done', outcome: { steps: [{ vendor: 'graph', step: 'graph.remediate', status: 'ok', detail: 'ok' }] } });
      expect(done?.attempts).toBe(2);
      expect(done?.requestedBy).toEqual(bob);
      expect((await store.latestDecision(report.id))?.outcome?.steps[0]?.status).toBe('ok');
      expect(await store.transitionDecision(d.id, ['executing'], { state: 'failed' })).toBeUndefined();
    });

    it('chains audit entries by hash, even when appended concurrently', async () => {
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.appendAudit({ actor: alice, action: 'test.append', params: { i }, result: 'ok' })));
      const all = await store.listAudit();
      expect(all.length).toBeGreaterThanOrEqual(10);
      let prev = GENESIS_HASH;
      for (const [i, e] of all.entries()) {
        expect(e.seq).toBe(i + 1);
        expect(e.prevHash).toBe(prev);
        expect(e.hash).toBe(auditHash(prev, e));
        prev = e.hash;
      }
    });

    it('leases a lock to one holder until it expires', async () => {
      expect(await store.tryLock('job:post', 'r1', 60_000)).toBe(true);
      expect(await store.tryLock('job:post', 'r2', 60_000)).toBe(false);
      expect(await store.tryLock('job:post', 'r1', 60_000)).toBe(true);
      await store.unlock('job:post', 'r1');
      expect(await store.tryLock('job:post', 'r2', 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.tryLock('job:post', 'r3', 60_000)).toBe(true);
    });

    it('remembers seen event keys for deduplication', async () => {
      expect(await store.firstSeen('slack:evt:1', 600_000)).toBe(true);
      expect(await store.firstSeen('slack:evt:1', 600_000)).toBe(false);
      expect(await store.firstSeen('slack:evt:2', 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.firstSeen('slack:evt:2', 600_000)).toBe(true);
    });
  });
}
