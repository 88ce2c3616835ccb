// GraphClient on the real HttpClient and the real MSAL token provider, against the Graph simulator over TLS.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.ts';
import type { Logger } from '../../../src/log/logger.ts';
import { startGraphSimulator } from '../../../src/sandbox/graph-simulator.ts';
import type { GraphSimulator, GraphSimulatorOptions } from '../../../src/sandbox/graph-simulator.ts';
import { GraphClient, messageTraceFilter } from '../../../src/vendors/graph/client.ts';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { MicrosoftTokenProvider } from '../../../src/vendors/microsoft/auth.ts';
import { trustTestCa } from '../../helpers/tls.ts';

const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'sim-client-secret-Zq8~value';
const MBX = 'reports@contoso.com';
const t = trustTestCa();

interface Ctx {
  sim: GraphSimulator;
  graph: GraphClient;
  tokens: MicrosoftTokenProvider;
  sleeps: number[];
  logs: string[];
  log: Logger;
}

const open: GraphSimulator[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

// A fresh simulator and token provider per test (MSAL throttle state is per CCA instance).
async function setup(simOpts: GraphSimulatorOptions = {}, deltaPageSize?: number): Promise<Ctx> {
  const sim = await startGraphSimulator({ tls: { key: t.key, cert: t.cert }, clientId: CLIENT_ID, clientSecret: SECRET, mailbox: MBX, ...simOpts });
  open.push(sim);
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }) });
  const tokens = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, clientSecret: SECRET, loginUrl: sim.loginUrl, log });
  const sleeps: number[] = [];
  const graph = new GraphClient({
    baseUrl: sim.graphUrl,
    tokens,
    log,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...(deltaPageSize ? { deltaPageSize } : {}),
  });
  return { sim, graph, tokens, sleeps, logs, log };
}

function eml(n: number, extra = ''): Buffer {
  return Buffer.from(
    `From: Mallory <mallory@evil.example>\r\nTo: reports@contoso.com\r\nSubject: Report ${n}\r\nMessage-ID: <msg-${n}@evil.example>\r\nDate: Sat, 21 Nov 2026 10:0${n % 10}:00 +0000\r\n${extra}MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody ${n}\r\n`,
  );
}

const graphRequests = (sim: GraphSimulator, includes: string) => sim.requests.filter((r) => r.path.startsWith('/v1.0') && r.path.includes(includes));

let ctx: Ctx;
afterEach(() => {
  // No bearer token or client secret ever reaches a log line.
  const text = ctx.logs.join('');
  for (const r of ctx.sim.requests) if (r.bearerToken) expect(text).not.toContain(r.bearerToken);
  expect(text).not.toContain(SECRET);
});

describe('GraphClient folders', () => {
  beforeEach(async () => {
    ctx = await setup();
  });

  it('resolves a path with a \\/ escape level by level with childFolders $filter', async () => {
    const { sim, graph } = ctx;
    sim.mailbox.add('Inbox/Phish\\/Reports', eml(1));
    const expected = sim.mailbox.folderId('Inbox/Phish\\/Reports');
    expect(expected).toBeDefined();

    const id = await graph.resolveFolderId(MBX, 'Inbox/Phish\\/Reports');
    expect(id).toBe(expected);
    const calls = graphRequests(sim, '/childFolders');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe(`/v1.0/users/${MBX}/mailFolders/inbox/childFolders`);
    expect(calls[0]!.query.$filter).toBe("displayName eq 'Phish/Reports'");
    expect(calls[0]!.hasBearer).toBe(true);

    // cached
    await graph.resolveFolderId(MBX, 'Inbox/Phish\\/Reports');
    expect(graphRequests(sim, '/childFolders')).toHaveLength(1);
  });

  it('uses well-known names directly, doubles single quotes, walks from the root for other top folders', async () => {
    const { sim, graph } = ctx;
    expect(await graph.resolveFolderId(MBX, 'Inbox')).toBe('inbox');
    expect(await graph.resolveFolderId(MBX, 'Junk Email')).toBe('junkemail');
    expect(graphRequests(sim, '/mailFolders')).toHaveLength(0);

    sim.mailbox.addFolder("Triage/O'Brien's");
    const id = await graph.resolveFolderId(MBX, "/Triage/O'Brien's/");
    expect(id).toBe(sim.mailbox.folderId("Triage/O'Brien's"));
    const calls = graphRequests(sim, '/childFolders');
    expect(calls.map((c) => c.path)).toEqual([`/v1.0/users/${MBX}/mailFolders/msgfolderroot/childFolders`, expect.stringMatching(/childFolders$/)]);
    expect(calls[1]!.query.$filter).toBe("displayName eq 'O''Brien''s'");
  });

  it('fails with a clear 404 VendorError for a missing folder', async () => {
    const err = (await ctx.graph.resolveFolderId(MBX, 'Inbox/Nope').catch((e: unknown) => e)) as VendorError;
    expect(err).toBeInstanceOf(VendorError);
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/no folder named "Nope" under Inbox/);
  });
});

