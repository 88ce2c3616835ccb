// Request building and response decoding against a real local server.
import { afterEach, describe, expect, it } from 'vitest';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { cleanup, json, makeClient, startServer } from './server.ts';

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

describe('request building', () => {
  it('repeats array keys, drops undefined/null, keeps $ readable and encodes spaces, quotes and plus', async () => {
    const srv = await startServer((_req, res, seen) => json(res, 200, { url: seen.url }));
    const { client } = makeClient(srv.url);
    const res = await client.request<{ url: string }>({
      method: 'GET',
      path: '/v1.0/users',
      query: { id: ['a', 'b', 3], $filter: "from eq 'x+y@z.com' and n gt 1", gone: undefined, nil: null, top: 5, flag: false },
    });
    expect(res.body.url).toBe("/v1.0/users?id=a&id=b&id=3&$filter=from%20eq%20%27x%2By%40z.com%27%20and%20n%20gt%201&top=5&flag=false");
  });

  it('keeps the base URL path prefix and accepts an absolute URL (nextLink) with its own query', async () => {
    const srv = await startServer((_req, res, seen) => json(res, 200, { url: seen.url }));
    const { client } = makeClient(`${srv.url}/api/v2/`);
    expect((await client.request<{ url: string }>({ method: 'GET', path: 'things' })).body.url).toBe('/api/v2/things');
    const abs = await client.request<{ url: string }>({ method: 'GET', path: `${srv.url}/v1.0/next?$skiptoken=abc`, query: { extra: 'x' } });
    expect(abs.body.url).toBe('/v1.0/next?$skiptoken=abc&extra=x');
  });

  it('sends JSON, form and raw bodies with the right content-type', async () => {
    const srv = await startServer((_req, res, seen) => json(res, 200, { ct: seen.headers['content-type'], body: seen.body }));
    const { client } = makeClient(srv.url);
    const j = await client.request<{ ct: string; body: string }>({ method: 'POST', path: '/j', json: { a: 1, b: ['x'] } });
    expect(j.body).toEqual({ ct: 'application/json', body: '{"a":1,"b":["x"]}' });
    const f = await client.request<{ ct: string; body: string }>({ method: 'POST', path: '/f', form: { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' } });
    expect(f.body).toEqual({ ct: 'application/x-www-form-urlencoded', body: 'grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default' });
    const r = await client.request<{ ct: string; body: string }>({ method: 'POST', path: '/r', body: '<soap/>', headers: { 'Content-Type': 'text/xml; charset=utf-8' } });
    expect(r.body).toEqual({ ct: 'text/xml; charset=utf-8', body: '<soap/>' });
  });

  it('adds the authorize headers on every attempt, only for the configured origin', async () => {
    const other = await startServer((_req, res, seen) => json(res, 200, { auth: seen.headers.authorization ?? null }));
    const srv = await startServer((_req, res, seen, n) => (n === 1 ? json(res, 503, {}) : json(res, 200, { auth: seen.headers.authorization })));
    let calls = 0;
    const { client } = makeClient(srv.url, {
      authorize: async ({ url }) => {
        calls++;
        expect(url).toBeInstanceOf(URL);
        return { Authorization: `Bearer tok-${calls}` };
      },
    });
    const res = await client.request<{ auth: string }>({ method: 'GET', path: '/me' });
    expect(res.attempts).toBe(2);
    expect(srv.seen.map((s) => s.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    // An absolute link to another host never gets our token.
    const cross = await client.request<{ auth: string | null }>({ method: 'GET', path: `${other.url}/download` });
    expect(cross.body.auth).toBeNull();
  });
});

describe('response decoding', () => {
  it('decodes JSON by content-type (OData, problem+json), text otherwise, and returns headers and requestId', async () => {
    const srv = await startServer((req, res) => {
      if (req.url === '/odata') return json(res, 200, { value: [1] }, { 'content-type': 'application/json;odata.metadata=minimal', 'request-id': 'rid-1' });
      if (req.url === '/problem') return json(res, 200, { title: 't' }, { 'content-type': 'application/problem+json' });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-ms-request-id': 'rid-2' });
      res.end('hello');
    });
    const { client } = makeClient(srv.url);
    const a = await client.request({ method: 'GET', path: '/odata' });
    expect(a).toMatchObject({ status: 200, body: { value: [1] }, requestId: 'rid-1', attempts: 1 });
    expect(a.headers['request-id']).toBe('rid-1');
    expect((await client.request({ method: 'GET', path: '/problem' })).body).toEqual({ title: 't' });
    const t = await client.request({ method: 'GET', path: '/text' });
    expect(t).toMatchObject({ body: 'hello', requestId: 'rid-2' });
  });

  it('honours responseType json / text / buffer', async () => {
    const srv = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('{"a":1}');
    });
    const { client } = makeClient(srv.url);
    expect((await client.request({ method: 'GET', path: '/', responseType: 'json' })).body).toEqual({ a: 1 });
    expect((await client.request({ method: 'GET', path: '/', responseType: 'text' })).body).toBe('{"a":1}');
    const b = await client.request({ method: 'GET', path: '/', responseType: 'buffer' });
    expect(Buffer.isBuffer(b.body)).toBe(true);
    expect((b.body as Buffer).toString()).toBe('{"a":1}');
  });

  it('accepts 204 and 202 with an empty body', async () => {
    const srv = await startServer((req, res) => {
      res.writeHead(req.url === '/204' ? 204 : 202, { 'content-type': 'application/json', location: '/ops/1' });
      res.end();
    });
    const { client } = makeClient(srv.url);
    expect(await client.request({ method: 'DELETE', path: '/204' })).toMatchObject({ status: 204, body: undefined });
    const accepted = await client.request({ method: 'POST', path: '/202', json: {}, responseType: 'json' });
    expect(accepted).toMatchObject({ status: 202, body: undefined });
    expect(accepted.headers.location).toBe('/ops/1');
  });

  it('fails with kind decode on invalid JSON (not retried)', async () => {
    const srv = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'rid-d' });
      res.end('{"value": [1, 2');
    });
    const { client } = makeClient(srv.url);
    const err = await caught(client.request({ method: 'GET', path: '/broken', operation: 'graph.list-messages' }));
    expect(err).toMatchObject({ kind: 'decode', status: 200, requestId: 'rid-d', attempts: 1, retryable: false });
    expect(err.message).toMatch(/^graph\.list-messages failed: invalid JSON in response/);
    expect(err.bodyExcerpt).toBe('{"value": [1, 2');
    expect(srv.seen).toHaveLength(1);
  });
});

