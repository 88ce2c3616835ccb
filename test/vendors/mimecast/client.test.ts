// MimecastClient on the real HttpClient against the Mimecast simulator: auth (OAuth token cache,
// refresh on expiry and on 401; HMAC headers), the fail envelope, partial success, rate limits,
// pagination, downloads and error wording.
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log/logger.ts';
import { SIM_HMAC, SIM_OAUTH, startMimecastSimulator } from '../../../src/sandbox/mimecast-simulator.ts';
import type { MimecastSimulator, MimecastSimulatorOptions } from '../../../src/sandbox/mimecast-simulator.ts';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { mcDate, signV1 } from '../../../src/vendors/mimecast/auth.ts';
import { MimecastClient, MimecastError } from '../../../src/vendors/mimecast/client.ts';
import type { MimecastClientOptions } from '../../../src/vendors/mimecast/client.ts';
import { requests } from '../../../src/vendors/mimecast/requests.ts';

const open: MimecastSimulator[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

interface Setup {
  sim: MimecastSimulator;
  client: MimecastClient;
  sleeps: number[];
  clock: { t: number };
}

async function setup(kind: 'oauth' | 'hmac' = 'oauth', simOpts: MimecastSimulatorOptions = {}, clientOpts: Partial<MimecastClientOptions> = {}): Promise<Setup> {
  const clock = { t: Date.parse('2026-11-22T10:00:00Z') };
  const now = () => new Date(clock.t);
  const sim = await startMimecastSimulator({ now, ...simOpts });
  open.push(sim);
  const sleeps: number[] = [];
  const client = new MimecastClient({
    baseUrl: sim.url,
    auth: kind === 'oauth' ? { kind: 'oauth', ...SIM_OAUTH } : { kind: 'hmac', ...SIM_HMAC },
    log: silentLogger(),
    now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...clientOpts,
  });
  return { sim, client, sleeps, clock };
}

describe('API 2.0 OAuth', () => {
  it('fetches a token once (form body, client credentials) and sends it as Bearer with the JSON envelope', async () => {
    const { sim, client } = await setup();
    await client.findGroups({ query: 'vip' }, 10);
    await client.findGroups({}, 10);
    const tokens = sim.tokenRequests();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ method: 'POST', path: '/oauth/token', form: { grant_type: 'client_credentials', client_id: SIM_OAUTH.clientId, client_secret: '[redacted]' }, status: 200 });
    expect(tokens[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const calls = sim.apiRequests('/api/directory/find-groups');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ method: 'POST', auth: 'bearer', authOk: true, body: { meta: { pagination: { pageSize: 10 } }, data: [{ query: 'vip' }] } });
    expect(calls[0]?.headers['content-type']).toBe('application/json');
    expect(calls[0]?.headers.accept).toBe('application/json');
    expect(calls[1]?.body).toEqual({ meta: { pagination: { pageSize: 10 } }, data: [] });
    expect(client.tokensFetched).toBe(1);
  });

  it('fetches one token for concurrent calls', async () => {
    const { sim, client } = await setup();
    await Promise.all([client.findGroups({}, 5), client.getManagedUrls({}, 5), client.getBlockedSenderPolicies(undefined, 5)]);
    expect(sim.tokenRequests()).toHaveLength(1);
  });

  it('refreshes the token shortly before it expires', async () => {
    const { sim, client, clock } = await setup('oauth', { tokenLifetimeSec: 1799 });
    await client.findGroups({}, 1);
    clock.t += 1700 * 1000; // inside the 2-minute refresh margin, still valid at the simulator
    await client.findGroups({}, 1);
    expect(sim.tokenRequests()).toHaveLength(2);
    expect(sim.apiRequests().every((r) => r.status === 200)).toBe(true);
  });

  it('drops the cached token on a 401 and retries once with a new one', async () => {
    const { sim, client } = await setup();
    await client.findGroups({}, 1);
    sim.revokeTokens();
    const res = await client.findGroups({}, 1);
    expect(res.items).toHaveLength(1);
    expect(sim.apiRequests('/api/directory/find-groups').map((r) => r.status)).toEqual([200, 401, 200]);
    expect(sim.tokenRequests()).toHaveLength(2);
  });

  it('reports bad client credentials from the token endpoint', async () => {
    const { client } = await setup('oauth', {}, { auth: { kind: 'oauth', clientId: SIM_OAUTH.clientId, clientSecret: 'wrong-secret-value' } });
    const err = await client.findGroups({}, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorError);
    expect(String((err as Error).message)).toBe('mimecast.oauth-token failed: HTTP 401 Unauthorized (invalid_client): client authentication failed');
    expect(String((err as Error).message)).not.toContain('wrong-secret-value');
  });
});

