// Retries, waits, timeouts and 401 refresh, against real local servers. The injected sleep only
// records, so the waits the client asked for are asserted without waiting.
import { afterEach, describe, expect, it } from 'vitest';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { backoffDelayMs, mayRetry, parseRetryAfter, serverDelayMs } from '../../../src/vendors/http/retry.ts';
import { cleanup, closedPort, json, makeClient, startServer } from './server.ts';

afterEach(cleanup);

async function caught(p: Promise<unknown>): Promise<VendorError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VendorError) return err;
    throw err;
  }
  throw new Error('expected a VendorError');
}

/** A server that answers `fails` times with `status` (and headers), then 200. */
function flaky(fails: number, status: number, headers: Record<string, string> = {}) {
  return startServer((_req, res, _seen, n) => (n <= fails ? json(res, status, { error: { code: 'Busy', message: 'try later' } }, headers) : json(res, 200, { ok: n })));
}

describe('backoff and retryable statuses', () => {
  it.each([429, 500, 502, 503, 504])('GET is retried on %i with exponential backoff capped at maxDelayMs', async (status) => {
    const srv = await flaky(4, status);
    const { client, sleeps } = makeClient(srv.url, { baseDelayMs: 100, maxDelayMs: 300, random: () => 1 });
    const res = await client.request({ method: 'GET', path: '/x' });
    expect(res).toMatchObject({ status: 200, body: { ok: 5 }, attempts: 5 });
    expect(sleeps).toEqual([100, 200, 300, 300]);
  });

  it('jitter: half the step is fixed, half comes from random()', async () => {
    const srv = await flaky(2, 500);
    const { client, sleeps } = makeClient(srv.url, { baseDelayMs: 1000, maxDelayMs: 10_000, random: () => 0.5 });
    await client.request({ method: 'GET', path: '/x' });
    expect(sleeps).toEqual([750, 1500]);
  });

  it('gives up after `retries` retries with the last error', async () => {
    const srv = await flaky(99, 503);
    const { client, sleeps } = makeClient(srv.url, { retries: 2 });
    const err = await caught(client.request({ method: 'GET', path: '/x', operation: 'graph.get' }));
    expect(err).toMatchObject({ kind: 'http', status: 503, code: 'Busy', attempts: 3, retryable: true });
    expect(err.message).toBe('graph.get failed after 3 attempts: HTTP 503 Service Unavailable (Busy): try later');
    expect(srv.seen).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry 400/403/404/501', async () => {
    for (const status of [400, 403, 404, 501]) {
      const srv = await flaky(1, status);
      const { client } = makeClient(srv.url);
      expect((await caught(client.request({ method: 'GET', path: '/x' }))).status).toBe(status);
      expect(srv.seen).toHaveLength(1);
    }
  });

  it('POST is not retried on 5xx by default, is with retry: true, and is on 429', async () => {
    const a = await flaky(1, 503);
    expect((await caught(makeClient(a.url).client.request({ method: 'POST', path: '/x', json: {} }))).status).toBe(503);
    expect(a.seen).toHaveLength(1);

    const b = await flaky(1, 503);
    expect((await makeClient(b.url).client.request({ method: 'POST', path: '/x', json: {}, retry: true })).attempts).toBe(2);

    const c = await flaky(1, 429);
    expect((await makeClient(c.url).client.request({ method: 'PATCH', path: '/x', json: {} })).attempts).toBe(2);
  });

  it('retry: false disables retries, even on 429', async () => {
    const srv = await flaky(1, 429, { 'retry-after': '1' });
    const err = await caught(makeClient(srv.url).client.request({ method: 'GET', path: '/x', retry: false }));
    expect(err).toMatchObject({ status: 429, retryAfterMs: 1000, attempts: 1 });
  });
});

