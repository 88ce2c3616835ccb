// The Graph simulator's own rules (so the sandbox and the tests fail like Graph does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGraphSimulator } from '../../../src/sandbox/graph-simulator.ts';
import type { GraphSimulator } from '../../../src/sandbox/graph-simulator.ts';
import { trustTestCa } from '../../helpers/tls.ts';

const t = trustTestCa();
let sim: GraphSimulator;
let token: string;

beforeAll(async () => {
  sim = await startGraphSimulator({ tls: { key: t.key, cert: t.cert } });
  const res = await request(`${sim.loginUrl}/${sim.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's', scope: 'https://graph.microsoft.com/.default' }).toString(),
  });
  token = ((await res.body.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await sim.close();
});

async function get(path: string, auth = true): Promise<{ status: number; body: unknown }> {
  const res = await request(`${sim.graphUrl}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.statusCode, body: await res.body.json().catch(() => undefined) };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const traces = (filter: string) => get(`/v1.0/admin/exchange/tracing/messageTraces?$filter=${encodeURIComponent(filter)}`);

describe('graph simulator', () => {
  it('requires a bearer token on Graph routes and records hasBearer without the header', async () => {
    const r = await get('/v1.0/users', false);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
    const ok = await get('/v1.0/users');
    expect(ok.status).toBe(200);
    const [a, b] = sim.requests.filter((x) => x.path === '/v1.0/users');
    expect(a).toMatchObject({ hasBearer: false, status: 401 });
    expect(b).toMatchObject({ hasBearer: true, bearerToken: token, status: 200 });
    expect(b!.headers.authorization).toBeUndefined();
  });

  it('rejects a token request without a /.default scope', async () => {
    const res = await request(`${sim.loginUrl}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=c&client_secret=s&scope=Mail.Read',
    });
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('enforces the message trace window rules', async () => {
    const now = Date.now();
    expect((await traces(`receivedDateTime ge ${iso(now - 11 * 86_400_000)} and receivedDateTime le ${iso(now - 1000)}`)).status).toBe(400);
    expect((await traces(`receivedDateTime ge ${iso(now - 95 * 86_400_000)} and receivedDateTime le ${iso(now - 90 * 86_400_000)}`)).status).toBe(400);
    expect((await traces(`receivedDateTime ge ${iso(now - 86_400_000)} and receivedDateTime le ${iso(now + 3_600_000)}`)).status).toBe(400);
    expect((await traces(`messageId eq '<x@y>' and receivedDateTime ge ${iso(now - 86_400_000)}`)).status).toBe(400);
    expect((await traces(`messageId eq '<x@y>' and receivedDateTime ge ${iso(now - 86_400_000)} and receivedDateTime le ${iso(now - 1000)}`)).status).toBe(200);
  });

  it('answers failNext responses the given number of times', async () => {
    sim.failNext({ method: 'GET', pathIncludes: '/v1.0/users' }, { status: 503, headers: { 'retry-after': '1' } }, 2);
    expect((await get('/v1.0/users')).status).toBe(503);
    expect((await get('/v1.0/users')).status).toBe(503);
    expect((await get('/v1.0/users')).status).toBe(200);
  });

  it('rejects moveToQuarantine (documented as not supported)', async () => {
    const res = await request(`${sim.graphUrl}/v1.0/security/collaboration/analyzedEmails/remediate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'x', severity: 'low', action: 'moveToQuarantine', analyzedEmails: [{ networkMessageId: 'n', recipientEmailAddress: 'a@b' }] }),
    });
    expect(res.statusCode).toBe(400);
    await res.body.dump();
    expect(sim.remediations).toHaveLength(0);
  });
});