describe('HTTP errors', () => {
  it('Graph error: status, code, message, requestId and a chat-ready message', async () => {
    const srv = await startServer((_req, res) =>
      json(res, 403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', innerError: { 'request-id': 'x' } } }, { 'request-id': 'req-403' }),
    );
    const { client } = makeClient(srv.url);
    const err = await caught(client.request({ method: 'POST', path: '/v1.0/security/collaboration/analyzedEmails/remediate', json: {}, operation: 'graph.remediate' }));
    expect(err).toBeInstanceOf(VendorError);
    expect(err).toMatchObject({ kind: 'http', status: 403, code: 'Authorization_RequestDenied', requestId: 'req-403', attempts: 1, vendor: 'graph', operation: 'graph.remediate' });
    expect(err.message).toBe('graph.remediate failed: HTTP 403 Forbidden (Authorization_RequestDenied): Insufficient privileges to complete the operation.');
    expect(err.bodyExcerpt).toContain('Authorization_RequestDenied');
  });

  it('Mimecast fail[] and OAuth shapes; the request id from x-ms-correlation-request-id', async () => {
    const srv = await startServer((req, res) => {
      if (req.url === '/mc') return json(res, 400, { meta: { status: 400 }, data: [], fail: [{ errors: [{ code: 'err_validation_missing', message: 'id is required', retryable: false }] }] });
      return json(res, 400, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }, { 'x-ms-correlation-request-id': 'corr-1' });
    });
    const { client } = makeClient(srv.url, { vendor: 'mimecast' });
    const mc = await caught(client.request({ method: 'POST', path: '/mc', json: {}, operation: 'release-message' }));
    expect(mc.message).toBe('mimecast.release-message failed: HTTP 400 Bad Request (err_validation_missing): id is required');
    const oauth = await caught(client.request({ method: 'POST', path: '/token', form: { client_secret: 'hunter2-hunter2' } }));
    expect(oauth).toMatchObject({ code: 'invalid_client', requestId: 'corr-1' });
    expect(oauth.message).toBe('mimecast POST /token failed: HTTP 400 Bad Request (invalid_client): AADSTS7000215: Invalid client secret provided.');
  });

  it('a non-JSON error body gives the status line and a short, bounded excerpt', async () => {
    const srv = await startServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end(`<html>\n<body>${'Not here. '.repeat(200)}</body></html>`);
    });
    const { client } = makeClient(srv.url, { vendor: 'cofense' });
    const err = await caught(client.request({ method: 'GET', path: '/api/v5/messages/1', operation: 'cofense.get-message' }));
    expect(err.message).toBe('cofense.get-message failed: HTTP 404 Not Found');
    expect(err.code).toBeUndefined();
    expect(err.bodyExcerpt!.length).toBeLessThanOrEqual(500);
    expect(err.bodyExcerpt).toMatch(/^<html> <body>Not here/);
    expect(err.retryable).toBe(false);
  });
});