describe('API 1.0 HMAC', () => {
  it('signs every request: MC accessKey:signature over the path, with x-mc-date, x-mc-req-id and x-mc-app-id', async () => {
    let n = 0;
    const { sim, client, clock } = await setup('hmac', {}, { requestId: () => `req-${++n}` });
    await client.releaseHeldMessage('eNoSimHeld1');
    const rec = sim.apiRequests('/api/gateway/hold-release')[0];
    expect(rec).toMatchObject({ auth: 'hmac', authOk: true, status: 200, body: { data: [{ id: 'eNoSimHeld1' }] } });
    expect(rec?.headers['x-mc-app-id']).toBe(SIM_HMAC.appId);
    expect(rec?.headers['x-mc-req-id']).toBe('req-1');
    expect(rec?.headers['x-mc-date']).toBe(mcDate(new Date(clock.t)));
    expect(rec?.headers['x-mc-date']).toBe('Sun, 22 Nov 2026 10:00:00 UTC');
    expect(sim.tokenRequests()).toHaveLength(0);
    // The signature the simulator verified is exactly the documented one.
    const expected = signV1(SIM_HMAC, '/api/gateway/hold-release', 'Sun, 22 Nov 2026 10:00:00 UTC', 'req-1');
    expect(expected['x-mc-req-id']).toBe('req-1');
  });

  it('gets a 401 with wrong keys and says so without leaking the signature', async () => {
    const { sim, client } = await setup('hmac', {}, { auth: { kind: 'hmac', ...SIM_HMAC, secretKey: Buffer.from('another-secret').toString('base64') } });
    const err = await client.findGroups({}, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorError);
    expect((err as VendorError).status).toBe(401);
    expect((err as Error).message).toBe('mimecast.find-groups failed: HTTP 401 Unauthorized (err_authentication_failed): The request signature is not valid');
    expect(sim.apiRequests()[0]).toMatchObject({ auth: 'hmac', authOk: false, status: 401 });
  });
});

