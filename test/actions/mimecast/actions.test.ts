// Every Mimecast catalog action, run through its zod schema against the simulator: the request the
// simulator receives (method, path, auth scheme, headers, body) and the result (summary + data).
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { Catalog } from '../../../src/actions/catalog.ts';
import { mimecastActions } from '../../../src/actions/mimecast/index.ts';
import type { ActionContext, ActionDef, ActionResult, FileData, TableData } from '../../../src/actions/types.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { SIM_HMAC, SIM_OAUTH, startMimecastSimulator } from '../../../src/sandbox/mimecast-simulator.ts';
import type { MimecastSimulator } from '../../../src/sandbox/mimecast-simulator.ts';
import type { Store } from '../../../src/store/store.ts';
import { MimecastClient } from '../../../src/vendors/mimecast/client.ts';
import { VENDOR_VARIABLES, notConfigured } from '../../../src/vendors/registry.ts';
import type { Vendors } from '../../../src/vendors/registry.ts';
import { readZip } from '../../vendors/mimecast/zip-reader.ts';

const open: MimecastSimulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

type AnyAction = ActionDef<z.ZodType, unknown, Vendors>;

function action(name: string): AnyAction {
  const a = mimecastActions.find((x) => x.name === name);
  if (!a) throw new Error(`no action ${name}`);
  return a as AnyAction;
}

function ctxFor(client: MimecastClient | undefined, dryRun = false): ActionContext<Vendors> {
  return {
    actor: { platform: 'slack', id: 'U0TESTER', name: 'Ana Lyst' },
    vendors: client ? { mimecast: client } : {},
    store: {} as Store,
    log: silentLogger(),
    dryRun,
  };
}

interface Env {
  sim: MimecastSimulator;
  client: MimecastClient;
  run: (name: string, raw: Record<string, unknown>) => Promise<ActionResult<any>>;
  /** The single /api call to `path`: asserts POST, an accepted bearer token and JSON; returns its body. */
  call: (path: string, index?: number) => { meta?: { pagination?: { pageSize?: number; pageToken?: string } }; data: Record<string, any>[] };
}

async function env(opts: { kind?: 'oauth' | 'hmac'; dryRun?: boolean } = {}): Promise<Env> {
  const sim = await startMimecastSimulator();
  open.push(sim);
  const client = new MimecastClient({
    baseUrl: sim.url,
    auth: opts.kind === 'hmac' ? { kind: 'hmac', ...SIM_HMAC } : { kind: 'oauth', ...SIM_OAUTH },
    log: silentLogger(),
    sleep: async () => {},
  });
  const ctx = ctxFor(client, opts.dryRun);
  return {
    sim,
    client,
    run: async (name, raw) => {
      const a = action(name);
      return a.run(ctx, a.params.parse(raw));
    },
    call: (path, index = 0) => {
      const calls = sim.apiRequests(path);
      const rec = calls[index];
      if (!rec) throw new Error(`no call ${index} to ${path}; saw ${sim.apiRequests().map((r) => r.path).join(', ')}`);
      expect(rec.method).toBe('POST');
      expect(rec.auth).toBe(opts.kind === 'hmac' ? 'hmac' : 'bearer');
      expect(rec.authOk).toBe(true);
      expect(rec.headers['content-type']).toBe('application/json');
      return rec.body as ReturnType<Env['call']>;
    },
  };
}

const table = (r: ActionResult<any>) => r.data as TableData;

const EXPECTED = {
  'mimecast.add-group-member': ['change', 'responder'],
  'mimecast.remove-group-member': ['change', 'responder'],
  'mimecast.create-group': ['change', 'admin'],
  'mimecast.update-group': ['change', 'admin'],
  'mimecast.get-groups': ['read', 'viewer'],
  'mimecast.get-group-members': ['read', 'viewer'],
  'mimecast.create-managed-url': ['change', 'responder'],
  'mimecast.get-managed-url': ['read', 'viewer'],
  'mimecast.create-policy': ['change', 'responder'],
  'mimecast.get-policy': ['read', 'viewer'],
  'mimecast.create-remediation-incident': ['destructive', 'responder'],
  'mimecast.get-remediation-incident': ['read', 'viewer'],
  'mimecast.decode-url': ['read', 'viewer'],
  'mimecast.fetch-event': ['read', 'analyst'],
  'mimecast.fetch-related-events': ['read', 'analyst'],
  'mimecast.get-files': ['read', 'analyst'],
  'mimecast.get-hold-message-list': ['read', 'analyst'],
  'mimecast.release-message': ['change', 'responder'],
  'mimecast.reject-held-message': ['destructive', 'responder'],
  'mimecast.get-message-attachment': ['read', 'analyst'],
  'mimecast.get-message-detail': ['read', 'analyst'],
  'mimecast.get-message-list': ['read', 'analyst'],
  'mimecast.get-ttp-attachment-log': ['read', 'analyst'],
  'mimecast.get-url-logs': ['read', 'analyst'],
  'mimecast.permit-or-block-sender': ['change', 'responder'],
  'mimecast.search-file-hash': ['read', 'analyst'],
  'mimecast.test-connection': ['read', 'viewer'],
} as const;

