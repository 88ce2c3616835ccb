// Concurrency, abort, logging and secrets, against real local servers.
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { captureLogger, cleanup, json, makeClient, startServer } from './server.ts';

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

const slow = (ms: number) => startServer((_req, res) => setTimeout(() => json(res, 200, { ok: true }), ms));

describe('per-host concurrency', () => {
  it('never has more than maxConcurrency requests in flight at the server', async () => {
    const srv = await slow(40);
    const { client } = makeClient(srv.url, { maxConcurrency: 3 });
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => client.request({ method: 'GET', path: `/x/${i}` })));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(srv.seen).toHaveLength(10);
    expect(srv.maxInFlight).toBe(3);
  });

  it('control: with a higher limit the server does see more at once (so the test above can fail)', async () => {
    const srv = await slow(40);
    const { client } = makeClient(srv.url, { maxConcurrency: 10 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.request({ method: 'GET', path: `/x/${i}` })));
    expect(srv.maxInFlight).toBeGreaterThan(3);
  });

  it('limits each host separately', async () => {
    const a = await slow(40);
    const b = await slow(40);
    const { client } = makeClient(a.url, { maxConcurrency: 2 });
    await Promise.all([
      ...Array.from({ length: 5 }, () => client.request({ method: 'GET', path: '/a' })),
      ...Array.from({ length: 5 }, () => client.request({ method: 'GET', path: `${b.url}/b` })),
    ]);
    expect(a.maxInFlight).toBe(2);
    expect(b.maxInFlight).toBe(2);
  });
});

describe('AbortSignal', () => {
  it('an already-aborted signal fails at once without a request', async () => {
    const srv = await slow(0);
    const { client } = makeClient(srv.url);
    const err = await caught(client.request({ method: 'GET', path: '/x', signal: AbortSignal.abort() }));
    expect(err).toMatchObject({ kind: 'aborted', attempts: 0, retryable: false });
    expect(srv.seen).toHaveLength(0);
  });

  it('aborting an in-flight request fails it as aborted, not retried', async () => {
    const srv = await startServer(() => undefined);
    const { client } = makeClient(srv.url, { timeoutMs: 30_000 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const err = await caught(client.request({ method: 'GET', path: '/x', signal: ctl.signal }));
    // 'aborted' (not 'timeout' after the client's 30 s) shows the signal ended it.
    expect(err).toMatchObject({ kind: 'aborted', attempts: 1 });
    expect(srv.seen).toHaveLength(1);
  });

  it('aborting during a backoff wait stops the retries', async () => {
    const srv = await startServer((_req, res) => json(res, 503, {}));
    const ctl = new AbortController();
    const { client } = makeClient(srv.url, {
      sleep: () => {
        ctl.abort();
        return new Promise(() => undefined); // would wait forever
      },
    });
    const err = await caught(client.request({ method: 'GET', path: '/x', signal: ctl.signal }));
    expect(err).toMatchObject({ kind: 'aborted', attempts: 1 });
    expect(srv.seen).toHaveLength(1);
  });

  it('aborting while queued behind the concurrency limit never sends the request', async () => {
    const srv = await startServer(() => undefined);
    const { client } = makeClient(srv.url, { maxConcurrency: 1, retries: 0 });
    const first = new AbortController();
    const blocked = caught(client.request({ method: 'GET', path: '/first', signal: first.signal }));
    const queued = new AbortController();
    const second = caught(client.request({ method: 'GET', path: '/second', signal: queued.signal }));
    await new Promise((r) => setTimeout(r, 50));
    queued.abort();
    expect(await second).toMatchObject({ kind: 'aborted' });
    first.abort();
    expect(await blocked).toMatchObject({ kind: 'aborted' });
    expect(srv.seen.map((s) => s.url)).toEqual(['/first']);
  });
});

describe('logging', () => {
  it('one debug line per request and one warn per retry, with the structured fields', async () => {
    const srv = await startServer((_req, res, _s, n) => (n === 1 ? json(res, 503, {}) : json(res, 200, {})));
    const cap = captureLogger();
    const { client } = makeClient(srv.url, { log: cap.log, vendor: 'mimecast' });
    await client.request({ method: 'GET', path: '/api/held', query: { page: 2 }, operation: 'mimecast.list-held' });
    const lines = cap.lines();
    const warns = lines.filter((l) => l.level === 40);
    const debugs = lines.filter((l) => l.level === 20);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ vendor: 'mimecast', operation: 'mimecast.list-held', method: 'GET', path: '/api/held?page=2', attempt: 1, status: 503, delayMs: expect.any(Number) });
    expect(debugs).toHaveLength(1);
    expect(debugs[0]).toMatchObject({ vendor: 'mimecast', operation: 'mimecast.list-held', method: 'GET', path: '/api/held?page=2', status: 200, attempts: 2, ms: expect.any(Number) });
  });

  it('the debug line is also written for a failed request', async () => {
    const srv = await startServer((_req, res) => json(res, 404, { error: { code: 'ErrorItemNotFound', message: 'gone' } }));
    const cap = captureLogger();
    const { client } = makeClient(srv.url, { log: cap.log });
    await caught(client.request({ method: 'GET', path: '/m/1' }));
    expect(cap.lines().filter((l) => l.level === 20)).toEqual([
      expect.objectContaining({ vendor: 'graph', operation: 'GET /m/1', status: 404, attempts: 1, error: 'http', code: 'ErrorItemNotFound' }),
    ]);
  });
});