describe('GraphClient delta', () => {
  beforeEach(async () => {
    ctx = await setup({}, 2);
  });

  it('follows nextLink across 3 pages to the deltaLink, then returns only the new message', async () => {
    const { sim, graph } = ctx;
    const ids = [1, 2, 3, 4, 5].map((n) => sim.mailbox.add('Inbox/Phish\\/Reports', eml(n)));
    sim.mailbox.add('Inbox', eml(9)); // another folder: never reported
    const folderId = await graph.resolveFolderId(MBX, 'Inbox/Phish\\/Reports');

    const first = await graph.messagesDelta(MBX, folderId);
    expect(first.reset).toBe(false);
    expect(first.pages).toBe(3);
    expect(first.added.map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(first.added.find((m) => m.id === ids[0])).toEqual({ id: ids[0], internetMessageId: '<msg-1@evil.example>', subject: 'Report 1', receivedDateTime: '2026-11-21T10:01:00Z' });
    expect(first.removedIds).toEqual([]);
    expect(first.deltaLink).toContain('$deltatoken=');

    const deltaCalls = graphRequests(sim, '/messages/delta');
    expect(deltaCalls).toHaveLength(3);
    expect(deltaCalls[0]!.query.$select).toBe('id,internetMessageId,subject,receivedDateTime');
    for (const c of deltaCalls) {
      expect(c.headers.prefer).toBe('odata.maxpagesize=2, IdType="ImmutableId"');
      expect(c.hasBearer).toBe(true);
    }
    expect(deltaCalls[1]!.query.$skiptoken).toBeDefined();

    const newId = sim.mailbox.add('Inbox/Phish\\/Reports', eml(6));
    const second = await graph.messagesDelta(MBX, folderId, first.deltaLink);
    expect(second.added.map((m) => m.id)).toEqual([newId]);
    expect(second.removedIds).toEqual([]);
    expect(second.reset).toBe(false);
    expect(graphRequests(sim, '/messages/delta').at(-1)!.query.$deltatoken).toBeDefined();

    // a message moved out shows up as removed; nothing changed -> empty
    sim.mailbox.move(ids[0]!, 'Deleted Items');
    const third = await graph.messagesDelta(MBX, folderId, second.deltaLink);
    expect(third.added).toEqual([]);
    expect(third.removedIds).toEqual([ids[0]]);
    const fourth = await graph.messagesDelta(MBX, folderId, third.deltaLink);
    expect(fourth.added).toEqual([]);
    expect(fourth.removedIds).toEqual([]);
  });

  it('restarts a full sync on 410 syncStateNotFound and reports reset', async () => {
    const { sim, graph } = ctx;
    sim.mailbox.add('Inbox', eml(1));
    sim.mailbox.add('Inbox', eml(2));
    const first = await graph.messagesDelta(MBX, 'inbox');
    sim.expireDeltaState();
    sim.mailbox.add('Inbox', eml(3));
    const again = await graph.messagesDelta(MBX, 'inbox', first.deltaLink);
    expect(again.reset).toBe(true);
    expect(again.added).toHaveLength(3);
    expect(sim.requests.some((r) => r.status === 410)).toBe(true);
  });

  it('refuses a stored deltaLink on another origin (the token stays on Graph)', async () => {
    await expect(ctx.graph.messagesDelta(MBX, 'inbox', 'https://evil.example/v1.0/users/x/mailFolders/inbox/messages/delta?$deltatoken=x')).rejects.toThrow(/off the Graph origin/);
  });
});

describe('GraphClient messages', () => {
  beforeEach(async () => {
    ctx = await setup();
  });

  it('fetches the MIME bytes unchanged', async () => {
    const { sim, graph } = ctx;
    const mime = Buffer.concat([eml(1, 'X-Bin: yes\r\n'), Buffer.from([0xff, 0xfe, 0x00, 0x80])]);
    const id = sim.mailbox.add('Inbox', mime);
    const got = await graph.getMessageMime(MBX, id);
    expect(Buffer.isBuffer(got)).toBe(true);
    expect(got.equals(mime)).toBe(true);
    const call = graphRequests(sim, '/$value')[0]!;
    expect(call.path).toBe(`/v1.0/users/${MBX}/messages/${id}/$value`);
  });

  it('finds a message by internetMessageId in each recipient mailbox and moves it (per-recipient fallback)', async () => {
    const { sim, graph } = ctx;
    const a = sim.mailbox.add('Inbox', eml(7), { mailbox: 'alice@contoso.com' });
    const b = sim.mailbox.add('Inbox', eml(7), { mailbox: 'bob@contoso.com' });
    sim.mailbox.add('Inbox', eml(8), { mailbox: 'bob@contoso.com' });

    expect(await graph.findMessageIds('alice@contoso.com', '<msg-7@evil.example>')).toEqual([a]);
    expect(await graph.findMessageIds('bob@contoso.com', 'msg-7@evil.example')).toEqual([b]);
    const q = graphRequests(sim, '/messages').filter((r) => r.method === 'GET');
    expect(q[1]!.query.$filter).toBe("internetMessageId eq '<msg-7@evil.example>'");

    const moved = await graph.moveMessage('bob@contoso.com', b, 'deleteditems');
    expect(moved.id).toBe(b);
    expect(sim.mailbox.list('Deleted Items', 'bob@contoso.com').map((m) => m.id)).toEqual([b]);
    const mv = graphRequests(sim, '/move')[0]!;
    expect(mv.method).toBe('POST');
    expect(mv.json).toEqual({ destinationId: 'deleteditems' });
  });

  it('on 401 invalidates the token, fetches a new one and retries once', async () => {
    const { sim, graph } = ctx;
    await graph.testConnection(MBX);
    expect(sim.tokenRequests()).toHaveLength(1);
    sim.revokeTokens();

    const res = await graph.testConnection(MBX);
    expect(res).toEqual({ ok: true, checks: ['token', `mailbox ${MBX}`] });
    expect(sim.tokenRequests()).toHaveLength(2);
    const inbox = graphRequests(sim, '/mailFolders/inbox');
    expect(inbox.map((r) => r.status)).toEqual([200, 401, 200]);
    expect(inbox[2]!.bearerToken).not.toBe(inbox[1]!.bearerToken);
  });

  it('writes request logs without any Authorization value', async () => {
    const { sim, graph, logs } = ctx;
    sim.mailbox.add('Inbox', eml(4));
    await graph.messagesDelta(MBX, 'inbox');
    sim.revokeTokens();
    await graph.testConnection(MBX);
    const text = logs.join('');
    expect(text).toContain('"msg":"vendor request"');
    expect(text).toContain('"status":401');
    const tokensSeen = sim.requests.filter((r) => r.bearerToken).map((r) => r.bearerToken!);
    expect(new Set(tokensSeen).size).toBe(2);
    for (const tok of tokensSeen) expect(text).not.toContain(tok);
    expect(text).not.toMatch(/Bearer\s+sim\./);
  });

  it('testConnection without a mailbox reads one user', async () => {
    expect(await ctx.graph.testConnection()).toEqual({ ok: true, checks: ['token', 'users'] });
    expect(graphRequests(ctx.sim, '/users')[0]!.query).toMatchObject({ $top: '1' });
  });
});

describe('GraphClient message trace', () => {
  beforeEach(async () => {
    ctx = await setup({ tracePageSize: 2 });
  });

  it('returns distinct lower-case recipients, following nextLink, within a ≤10-day window', async () => {
    const { sim, graph } = ctx;
    const now = new Date();
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const mid = '<abc-123@evil.example>';
    sim.traces.add({ messageId: mid, recipientAddress: 'Alice@Contoso.com', receivedDateTime: hoursAgo(5) });
    sim.traces.add({ messageId: mid, recipientAddress: 'bob@contoso.com', receivedDateTime: hoursAgo(5) });
    sim.traces.add({ messageId: mid, recipientAddress: 'alice@contoso.com', receivedDateTime: hoursAgo(4) });
    sim.traces.add({ messageId: mid, recipientAddress: 'all-staff@contoso.com', receivedDateTime: hoursAgo(4), status: 'expanded' }); // a DL row
    sim.traces.add({ messageId: mid, recipientAddress: 'carol@contoso.com', receivedDateTime: hoursAgo(30) });
    sim.traces.add({ messageId: mid, recipientAddress: 'dave@contoso.com', receivedDateTime: hoursAgo(24 * 20) }); // outside 10 days
    sim.traces.add({ messageId: '<other@x>', recipientAddress: 'erin@contoso.com', receivedDateTime: hoursAgo(1) });

    const rcpts = await graph.traceRecipients('abc-123@evil.example', { now });
    expect(rcpts).toEqual(['alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com']);

    const calls = graphRequests(sim, '/admin/exchange/tracing/messageTraces');
    expect(calls).toHaveLength(3); // 5 matching rows, 2 per page
    const filter = calls[0]!.query.$filter!;
    expect(filter).toMatch(/^messageId eq '<abc-123@evil\.example>' and receivedDateTime ge \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ and receivedDateTime le \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const [, ge, le] = /ge (\S+) and receivedDateTime le (\S+)$/.exec(filter)!;
    expect(Date.parse(le!) - Date.parse(ge!)).toBeLessThanOrEqual(10 * 86_400_000);
    expect(Date.parse(le!)).toBeLessThanOrEqual(now.getTime());
    expect(calls[1]!.query.$skiptoken).toBeDefined();

    // 30 days back: three 10-day windows, dave found
    const wide = await graph.traceRecipients(mid, { now, days: 30 });
    expect(wide).toContain('dave@contoso.com');
    expect(graphRequests(sim, '/messageTraces').length).toBeGreaterThanOrEqual(3 + 3);
    expect(await graph.traceRecipients(mid, { now, excludeStatuses: [] })).toContain('all-staff@contoso.com');
  });

  it('builds typed filters and rejects windows over 10 days', () => {
    const end = new Date('2026-11-20T00:00:00.000Z');
    const start = new Date('2026-11-15T00:00:00.000Z');
    expect(messageTraceFilter({ start, end, senderAddress: "o'neil@x.example", subject: { op: 'startsWith', value: 'Invoice' } })).toBe(
      "senderAddress eq 'o''neil@x.example' and startsWith(subject,'Invoice') and receivedDateTime ge 2026-11-15T00:00:00Z and receivedDateTime le 2026-11-20T00:00:00Z",
    );
    expect(() => messageTraceFilter({ start: new Date('2026-11-01T00:00:00Z'), end })).toThrow(/10 days/);
  });

  it('lists traces with a typed filter', async () => {
    const { sim, graph } = ctx;
    const now = Date.now();
    const hourAgo = new Date(now - 3_600_000).toISOString();
    sim.traces.add({ messageId: '<m@x>', recipientAddress: 'a@contoso.com', senderAddress: 'bad@evil.example', receivedDateTime: hourAgo });
    sim.traces.add({ messageId: '<n@x>', recipientAddress: 'b@contoso.com', senderAddress: 'good@fine.example', receivedDateTime: hourAgo });
    const rows = await graph.listMessageTraces({ senderAddress: 'bad@evil.example', start: new Date(now - 86_400_000), end: new Date(now - 1000) });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ recipientAddress: 'a@contoso.com', status: 'delivered', messageId: '<m@x>' });
  });
});

