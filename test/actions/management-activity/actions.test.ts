// Every management-activity.* catalog action (seed 004), run the way a handler runs it, on the real
// ManagementActivityClient against the simulator: the request the API receives and the result.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Catalog } from '../../../src/actions/catalog.ts';
import type { RecordData, TableData } from '../../../src/actions/types.ts';
import { managementActivityActions } from '../../../src/actions/management-activity/index.ts';
import type { Vendors } from '../../../src/vendors/registry.ts';
import { paramError, runAction } from '../o365/setup.ts';
import { TENANT, audit, setupManagement, submission, type MaSetup } from '../../vendors/management-activity/setup.ts';

const action = (name: string) => managementActivityActions.find((a) => a.id === `management-activity.${name}`)!;

let s: MaSetup;
let vendors: Vendors;
beforeEach(async () => {
  s = await setupManagement();
  vendors = { managementActivity: s.client };
});
afterEach(async () => {
  await s.close();
});

const root = `/api/v1.0/${TENANT}/activity/feed`;

describe('declarations', () => {
  it('one action per seed 004 command, with risk, role and seed parameter names', () => {
    expect(managementActivityActions.map((a) => [a.id, a.risk, a.role])).toEqual([
      ['management-activity.start-subscription', 'change', 'admin'],
      ['management-activity.stop-subscription', 'change', 'admin'],
      ['management-activity.list-subscriptions', 'read', 'viewer'],
      ['management-activity.list-content', 'read', 'analyst'],
      ['management-activity.auth-test', 'read', 'viewer'],
    ]);
    const json = z.toJSONSchema(action('list-content').params, { io: 'input' }) as { properties: Record<string, { description?: string; default?: unknown }> };
    expect(Object.keys(json.properties)).toEqual(['content_type', 'start_time', 'end_time', 'record_types_filter', 'workloads_filter', 'operations_filter', 'timeout']);
    expect(json.properties.timeout!.default).toBe(15);
    for (const a of managementActivityActions) {
      const j = z.toJSONSchema(a.params, { io: 'input' }) as { properties?: Record<string, { description?: string }> };
      for (const [n, p] of Object.entries(j.properties ?? {})) expect(p.description, `${a.id} ${n}`).toBeTruthy();
    }
    new Catalog<Vendors>().register(...managementActivityActions);
    expect(action('auth-test').requires!({})).toEqual(expect.arrayContaining(['M365_TENANT_ID']));
  });
});

describe('subscriptions', () => {
  it('start (any case of content type), already enabled, list, stop', async () => {
    const r = await runAction<RecordData>(action('start-subscription'), vendors, { content_type: 'audit.exchange' });
    expect(r.summary).toBe('Successfully started subscription to content type: Audit.Exchange');
    expect(r.data).toEqual({ ContentType: 'Audit.Exchange', Enabled: true });
    expect(s.sim.requests.at(-1)).toMatchObject({ method: 'POST', path: `${root}/subscriptions/start`, query: { contentType: 'Audit.Exchange' } });
    const again = await runAction(action('start-subscription'), vendors, { content_type: 'Audit.Exchange' });
    expect(again.summary).toMatch(/\(it was already enabled\)$/);

    await runAction(action('start-subscription'), vendors, { content_type: 'Audit.General' });
    const list = await runAction<TableData>(action('list-subscriptions'), vendors);
    expect(list.summary).toBe('Current subscriptions: Audit.Exchange, Audit.General');
    expect(list.data.rows).toEqual([
      { ContentType: 'Audit.Exchange', Enabled: true, Webhook: null },
      { ContentType: 'Audit.General', Enabled: true, Webhook: null },
    ]);

    const stop = await runAction<RecordData>(action('stop-subscription'), vendors, { content_type: 'Audit.Exchange' });
    expect(stop.data).toEqual({ ContentType: 'Audit.Exchange', Enabled: false });
    expect(s.sim.requests.at(-1)).toMatchObject({ method: 'POST', path: `${root}/subscriptions/stop` });
  });

  it('dry run sends nothing; an unknown content type is refused with the list', async () => {
    const r = await runAction(action('start-subscription'), vendors, { content_type: 'Audit.General' }, { dryRun: true });
    expect(r.summary).toMatch(/^Dry run: would start a subscription to Audit.General/);
    expect(s.sim.requests).toHaveLength(0);
    expect(paramError(action('start-subscription'), { content_type: 'Audit.Teams' })).toMatch(/content_type must be one of Audit.AzureActiveDirectory, Audit.Exchange/);
  });
});

