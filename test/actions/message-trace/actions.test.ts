// Seed 002's message-trace.* actions on the real GraphClient against the Graph simulator: the trace
// query Graph receives (windows, filters, paging) and the result; the auth test with the service
// principal hint; the per-recipient detail; storing events (SQLite and PostgreSQL).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RecordData, TableData } from '../../../src/actions/types.ts';
import { messageTraceActions, TRACE_APP_ID } from '../../../src/actions/message-trace/index.ts';
import { Store } from '../../../src/store/store.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { countTraceEvents } from '../../../src/store/trace-events.ts';
import type { Vendors } from '../../../src/vendors/registry.ts';
import { dbTargets } from '../../helpers/databases.ts';
import { ALICE, BOB, graphCalls, paramError, runAction, setupGraph, type GraphSetup } from '../o365/setup.ts';

const targets = await dbTargets();
const action = (name: string) => messageTraceActions.find((a) => a.id === `message-trace.${name}`)!;

let s: GraphSetup;
let vendors: Vendors;
const now = Date.now();
const ago = (min: number) => new Date(now - min * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
beforeEach(async () => {
  s = await setupGraph({ tracePageSize: 2 });
  vendors = { graph: s.graph };
  for (let i = 0; i < 5; i++) s.sim.traces.add({ id: `00000000-0000-0000-0000-00000000000${i}`, senderAddress: 'sender@contoso.test', recipientAddress: i % 2 ? BOB : ALICE, messageId: `<m-${i}@contoso.test>`, subject: `Hello ${i}`, receivedDateTime: ago(60 - i * 5) });
  s.sim.traces.add({ recipientAddress: ALICE, messageId: '<m-old@contoso.test>', receivedDateTime: ago(60 * 24 * 12) });
});
afterEach(async () => {
  await s.close();
});
const rows = (r: { data: unknown }) => (r.data as TableData).rows;

describe('declarations', () => {
  it('get-events, auth-test, get-event-detail with the seed parameters and help text', () => {
    expect(messageTraceActions.map((a) => [a.id, a.risk, a.role])).toEqual([
      ['message-trace.get-events', 'read', 'viewer'],
      ['message-trace.auth-test', 'read', 'viewer'],
      ['message-trace.get-event-detail', 'read', 'viewer'],
    ]);
    const json = z.toJSONSchema(action('get-events').params, { io: 'input' }) as { properties: Record<string, { description?: string; default?: unknown }> };
    expect(Object.keys(json.properties)).toEqual(['limit', 'start_time', 'end_time', 'should_push_events']);
    expect(json.properties.limit!.default).toBe(50);
    for (const a of messageTraceActions) {
      const j = z.toJSONSchema(a.params, { io: 'input' }) as { properties?: Record<string, { description?: string }> };
      for (const [n, p] of Object.entries(j.properties ?? {})) expect(p.description, `${a.id} ${n}`).toBeTruthy();
    }
    expect(action('get-events').requires!({})).toEqual(expect.arrayContaining(['M365_TENANT_ID']));
  });
});

describe('message-trace.get-events', () => {
  it('takes relative times, follows @odata.nextLink, returns the oldest `limit` events in time order', async () => {
    const r = await runAction<TableData>(action('get-events'), vendors, { limit: 3, start_time: '2 hours ago' });
    expect(rows(r).map((x) => x.subject)).toEqual(['Hello 0', 'Hello 1', 'Hello 2']);
    expect(Object.keys(rows(r)[0]!)).toEqual(['id', 'receivedDateTime', 'senderAddress', 'recipientAddress', 'subject', 'status']);
    const calls = graphCalls(s.sim, '/messageTraces');
    // Page size 2 at the simulator: 5 rows take 3 pages.
    expect(calls).toHaveLength(3);
    expect(calls[1]!.query.$skiptoken).toBeTruthy();
    const [, ge] = /ge (\S+) and/.exec(calls[0]!.query.$filter!)!;
    expect(Math.abs(Date.parse(ge!) - (now - 2 * 3_600_000))).toBeLessThan(5000);
    expect(r.summary).toMatch(/^O365 Message Trace Events: 3 \(limit 3 reached\) between /);
  });

  it('splits 12 days into 10-day windows (oldest first) and refuses more than 90 days back', async () => {
    const r = await runAction<TableData>(action('get-events'), vendors, { start_time: '13 days ago', end_time: 'now' });
    // The 12-day-old row comes first: windows oldest first, rows in time order.
    expect(rows(r)[0]!.receivedDateTime).toBe(ago(60 * 24 * 12));
    expect(rows(r)).toHaveLength(6);
    const windows = graphCalls(s.sim, '/messageTraces')
      .filter((c) => c.query.$filter)
      .map((c) => /ge (\S+) and receivedDateTime le (\S+)/.exec(c.query.$filter!)!);
    expect(windows).toHaveLength(2);
    expect(Date.parse(windows[0]![1]!)).toBeLessThan(Date.parse(windows[1]![1]!));
    for (const [, ge, le] of windows) expect(Date.parse(le!) - Date.parse(ge!)).toBeLessThanOrEqual(10 * 86_400_000);
    await expect(runAction(action('get-events'), vendors, { start_time: '2026-01-01T00:00:00Z', end_time: '2026-01-02T00:00:00Z' })).rejects.toThrow(/at most 90 days/);
    expect(paramError(action('get-events'), { start_time: 'last tuesday' })).toMatch(/must be ISO 8601/);
    expect(paramError(action('get-events'), { limit: 0 })).toMatch(/limit must be at least 1/);
  });
});

describe('message-trace.auth-test', () => {
  it('runs one cheap trace query and says so', async () => {
    const r = await runAction<RecordData>(action('auth-test'), vendors);
    expect(r.summary).toBe('Authentication was successful.');
    const call = graphCalls(s.sim, '/messageTraces')[0]!;
    expect(call.query.$top).toBe('1');
  });

  it('explains the service principal the tenant must provision', async () => {
    s.sim.failNext(
      { pathIncludes: '/messageTraces' },
      { status: 401, body: { error: { code: 'Unauthorized', message: `Service principal-less authentication failed: The service principal for App ID ${TRACE_APP_ID} was not found.` } } },
      2,
    );
    await expect(runAction(action('auth-test'), vendors)).rejects.toThrow(new RegExp(`New-MgServicePrincipal -AppId ${TRACE_APP_ID}.*24 hours`));
  });
});

describe('message-trace.get-event-detail', () => {
  it('asks getDetailsByRecipient for the trace id and recipient', async () => {
    const id = '00000000-0000-0000-0000-000000000001';
    s.sim.mail.setTraceDetails(id, BOB, [
      { dateTime: ago(40), event: 'Receive', description: 'Message received by: BN8PR.prod.outlook.com' },
      { dateTime: ago(40), event: 'Deliver', action: 'Delivered', description: 'The message was delivered to the mailbox.', data: '<root><MEP Name="DeliveryPriority" String="Normal"/></root>' },
    ]);
    const r = await runAction<TableData>(action('get-event-detail'), vendors, { message_trace_id: id, recipient_address: BOB });
    expect(r.summary).toBe(`2 events for ${BOB}: Receive → Deliver`);
    expect(rows(r)[1]).toMatchObject({ event: 'Deliver', action: 'Delivered' });
    expect(graphCalls(s.sim, '/getDetailsByRecipient')[0]!.path).toBe(`/v1.0/admin/exchange/tracing/messageTraces/${id}/getDetailsByRecipient(recipientAddress='${BOB}')`);
    await expect(runAction(action('get-event-detail'), vendors, { message_trace_id: id, recipient_address: 'nobody@contoso.test' })).rejects.toThrow(/HTTP 404/);
    expect(paramError(action('get-event-detail'), { message_trace_id: 'nope', recipient_address: BOB })).toMatch(/must be a GUID/);
  });
});

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`message-trace.get-events storing on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const db = await t.create();
      drop = db.drop;
      store = await Store.open(db.url, silentLogger());
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('should_push_events stores the events once', async () => {
      const first = await runAction(action('get-events'), vendors, { start_time: '2 hours ago', should_push_events: true }, { store });
      expect(first.summary).toMatch(/stored 5 new \(0 already stored\)$/);
      const again = await runAction(action('get-events'), vendors, { start_time: '2 hours ago', should_push_events: true }, { store });
      expect(again.summary).toMatch(/stored 0 new \(5 already stored\)$/);
      expect(await countTraceEvents(store)).toBe(5);
    });
  });
}