describe('server-requested waits', () => {
  it('Retry-After in seconds is honoured exactly (not the backoff)', async () => {
    const srv = await flaky(1, 429, { 'retry-after': '2' });
    const { client, sleeps } = makeClient(srv.url, { baseDelayMs: 10 });
    await client.request({ method: 'GET', path: '/x' });
    expect(sleeps).toEqual([2000]);
  });

  it('Retry-After as an HTTP-date', async () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    const srv = await flaky(1, 503, { 'retry-after': at });
    const { client, sleeps } = makeClient(srv.url);
    await client.request({ method: 'GET', path: '/x' });
    expect(sleeps).toHaveLength(1);
    // HTTP-dates have 1 s resolution.
    expect(sleeps[0]).toBeGreaterThan(3_000);
    expect(sleeps[0]).toBeLessThanOrEqual(5_000);
  });

  it("Graph's x-ms-retry-after-ms wins over Retry-After", async () => {
    const srv = await flaky(1, 429, { 'x-ms-retry-after-ms': '1500', 'retry-after': '9' });
    const { client, sleeps } = makeClient(srv.url);
    await client.request({ method: 'GET', path: '/x' });
    expect(sleeps).toEqual([1500]);
  });

  it('RateLimit-Reset (delta seconds)', async () => {
    const srv = await flaky(1, 429, { 'ratelimit-reset': '4' });
    const { client, sleeps } = makeClient(srv.url);
    await client.request({ method: 'GET', path: '/x' });
    expect(sleeps).toEqual([4000]);
  });

  it('X-RateLimit-Reset per rateLimitReset: Mimecast milliseconds, seconds, epoch seconds', async () => {
    const ms = await flaky(1, 429, { 'x-ratelimit-reset': '750' });
    const m = makeClient(ms.url, { vendor: 'mimecast', rateLimitReset: 'milliseconds' });
    await m.client.request({ method: 'POST', path: '/api/x', json: {} });
    expect(m.sleeps).toEqual([750]);

    const s = await flaky(1, 429, { 'x-ratelimit-reset': '3' });
    const sc = makeClient(s.url, { rateLimitReset: 'seconds' });
    await sc.client.request({ method: 'GET', path: '/x' });
    expect(sc.sleeps).toEqual([3000]);

    const e = await flaky(1, 429, { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 6) });
    const ec = makeClient(e.url, { rateLimitReset: 'epoch-seconds' });
    await ec.client.request({ method: 'GET', path: '/x' });
    expect(ec.sleeps[0]).toBeGreaterThan(4_000);
    expect(ec.sleeps[0]).toBeLessThanOrEqual(6_000);
  });

  it('a Retry-After above maxDelayMs is honoured up to the 60 s ceiling', async () => {
    const srv = await flaky(1, 429, { 'retry-after': '30' });
    const { client, sleeps } = makeClient(srv.url, { maxDelayMs: 1000 });
    await client.request({ method: 'GET', path: '/x' });
    expect(sleeps).toEqual([30_000]);
  });

  it('beyond 60 s the call fails at once with retryAfterMs, so the caller can reschedule', async () => {
    const srv = await flaky(1, 429, { 'retry-after': '120' });
    const { client, sleeps } = makeClient(srv.url);
    const err = await caught(client.request({ method: 'GET', path: '/x', operation: 'graph.list' }));
    expect(sleeps).toEqual([]);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 120_000, retryable: true, attempts: 1 });
    expect(err.message).toBe('graph.list failed: HTTP 429 Too Many Requests (Busy): try later (retry after 120 s)');
  });
});

describe('timeouts', () => {
  it('a hanging server times out per client timeoutMs; GET is retried each time', async () => {
    const srv = await startServer(() => undefined); // never answers
    const { client, sleeps } = makeClient(srv.url, { timeoutMs: 100, retries: 2, baseDelayMs: 1 });
    const err = await caught(client.request({ method: 'GET', path: '/slow', operation: 'graph.slow' }));
    expect(err).toMatchObject({ kind: 'timeout', attempts: 3, retryable: true });
    expect(err.message).toBe('graph.slow failed after 3 attempts: timed out after 100 ms');
    expect(srv.seen).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('the per-request timeoutMs overrides the client one, and a stalled body also times out', async () => {
    const srv = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":'); // headers and part of the body, then nothing
    });
    const { client } = makeClient(srv.url, { timeoutMs: 60_000, retries: 0 });
    const err = await caught(client.request({ method: 'GET', path: '/x', timeoutMs: 150 }));
    expect(err.kind).toBe('timeout');
    // The message names the timeout that fired: the request's 150 ms, not the client's 60 s.
    expect(err.message).toContain('timed out after 150 ms');
  });

  it('a per-request timeout does not fire for a fast answer', async () => {
    const srv = await startServer((_req, res) => setTimeout(() => json(res, 200, { ok: true }), 50));
    const { client } = makeClient(srv.url, { timeoutMs: 10 });
    expect((await client.request({ method: 'GET', path: '/x', timeoutMs: 2_000 })).body).toEqual({ ok: true });
  });

  it('POST is not retried after a timeout (it may have been processed)', async () => {
    const srv = await startServer(() => undefined);
    const { client } = makeClient(srv.url, { timeoutMs: 100 });
    const err = await caught(client.request({ method: 'POST', path: '/x', json: {} }));
    expect(err).toMatchObject({ kind: 'timeout', attempts: 1 });
    expect(srv.seen).toHaveLength(1);
  });
});