describe('the catalog declarations', () => {
  it('declares one action per seed command (plus reject-held-message) with its risk and role', () => {
    const got = Object.fromEntries(mimecastActions.map((a) => [a.id, [a.risk, a.role]]));
    expect(got).toEqual(EXPECTED);
    for (const a of mimecastActions) {
      expect(a.vendor).toBe('mimecast');
      expect(a.id).toBe(`mimecast.${a.name}`);
      expect(a.title.length).toBeGreaterThan(3);
      expect(a.summary.length).toBeGreaterThan(10);
    }
    expect(new Catalog<Vendors>().register(...mimecastActions).vendors()).toEqual(['mimecast']);
  });

  it('describes every parameter (help text and modal labels)', () => {
    for (const a of mimecastActions) {
      const shape = (a.params as unknown as { shape: Record<string, z.ZodType> }).shape;
      expect(shape, a.id).toBeTypeOf('object');
      for (const [key, field] of Object.entries(shape)) expect(field.description, `${a.id} ${key}`).toBeTruthy();
    }
  });

  it('answers "not configured" when Mimecast is absent', async () => {
    for (const a of mimecastActions) {
      expect(a.requires?.({})).toEqual(VENDOR_VARIABLES.mimecast);
    }
    const a = action('get-groups');
    await expect(a.run(ctxFor(undefined), a.params.parse({}))).rejects.toThrow(notConfigured('mimecast'));
    const r = action('release-message');
    await expect(r.run(ctxFor(undefined), r.params.parse({ message_id: 'x' }))).rejects.toThrow(
      'mimecast is not configured: set MIMECAST_CLIENT_ID, MIMECAST_CLIENT_SECRET (or the four MIMECAST_*_KEY / APP_ID variables of API 1.0)',
    );
  });

  it('describes changes instead of sending them in dry-run mode', async () => {
    const e = await env({ dryRun: true });
    const res = await e.run('release-message', { message_id: 'eNoSimHeld1' });
    expect(res.summary).toBe('Dry run: would release held message eNoSimHeld1 (POST /api/gateway/hold-release); nothing was sent to Mimecast');
    expect(res.data).toEqual({ dryRun: true, vendor: 'mimecast', method: 'POST', url: `${e.sim.url}/api/gateway/hold-release`, body: { data: [{ id: 'eNoSimHeld1' }] } });
    const rem = await e.run('create-remediation-incident', { reason: 'r', file_hash: 'a'.repeat(64) });
    expect(rem.summary).toMatch(/^Dry run: would create a remediation incident \(POST \/api\/ttp\/remediation\/create\)/);
    expect(e.sim.requests).toHaveLength(0);
    expect(e.sim.state.held).toHaveLength(3);
    // Reads still run.
    await e.run('get-groups', {});
    expect(e.sim.apiRequests()).toHaveLength(1);
  });
});