describe('envelope errors and partial success', () => {
  it('treats an HTTP 200 with a non-empty fail list as an error with code and message', async () => {
    const { sim, client } = await setup();
    sim.failNext('/api/ttp/url/decode-url', { fail: [{ code: 'err_xdk_app_id_invalid', message: 'App ID is invalid: xxx.' }] });
    const err = await client.decodeUrls(['https://protect-eu.mimecast.com/s/SimAbc123']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MimecastError);
    const e = err as MimecastError;
    expect(e.message).toBe('mimecast.decode-url failed: err_xdk_app_id_invalid: App ID is invalid: xxx.');
    expect(e.status).toBe(200);
    expect(e.code).toBe('err_xdk_app_id_invalid');
    expect(e.failures).toEqual([{ code: 'err_xdk_app_id_invalid', message: 'App ID is invalid: xxx.', retryable: false }]);
  });

  it('reads fail[] on an error status too', async () => {
    const { sim, client } = await setup();
    sim.failNext('/api/directory/create-group', { status: 400, fail: [{ code: 'err_validation', message: 'Error occurred during group creation.' }] });
    await expect(client.createGroup('x')).rejects.toThrow('mimecast.create-group failed: HTTP 400 Bad Request (err_validation): Error occurred during group creation.');
  });

  it('returns partial success with the failed items when some items fail', async () => {
    const { client } = await setup();
    const res = await client.addGroupMembers('eNoSimGroupVip', ['alice@example.com', 'dave@example.com', 'erin@example.com']);
    expect(res.data.map((d) => d.emailAddress)).toEqual(['dave@example.com', 'erin@example.com']);
    expect(res.failures).toEqual([
      { key: { id: 'eNoSimGroupVip', emailAddress: 'alice@example.com' }, code: 'err_folder_group_member_already_exists', message: 'err_folder_group_member_already_exists', retryable: false },
    ]);
  });

  it('throws when every item fails, naming the item', async () => {
    const { client } = await setup();
    const err = (await client.removeGroupMembers('eNoSimGroupVip', ['nobody@example.com', 'ghost@example.com']).catch((e: unknown) => e)) as MimecastError;
    expect(err).toBeInstanceOf(MimecastError);
    expect(err.message).toBe('mimecast.remove-group-member failed: err_folder_group_member_not_found: nobody@example.com: Error email address not found (and 1 more failed item)');
    expect(err.failures).toHaveLength(2);
  });

  it('rejects a body that is not an envelope', async () => {
    const { sim, client } = await setup();
    sim.failNext('/api/directory/find-groups', { status: 200, body: { hello: 'world' } });
    await expect(client.findGroups({}, 1)).rejects.toThrow('mimecast.find-groups failed: the response is not a Mimecast {meta, data, fail} envelope');
  });

  it('words 418 (binding expired) and 403 (role) for people', async () => {
    const { sim, client } = await setup('hmac');
    sim.failNext('/api/directory/find-groups', { status: 418, fail: [{ code: 'err_xdk_binding_expired', message: 'AccessKey Has Expired' }] });
    await expect(client.findGroups({}, 1)).rejects.toThrow(/HTTP 418 .*the API 1.0 access key binding has expired: create new access\/secret keys.*AccessKey Has Expired/);
    sim.failNext('/api/gateway/hold-release', { status: 403, fail: [{ code: 'err_forbidden', message: 'Forbidden' }] });
    await expect(client.releaseHeldMessage('eNoSimHeld1')).rejects.toThrow(/HTTP 403 Forbidden \(err_forbidden\): the Mimecast application role lacks the permission for this call: Forbidden/);
  });
});

describe('rate limits and retries', () => {
  it('waits X-RateLimit-Reset milliseconds after a 429 and retries, also for changes', async () => {
    const { sim, client, sleeps } = await setup();
    sim.rateLimit({ resetMs: 2500, path: '/api/directory/create-group' });
    const g = await client.createGroup('Phish senders');
    expect(g.description).toBe('Phish senders');
    expect(sleeps).toEqual([2500]);
    expect(sim.apiRequests('/api/directory/create-group').map((r) => r.status)).toEqual([429, 200]);
    expect(sim.state.groups.filter((x) => x.description === 'Phish senders')).toHaveLength(1);
    expect(client.rateLimit).toMatchObject({ limit: 10000 });
  });

  it('honours the quota headers of an exhausted window: waits the reset, then the window refills', async () => {
    const clock = { t: Date.parse('2026-11-22T10:00:00Z') };
    const now = () => new Date(clock.t);
    const sim = await startMimecastSimulator({ now, rateLimitQuota: 2, rateLimitWindowMs: 10_000 });
    open.push(sim);
    const sleeps: number[] = [];
    const client = new MimecastClient({
      baseUrl: sim.url,
      auth: { kind: 'hmac', ...SIM_HMAC },
      log: silentLogger(),
      now,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.t += ms; // the simulated wait moves the simulator's clock
      },
    });
    await client.findGroups({}, 1);
    clock.t += 4000;
    await client.findGroups({}, 1);
    expect(client.rateLimit).toMatchObject({ limit: 2, remaining: 0, resetMs: 6000 });
    await client.findGroups({}, 1);
    expect(sleeps).toEqual([6000]);
    expect(sim.apiRequests().map((r) => r.status)).toEqual([200, 200, 429, 200]);
    expect(client.rateLimit).toMatchObject({ limit: 2, remaining: 1 });
  });

  it('gives up with a clear message when the server asks for more than a minute', async () => {
    const { sim, client, sleeps } = await setup();
    sim.rateLimit({ resetMs: 300_000 });
    await expect(client.findGroups({}, 1)).rejects.toThrow('mimecast.find-groups failed: HTTP 429 Too Many Requests (err_rate_limit_exceeded): Rate limit exceeded (retry after 300 s)');
    expect(sleeps).toEqual([]);
  });

  it('retries a 5xx for reads but not for changes', async () => {
    const { sim, client, sleeps } = await setup();
    sim.failNext('/api/directory/find-groups', { status: 503, body: 'busy' });
    await client.findGroups({}, 1);
    expect(sleeps).toHaveLength(1);
    sim.failNext('/api/directory/create-group', { status: 503, body: 'busy' });
    await expect(client.createGroup('x')).rejects.toThrow(/HTTP 503 Service Unavailable/);
    expect(sim.apiRequests('/api/directory/create-group')).toHaveLength(1);
  });
});

