// The scheduled Management Activity fetch (src/jobs/management-activity-fetch.ts) on SQLite and
// PostgreSQL against the simulator: first-fetch range, windows on contentCreated, dedupe of
// re-delivered records, "maximum number of events per fetch" with the cursor resuming at the blob
// it stopped in, filters, a missing subscription started, and MailSubmission records linked to
// their report whichever arrives first. Also: the job wired by startHookline.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { emptyIndicators, type ParsedReport } from '../../../src/ingest/types.ts';
import { countActivityEvents, listActivityEvents, mailSubmissionsForReport } from '../../../src/store/activity-events.ts';
import { fetchManagementActivity, managementCursor, MANAGEMENT_ACTIVITY_JOB, type ManagementActivityFetchSettings } from '../../../src/jobs/management-activity-fetch.ts';
import { startHookline } from '../../../src/main.ts';
import { dbTargets } from '../../helpers/databases.ts';
import { CLIENT_ID, SECRET, TENANT, audit, setupManagement, submission, type MaSetup } from '../../vendors/management-activity/setup.ts';

const targets = await dbTargets();

function parsed(imid: string, nmid?: string): ParsedReport {
  return {
    status: 'parsed',
    originalAttached: true,
    original: { subject: 'Your mailbox is full', to: [], cc: [], internetMessageId: imid, ...(nmid ? { networkMessageId: nmid } : {}) },
    indicators: emptyIndicators(),
  };
}