describe('directory', () => {
  it('add-group-member: one call with an item per address; partial success names the failed address', async () => {
    const e = await env();
    const res = await e.run('add-group-member', { group_id: 'eNoSimGroupVip', email_address: ['dave@example.com', 'alice@example.com'] });
    expect(e.call('/api/directory/add-group-member')).toEqual({
      data: [
        { id: 'eNoSimGroupVip', emailAddress: 'dave@example.com' },
        { id: 'eNoSimGroupVip', emailAddress: 'alice@example.com' },
      ],
    });
    expect(res.partial).toBe(true);
    expect(res.summary).toBe('Partially successful: added 1 of 2 to group eNoSimGroupVip; failed: alice@example.com: err_folder_group_member_already_exists');
    expect(table(res).rows).toEqual([
      { emailAddress: 'dave@example.com', status: 'added', id: expect.stringMatching(/^eNoSimMember/), folderId: 'eNoSimGroupVip', internal: true },
      { emailAddress: 'alice@example.com', status: 'failed: err_folder_group_member_already_exists', id: null, folderId: null, internal: null },
    ]);
    expect(res.vendorRequestIds).toHaveLength(1);
  });

  it('remove-group-member', async () => {
    const e = await env();
    const res = await e.run('remove-group-member', { group_id: 'eNoSimGroupVip', email_address: ['bob@example.com'] });
    expect(e.call('/api/directory/remove-group-member')).toEqual({ data: [{ id: 'eNoSimGroupVip', emailAddress: 'bob@example.com' }] });
    expect(res.summary).toBe('Removed 1 member from group eNoSimGroupVip');
    expect(res.partial).toBeUndefined();
    expect(table(res).rows[0]).toMatchObject({ emailAddress: 'bob@example.com', status: 'removed', folderId: 'eNoSimGroupVip' });
    expect(e.sim.state.groups.find((g) => g.id === 'eNoSimGroupVip')?.members.map((m) => m.emailAddress)).toEqual(['alice@example.com']);
  });

  it('create-group', async () => {
    const e = await env();
    const res = await e.run('create-group', { group_name: 'Phish senders' });
    expect(e.call('/api/directory/create-group')).toEqual({ data: [{ description: 'Phish senders' }] });
    expect(res.summary).toMatch(/^Created group "Phish senders" \(eNoSimGroup\S+\)$/);
    expect(res.kind).toBe('record');
    expect(res.data).toMatchObject({ description: 'Phish senders', source: 'cloud', userCount: 0, folderCount: 0 });
  });

  it('update-group', async () => {
    const e = await env();
    const res = await e.run('update-group', { group_id: 'eNoSimGroupFinance', group_name: 'Finance EMEA', parent_id: 'eNoSimGroupVip' });
    expect(e.call('/api/directory/update-group')).toEqual({ data: [{ id: 'eNoSimGroupFinance', description: 'Finance EMEA', parentId: 'eNoSimGroupVip' }] });
    expect(res.summary).toBe('Updated group eNoSimGroupFinance: "Finance EMEA"');
    expect(res.data).toMatchObject({ id: 'eNoSimGroupFinance', description: 'Finance EMEA', parentId: 'eNoSimGroupVip' });
  });

  it('get-groups (API 1.0 keys: HMAC-signed)', async () => {
    const e = await env({ kind: 'hmac' });
    const res = await e.run('get-groups', { query: 'vip' });
    expect(e.call('/api/directory/find-groups')).toEqual({ meta: { pagination: { pageSize: 100 } }, data: [{ query: 'vip' }] });
    expect(e.sim.apiRequests('/api/directory/find-groups')[0]?.headers['x-mc-app-id']).toBe(SIM_HMAC.appId);
    expect(res.summary).toBe('1 group');
    expect(table(res)).toEqual({
      columns: [
        { key: 'id', title: 'Group id' },
        { key: 'description', title: 'Name' },
        { key: 'source', title: 'Source' },
        { key: 'parentId', title: 'Parent id' },
        { key: 'userCount', title: 'Users' },
        { key: 'folderCount', title: 'Subgroups' },
      ],
      rows: [{ id: 'eNoSimGroupVip', description: 'VIP Users', source: 'cloud', parentId: 'eNoSimRootFolder', userCount: 2, folderCount: 0 }],
      total: 1,
    });
  });

  it('get-group-members: one page per call, with the token to continue', async () => {
    const e = await env();
    const first = await e.run('get-group-members', { group_id: 'eNoSimGroupVip', page_size: 1 });
    expect(e.call('/api/directory/get-group-members')).toEqual({ meta: { pagination: { pageSize: 1 } }, data: [{ id: 'eNoSimGroupVip' }] });
    expect(first.summary).toBe('1 member of 2 in group eNoSimGroupVip (more: pass page_token from this answer)');
    expect(table(first).rows).toEqual([{ emailAddress: 'alice@example.com', name: 'Alice Example', domain: 'example.com', internal: true, type: 'created_manually' }]);
    const token = table(first).nextPageToken;
    expect(token).toBeTruthy();
    const second = await e.run('get-group-members', { group_id: 'eNoSimGroupVip', page_size: 1, page_token: token });
    expect(e.call('/api/directory/get-group-members', 1).meta?.pagination).toEqual({ pageSize: 1, pageToken: token });
    expect(second.summary).toBe('1 member of 2 in group eNoSimGroupVip');
    expect(table(second).rows[0]?.emailAddress).toBe('bob@example.com');
    expect(() => action('get-group-members').params.parse({ group_id: 'g', page_size: 501 })).toThrow(/500/);
  });
});