describe('pagination', () => {
  it('follows meta.pagination.next to the limit, sending pageToken, and stops there', async () => {
    const { sim, client } = await setup();
    for (let i = 4; i <= 10; i++) sim.state.held.push({ ...(sim.state.held[0] as (typeof sim.state.held)[number]), id: `eNoSimHeldExtra${i}` });
    const res = await client.list(requests.getHoldMessageList({ admin: true }), { limit: 5, maxPageSize: 2 });
    expect(res.items).toHaveLength(5);
    expect(res).toMatchObject({ truncated: true, pages: 3, total: 10 });
    const bodies = sim.apiRequests('/api/gateway/get-hold-message-list').map((r) => r.body as { meta: { pagination: { pageSize: number; pageToken?: string } } });
    expect(bodies.map((b) => b.meta.pagination.pageSize)).toEqual([2, 2, 2]);
    expect(bodies[0]?.meta.pagination.pageToken).toBeUndefined();
    expect(bodies[1]?.meta.pagination.pageToken).toBeTruthy();
    expect(bodies[2]?.meta.pagination.pageToken).not.toBe(bodies[1]?.meta.pagination.pageToken);
    expect(res.requestIds).toHaveLength(3);

    const all = await client.list(requests.getHoldMessageList({ admin: true }), { limit: 50, maxPageSize: 4 });
    expect(all).toMatchObject({ truncated: false, pages: 3, total: 10 });
    expect(new Set(all.items.map((h) => (h as { id: string }).id)).size).toBe(10);
  });

  it('uses pages of min(limit, 100) for lists', async () => {
    const { sim, client } = await setup();
    for (let i = 0; i < 150; i++) sim.state.urlLogs.push({ ...(sim.state.urlLogs[0] as object), url: `https://x${i}.example.net/` });
    const res = await client.getUrlLogs({ from: '2026-11-22T00:00:00+0000', to: '2026-11-22T10:00:00+0000' }, 120);
    expect(res.items).toHaveLength(120);
    expect(sim.apiRequests('/api/ttp/url/get-logs').map((r) => (r.body as { meta: { pagination: { pageSize: number } } }).meta.pagination.pageSize)).toEqual([100, 100]);
  });

  it('does not follow a page whose fail list is non-empty', async () => {
    const { client } = await setup();
    await expect(client.getGroupMembers('eNoSimGroupVip', { pageSize: 1, pageToken: 'bogus' })).rejects.toThrow('mimecast.get-group-members failed: err_invalid_page_token: The page token is not valid');
  });
});

describe('downloads and limits', () => {
  it('downloads a file with its name and type, and throws the fail envelope of a missing one', async () => {
    const { client } = await setup();
    const f = await client.getFile('eNoSimAttachment1');
    expect(f).toMatchObject({ filename: 'invoice-4471.pdf', contentType: 'application/pdf' });
    expect(f.bytes.subarray(0, 8).toString()).toBe('%PDF-1.4');
    await expect(client.getFile('nope')).rejects.toThrow('mimecast.get-file failed: err_file_not_found: The file does not exist');
  });

  it('refuses more than 100 hashes before sending anything', async () => {
    const { sim, client } = await setup();
    const hashes = Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(64, '0'));
    await expect(client.searchFileHashes(hashes)).rejects.toThrow('Mimecast searches at most 100 file hashes per call (got 101): split the list into batches of 100 or fewer');
    expect(sim.apiRequests()).toHaveLength(0);
  });
});