describe('list-content', () => {
  beforeEach(() => {
    s.sim.enable('Audit.General');
    const t = Date.now() - 2 * 3_600_000;
    s.sim.addContent('Audit.General', [submission({ id: 'sub-1', at: new Date(t) }), audit({ id: 'ex-1', type: 2, at: new Date(t) })], { contentCreated: new Date(t) });
    // The API re-delivers: the same record in a later blob.
    s.sim.addContent('Audit.General', [submission({ id: 'sub-1', at: new Date(t) }), audit({ id: 'teams-1', type: 25, workload: 'MicrosoftTeams', operation: 'TeamsSessionStarted', at: new Date(t + 60_000) })], { contentCreated: new Date(t + 60_000) });
  });

  it('returns the records of the last 24 hours, each once, newest first', async () => {
    const r = await runAction<TableData>(action('list-content'), vendors, { content_type: 'Audit.General' });
    expect(r.data.rows.map((x) => x.ID)).toEqual(['teams-1', 'sub-1', 'ex-1']);
    expect(r.data.rows.find((x) => x.ID === 'sub-1')).toMatchObject({ RecordType: '29 (MailSubmission)', Workload: 'ThreatIntelligence', Operation: 'UserSubmission' });
    expect(r.summary).toBe('Content for content type Audit.General: 3 records (of 4 in 2 blobs)');
    const list = s.sim.requests.find((x) => x.path.endsWith('/subscriptions/content'))!;
    expect(list.query.startTime).toBeUndefined();
  });

  it('filters by record type (number or name), workload and operation', async () => {
    const subs = await runAction<TableData>(action('list-content'), vendors, { content_type: 'Audit.General', record_types_filter: 'MailSubmission' });
    expect(subs.data.rows.map((x) => x.ID)).toEqual(['sub-1']);
    const teams = await runAction<TableData>(action('list-content'), vendors, { content_type: 'Audit.General', record_types_filter: '25, 2', workloads_filter: 'microsoftteams', operations_filter: 'TeamsSessionStarted' });
    expect(teams.data.rows.map((x) => x.ID)).toEqual(['teams-1']);
  });

  it('sends the window in the API format and checks it first (24 hours, 7 days back, pairs)', async () => {
    const end = new Date(Date.now() - 60_000);
    const start = new Date(end.getTime() - 6 * 3_600_000);
    const fmt = (d: Date) => d.toISOString().slice(0, 19);
    await runAction(action('list-content'), vendors, { content_type: 'Audit.General', start_time: fmt(start), end_time: fmt(end), timeout: 30 });
    const list = s.sim.requests.find((x) => x.path.endsWith('/subscriptions/content'))!;
    expect(list.query).toMatchObject({ startTime: fmt(start), endTime: fmt(end) });
    expect(paramError(action('list-content'), { content_type: 'Audit.General', start_time: fmt(start) })).toMatch(/give start_time and end_time together/);
    expect(paramError(action('list-content'), { content_type: 'Audit.General', record_types_filter: 'Phishy' })).toMatch(/record_types_filter: record type "Phishy"/);
    expect(paramError(action('list-content'), { content_type: 'Audit.General', timeout: 0 })).toMatch(/timeout must be at least 1 second/);
    const tooLong = { content_type: 'Audit.General', start_time: fmt(new Date(end.getTime() - 30 * 3_600_000)), end_time: fmt(end) };
    const before = s.sim.requests.length;
    await expect(runAction(action('list-content'), vendors, tooLong)).rejects.toThrow(/at most 24 hours apart/);
    expect(s.sim.requests).toHaveLength(before);
  });
});

describe('auth-test', () => {
  it('gets a Management API token and lists subscriptions', async () => {
    s.sim.enable('Audit.General');
    const r = await runAction<RecordData>(action('auth-test'), vendors);
    expect(r.summary).toBe('Authentication was successful. 1 enabled subscription(s).');
    expect(r.data).toMatchObject({ scope: s.sim.scope, tenant: TENANT });
    expect(s.identity.tokenRequests()[0]!.tokenRequest?.scope).toBe(s.sim.scope);
  });

  it('reports a refused token plainly', async () => {
    s.identity.failNext({ pathIncludes: '/oauth2/v2.0/token' }, { status: 401, body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided. Trace ID: 0a0b Correlation ID: 1c1d' } });
    await expect(runAction(action('auth-test'), vendors)).rejects.toThrow(/AADSTS7000215: Invalid client secret provided/);
  });
});
