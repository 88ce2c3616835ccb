// The Bot Connector calls through the real SDK API client against the local fake connector:
// retries of 429 / 412 / 502 / 504 with Retry-After honoured, no retry of other errors, the
// per-conversation limit in front of every send, and 403 BotNotInConversationRoster as a gone
// conversation (never retried, reported once per call). Waits are recorded on a fake clock.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@microsoft/teams.api';
import { ConversationGoneError, TeamsApiError, TeamsConnector, type ConversationTarget } from '../../adapters/teams/connector.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.ts';
import { trustTestCa } from '../helpers/tls.ts';
import type { Clock } from '../../adapters/teams/rate-limit.ts';

const APP = '0b5f8a36-1111-4222-8333-944445555666';
const TENANT = '7c1d2e3f-aaaa-4bbb-8ccc-ddddeeeeffff';
const CONV = '19:alerts@thread.tacv2';

let fake: FakeBotConnector;
let target: ConversationTarget;

function clock(): Clock & { t: number; sleeps: number[] } {
  const c = { t: 5_000_000, sleeps: [] as number[], now: () => c.t, sleep: async (ms: number) => void (c.sleeps.push(ms), (c.t += ms)) };
  return c;
}

function connector(c = clock(), onGone?: (t: ConversationTarget, e: ConversationGoneError) => Promise<void>) {
  const conn = new TeamsConnector({
    api: (serviceUrl) => new Client(serviceUrl).conversations,
    log: silentLogger(),
    clock: c,
    random: () => 0.5,
    ...(onGone ? { onGone } : {}),
  });
  return { conn, clock: c };
}

beforeAll(async () => {
  const tls = trustTestCa();
  fake = await startFakeBotConnector({ appId: APP, tenantId: TENANT, tls });
  target = { conversationId: CONV, serviceUrl: fake.serviceUrl };
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.calls.length = 0;
  fake.clearFailures();
});

describe('TeamsConnector', () => {
  it('posts an activity and returns the id Teams gave it', async () => {
    const { conn } = connector();
    const id = await conn.send(target, { type: 'message', text: 'hello', textFormat: 'plain' });
    expect(id).toMatch(/^\d+$/);
    const post = fake.callsTo('POST', 'activities')[0]!;
    expect(post.conversationId).toBe(CONV);
    expect(post.body).toMatchObject({ type: 'message', text: 'hello' });
  });

  it.each([429, 412, 502, 504])('retries %i with backoff, then succeeds', async (status) => {
    const { conn, clock: c } = connector();
    fake.failNext({ method: 'POST', conversationId: CONV }, { status }, 2);
    await conn.send(target, { type: 'message', text: 'x' });
    expect(fake.callsTo('POST', 'activities').map((x) => x.status)).toEqual([status, status, 201]);
    // Exponential: base 1 s then 2 s (half fixed, half jitter; jitter 0.5 here).
    expect(c.sleeps).toEqual([750, 1500]);
  });

  it('honours Retry-After when Teams asks for longer than the backoff', async () => {
    const { conn, clock: c } = connector();
    fake.failNext({ method: 'PUT', conversationId: CONV }, { status: 429, headers: { 'retry-after': '7' } });
    await conn.update(target, '1700000000001', { type: 'message', text: 'updated' });
    expect(c.sleeps).toEqual([7000]);
    expect(fake.callsTo('PUT', 'activities').map((x) => x.status)).toEqual([429, 200]);
  });

  it('does not sit through a Retry-After beyond a minute: the error says when to try again', async () => {
    const { conn, clock: c } = connector();
    fake.failNext({ method: 'POST', conversationId: CONV }, { status: 429, headers: { 'retry-after': '600' } });
    const err = await conn.send(target, { type: 'message', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TeamsApiError);
    expect((err as TeamsApiError).retryAfterMs).toBe(600_000);
    expect((err as Error).message).toMatch(/wait 600 s/);
    expect(c.sleeps).toEqual([]);
  });

  it('gives up after four attempts with a clear error', async () => {
    const { conn } = connector();
    fake.failNext({ method: 'POST', conversationId: CONV }, { status: 502, body: { error: { code: 'BadGateway', message: 'upstream down' } } }, 10);
    const err = (await conn.send(target, { type: 'message', text: 'x' }).catch((e: unknown) => e)) as TeamsApiError;
    expect(err).toBeInstanceOf(TeamsApiError);
    expect(err.attempts).toBe(4);
    expect(err.status).toBe(502);
    expect(err.message).toContain('(502 BadGateway): upstream down');
    expect(fake.callsTo('POST', 'activities')).toHaveLength(4);
  });

  it('does not retry other client errors', async () => {
    const { conn, clock: c } = connector();
    fake.failNext({ method: 'POST', conversationId: CONV }, { status: 400, body: { error: { code: 'BadArgument', message: 'Unknown attachment type' } } });
    const err = (await conn.send(target, { type: 'message', text: 'x' }).catch((e: unknown) => e)) as TeamsApiError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('BadArgument');
    expect(fake.callsTo('POST', 'activities')).toHaveLength(1);
    expect(c.sleeps).toEqual([]);
  });

  it('treats 403 BotNotInConversationRoster as a gone conversation: reported, never retried', async () => {
    const gone: string[] = [];
    const { conn } = connector(clock(), async (t) => void gone.push(t.conversationId));
    fake.gone.add('19:removed@thread.tacv2');
    try {
      const err = await conn.send({ conversationId: '19:removed@thread.tacv2', serviceUrl: fake.serviceUrl }, { type: 'message', text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConversationGoneError);
      expect((err as ConversationGoneError).conversationId).toBe('19:removed@thread.tacv2');
      expect(gone).toEqual(['19:removed@thread.tacv2']);
      expect(fake.callsTo('POST', 'activities')).toHaveLength(1);
    } finally {
      fake.gone.clear();
    }
  });

  it('holds a burst to 7 sends a second per conversation', async () => {
    const { conn, clock: c } = connector();
    await Promise.all(Array.from({ length: 10 }, () => conn.send(target, { type: 'message', text: 'burst' })));
    expect(fake.callsTo('POST', 'activities')).toHaveLength(10);
    // Sends 1-7 go at once; the 8th waits for the 1 s window, the 9th for the 8-in-2 s window.
    expect(c.sleeps).toEqual([1000, 1000]);
  });

  it('reads the roster page by page', async () => {
    const { conn } = connector();
    fake.members.set(CONV, [
      { id: '29:alice', aadObjectId: 'aaaa', name: 'Alice' },
      { id: '29:bob', aadObjectId: 'bbbb', name: 'Bob' },
    ]);
    expect(await conn.members(target)).toEqual([
      { id: '29:alice', aadObjectId: 'aaaa', name: 'Alice' },
      { id: '29:bob', aadObjectId: 'bbbb', name: 'Bob' },
    ]);
    expect(fake.callsTo('GET', 'members')[0]!.path).toBe(`/v3/conversations/${CONV}/pagedMembers`);
  });
});
