// The o365.* declarations (ids, risks, roles, seed parameter names, help text on every parameter)
// and o365.trace-email on Graph message trace: filters, several values per property, status
// names, date pairs and 10-day windows, range and widget filter.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Catalog } from '../../../src/actions/catalog.ts';
import type { TableData } from '../../../src/actions/types.ts';
import { o365Actions } from '../../../src/actions/o365/index.ts';
import type { Vendors } from '../../../src/vendors/registry.ts';
import { ALICE, BOB, paramError, runAction, setupGraph, graphCalls, type GraphSetup } from './setup.ts';

const action = (name: string) => o365Actions.find((x) => x.id === `o365.${name}`)!;
const keys = (name: string) => Object.keys((action(name).params as z.ZodObject).shape ?? {});

describe('o365 catalog declarations', () => {
  it('one action per seed 000 action, with its risk and role, registrable in the catalog', () => {
    expect(o365Actions.map((a) => [a.id, a.risk, a.role])).toEqual([
      ['o365.test-connectivity', 'read', 'viewer'],
      ['o365.run-query', 'read', 'analyst'],
      ['o365.delete-email', 'destructive', 'responder'],
      ['o365.copy-email', 'change', 'responder'],
      ['o365.move-email', 'change', 'responder'],
      ['o365.block-sender', 'change', 'responder'],
      ['o365.unblock-sender', 'change', 'responder'],
      ['o365.get-email', 'read', 'analyst'],
      ['o365.list-addresses', 'read', 'viewer'],
      ['o365.lookup-email', 'read', 'viewer'],
      ['o365.update-email', 'change', 'responder'],
      ['o365.trace-email', 'read', 'viewer'],
    ]);
    const catalog = new Catalog<Vendors>().register(...o365Actions);
    expect(catalog.vendors()).toEqual(['o365']);
  });

  it('every parameter has help text, and every schema converts to JSON Schema (modals, help)', () => {
    for (const a of o365Actions) {
      expect(a.title, a.id).toBeTruthy();
      expect(a.summary, a.id).toBeTruthy();
      const json = z.toJSONSchema(a.params, { io: 'input' }) as { properties?: Record<string, { description?: string }> };
      for (const [name, p] of Object.entries(json.properties ?? {})) expect(p.description, `${a.id} ${name}`).toBeTruthy();
    }
  });

  it("keeps the seed's parameter names", () => {
    expect(keys('run-query')).toEqual(['email', 'folder', 'subject', 'sender', 'body', 'internet_message_id', 'query', 'range', 'ignore_subfolders', 'backend']);
    expect(keys('copy-email')).toEqual(['id', 'email', 'folder', 'source_email', 'impersonate_email', 'dont_impersonate', 'is_public_folder', 'backend']);
    expect(keys('block-sender')).toEqual(['id', 'move_to_junk_folder', 'email', 'backend']);
    expect(keys('unblock-sender')).toEqual(['id', 'move_from_junk_folder', 'email', 'backend']);
    expect(keys('list-addresses')).toEqual(['group', 'recursive', 'impersonate_email', 'backend']);
    expect(keys('lookup-email')).toEqual(['email', 'impersonate_email', 'backend']);
    expect(keys('trace-email')).toEqual(['sender_address', 'recipient_address', 'status', 'message_trace_id', 'start_date', 'end_date', 'from_ip', 'to_ip', 'internet_message_id', 'widget_filter', 'range']);
  });
});

