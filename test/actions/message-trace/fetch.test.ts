// The scheduled message trace fetch (src/jobs/message-trace-fetch.ts) on SQLite and PostgreSQL
// against the Graph simulator: first-fetch range, dedupe of the re-read overlap (late rows are
// caught), "maximum number of events per fetch" with a cursor that loses nothing, and a failed
// request that leaves the cursor alone. Also the job wired by startHookline from the policy.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { countTraceEvents, listTraceEvents } from '../../../src/store/trace-events.ts';
import { MESSAGE_TRACE_CURSOR, MESSAGE_TRACE_JOB, fetchMessageTraces } from '../../../src/jobs/message-trace-fetch.ts';
import { startHookline } from '../../../src/main.ts';
import { dbTargets } from '../../helpers/databases.ts';
import { ALICE, BOB, CLIENT_ID, SECRET, graphCalls, setupGraph, type GraphSetup } from '../o365/setup.ts';

const targets = await dbTargets();
const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`message trace fetch on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let s: GraphSetup;
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
      s = await setupGraph({ tracePageSize: 2 });
      await store.db.deleteFrom('trace_events').execute();
      await store.db.deleteFrom('cursors').execute();
    });
    afterEach(async () => {
      await s.close();
    });
    const deps = (now = Date.now()) => ({ graph: s.graph, store, log: silentLogger(), now: () => new Date(now) });
    const add = (id: string, minAgo: number, recipient = ALICE, base = Date.now()) =>
      s.sim.traces.add({ id, recipientAddress: recipient, senderAddress: 'sender@evil.example', messageId: `<${id}@evil.example>`, subject: `S ${id}`, receivedDateTime: iso(base - minAgo * 60_000) });

    it('first fetch reaches firstFetchMinutes back; one row per recipient; re-reads dedupe', async () => {
      const now = Date.now();
      add('11111111-0000-0000-0000-000000000001', 90, ALICE, now);
      add('11111111-0000-0000-0000-000000000002', 30, ALICE, now);
      add('11111111-0000-0000-0000-000000000002', 30, BOB, now);
      add('11111111-0000-0000-0000-000000000003', 10, ALICE, now);
      const r = await fetchMessageTraces(deps(now), { maxEventsPerFetch: 100, firstFetchMinutes: 60 });
      expect(r).toMatchObject({ stored: 3, capped: false });
      expect((await listTraceEvents(store)).map((e) => [e.traceId.slice(-1), e.recipient])).toEqual([
        ['3', ALICE],
        ['2', ALICE],
        ['2', BOB],
      ]);
      expect(await store.getCursor(MESSAGE_TRACE_CURSOR)).toBe(new Date(Math.floor((now - 60_000) / 1000) * 1000).toISOString());
      // Paging: page size 2 at the simulator, all pages read.
      expect(graphCalls(s.sim, '/messageTraces').length).toBeGreaterThan(1);

      const again = await fetchMessageTraces(deps(now + 60_000), { maxEventsPerFetch: 100, firstFetchMinutes: 60 });
      expect(again.stored).toBe(0);
      expect(await countTraceEvents(store)).toBe(3);
      expect((await listTraceEvents(store, { messageId: '11111111-0000-0000-0000-000000000002@EVIL.example' })).length).toBe(2);
    });

    it('catches a row that shows up late, inside the overlap', async () => {
      const now = Date.now();
      add('22222222-0000-0000-0000-000000000001', 20, ALICE, now);
      // A tick two minutes ago: its mark is now - 3 minutes.
      const first = await fetchMessageTraces(deps(now - 2 * 60_000), { maxEventsPerFetch: 100, firstFetchMinutes: 60 });
      expect(first.stored).toBe(1);
      // Stamped 3 minutes before that mark, visible only now.
      add('22222222-0000-0000-0000-000000000002', 6, ALICE, now);
      const r = await fetchMessageTraces(deps(now), { maxEventsPerFetch: 100, firstFetchMinutes: 60 });
      expect(r.stored).toBe(1);
      expect(await countTraceEvents(store)).toBe(2);
    });

    it('stores at most maxEventsPerFetch new rows per tick and continues from the last one stored', async () => {
      const now = Date.now();
      for (let i = 1; i <= 5; i++) add(`33333333-0000-0000-0000-00000000000${i}`, 50 - i * 5, ALICE, now);
      const first = await fetchMessageTraces(deps(now), { maxEventsPerFetch: 2, firstFetchMinutes: 60 });
      expect(first).toMatchObject({ stored: 2, capped: true });
      const stored = await listTraceEvents(store);
      expect(first.cursor).toBe(stored[0]!.receivedAt);
      const second = await fetchMessageTraces(deps(now + 1000), { maxEventsPerFetch: 2, firstFetchMinutes: 60 });
      expect(second.stored).toBe(2);
      const third = await fetchMessageTraces(deps(now + 2000), { maxEventsPerFetch: 2, firstFetchMinutes: 60 });
      expect(third).toMatchObject({ stored: 1, capped: false });
      expect((await listTraceEvents(store)).map((e) => e.traceId.slice(-1))).toEqual(['5', '4', '3', '2', '1']);
    });

    it('a failed request leaves the cursor where it was', async () => {
      const now = Date.now();
      await fetchMessageTraces(deps(now), { maxEventsPerFetch: 10, firstFetchMinutes: 60 });
      const before = await store.getCursor(MESSAGE_TRACE_CURSOR);
      s.sim.failNext({ pathIncludes: '/messageTraces' }, { status: 403, body: { error: { code: 'Forbidden', message: 'Missing ExchangeMessageTrace.Read.All' } } });
      await expect(fetchMessageTraces(deps(now + 5 * 60_000), { maxEventsPerFetch: 10, firstFetchMinutes: 60 })).rejects.toThrow(/HTTP 403/);
      expect(await store.getCursor(MESSAGE_TRACE_CURSOR)).toBe(before);
    });
  });
}

describe.skipIf(Boolean(targets[0]!.skip))('wiring', () => {
  it('ingest.messageTrace.enabled adds the fetch job to startHookline', async () => {
    const s = await setupGraph();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-mt-'));
    const policyPath = path.join(dir, 'policy.yaml');
    writeFileSync(policyPath, ['ingest:', '  messageTrace:', '    enabled: true', '    maxEventsPerFetch: 5', ''].join('\n'));
    const hook = await startHookline({
      cwd: dir,
      log: silentLogger(),
      listen: { port: 0, host: '127.0.0.1' },
      schedule: false,
      env: {
        HOOKLINE_DATABASE_URL: `sqlite:${path.join(dir, 'h.db')}`,
        HOOKLINE_CONFIG: policyPath,
        M365_TENANT_ID: s.sim.tenantId,
        M365_CLIENT_ID: CLIENT_ID,
        M365_CLIENT_SECRET: SECRET,
        M365_LOGIN_URL: s.sim.loginUrl,
        GRAPH_API_URL: s.sim.graphUrl,
      },
    });
    try {
      s.sim.traces.add({ id: '44444444-0000-0000-0000-000000000001', recipientAddress: ALICE, messageId: '<w@evil.example>', receivedDateTime: iso(Date.now() - 10 * 60_000) });
      expect(await hook.scheduler.tick(MESSAGE_TRACE_JOB)).toBe(true);
      expect((await listTraceEvents(hook.store)).map((e) => e.messageId)).toEqual(['<w@evil.example>']);
    } finally {
      await hook.stop();
      await s.close();
    }
  });
});