describe('pagination', () => {
  /** Graph-style pages of 3 items with an absolute @odata.nextLink, 4 pages in all. */
  async function pagedServer() {
    const srv = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const page = Number(url.searchParams.get('$skiptoken') ?? '0');
      const value = [0, 1, 2].map((i) => page * 3 + i);
      json(res, 200, { value, ...(page < 3 ? { '@odata.nextLink': `${base}/v1.0/items?$skiptoken=${page + 1}` } : {}) }, { 'request-id': `p${page}` });
    });
    const base = srv.url;
    return srv;
  }
  type Page = { value: number[]; '@odata.nextLink'?: string };
  const nextLink = (res: { body: Page }) => (res.body['@odata.nextLink'] ? { method: 'GET' as const, path: res.body['@odata.nextLink'] } : undefined);

  it('paginate follows absolute next links to the end, and stops at maxPages', async () => {
    const srv = await pagedServer();
    const { client } = makeClient(srv.url);
    const pages: number[][] = [];
    for await (const res of client.paginate<Page>({ method: 'GET', path: '/v1.0/items', query: { $top: 3 } }, nextLink)) pages.push(res.body.value);
    expect(pages).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]);
    let n = 0;
    for await (const _ of client.paginate<Page>({ method: 'GET', path: '/v1.0/items' }, nextLink, { maxPages: 2 })) n++;
    expect(n).toBe(2);
  });

  it('collect stops fetching once the limit is reached and reports truncation', async () => {
    const srv = await pagedServer();
    const { client } = makeClient(srv.url);
    const some = await client.collect<Page, number>({ method: 'GET', path: '/v1.0/items' }, nextLink, (r) => r.body.value, { limit: 5 });
    expect(some).toEqual({ items: [0, 1, 2, 3, 4], truncated: true, pages: 2, requestIds: ['p0', 'p1'] });
    expect(srv.seen).toHaveLength(2);
    const all = await client.collect<Page, number>({ method: 'GET', path: '/v1.0/items' }, nextLink, (r) => r.body.value);
    expect(all).toMatchObject({ truncated: false, pages: 4 });
    expect(all.items).toHaveLength(12);
    const capped = await client.collect<Page, number>({ method: 'GET', path: '/v1.0/items' }, nextLink, (r) => r.body.value, { maxPages: 3 });
    expect(capped).toMatchObject({ truncated: true, pages: 3 });
  });

  it('a vendor that returns the same next link forever is stopped', async () => {
    const srv = await startServer((_req, res) => json(res, 200, { value: [1], '@odata.nextLink': `${srv.url}/loop` }));
    const { client } = makeClient(srv.url);
    const got = await client.collect<Page, number>({ method: 'GET', path: '/loop' }, nextLink, (r) => r.body.value);
    expect(got.pages).toBe(1); // the absolute next link resolves to the page just fetched
  });
});