describe('URL protection', () => {
  it('create-managed-url', async () => {
    const e = await env();
    const res = await e.run('create-managed-url', { url: 'https://evil.example.org/login', action: 'block', comment: 'case 12' });
    expect(e.call('/api/ttp/url/create-managed-url')).toEqual({ data: [{ url: 'https://evil.example.org/login', action: 'block', matchType: 'explicit', comment: 'case 12', disableLogClick: false }] });
    expect(res.summary).toMatch(/^Blocked evil\.example\.org\/login \(managed URL eNoSimUrl\S+\)$/);
    expect(res.data).toMatchObject({ scheme: 'https', domain: 'evil.example.org', path: '/login', action: 'block', matchType: 'explicit', port: -1 });
    expect(() => action('create-managed-url').params.parse({ url: 'https://x.example.org/#frag', action: 'block' })).toThrow(/#fragment/);
  });

  it('get-managed-url filters by URL at Mimecast and by action here', async () => {
    const e = await env();
    const res = await e.run('get-managed-url', { url: ['example'], action: 'permit' });
    expect(e.call('/api/ttp/url/get-all-managed-urls')).toEqual({ meta: { pagination: { pageSize: 100 } }, data: [{ domainOrUrl: 'example', exactMatch: false }] });
    expect(res.summary).toBe('1 permitted managed URL');
    expect(table(res).rows).toEqual([
      expect.objectContaining({ id: 'eNoSimUrlPermitIntranet', action: 'permit', matchType: 'explicit', domain: 'intranet.example.com', path: '/portal', disableUserAwareness: true }),
    ]);
  });

  it('decode-url: partial success when one URL cannot be decoded', async () => {
    const e = await env();
    const good = 'https://protect-eu.mimecast.com/s/SimAbc123';
    const bad = 'https://protect-eu.mimecast.com/s/Unknown999';
    const res = await e.run('decode-url', { url: [good, bad] });
    expect(e.call('/api/ttp/url/decode-url')).toEqual({ data: [{ url: good }, { url: bad }] });
    expect(res.partial).toBe(true);
    expect(res.summary).toBe(`Partially successful: decoded 1 of 2 URLs; failed: ${bad}: The URL could not be decoded (err_url_decode_failed)`);
    expect(table(res).rows).toEqual([
      { url: good, decoded: 'https://invoices.example.net/pay?ref=4471', success: true, error: null },
      { url: bad, decoded: null, success: false, error: 'The URL could not be decoded' },
    ]);
    const one = await e.run('decode-url', { url: [good] });
    expect(one.summary).toBe('Decoded 1 URL: https://invoices.example.net/pay?ref=4471');
  });

  it('get-url-logs', async () => {
    const e = await env();
    const res = await e.run('get-url-logs', { from_date: '2020-01-01', scan_result: 'malicious' });
    const body = e.call('/api/ttp/url/get-logs');
    expect(body.meta).toEqual({ pagination: { pageSize: 100 } });
    expect(body.data).toEqual([{ from: '2020-01-01T00:00:00+0000', to: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/), route: 'all', scanResult: 'malicious', oldestFirst: false }]);
    expect(res.summary).toBe('1 URL click (1 malicious)');
    expect(table(res).rows[0]).toMatchObject({ userEmailAddress: 'alice@example.com', url: 'https://invoices.example.net/pay?ref=4471', scanResult: 'malicious', action: 'block' });
  });
});