describe('GraphClient remediate', () => {
  beforeEach(async () => {
    ctx = await setup();
  });

  const documented = {
    displayName: 'Phish triage #1234',
    description: 'Reported by user; confirmed by analyst',
    severity: 'high',
    action: 'softDelete',
    remediateSendersCopy: false,
    analyzedEmails: [
      { networkMessageId: '73ca4154-58d8-43d0-a890-08dc18c52e6d', recipientEmailAddress: 'hannah@contoso.com' },
      { networkMessageId: '73ca4154-58d8-43d0-a890-08dc18c52e6d', recipientEmailAddress: 'preston@contoso.com' },
    ],
  } as const;

  it('POSTs the documented body and returns the Location of the 202', async () => {
    const { sim, graph } = ctx;
    const res = await graph.remediate({ ...documented, analyzedEmails: [...documented.analyzedEmails] });
    expect(res.status).toBe(202);
    expect(res.duplicate).toBe(false);
    expect(res.location).toMatch(/^https:\/\/security\.microsoft\.com\/action-center\/history\?filters=/);
    expect(res.requestId).toBeDefined();
    expect(sim.remediations).toHaveLength(1);
    expect(sim.remediations[0]!.body).toEqual(documented);
    const call = graphRequests(sim, '/security/collaboration/analyzedEmails/remediate')[0]!;
    expect(call.method).toBe('POST');
    expect(call.headers['content-type']).toBe('application/json');
  });

  it('applies to the simulated mailboxes (softDelete moves the message out of the inbox)', async () => {
    const { sim, graph } = ctx;
    const id = sim.mailbox.add('Inbox', eml(3), { mailbox: 'hannah@contoso.com', networkMessageId: 'nmid-1' });
    await graph.remediate({ displayName: 'x', severity: 'low', action: 'moveToJunk', analyzedEmails: [{ networkMessageId: 'nmid-1', recipientEmailAddress: 'hannah@contoso.com' }] });
    expect(sim.mailbox.list('Junk Email', 'hannah@contoso.com').map((m) => m.id)).toEqual([id]);
    expect(sim.remediations[0]!.body).toEqual({ displayName: 'x', severity: 'low', action: 'moveToJunk', remediateSendersCopy: false, analyzedEmails: [{ networkMessageId: 'nmid-1', recipientEmailAddress: 'hannah@contoso.com' }] });
  });

  it('retries a 429 after Retry-After', async () => {
    const { sim, graph, sleeps } = ctx;
    sim.failNext({ method: 'POST', pathIncludes: '/analyzedEmails/remediate' }, { status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'TooManyRequests', message: 'Too many requests' } } });
    const res = await graph.remediate({ ...documented, analyzedEmails: [...documented.analyzedEmails] });
    expect(res.status).toBe(202);
    const calls = graphRequests(sim, '/analyzedEmails/remediate');
    expect(calls.map((c) => c.status)).toEqual([429, 202]);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(7000);
    expect(sleeps[0]).toBeLessThan(8000);
    expect(sim.remediations).toHaveLength(1);
  });

  it('treats 409 duplicate remediation as submitted (UNVERIFIED vendor behaviour)', async () => {
    const c = await setup({ duplicateRemediation409: true });
    ctx = c;
    const req = { ...documented, analyzedEmails: [...documented.analyzedEmails] };
    await c.graph.remediate(req);
    const again = await c.graph.remediate(req);
    expect(again).toMatchObject({ status: 409, duplicate: true });
    expect(c.sim.remediations).toHaveLength(1);
  });

  it('surfaces a 403 as a VendorError with the Graph code', async () => {
    const { sim, graph } = ctx;
    sim.failNext({ pathIncludes: '/remediate' }, { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } });
    const err = (await graph.remediate({ ...documented, analyzedEmails: [...documented.analyzedEmails] }).catch((e: unknown) => e)) as VendorError;
    expect(err).toBeInstanceOf(VendorError);
    expect(err.status).toBe(403);
    expect(err.code).toBe('Authorization_RequestDenied');
    expect(err.message).toContain('graph.remediate failed: HTTP 403');
  });
});