describe('connection errors', () => {
  it('ECONNREFUSED is retried, for POST too (nothing was sent)', async () => {
    const url = await closedPort();
    const { client, sleeps } = makeClient(url, { retries: 2 });
    const err = await caught(client.request({ method: 'POST', path: '/x', json: {}, operation: 'graph.send' }));
    expect(err).toMatchObject({ kind: 'network', attempts: 3, retryable: true });
    expect(err.message).toBe('graph.send failed after 3 attempts: connection failed (ECONNREFUSED)');
    expect(sleeps).toHaveLength(2);
  });

  it('a socket hang-up / reset is retried for GET and then succeeds', async () => {
    const srv = await startServer((req, res, _s, n) => (n === 1 ? req.socket.destroy() : json(res, 200, { ok: true })));
    const { client } = makeClient(srv.url);
    const res = await client.request({ method: 'GET', path: '/x' });
    expect(res).toMatchObject({ body: { ok: true }, attempts: 2 });
  });

  it('a socket hang-up is not retried for POST unless retry: true', async () => {
    const srv = await startServer((req, res, _s, n) => (n <= 2 ? req.socket.destroy() : json(res, 200, { ok: true })));
    const { client } = makeClient(srv.url);
    const err = await caught(client.request({ method: 'POST', path: '/x', json: {} }));
    expect(err).toMatchObject({ kind: 'network', attempts: 1 });
    expect(err.message).toMatch(/connection failed \((ECONNRESET|UND_ERR_SOCKET)\)/);
    expect((await client.request({ method: 'POST', path: '/x', json: {}, retry: true })).attempts).toBe(2);
  });
});

describe('401: refresh once', () => {
  it('calls onUnauthorized once and retries with freshly authorized headers', async () => {
    const srv = await startServer((_req, res, seen) => (seen.headers.authorization === 'Bearer fresh' ? json(res, 200, { ok: true }) : json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired.' } })));
    let token = 'stale';
    let refreshed = 0;
    const { client, sleeps } = makeClient(srv.url, {
      authorize: async () => ({ authorization: `Bearer ${token}` }),
      onUnauthorized: () => {
        refreshed++;
        token = 'fresh';
      },
    });
    const res = await client.request({ method: 'POST', path: '/x', json: {} });
    expect(res).toMatchObject({ status: 200, attempts: 2 });
    expect(refreshed).toBe(1);
    expect(sleeps).toEqual([]);
    expect(srv.seen.map((s) => s.headers.authorization)).toEqual(['Bearer stale', 'Bearer fresh']);
  });

  it('a second 401 fails', async () => {
    const srv = await startServer((_req, res) => json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'nope' } }));
    let refreshed = 0;
    const { client } = makeClient(srv.url, { authorize: async () => ({ authorization: 'Bearer t' }), onUnauthorized: () => void refreshed++ });
    const err = await caught(client.request({ method: 'GET', path: '/x' }));
    expect(err).toMatchObject({ kind: 'http', status: 401, code: 'InvalidAuthenticationToken', attempts: 2, retryable: false });
    expect(refreshed).toBe(1);
    expect(srv.seen).toHaveLength(2);
  });
});

describe('retry policy (pure)', () => {
  it('parseRetryAfter', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('serverDelayMs ignores nonsense values', () => {
    expect(serverDelayMs({ 'x-ratelimit-reset': 'abc' })).toBeUndefined();
    expect(serverDelayMs({ 'x-ms-retry-after-ms': '-5', 'retry-after': '1' })).toBe(1000);
  });

  it('backoffDelayMs grows exponentially to the cap', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelayMs(a, 500, 4000, () => 1))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(backoffDelayMs(1, 500, 4000, () => 0)).toBe(250);
  });

  it('mayRetry', () => {
    expect(mayRetry({ method: 'GET', path: '/' }, { timeout: true })).toBe(true);
    expect(mayRetry({ method: 'POST', path: '/' }, { timeout: true })).toBe(false);
    expect(mayRetry({ method: 'POST', path: '/' }, { network: { code: 'ECONNREFUSED', sent: false } })).toBe(true);
    expect(mayRetry({ method: 'DELETE', path: '/' }, { status: 502 })).toBe(true);
    expect(mayRetry({ method: 'PATCH', path: '/' }, { status: 502 })).toBe(false);
    expect(mayRetry({ method: 'PATCH', path: '/', retry: true }, { status: 502 })).toBe(true);
  });
});
