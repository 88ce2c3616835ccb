// The EWS ingestion source against the EWS simulator (TLS, real HTTP layer, real SOAP) and a real
// store, on SQLite and PostgreSQL: reports from the reporting folder via impersonation, the
// SyncState cursor written only after the reports are committed, the seed 000 poll settings, and
// the cursor rules of src/ingest/source.ts (never past a message not stored; resyncs; failures).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.ts';
import { EwsMailboxSource, parseEwsCursor, type EwsSourceOptions } from '../../../src/ingest/sources/ews-source.ts';
import type { PollSettings } from '../../../src/ingest/source.ts';
import { dbTargets } from '../../helpers/databases.ts';
import { REPORTS, mail, setupEws, type EwsSetup } from './setup.ts';

const targets = await dbTargets();

/** An ISO time `minutes` after a fixed base, so tests decide which message is oldest. */
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 2, 9, 0, 0) + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

for (const target of targets) {
  describe.skipIf(Boolean(target.skip))(`EWS source on ${target.name}`, () => {
    let t: EwsSetup;
    let store: Store;
    let drop: () => Promise<void>;

    beforeEach(async () => {
      t = await setupEws();
      const db = await target.create();
      drop = db.drop;
      store = await Store.open(db.url, t.log);
    });
    afterEach(async () => {
      await store.close();
      await drop();
      await t.close();
    });

    const source = (poll: Partial<PollSettings> = {}, extra: Partial<EwsSourceOptions> = {}) =>
      new EwsMailboxSource(t.client, { store, log: t.log }, { mailbox: REPORTS, folder: 'Inbox', poll: { maxFirstRun: 50, maxPerPoll: 100, ...poll }, ...extra });
    const add = (n: number, minutes: number, folder = 'Inbox', kind?: string) =>
      t.sim.addItem(REPORTS, folder, mail({ subject: `Report ${n}`, messageId: `<report-${n}@contoso.test>` }), { received: at(minutes), ...(kind ? { kind } : {}) });
    const stored = async (ids: string[]) => Promise.all(ids.map(async (id) => (await store.getReportByDedupeKey(`ews:${id}`)) !== undefined));
    const cursorOf = async (s: EwsMailboxSource) => parseEwsCursor(await store.getCursor(s.name));
    const mimeFetches = () => t.sim.requests.filter((r) => r.operation === 'GetItem').length;

    it('two items -> two reports, the SyncState cursor moves, a second poll ingests nothing', async () => {
      const ids = [add(1, 1), add(2, 2)];
      const s = source();
      expect(await cursorOf(s)).toBeUndefined();
      expect(await s.poll()).toEqual({ ingested: 2, pending: 0, skipped: 0 });
      expect(await stored(ids)).toEqual([true, true]);
      const report = await store.getReportByDedupeKey(`ews:${ids[0]}`);
      expect(report?.source).toBe('ews');
      expect(report?.sourceRef).toBe(ids[0]);
      expect(report?.original.subject).toBe('Report 1');
      expect(report?.receivedAt).toBe(at(1));
      const c1 = await cursorOf(s);
      expect(c1?.syncState).toMatch(/^H4sI/);
      // Every call acted as the reporting mailbox (impersonation), reading the folder by path.
      expect(t.sim.requests.every((r) => r.impersonate === REPORTS)).toBe(true);

      const fetches = mimeFetches();
      expect(await s.poll()).toEqual({ ingested: 0, pending: 0, skipped: 0 });
      expect(mimeFetches()).toBe(fetches);
      expect((await cursorOf(s))?.syncState).not.toBe(c1?.syncState);
      expect(await store.countReports()).toBe(2);

      const third = add(3, 3);
      expect((await s.poll()).ingested).toBe(1);
      expect(await stored([third])).toEqual([true]);
    });

    it("reads the EWS account's own mailbox without impersonation when REPORT_MAILBOX is not set", async () => {
      t.sim.addItem(t.sim.ownMailbox, 'Inbox/Phish\\/Reports', mail({ subject: 'Own' }));
      const s = new EwsMailboxSource(t.client, { store, log: t.log }, { folder: 'Inbox/Phish\\/Reports' });
      expect(s.name).toBe('ews:own-mailbox:Inbox/Phish\\/Reports');
      expect((await s.poll()).ingested).toBe(1);
      expect(t.sim.requests.every((r) => r.impersonate === undefined)).toBe(true);
    });

    it('ingests mail and meeting requests, not calendar items', async () => {
      const msg = add(1, 1);
      const invite = add(2, 2, 'Inbox', 'MeetingRequest');
      const appointment = add(3, 3, 'Inbox', 'CalendarItem');
      expect((await source().poll()).ingested).toBe(2);
      expect(await stored([msg, invite, appointment])).toEqual([true, true, false]);
    });

    it('first run, oldest-first: keeps the oldest N and skips the rest by design', async () => {
      const ids = [add(1, 50), add(2, 10), add(3, 40), add(4, 20), add(5, 30)];
      const s = source({ maxFirstRun: 2, order: 'oldest-first' });
      expect(await s.poll()).toEqual({ ingested: 2, pending: 0, skipped: 3 });
      expect(await stored(ids)).toEqual([false, true, false, true, false]);
      expect((await cursorOf(s))?.skipped).toEqual({ from: at(30), to: at(50) });
      expect(t.logs()).toMatch(/skipped by design \(policy ingest\.maxFirstRun\)/);
      expect(await s.poll()).toEqual({ ingested: 0, pending: 0, skipped: 0 });
    });

    it('first run, latest-first: keeps the newest N', async () => {
      const ids = [add(1, 50), add(2, 10), add(3, 40), add(4, 20), add(5, 30)];
      expect(await source({ maxFirstRun: 2, order: 'latest-first' }).poll()).toMatchObject({ ingested: 2, skipped: 3 });
      expect(await stored(ids)).toEqual([true, false, true, false, false]);
    });

    it('maxPerPoll: stops mid-round with the cursor at the page of the first message not stored, and loses nothing', async () => {
      const s = source({ maxPerPoll: 3 }, { pageSize: 2 });
      expect((await s.poll()).ingested).toBe(0);
      const start = await cursorOf(s);
      // 7 messages in sync pages of 2: [1,2] [3,4] [5,6] [7]
      const ids = [1, 2, 3, 4, 5, 6, 7].map((n) => add(n, n));
      expect(await s.poll()).toEqual({ ingested: 3, pending: 4, skipped: 0 });
      expect(await stored(ids)).toEqual([true, true, true, false, false, false, false]);
      const c1 = await cursorOf(s);
      // Message 4 is on the second page: the cursor is the SyncState that page was read from.
      expect(c1?.syncState).not.toBe(start?.syncState);
      const fetches = mimeFetches();
      expect(await s.poll()).toEqual({ ingested: 3, pending: 1, skipped: 0 });
      // Message 3, re-listed on the resumed page, was recognised without a second fetch.
      expect(mimeFetches()).toBe(fetches + 3);
      expect(await s.poll()).toEqual({ ingested: 1, pending: 0, skipped: 0 });
      expect(await stored(ids)).toEqual(ids.map(() => true));
      expect(await store.countReports()).toBe(7);
    });

    it('latest-first per poll takes the newest first, and the older ones wait', async () => {
      const s = source({ maxPerPoll: 2, order: 'latest-first' }, { pageSize: 2 });
      await s.poll();
      const ids = [1, 2, 3, 4, 5].map((n) => add(n, n));
      expect(await s.poll()).toEqual({ ingested: 2, pending: 3, skipped: 0 });
      expect(await stored(ids)).toEqual([false, false, false, true, true]);
      await s.poll();
      await s.poll();
      expect(await stored(ids)).toEqual(ids.map(() => true));
    });

    it('a message that cannot be fetched stays pending (cursor before it); the next round gets it', async () => {
      const s = source();
      await s.poll();
      const ids = [add(1, 1), add(2, 2)];
      // The HTTP layer retries reads (4 retries): 5 failures make this fetch fail for the round.
      t.sim.failNext('GetItem', { status: 500, body: 'boom' }, 5);
      const r = await s.poll();
      expect(r.ingested).toBe(1);
      expect(r.pending).toBe(1);
      expect((await stored(ids)).filter(Boolean)).toHaveLength(1);
      expect(await s.poll()).toMatchObject({ ingested: 1, pending: 0 });
      expect(await stored(ids)).toEqual([true, true]);
    });

    it('a round where every fetch fails throws and leaves the cursor where it was', async () => {
      const s = source();
      await s.poll();
      const before = await cursorOf(s);
      add(1, 1);
      t.sim.failNext('GetItem', { status: 500, body: 'boom' }, 5);
      await expect(s.poll()).rejects.toThrow(/ews\.getItem failed/);
      expect(await cursorOf(s)).toEqual(before);
      expect((await s.poll()).ingested).toBe(1);
    });

    it('a SyncState Exchange no longer accepts starts a full resync that recognises stored mail', async () => {
      const s = source();
      const ids = [add(1, 1), add(2, 2)];
      await s.poll();
      t.sim.expireSyncStates();
      const third = add(3, 3);
      const fetches = mimeFetches();
      expect(await s.poll()).toEqual({ ingested: 1, pending: 0, skipped: 0 });
      expect(mimeFetches()).toBe(fetches + 1);
      expect(await stored([...ids, third])).toEqual([true, true, true]);
      expect(t.logs()).toMatch(/full resync/);
    });

    it('a message moved away between the listing and the fetch is not an error', async () => {
      const s = source();
      await s.poll();
      const id = add(1, 1);
      t.sim.failNext('GetItem', { responseCode: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' });
      expect(await s.poll()).toEqual({ ingested: 0, pending: 0, skipped: 0 });
      expect(await stored([id])).toEqual([false]);
    });

    it('logs ids and counts, never a subject, a body or the password', async () => {
      add(1, 1);
      await source().poll();
      expect(t.logs()).not.toContain('Report 1');
      expect(t.logs()).not.toContain('pay.evil.example');
      expect(t.logs()).not.toContain('Ews-Service-Password');
    });
  });
}
