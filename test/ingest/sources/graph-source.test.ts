// The Graph delta source against the Graph simulator (TLS, real MSAL, real HTTP layer) and a real
// store, on SQLite and PostgreSQL: the poll settings of seed 000 (first-run maximum, per-poll
// maximum, oldest/latest first, folder paths with `\/`), and the cursor rules of src/ingest/source.ts
// (never past a message not stored; replays cost no second fetch; sync resets; fetch failures).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../../helpers/databases.ts';
import { GraphMailboxSource, formatGraphCursor, parseGraphCursor, type GraphSourceOptions } from '../../../src/ingest/sources/graph-source.ts';
import type { PollSettings } from '../../../src/ingest/source.ts';
import { MAILBOX, at, graphWorld, mail, mimeFetches, type GraphWorld } from './helpers.ts';

const targets = await dbTargets();

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`Graph delta source on ${t.name}`, () => {
    let w: GraphWorld;
    let drop: () => Promise<void>;

    beforeEach(async () => {
      const db = await t.create();
      drop = db.drop;
      w = await graphWorld(db.url);
    });
    afterEach(async () => {
      await w.close();
      await drop();
    });

    const source = (poll: Partial<PollSettings>, folder = 'Inbox', extra: Partial<GraphSourceOptions> = {}) => new GraphMailboxSource(w.graph, w.deps, { mailbox: MAILBOX, folder, poll, ...extra });
    const add = (n: number, minutes: number, folder = 'Inbox') => w.sim.mailbox.add(folder, mail(n), { receivedDateTime: at(minutes) });
    const storedIds = async (ids: string[]) => (await Promise.all(ids.map((id) => w.store.getReportByDedupeKey(`graph:${id}`)))).map((r) => r !== undefined);
    const cursorOf = async (s: GraphMailboxSource) => parseGraphCursor(await w.store.getCursor(s.name));

    it('first run, oldest-first: keeps the oldest N, skips the rest by design and says so, then ingests only new mail', async () => {
      const ids = [add(1, 50), add(2, 10), add(3, 40), add(4, 20), add(5, 30)];
      const s = source({ maxFirstRun: 2, maxPerPoll: 100, order: 'oldest-first' });
      const r = await s.poll();
      expect(r).toEqual({ ingested: 2, pending: 0, skipped: 3 });
      // ids[1] (10 min) and ids[3] (20 min) are the two oldest
      expect(await storedIds(ids)).toEqual([false, true, false, true, false]);
      expect(w.logs.text()).toMatch(/skipped by design \(policy ingest\.maxFirstRun\)/);
      const c = await cursorOf(s);
      expect(c?.link).toContain('$deltatoken=');
      expect(c?.skipped).toEqual({ from: at(30), to: at(50) });

      expect(await s.poll()).toEqual({ ingested: 0, pending: 0, skipped: 0 });
      const fresh = add(6, 60);
      expect((await s.poll()).ingested).toBe(1);
      expect(await storedIds([fresh])).toEqual([true]);
      expect(await w.store.countReports()).toBe(3);
    });

    it('first run, latest-first: keeps the newest N', async () => {
      const ids = [add(1, 50), add(2, 10), add(3, 40), add(4, 20), add(5, 30)];
      const r = await source({ maxFirstRun: 2, order: 'latest-first' }).poll();
      expect(r).toMatchObject({ ingested: 2, skipped: 3 });
      expect(await storedIds(ids)).toEqual([true, false, true, false, false]);
    });

    it('maxPerPoll: stops mid-round with a cursor at the first page not stored, never the final deltaLink, and loses nothing', async () => {
      const s = source({ maxFirstRun: 50, maxPerPoll: 3, order: 'oldest-first' });
      expect((await s.poll()).ingested).toBe(0); // empty folder: the first run only sets the cursor
      const start = await cursorOf(s);
      // 7 messages in pages of 2: [1,2] [3,4] [5,6] [7]
      const ids = [1, 2, 3, 4, 5, 6, 7].map((n) => add(n, n));

      const r1 = await s.poll();
      expect(r1).toEqual({ ingested: 3, pending: 4, skipped: 0 });
      const c1 = await cursorOf(s);
      // Message 4 is on the second page: the cursor is that page's link (a $skiptoken link).
      expect(c1?.link).toContain('$skiptoken=');
      expect(c1?.link).not.toContain('$deltatoken=');
      expect(c1?.link).not.toBe(start?.link);
      expect(await storedIds(ids)).toEqual([true, true, true, false, false, false, false]);

      const r2 = await s.poll();
      expect(r2).toEqual({ ingested: 3, pending: 1, skipped: 0 });
      const r3 = await s.poll();
      expect(r3).toEqual({ ingested: 1, pending: 0, skipped: 0 });
      expect((await cursorOf(s))?.link).toContain('$deltatoken=');
      expect(await storedIds(ids)).toEqual(ids.map(() => true));
      // Re-reading a page never cost a second fetch of a stored message.
      const fetches = mimeFetches(w.sim);
      expect(ids.map((id) => fetches.get(id))).toEqual(ids.map(() => 1));
      expect(await s.poll()).toEqual({ ingested: 0, pending: 0, skipped: 0 });
    });

    it('maxPerPoll with latest-first: newest first, the older ones on later rounds, none twice', async () => {
      const s = source({ maxPerPoll: 2, order: 'latest-first' });
      await s.poll();
      const ids = [1, 2, 3, 4, 5].map((n) => add(n, n));
      expect((await s.poll()).ingested).toBe(2);
      expect(await storedIds(ids)).toEqual([false, false, false, true, true]);
      expect((await s.poll()).ingested).toBe(2);
      expect(await storedIds(ids)).toEqual([false, true, true, true, true]);
      expect(await s.poll()).toEqual({ ingested: 1, pending: 0, skipped: 0 });
      expect([...mimeFetches(w.sim).values()]).toEqual([1, 1, 1, 1, 1]);
    });

    it('a message arriving while a capped backlog drains is not lost', async () => {
      const s = source({ maxPerPoll: 2 });
      await s.poll();
      const ids = [1, 2, 3].map((n) => add(n, n));
      await s.poll();
      ids.push(add(4, 4));
      await s.poll();
      await s.poll();
      expect(await storedIds(ids)).toEqual([true, true, true, true]);
      expect(await w.store.countReports()).toBe(4);
    });

    it('reads a nested folder path with an escaped slash, and nothing from other folders', async () => {
      const inside = w.sim.mailbox.add('Inbox/Phish\\/Reports', mail('nested'));
      const outside = add(99, 1);
      const s = source({}, 'Inbox/Phish\\/Reports');
      expect((await s.poll()).ingested).toBe(1);
      expect(await storedIds([inside, outside])).toEqual([true, false]);
      expect(w.sim.mailbox.folderId('Inbox/Phish\\/Reports')).toBe(await s.folderId());
    });

    it('after a sync reset, resyncs without refetching stored mail and without bringing back what the first run skipped', async () => {
      const old = [add(1, 1), add(2, 2), add(3, 3)];
      const s = source({ maxFirstRun: 1, order: 'latest-first' });
      expect((await s.poll()).ingested).toBe(1); // keeps message 3, skips 1 and 2 by design
      const fresh = add(4, 4);
      w.sim.expireDeltaState();
      const r = await s.poll();
      expect(r.ingested).toBe(1);
      expect(await storedIds([...old, fresh])).toEqual([false, false, true, true]);
      expect(mimeFetches(w.sim).get(old[2]!)).toBe(1);
      expect(w.logs.text()).toMatch(/delta sync state lost/);
      expect((await cursorOf(s))?.link).toContain('$deltatoken=');
    });

    it('a first run that could not fetch one of its N resumes mid-chain without bringing back what it skipped', async () => {
      // Pages of 2: [1,2] [3,4] [5]. latest-first keeps 5 and 4, skips 1-3; 4 (page 2) fails.
      const ids = [1, 2, 3, 4, 5].map((n) => add(n, n));
      w.sim.failNext({ method: 'GET', pathIncludes: `${ids[3]}/$value` }, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'later' } } }, 5);
      const s = source({ maxFirstRun: 2, order: 'latest-first' });
      expect(await s.poll()).toEqual({ ingested: 1, pending: 1, skipped: 3 });
      const c = await cursorOf(s);
      expect(c).toMatchObject({ full: true, skipped: { from: at(1), to: at(3) } });
      expect(c?.link).toContain('$skiptoken=');
      expect(await s.poll()).toEqual({ ingested: 1, pending: 0, skipped: 0 });
      expect(await storedIds(ids)).toEqual([false, false, false, true, true]);
      expect((await cursorOf(s))?.full).toBeUndefined();
    });

    it('resumes from a bare deltaLink (the cursor format before JSON)', async () => {
      const s = source({});
      await s.poll();
      const link = (await cursorOf(s))!.link!;
      await w.store.setCursor(s.name, link);
      const id = add(1, 1);
      expect((await s.poll()).ingested).toBe(1);
      expect(await storedIds([id])).toEqual([true]);
    });

    it('a message deleted before its fetch is passed over; the cursor moves on', async () => {
      const s = source({});
      await s.poll();
      const gone = add(1, 1);
      const kept = add(2, 2);
      w.sim.failNext({ method: 'GET', pathIncludes: `${gone}/$value` }, { status: 404, body: { error: { code: 'ErrorItemNotFound', message: 'not found' } } });
      expect(await s.poll()).toEqual({ ingested: 1, pending: 0, skipped: 0 });
      expect(await storedIds([gone, kept])).toEqual([false, true]);
      expect((await cursorOf(s))?.link).toContain('$deltatoken=');
    });

    it('one message that cannot be fetched stays pending without holding up the others, and is stored next round', async () => {
      const s = source({});
      await s.poll();
      const start = await cursorOf(s);
      const bad = add(1, 1);
      const good = add(2, 2);
      // More failures than the HTTP layer's retries: this round cannot get it.
      w.sim.failNext({ method: 'GET', pathIncludes: `${bad}/$value` }, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } }, 5);
      expect(await s.poll()).toEqual({ ingested: 1, pending: 1, skipped: 0 });
      expect(await storedIds([bad, good])).toEqual([false, true]);
      // Both were on the round's first page: the cursor stays where the round started.
      expect((await cursorOf(s))?.link).toBe(start?.link);
      expect(await s.poll()).toEqual({ ingested: 1, pending: 0, skipped: 0 });
      expect(await storedIds([bad, good])).toEqual([true, true]);
    });

    it('throws when nothing can be fetched (mailbox unreadable), leaving the cursor where it was', async () => {
      const s = source({});
      await s.poll();
      const before = await w.store.getCursor(s.name);
      const id = add(1, 1);
      w.sim.failNext({ method: 'GET', pathIncludes: `${id}/$value` }, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'down' } } }, 5);
      await expect(s.poll()).rejects.toThrow(/503/);
      const after = parseGraphCursor(await w.store.getCursor(s.name));
      expect(after?.link).toBe(parseGraphCursor(before)?.link);
      expect((await s.poll()).ingested).toBe(1);
    });

    it('concurrent polls share one round', async () => {
      [1, 2, 3].map((n) => add(n, n));
      const s = source({});
      const [a, b] = await Promise.all([s.poll(), s.poll()]);
      expect(a).toBe(b);
      expect(w.sim.requests.filter((r) => r.path.endsWith('/messages/delta') && !r.query.$skiptoken && !r.query.$deltatoken)).toHaveLength(1);
      expect(await w.store.countReports()).toBe(3);
    });

    it('an unreadable cursor means a full resync, never an error', async () => {
      const s = source({});
      const id = add(1, 1);
      await s.poll();
      await w.store.setCursor(s.name, '{not json');
      const other = add(2, 2);
      expect((await s.poll()).ingested).toBe(1);
      expect(await storedIds([id, other])).toEqual([true, true]);
      expect(formatGraphCursor({ link: 'x' })).toBe('{"link":"x"}');
    });
  });
}