const settings = (over: Partial<ManagementActivityFetchSettings> = {}): ManagementActivityFetchSettings => ({
  contentTypes: ['Audit.General'],
  recordTypes: [],
  workloads: [],
  operations: [],
  firstFetchMinutes: 60,
  maxEventsPerFetch: 1000,
  ...over,
});

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`management activity fetch on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let s: MaSetup;
    beforeAll(async () => {
      const db = await t.create();
      drop = db.drop;
      store = await Store.open(db.url, silentLogger());
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });
    beforeEach(async () => {
      s = await setupManagement({ pageSize: 2 });
      s.sim.enable('Audit.General');
      await store.db.deleteFrom('activity_events').execute();
      await store.db.deleteFrom('cursors').execute();
    });
    afterEach(async () => {
      await s.close();
    });
    const deps = () => ({ client: s.client, store, log: silentLogger() });
    const contentQueries = () => s.sim.requests.filter((r) => r.path.endsWith('/subscriptions/content') && !r.query.nextPage);

    it('first fetch reaches firstFetchMinutes back, stores once, and the next tick starts where it ended', async () => {
      const now = Date.now();
      s.sim.addContent('Audit.General', [audit({ id: 'old' })], { contentCreated: new Date(now - 3 * 3_600_000) });
      s.sim.addContent('Audit.General', [audit({ id: 'a' }), audit({ id: 'b' })], { contentCreated: new Date(now - 30 * 60_000) });
      s.sim.addContent('Audit.General', [audit({ id: 'b' }), audit({ id: 'c' })], { contentCreated: new Date(now - 20 * 60_000) });
      const r = await fetchManagementActivity(deps(), settings());
      expect(r).toMatchObject({ stored: 3, capped: false });
      expect((await listActivityEvents(store)).map((e) => e.id).sort()).toEqual(['a', 'b', 'c']);
      const q = contentQueries()[0]!.query;
      expect(now - Date.parse(`${q.startTime}Z`)).toBeGreaterThanOrEqual(60 * 60_000 - 1000);
      expect(now - Date.parse(`${q.startTime}Z`)).toBeLessThan(61 * 60_000);
      const cursor = await store.getCursor(managementCursor('Audit.General'));
      expect(cursor!.slice(0, 19)).toBe(q.endTime);

      // Five minutes later the next window starts where this one ended.
      const later = () => new Date(now + 5 * 60_000);
      const second = await fetchManagementActivity({ ...deps(), now: later }, settings());
      expect(second.stored).toBe(0);
      expect(contentQueries()[1]!.query.startTime).toBe(q.endTime);
      expect(await countActivityEvents(store)).toBe(3);
    });

    it('stops at maxEventsPerFetch and resumes inside the blob it stopped in, losing nothing', async () => {
      const now = Date.now();
      s.sim.addContent('Audit.General', [audit({ id: 'r1' }), audit({ id: 'r2' }), audit({ id: 'r3' })], { contentCreated: new Date(now - 40 * 60_000) });
      s.sim.addContent('Audit.General', [audit({ id: 'r4' })], { contentCreated: new Date(now - 30 * 60_000) });
      const first = await fetchManagementActivity(deps(), settings({ maxEventsPerFetch: 2 }));
      expect(first).toMatchObject({ stored: 2, capped: true });
      const second = await fetchManagementActivity(deps(), settings({ maxEventsPerFetch: 2 }));
      expect(second.stored).toBe(2);
      expect((await listActivityEvents(store)).map((e) => e.id).sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
      const third = await fetchManagementActivity(deps(), settings({ maxEventsPerFetch: 2 }));
      expect(third).toMatchObject({ stored: 0, capped: false });
    });

    it('keeps only the record types, workloads and operations asked for', async () => {
      s.sim.addContent('Audit.General', [submission({ id: 's1' }), audit({ id: 'x1', type: 2 }), audit({ id: 't1', type: 28, workload: 'ThreatIntelligence', operation: 'TIMailData' })], { contentCreated: new Date(Date.now() - 10 * 60_000) });
      await fetchManagementActivity(deps(), settings({ recordTypes: ['29', 'ThreatIntelligence'], operations: ['UserSubmission'] }));
      expect((await listActivityEvents(store)).map((e) => [e.id, e.recordType])).toEqual([['s1', 29]]);
    });

    it('starts a missing subscription instead of failing', async () => {
      const r = await fetchManagementActivity(deps(), settings({ contentTypes: ['Audit.Exchange'] }));
      expect(r.types[0]!.note).toMatch(/started one/);
      expect(s.sim.subscriptions.get('Audit.Exchange')?.status).toBe('enabled');
    });

    it('links MailSubmission records to the matching report, whichever arrives first', async () => {
      const { report: early } = await store.insertReport({ dedupeKey: `test:${crypto.randomUUID()}`, source: 'test', sourceRef: 'early', parsed: parsed('<early-1@mail.evil.example>') });
      s.sim.addContent('Audit.General', [submission({ id: 'sub-early', imid: 'early-1@mail.evil.example' }), submission({ id: 'sub-late', imid: '<LATE-1@mail.evil.example>' }), submission({ id: 'sub-nmid', nmid: '73CA4154-58D8-43D0-A890-08DC18C52E6D' })], { contentCreated: new Date(Date.now() - 5 * 60_000) });
      const r = await fetchManagementActivity(deps(), settings());
      expect(r.stored).toBe(3);
      const subs = await mailSubmissionsForReport(store, early);
      expect(subs.map((x) => [x.id, x.reportId, x.userId])).toEqual([['sub-early', early.id, 'carol@contoso.test']]);

      // Reports stored after their submission: found by id at once, and linked on the next tick.
      const { report: late } = await store.insertReport({ dedupeKey: `test:${crypto.randomUUID()}`, source: 'test', sourceRef: 'late', parsed: parsed('<late-1@mail.evil.example>') });
      const { report: byNmid } = await store.insertReport({ dedupeKey: `test:${crypto.randomUUID()}`, source: 'test', sourceRef: 'nm', parsed: parsed('<other@x>', '73ca4154-58d8-43d0-a890-08dc18c52e6d') });
      expect((await mailSubmissionsForReport(store, late)).map((x) => x.id)).toEqual(['sub-late']);
      expect((await mailSubmissionsForReport(store, byNmid)).map((x) => x.id)).toEqual(['sub-nmid']);
      const next = await fetchManagementActivity(deps(), settings());
      expect(next.linked).toBe(2);
      const stored = await listActivityEvents(store, { recordType: 29 });
      expect(Object.fromEntries(stored.map((e) => [e.id, e.reportId]))).toEqual({ 'sub-early': early.id, 'sub-late': late.id, 'sub-nmid': byNmid.id });
    });

    it('a failed listing leaves the cursor where it was', async () => {
      await fetchManagementActivity(deps(), settings());
      const before = await store.getCursor(managementCursor('Audit.General'));
      s.sim.failNext({ pathIncludes: '/subscriptions/content' }, { status: 403, body: { error: { code: 'AF10001', message: 'no permission' } } });
      const later = () => new Date(Date.now() + 5 * 60_000);
      await expect(fetchManagementActivity({ ...deps(), now: later }, settings())).rejects.toMatchObject({ code: 'AF10001' });
      expect(await store.getCursor(managementCursor('Audit.General'))).toBe(before);
    });
  });
}

describe.skipIf(Boolean(targets[0]!.skip))('wiring', () => {
  it('startHookline registers the actions and, with content types in the policy, the fetch job', async () => {
    const s = await setupManagement();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-ma-'));
    const policyPath = path.join(dir, 'policy.yaml');
    writeFileSync(policyPath, ['ingest:', '  managementActivity:', '    contentTypes: [Audit.General]', '    recordTypes: [29]', '    maxEventsPerFetch: 10', ''].join('\n'));
    const hook = await startHookline({
      cwd: dir,
      log: silentLogger(),
      listen: { port: 0, host: '127.0.0.1' },
      schedule: false,
      env: {
        HOOKLINE_DATABASE_URL: `sqlite:${path.join(dir, 'h.db')}`,
        HOOKLINE_CONFIG: policyPath,
        M365_TENANT_ID: TENANT,
        M365_CLIENT_ID: CLIENT_ID,
        M365_CLIENT_SECRET: SECRET,
        M365_LOGIN_URL: s.identity.loginUrl,
        GRAPH_API_URL: s.identity.graphUrl,
        O365_MANAGEMENT_API_URL: s.sim.url,
      },
    });
    try {
      expect(hook.catalog.get('management-activity.list-content')).toBeDefined();
      expect(hook.catalog.get('o365.run-query')).toBeDefined();
      expect(hook.catalog.get('message-trace.get-events')).toBeDefined();
      s.sim.enable('Audit.General');
      s.sim.addContent('Audit.General', [submission({ id: 'wired-1' }), audit({ id: 'wired-2' })], { contentCreated: new Date(Date.now() - 5 * 60_000) });
      expect(await hook.scheduler.tick(MANAGEMENT_ACTIVITY_JOB)).toBe(true);
      expect((await listActivityEvents(hook.store)).map((e) => e.id)).toEqual(['wired-1']);
    } finally {
      await hook.stop();
      await s.close();
    }
  });
});