describe('o365.trace-email (graph)', () => {
  let s: GraphSetup;
  let vendors: Vendors;
  const now = Date.now();
  const ago = (h: number) => new Date(now - h * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  beforeEach(async () => {
    s = await setupGraph();
    vendors = { graph: s.graph };
    s.sim.traces.add({ id: '62a796a1-00df-43ca-3732-08d74da88f70', senderAddress: 'billing@evil.example', recipientAddress: ALICE, messageId: '<inv-1@mail.evil.example>', status: 'delivered', receivedDateTime: ago(1), fromIP: '203.0.113.7' });
    s.sim.traces.add({ id: '62a796a1-00df-43ca-3732-08d74da88f70', senderAddress: 'billing@evil.example', recipientAddress: BOB, messageId: '<inv-1@mail.evil.example>', status: 'quarantined', receivedDateTime: ago(1) });
    s.sim.traces.add({ senderAddress: 'news@example.org', recipientAddress: ALICE, messageId: '<news-1@example.org>', status: 'filteredAsSpam', receivedDateTime: ago(3) });
    s.sim.traces.add({ senderAddress: 'old@example.org', recipientAddress: ALICE, messageId: '<old-1@example.org>', status: 'delivered', receivedDateTime: ago(24 * 20) });
  });
  afterEach(async () => {
    await s.close();
  });
  const rows = (r: { data: unknown }) => (r.data as TableData).rows;

  it('defaults to the previous two days and filters one value per property in $filter', async () => {
    const r = await runAction<TableData>(action('trace-email'), vendors, { sender_address: 'billing@evil.example', internet_message_id: 'inv-1@mail.evil.example' });
    expect(rows(r).map((x) => [x.recipient, x.status])).toEqual([
      [ALICE, 'delivered'],
      [BOB, 'quarantined'],
    ]);
    expect(r.summary).toMatch(/^Emails found: 2 between /);
    const f = graphCalls(s.sim, '/messageTraces')[0]!.query.$filter!;
    expect(f).toMatch(/^messageId eq '<inv-1@mail\.evil\.example>' and senderAddress eq 'billing@evil\.example' and receivedDateTime ge \S+Z and receivedDateTime le \S+Z$/);
    const [, ge, le] = /ge (\S+) and receivedDateTime le (\S+)/.exec(f)!;
    // Whole seconds inside the range: 48 hours, less the sub-second part cut off the start.
    expect(Date.parse(le!) - Date.parse(ge!)).toBeGreaterThan(48 * 3_600_000 - 2000);
    expect(Date.parse(le!) - Date.parse(ge!)).toBeLessThanOrEqual(48 * 3_600_000);
  });

  it('matches several comma-separated values on the rows (Graph honours one per property) and maps seed status names', async () => {
    const r = await runAction<TableData>(action('trace-email'), vendors, { status: 'Quarantined, FilteredAsSpam', recipient_address: `${ALICE},${BOB}` });
    expect(rows(r).map((x) => x.status).sort()).toEqual(['filteredAsSpam', 'quarantined']);
    const f = graphCalls(s.sim, '/messageTraces')[0]!.query.$filter!;
    expect(f).not.toContain('status eq');
    expect(f).not.toContain('recipientAddress eq');
    const one = await runAction<TableData>(action('trace-email'), vendors, { status: 'FilteredAsSpam' });
    expect(rows(one)).toHaveLength(1);
    expect(graphCalls(s.sim, '/messageTraces').at(-1)!.query.$filter).toContain("status eq 'filteredAsSpam'");
  });

  it('splits a 25-day range into 10-day windows and finds the older row; dates come in pairs', async () => {
    const r = await runAction<TableData>(action('trace-email'), vendors, { start_date: '25 days ago', end_date: 'now', recipient_address: ALICE });
    expect(rows(r).map((x) => x.message_id)).toContain('<old-1@example.org>');
    const windows = graphCalls(s.sim, '/messageTraces').map((c) => /ge (\S+) and receivedDateTime le (\S+)/.exec(c.query.$filter!)!);
    expect(windows).toHaveLength(3);
    for (const [, ge, le] of windows) expect(Date.parse(le!) - Date.parse(ge!)).toBeLessThanOrEqual(10 * 86_400_000);
    expect(paramError(action('trace-email'), { start_date: '2 days ago' })).toMatch(/give start_date and end_date together/);
    await expect(runAction(action('trace-email'), vendors, { start_date: '100 days ago', end_date: 'now' })).rejects.toThrow(/at most 90 days/);
  });

  it('with several values of a property, reads every page (matches can sit behind rows that do not match)', async () => {
    await s.close();
    s = await setupGraph({ tracePageSize: 2 });
    vendors = { graph: s.graph };
    for (let i = 0; i < 4; i++) s.sim.traces.add({ recipientAddress: ALICE, messageId: `<d-${i}@x.example>`, status: 'delivered', receivedDateTime: ago(2) });
    s.sim.traces.add({ recipientAddress: ALICE, messageId: '<q@x.example>', status: 'quarantined', receivedDateTime: ago(2) });
    const r = await runAction<TableData>(action('trace-email'), vendors, { status: 'Quarantined,Failed', range: '0-0' });
    expect(rows(r).map((x) => x.message_id)).toEqual(['<q@x.example>']);
    expect(graphCalls(s.sim, '/messageTraces')).toHaveLength(3);
  });

  it('returns the range of rows, strips brackets with widget_filter, and filters on the trace id', async () => {
    const r = await runAction<TableData>(action('trace-email'), vendors, { message_trace_id: '62a796a1-00df-43ca-3732-08d74da88f70', widget_filter: true, range: '1-1' });
    expect(rows(r)).toHaveLength(1);
    expect(rows(r)[0]).toMatchObject({ message_id: 'inv-1@mail.evil.example', message_trace_id: '62a796a1-00df-43ca-3732-08d74da88f70' });
    expect(graphCalls(s.sim, '/messageTraces')[0]!.query.$filter).toMatch(/^id eq '62a796a1-00df-43ca-3732-08d74da88f70' and receivedDateTime ge /);
  });

  it('refuses status None (no Graph equivalent), unknown statuses and bad IPs with clear messages', () => {
    expect(paramError(action('trace-email'), { status: 'None' })).toMatch(/status None has no Microsoft Graph equivalent/);
    expect(paramError(action('trace-email'), { status: 'Lost' })).toMatch(/"Lost" is not a message trace status/);
    expect(paramError(action('trace-email'), { from_ip: '300.1.1.1' })).toMatch(/expected an IPv4 or IPv6 address/);
    expect(paramError(action('trace-email'), { start_date: 'yesterday-ish', end_date: 'now' })).toMatch(/must be ISO 8601 .* or relative/);
  });
});