describe('sender policies', () => {
  it('create-policy', async () => {
    const e = await env();
    const res = await e.run('create-policy', { option: 'block_sender', description: 'Block phish sender', from_type: 'individual_email_address', from_value: 'billing@invoices.example.net', comment: 'case 12' });
    expect(e.call('/api/policy/blockedsenders/create-policy')).toEqual({
      data: [
        {
          option: 'block_sender',
          policy: { description: 'Block phish sender', fromPart: 'both', fromType: 'individual_email_address', fromValue: 'billing@invoices.example.net', toType: 'everyone', fromEternal: true, toEternal: true, override: false, bidirectional: false, comment: 'case 12' },
        },
      ],
    });
    expect(res.summary).toMatch(/^Created block_sender policy "Block phish sender" for individual_email_address billing@invoices\.example\.net \(policy eNoSimPolicy\S+\)$/);
    expect(res.data).toMatchObject({ option: 'block_sender', policy: { enabled: true, toType: 'everyone' } });
    expect(() => action('create-policy').params.parse({ option: 'block_sender', description: 'd', from_type: 'email_domain' })).toThrow('from_value is required when from_type is email_domain');
  });

  it('get-policy: one by id, or all', async () => {
    const e = await env();
    const one = await e.run('get-policy', { policy_id: 'eNoSimPolicyBulk' });
    expect(e.call('/api/policy/blockedsenders/get-policy')).toEqual({ meta: { pagination: { pageSize: 1 } }, data: [{ id: 'eNoSimPolicyBulk' }] });
    expect(one.summary).toBe('Policy eNoSimPolicyBulk: block_sender "Block bulk spammer"');
    expect(table(one).rows[0]).toMatchObject({ id: 'eNoSimPolicyBulk', fromType: 'individual_email_address', fromValue: 'bulk@spam.example.net', toType: 'everyone', enabled: true });
    const all = await e.run('get-policy', {});
    expect(e.call('/api/policy/blockedsenders/get-policy', 1)).toEqual({ meta: { pagination: { pageSize: 100 } }, data: [] });
    expect(all.summary).toBe('1 blocked sender policy');
    await expect(e.run('get-policy', { policy_id: 'nope' })).rejects.toThrow('mimecast.get-policy failed: err_policy_not_found: Invalid policy ID.');
  });

  it('permit-or-block-sender', async () => {
    const e = await env();
    const res = await e.run('permit-or-block-sender', { sender: 'billing@invoices.example.net', to: 'alice@example.com', action: 'block' });
    expect(e.call('/api/managedsender/permit-or-block-sender')).toEqual({ data: [{ sender: 'billing@invoices.example.net', to: 'alice@example.com', action: 'block' }] });
    expect(res.summary).toMatch(/^Blocked billing@invoices\.example\.net for alice@example\.com \(MTOKEN:\S+\)$/);
    expect(res.data).toMatchObject({ sender: 'billing@invoices.example.net', to: 'alice@example.com', type: 'Block' });
    await expect(e.run('permit-or-block-sender', { sender: 'billing@invoices.example.net', to: 'someone@example.net', action: 'block' })).rejects.toThrow(
      'mimecast.permit-or-block-sender failed: err_validation_to: To address is not a valid internal address.',
    );
  });
});

describe('held queue', () => {
  it('get-hold-message-list (reasonCode is sent as reason_code)', async () => {
    const e = await env();
    const res = await e.run('get-hold-message-list', { field_name: 'sender', field_value: 'lookalike', start_time: '2020-01-01 00:00' });
    expect(e.call('/api/gateway/get-hold-message-list')).toEqual({ meta: { pagination: { pageSize: 100 } }, data: [{ admin: true, start: '2020-01-01T00:00:00+0000', searchBy: { fieldName: 'sender', value: 'lookalike' } }] });
    expect(res.summary).toBe('1 held message');
    expect(table(res).rows).toEqual([
      expect.objectContaining({ id: 'eNoSimHeld1', from: 'ceo@lookalike.example.org', to: 'alice@example.com', subject: 'Urgent wire transfer', reason: 'Spam Signature', route: 'INBOUND' }),
    ]);
    await e.run('get-hold-message-list', { field_name: 'reasonCode', field_value: 'attachment_size', limit: 5 });
    expect(e.call('/api/gateway/get-hold-message-list', 1).data[0]?.searchBy).toEqual({ fieldName: 'reason_code', value: 'attachment_size' });
  });

  it('release-message', async () => {
    const e = await env();
    const res = await e.run('release-message', { message_id: 'eNoSimHeld1' });
    expect(e.call('/api/gateway/hold-release')).toEqual({ data: [{ id: 'eNoSimHeld1' }] });
    expect(res.summary).toBe('Released held message eNoSimHeld1');
    expect(res.data).toEqual({ id: 'eNoSimHeld1', release: true });
    expect(e.sim.state.released.map((h) => h.id)).toEqual(['eNoSimHeld1']);
    await expect(e.run('release-message', { message_id: 'eNoSimHeld1' })).rejects.toThrow(/err_hold_message_not_found/);
  });

  it('reject-held-message: one call for all ids; partial success', async () => {
    const e = await env();
    const res = await e.run('reject-held-message', { message_ids: ['eNoSimHeld2', 'eNoSimHeldGone'] });
    expect(e.call('/api/gateway/hold-reject')).toEqual({ data: [{ ids: ['eNoSimHeld2', 'eNoSimHeldGone'], reasonType: 'MESSAGE CONTAINS UNDESIRABLE CONTENT', notify: false }] });
    expect(res.partial).toBe(true);
    expect(res.summary).toBe('Partially successful: rejected 1 of 2 held messages; failed: eNoSimHeldGone: The held message does not exist or was already processed (err_hold_message_not_found)');
    expect(table(res).rows).toEqual([
      { id: 'eNoSimHeld2', rejected: true, error: null },
      { id: 'eNoSimHeldGone', rejected: false, error: 'The held message does not exist or was already processed' },
    ]);
    expect(e.sim.state.rejected).toEqual([{ id: 'eNoSimHeld2', reasonType: 'MESSAGE CONTAINS UNDESIRABLE CONTENT', notify: false }]);
    const all = await e.run('reject-held-message', { message_ids: ['eNoSimHeld3'], reason_type: 'MESSAGE GOES AGAINST EMAIL POLICIES', notify: true, message: 'Blocked by policy' });
    expect(all.summary).toBe('Rejected 1 held message (message goes against email policies)');
    expect(e.call('/api/gateway/hold-reject', 1).data[0]).toEqual({ ids: ['eNoSimHeld3'], message: 'Blocked by policy', reasonType: 'MESSAGE GOES AGAINST EMAIL POLICIES', notify: true });
  });
});