describe('secrets never leave in logs or errors', () => {
  const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.SUPERSECRET.sig0123456789';
  const API_KEY = 'key-abcdef1234567890';
  const CLIENT_SECRET = 'cs-value-98765-qwerty';
  const ACCESS_TOKEN = 'at-value-5555-zxcvb';
  const MC_SIG = 'mcSignatureValue0123456789';

  it('authorize headers, secret headers and secret query params are scrubbed everywhere', async () => {
    // The worst case: a vendor that echoes the whole request (headers, URL) back in its error.
    const srv = await startServer((_req, res, seen) =>
      json(res, 500, {
        error: { code: 'Boom', message: `rejected ${seen.headers.authorization} raw ${TOKEN} key ${seen.headers['x-api-key']} at ${seen.url}` },
        echo: { headers: seen.headers, url: seen.url, bare: [TOKEN, API_KEY, CLIENT_SECRET, ACCESS_TOKEN, MC_SIG] },
      }),
    );
    const cap = captureLogger();
    const { client } = makeClient(srv.url, {
      log: cap.log,
      retries: 1,
      authorize: async () => ({ Authorization: `Bearer ${TOKEN}`, 'x-mc-auth': `MC accesskey:${MC_SIG}` }),
    });
    const err = await caught(
      client.request({
        method: 'GET',
        path: '/api/search',
        headers: { 'x-api-key': API_KEY },
        query: { client_secret: CLIENT_SECRET, access_token: ACCESS_TOKEN, q: 'phish' },
        operation: 'graph.search',
      }),
    );
    expect(err).toMatchObject({ kind: 'http', status: 500, code: 'Boom', attempts: 2 });
    // The request really carried them (so the assertions below mean something).
    expect(srv.seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(srv.seen[0]!.url).toContain(CLIENT_SECRET);
    expect(err.bodyExcerpt).toContain('Boom');

    const surfaces = {
      logs: cap.text(),
      message: err.message,
      json: JSON.stringify(err),
      stack: err.stack ?? '',
      inspect: inspect(err, { depth: 10 }),
      string: String(err),
    };
    for (const [where, text] of Object.entries(surfaces)) {
      for (const secret of [TOKEN, 'SUPERSECRET', API_KEY, CLIENT_SECRET, ACCESS_TOKEN, MC_SIG]) {
        expect(text.includes(secret), `${secret} leaked into ${where}`).toBe(false);
      }
    }
    expect(surfaces.logs).toContain('"path":"/api/search?client_secret=[redacted]&access_token=[redacted]&q=phish"');
    expect(err.message).toMatch(/^graph\.search failed after 2 attempts: HTTP 500 Internal Server Error \(Boom\): rejected \[redacted\] raw \[redacted\] key \[redacted\] at \/api\/search\?client_secret=\[redacted\]/);
  });

  it('form secrets (token requests) are scrubbed from errors too', async () => {
    const srv = await startServer((_req, res, seen) => json(res, 400, { error: 'invalid_client', error_description: `bad body ${seen.body}` }));
    const { client } = makeClient(srv.url);
    const err = await caught(client.request({ method: 'POST', path: '/oauth2/v2.0/token', form: { client_id: 'app', client_secret: CLIENT_SECRET } }));
    expect(JSON.stringify(err)).not.toContain(CLIENT_SECRET);
    expect(err.message).toContain('client_secret=[redacted]');
  });
});