describe('remediation', () => {
  it('create-remediation-incident by Message-ID (documented create; <> added)', async () => {
    const e = await env();
    const res = await e.run('create-remediation-incident', { reason: 'Phish, case 12', mime_message_id: 'inv-4471@invoices.example.net', start_time: '7d' });
    const body = e.call('/api/ttp/remediation/create');
    expect(body.data).toEqual([{ reason: 'Phish, case 12', start: expect.stringMatching(/\+0000$/), end: expect.stringMatching(/T23:59:59\+0000$/), searchBy: 'messageId', hashOrMessageId: '<inv-4471@invoices.example.net>' }]);
    expect(res.summary).toBe('Remediation incident TR-SIM1A-00001: 2 identified, 2 remediated, 0 failed');
    expect(res.data).toMatchObject({ code: 'TR-SIM1A-00001', type: 'manual', identified: 2, successful: 2, searchCriteria: { messageId: '<inv-4471@invoices.example.net>' } });
  });

  it('create-remediation-incident by subject and sender (the multi-criteria variant)', async () => {
    const e = await env();
    const res = await e.run('create-remediation-incident', { reason: 'campaign', subject: 'Invoice 4471', sender: 'billing@invoices.example.net' });
    expect(e.call('/api/ttp/remediation/v2/create').data).toEqual([{ reason: 'campaign', start: expect.any(String), end: expect.any(String), subject: 'Invoice 4471', from: 'billing@invoices.example.net' }]);
    expect(res.summary).toBe('Remediation incident TR-SIM1A-00001: 2 identified, 2 remediated, 0 failed');
    expect(() => action('create-remediation-incident').params.parse({ reason: 'x' })).toThrow('set at least one of message_id, mime_message_id, file_hash, url, subject, sender, parent_incident_code');
  });

  it('get-remediation-incident', async () => {
    const e = await env();
    const created = await e.client.createRemediationIncident({ reason: 'r', fileHash: createHash('sha256').update(readPdf(e.sim)).digest('hex') });
    const res = await e.run('get-remediation-incident', { incident_id: created.id });
    expect(e.call('/api/ttp/remediation/get-incident')).toEqual({ data: [{ id: created.id }] });
    expect(res.summary).toBe(`Incident ${created.code} (manual): 2 identified, 2 remediated, 0 failed`);
    expect(res.data).toMatchObject({ id: created.id, identified: 2 });
  });

  it('search-file-hash (and the 100-hash limit message)', async () => {
    const e = await env();
    const seen = createHash('sha256').update(readPdf(e.sim)).digest('hex');
    const unseen = '0'.repeat(64);
    const res = await e.run('search-file-hash', { file_hash: [seen, unseen] });
    expect(e.call('/api/ttp/remediation/search-hash')).toEqual({ data: [{ hashes: [seen, unseen] }] });
    expect(res.summary).toBe(`1 of 2 hashes seen in the last year: ${seen.slice(0, 12)}`);
    expect(table(res).rows).toEqual([
      { hash: seen, detected: true, error: null },
      { hash: unseen, detected: false, error: null },
    ]);
    const tooMany = Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(32, '0'));
    const parsed = action('search-file-hash').params.safeParse({ file_hash: tooMany });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('Mimecast searches at most 100 file hashes per call: split the list into batches of 100 or fewer');
    expect(() => action('search-file-hash').params.parse({ file_hash: ['not-a-hash'] })).toThrow('expected an MD5, SHA-1 or SHA-256 hash in hex');
  });
});

function readPdf(sim: MimecastSimulator): Buffer {
  return sim.state.archive[0]?.attachments[0]?.bytes as Buffer;
}

describe('archive', () => {
  it('get-message-list', async () => {
    const e = await env();
    const res = await e.run('get-message-list', { view: 'INBOX', mailbox: 'alice@example.com', limit: 0 });
    expect(e.call('/api/archive/get-message-list')).toEqual({ meta: { pagination: { pageSize: 25 } }, data: [{ view: 'INBOX', mailbox: 'alice@example.com', includeDelegates: false, includeAliases: false }] });
    expect(res.summary).toBe('2 messages in alice@example.com INBOX');
    expect(table(res).rows.map((r) => [r.id, r.from, r.subject, r.attachmentCount])).toEqual([
      ['eNoSimArchive1', 'billing@invoices.example.net', 'Invoice 4471 overdue', 1],
      ['eNoSimArchive3', 'carol@example.com', 'Lunch on Friday?', 0],
    ]);
  });

  it('get-message-detail', async () => {
    const e = await env();
    const res = await e.run('get-message-detail', { message_id: 'eNoSimArchive1' });
    expect(e.call('/api/archive/get-message-detail')).toEqual({ data: [{ id: 'eNoSimArchive1' }] });
    expect(res.summary).toBe('"Invoice 4471 overdue" from billing@invoices.example.net, 1 attachment');
    expect(res.data).toMatchObject({ id: 'eNoSimArchive1', mimeMessageId: '<inv-4471@invoices.example.net>', to: ['alice@example.com'], attachments: [{ id: 'eNoSimAttachment1', filename: 'invoice-4471.pdf', contentType: 'application/pdf' }] });
  });

  it('get-files: the file comes back inside an "infected"-password zip with its hashes', async () => {
    const e = await env();
    const res = await e.run('get-files', { attachment_ids: ['eNoSimAttachment1'] });
    expect(e.call('/api/archive/get-file')).toEqual({ data: [{ id: 'eNoSimAttachment1' }] });
    expect(res.kind).toBe('file');
    const file = res.data as FileData;
    expect(file.filename).toBe('invoice-4471.pdf.zip');
    expect(file.contentType).toBe('application/zip');
    const pdf = readPdf(e.sim);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    expect(file.comment).toContain('zip password: infected');
    expect(file.comment).toContain(`invoice-4471.pdf (${pdf.length} bytes) sha256 ${sha256}`);
    expect(readZip(file.bytes, 'infected')).toEqual([{ name: 'invoice-4471.pdf', data: pdf, encrypted: true }]);
    expect(res.summary).toBe('Downloaded: 1 file (invoice-4471.pdf) in a zip, password infected');
    await expect(e.run('get-files', { attachment_ids: ['missing'] })).rejects.toThrow('mimecast.get-file failed: err_file_not_found: The file does not exist');
  });

  it('get-message-attachment: detail, then every attachment', async () => {
    const e = await env();
    const res = await e.run('get-message-attachment', { message_id: 'eNoSimArchive2' });
    expect(e.call('/api/archive/get-message-detail')).toEqual({ data: [{ id: 'eNoSimArchive2' }] });
    expect(e.call('/api/archive/get-file')).toEqual({ data: [{ id: 'eNoSimAttachment2' }] });
    expect(res.summary).toBe('Attachments of "Invoice 4471 overdue": 1 file (invoice-4471.pdf) in a zip, password infected');
    expect(readZip((res.data as FileData).bytes, 'infected').map((x) => x.name)).toEqual(['invoice-4471.pdf']);
    const none = await e.run('get-message-attachment', { message_id: 'eNoSimArchive3' });
    expect(none.summary).toBe('Message "Lunch on Friday?" has no attachments');
    expect(none.kind).toBe('record');
  });
});

describe('events and logs', () => {
  it('fetch-event in the archive: XML query with mailbox, sender and time range', async () => {
    const e = await env();
    const res = await e.run('fetch-event', { start_time: '7d', end_time: 'now', search_archive: true, search_conditions: 'mailbox=alice@example.com, from=invoices.example.net' });
    const body = e.call('/api/archive/search');
    expect(body.meta).toEqual({ pagination: { pageSize: 25 } });
    expect(body.data[0]?.admin).toBe(true);
    expect(body.data[0]?.query).toContain('<mailbox include-aliases="true">alice@example.com</mailbox>');
    expect(body.data[0]?.query).toContain('<sent select="from">invoices.example.net</sent>');
    expect(body.data[0]?.query).toMatch(/<date select="between" from="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" to="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\/>/);
    expect(res.summary).toBe('1 event from the archive');
    expect(table(res).rows).toEqual([expect.objectContaining({ id: 'eNoSimArchive1', from: 'billing@invoices.example.net', to: 'alice@example.com', subject: 'Invoice 4471 overdue', attachments: 1 })]);
  });

  it('fetch-event in message tracking: the seed field mapping, most recent first, up to the number asked', async () => {
    const e = await env();
    const res = await e.run('fetch-event', { start_time: '2020-01-01 00:00', end_time: 'now', search_conditions: 'from=billing@invoices.example.net, senderip=203.0.113.7', number_of_events: 1, tolerance_scope: 60 });
    const body = e.call('/api/message-finder/search');
    expect(body.data).toEqual([
      { start: '2019-12-31T23:00:00+0000', end: expect.stringMatching(/\+0000$/), searchReason: 'Hookline events search by Ana Lyst', advancedTrackAndTraceOptions: { from: 'billing@invoices.example.net', senderIP: '203.0.113.7' } },
    ]);
    expect(res.summary).toBe('1 event from message tracking (showing the 1 most recent of 2)');
    expect(table(res).rows[0]).toMatchObject({ id: 'sim-track-eNoSimArchive2', from: 'billing@invoices.example.net', to: 'bob@example.com', subject: 'Invoice 4471 overdue', senderIP: '203.0.113.7' });
    expect(table(res).columns.map((c) => c.key)).toEqual(['id', 'received', 'sent', 'from', 'to', 'subject', 'senderIP', 'status', 'attachments']);
    const bad = action('fetch-event').params.safeParse({ start_time: '1d', end_time: 'now', search_conditions: 'mailbox=a@example.com' });
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['search_conditions', 'unknown search condition "mailbox": message tracking (search_archive=false) accepts to, from, subject, senderip'],
    ]);
  });

  it('fetch-related-events: the last hours, most recent first', async () => {
    const e = await env();
    const res = await e.run('fetch-related-events', { search_condition: 'subject=invoice', top_recent_event_number: 5 });
    const body = e.call('/api/message-finder/search');
    const start = Date.parse(String(body.data[0]?.start).replace('+0000', 'Z'));
    const end = Date.parse(String(body.data[0]?.end).replace('+0000', 'Z'));
    expect(Math.round((end - start) / 3_600_000)).toBe(24);
    expect(body.data[0]?.advancedTrackAndTraceOptions).toEqual({ subject: 'invoice' });
    expect(res.summary).toBe('2 related events from message tracking');
    expect(table(res).rows.map((r) => r.to)).toEqual(['bob@example.com', 'alice@example.com']);
  });

  it('get-ttp-attachment-log', async () => {
    const e = await env();
    const res = await e.run('get-ttp-attachment-log', { start_time: '2020-01-01', end_time: 'now' });
    expect(e.call('/api/ttp/attachment/get-logs')).toEqual({
      meta: { pagination: { pageSize: 100 } },
      data: [{ from: '2020-01-01T00:00:00+0000', to: expect.stringMatching(/\+0000$/), route: 'all', result: 'all', oldestFirst: false }],
    });
    expect(res.summary).toBe('2 attachment scans (1 malicious)');
    expect(table(res).rows[0]).toMatchObject({ result: 'safe', fileName: 'menu.txt' });
    expect(table(res).rows[1]).toMatchObject({ result: 'malicious', fileName: 'invoice-4471.pdf', senderAddress: 'billing@invoices.example.net' });
  });

  it('test-connection', async () => {
    const e = await env();
    const res = await e.run('test-connection', {});
    expect(e.call('/api/ttp/url/get-all-managed-urls')).toEqual({ meta: { pagination: { pageSize: 1 } }, data: [] });
    expect(res.summary).toBe(`Mimecast connection OK (API 2.0 (OAuth2), ${e.sim.url}); 9999 of 10000 calls left in the quota`);
    expect(res.data).toMatchObject({ ok: true, api: 'API 2.0 (OAuth2)', baseUrl: e.sim.url });
  });
});
