// CofenseClient on the real HttpClient against the Cofense simulator: token caching and renewal,
// error shapes, paging / sorting, the IOC source header, downloads and job polling.
import { afterEach, describe, expect, it } from 'vitest';
import { zipEntries } from '../../../src/sandbox/cofense-simulator.ts';
import { CofenseClient, quarantineJobStatus } from '../../../src/vendors/cofense/client.ts';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { INVOICE_ID, NO_SUCH_IOC, PHISH_ID, setup, type Setup } from './setup.ts';

let s: Setup;
afterEach(async () => {
  await s?.close();
});

const errorOf = async (p: Promise<unknown>): Promise<VendorError> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VendorError);
    return err as VendorError;
  }
  throw new Error('expected a VendorError');
};

describe('token', () => {
  it('gets a client-credentials token once, sends it as a bearer token and caches it', async () => {
    s = await setup();
    await s.client.listSearchableHeaders();
    await s.client.listSearchableHeaders();

    const tokenReqs = s.sim.tokenRequests();
    expect(tokenReqs).toHaveLength(1);
    expect(tokenReqs[0]).toMatchObject({
      method: 'POST',
      path: '/uaa/oauth/token',
      form: { grant_type: 'client_credentials', client_id: 'hookline-sim', client_secret: '[redacted]' },
      hasBearer: false,
    });
    expect(tokenReqs[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const api = s.sim.apiRequests();
    expect(api).toHaveLength(2);
    for (const r of api) expect(r).toMatchObject({ hasBearer: true, bearerValid: true, status: 200 });
    expect(s.client.tokenInfo()?.lifetimeSec).toBe(1799);
  });

  it('renews the token a margin before it expires (injected clock), not earlier', async () => {
    s = await setup();
    await s.client.listSearchableHeaders();
    expect(s.sim.tokenRequests()).toHaveLength(1);

    s.clock.now += 1700_000; // 99 s before expiry: still outside the 60 s margin
    await s.client.listSearchableHeaders();
    expect(s.sim.tokenRequests()).toHaveLength(1);

    s.clock.now += 50_000; // 49 s before expiry: inside the margin -> renewed before it runs out
    await s.client.listSearchableHeaders();
    expect(s.sim.tokenRequests()).toHaveLength(2);
    // The API never saw an expired token.
    expect(s.sim.apiRequests().every((r) => r.bearerValid && r.status === 200)).toBe(true);
  });

  it('caps the renewal margin at half of a short token lifetime', async () => {
    s = await setup({ tokenLifetimeSec: 60 });
    await s.client.listSearchableHeaders();
    s.clock.now += 20_000; // 40 s left: a 60 s margin would renew, half the lifetime (30 s) does not
    await s.client.listSearchableHeaders();
    expect(s.sim.tokenRequests()).toHaveLength(1);
    s.clock.now += 15_000; // 25 s left
    await s.client.listSearchableHeaders();
    expect(s.sim.tokenRequests()).toHaveLength(2);
  });

  it('on a 401 drops the token, gets a new one and retries the call once', async () => {
    s = await setup();
    await s.client.listSearchableHeaders();
    s.sim.revokeTokens();
    const headers = await s.client.listSearchableHeaders();
    expect(headers).toContain('X-Originating-IP');
    expect(s.sim.tokenRequests()).toHaveLength(2);
    const calls = s.sim.apiRequests().map((r) => [r.status, r.bearerValid]);
    expect(calls).toEqual([
      [200, true],
      [401, false],
      [200, true],
    ]);
  });

  it('fetches one token for concurrent first calls', async () => {
    s = await setup();
    await Promise.all([1, 2, 3, 4, 5].map(() => s.client.listSearchableHeaders()));
    expect(s.sim.tokenRequests()).toHaveLength(1);
  });

  it('bad credentials: a clear message naming the variables, and no secret in it', async () => {
    s = await setup({}, { clientSecret: 'wrong-secret-value' });
    const err = await errorOf(s.client.listSearchableHeaders());
    expect(err.message).toBe('cofense.token failed: HTTP 401 Unauthorized (unauthorized): Bad credentials (check COFENSE_CLIENT_ID and COFENSE_CLIENT_SECRET)');
    expect(err.message).not.toContain('wrong-secret-value');
    expect(s.sim.apiRequests()).toHaveLength(0);
  });
});

describe('error shapes', () => {
  it('Spring 404 {status,message,details} -> code and details in the message, with a hint', async () => {
    s = await setup();
    const err = await errorOf(s.client.getQuarantineJob(999));
    expect(err.status).toBe(404);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe('cofense.getQuarantineJob failed: HTTP 404 Not Found (NOT_FOUND): Object not found: Unable to find the requested object: quarantine job 999 (no quarantine job 999)');
  });

  it('the documented 404 / 400 / 422 bodies', async () => {
    s = await setup();
    s.sim.failNext({ path: '/api/v4/searches/7' }, { status: 404, body: { status: 'NOT_FOUND', message: 'Object not found', details: ['Unable to find the requested object'] } });
    const e404 = await errorOf(s.client.getMessageSearch(7));
    expect(e404.message).toBe('cofense.getMessageSearch failed: HTTP 404 Not Found (NOT_FOUND): Object not found: Unable to find the requested object (no message search 7)');

    s.sim.failNext({ path: '/api/v4/config' }, { status: 400, body: { status: 'BAD_REQUEST', message: 'Invalid request parameters', details: ['Download token is either missing or has already been used: invalid_token'] } });
    const e400 = await errorOf(s.client.listSearchableHeaders());
    expect(e400.message).toBe(
      'cofense.listSearchableHeaders failed: HTTP 400 Bad Request (BAD_REQUEST): Invalid request parameters: Download token is either missing or has already been used: invalid_token',
    );

    s.sim.failNext({ path: '/iocrepository' }, { status: 422, body: { status: 'UNPROCESSABLE_ENTITY', message: 'Validation failed for request data', details: ['X-Cofense-IOC-Source must only have alphanumeric characters and - . _ ~'] } });
    const e422 = await errorOf(s.client.getLastIoc());
    expect(e422.code).toBe('UNPROCESSABLE_ENTITY');
    expect(e422.message).toBe(
      'cofense.getLastIoc failed: HTTP 422 Unprocessable Entity (UNPROCESSABLE_ENTITY): Validation failed for request data: X-Cofense-IOC-Source must only have alphanumeric characters and - . _ ~',
    );
  });

  it('UAA 401 {error,error_description} twice (after the re-try) -> a clear auth message', async () => {
    s = await setup();
    s.sim.failNext({ path: '/api/v4/searches' }, { status: 401, body: { error: 'unauthorized', error_description: 'Full authentication is required to access this resource' } }, 2);
    const err = await errorOf(s.client.listMessageSearches());
    expect(err.message).toBe(
      'cofense.listMessageSearches failed after 2 attempts: HTTP 401 Unauthorized (unauthorized): Full authentication is required to access this resource (check COFENSE_CLIENT_ID and COFENSE_CLIENT_SECRET)',
    );
    expect(s.sim.tokenRequests()).toHaveLength(2);
  });

  it('403 says which roles the API client may lack; an HTML proxy page keeps the status line', async () => {
    s = await setup({}, { http: { retries: 0 } });
    s.sim.failNext({ path: '/api/v4/quarantineJobs' }, { status: 403, body: { error: 'access_denied', error_description: 'Access is denied' } });
    const e403 = await errorOf(s.client.getQuarantineJob(1));
    expect(e403.message).toMatch(/^cofense\.getQuarantineJob failed: HTTP 403 Forbidden \(access_denied\): Access is denied \(the Vision API client lacks a role/);

    s.sim.failNext({ path: '/api/v4/quarantineJobs' }, { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' });
    const e502 = await errorOf(s.client.getQuarantineJob(1));
    expect(e502.message).toBe('cofense.getQuarantineJob failed: HTTP 502 Bad Gateway');
    expect(e502.retryable).toBe(true);
  });

  it('an unexpected response shape is a decode error, not a crash later', async () => {
    s = await setup();
    s.sim.failNext({ path: '/api/v4/searches' }, { status: 200, body: { content: [] } });
    const err = await errorOf(s.client.listMessageSearches());
    expect(err.kind).toBe('decode');
    expect(err.message).toBe('cofense.listMessageSearches failed: unexpected response from Cofense Vision at searches: Invalid input: expected array, received undefined');
  });
});

describe('paging and sorting (Spring: page from 0, size <= 2000, repeated sort=field,dir)', () => {
  it('sends page, size and one sort parameter per field', async () => {
    s = await setup();
    await s.client.listQuarantineJobs({ page: 2, size: 10, sort: [{ field: 'createdDate', direction: 'desc' }, { field: 'id', direction: 'asc' }] });
    await s.client.listMessageSearches({ sort: [{ field: 'id' }] });
    await s.client.getMessageSearchResults(1, { page: 1, size: 2000 }).catch(() => undefined);
    const [jobs, searches, results] = s.sim.apiRequests();
    expect(jobs!.query).toEqual({ page: '2', size: '10', sort: ['createdDate,desc', 'id,asc'], excludeQuarantineEmails: 'false' });
    expect(searches!.query).toEqual({ page: '0', size: '50', sort: 'id' });
    expect(results!.query).toEqual({ page: '1', size: '2000' });
  });

  it('rejects a size above 2000 or a negative page before sending anything', async () => {
    s = await setup();
    await expect(s.client.listIocs({ size: 2001 })).rejects.toThrow('size must be a whole number from 1 to 2000 (got 2001)');
    await expect(s.client.listMessageSearches({ page: -1 })).rejects.toThrow('page must be 0 or a positive whole number (got -1)');
    expect(s.sim.requests).toHaveLength(0);
  });

  it('marks a full page as having more, and collects every page of a search', async () => {
    s = await setup();
    const search = await s.client.createMessageSearch({ recipient: '*@example.com' });
    const first = await s.client.getMessageSearchResults(search.id, { size: 1 });
    expect(first.page).toMatchObject({ page: 0, size: 1, hasMore: true });
    s.sim.requests.length = 0;

    const all = await s.client.collectMessageSearchResults(search.id, { size: 1 });
    expect(all.messages.map((m) => m.id)).toEqual([1001, 1002, 1003]);
    expect(all.truncated).toBe(false);
    expect(s.sim.apiRequests().map((r) => r.query.page)).toEqual(['0', '1', '2', '3']);

    const limited = await s.client.collectMessageSearchResults(search.id, { size: 1, limit: 2 });
    expect(limited.messages).toHaveLength(2);
    expect(limited.truncated).toBe(true);
  });
});

describe('IOC source header', () => {
  it('is sent on every IOC repository call: the configured source, or the one given', async () => {
    s = await setup({}, { iocSource: 'chatops-bot' });
    const now = '2026-11-22T10:00:00.000Z';
    const [ioc] = await s.client.updateIocs([{ threatType: 'SENDER', threatValue: 'helpdesk@mail-security.example.net', threatLevel: 'Malicious', sourceId: 'case-1', createdAt: now, updatedAt: now }]);
    await s.client.listIocs();
    await s.client.getIoc(ioc!.id);
    await s.client.getLastIoc();
    await s.client.updateIoc(ioc!.id, '2026-12-22T00:00:00.000Z');
    await s.client.listIocs({ source: 'Triage-1' });
    await s.client.deleteIoc(ioc!.id);
    const iocCalls = s.sim.apiRequests().filter((r) => r.path.startsWith('/iocrepository/'));
    expect(iocCalls.map((r) => [r.method, r.path, r.headers['x-cofense-ioc-source']])).toEqual([
      ['PUT', '/iocrepository/v1/iocs', 'chatops-bot'],
      ['GET', '/iocrepository/v1/iocs', 'chatops-bot'],
      ['GET', `/iocrepository/v1/iocs/${ioc!.id}`, 'chatops-bot'],
      ['GET', '/iocrepository/v1/iocs/last', 'chatops-bot'],
      ['PUT', `/iocrepository/v1/iocs/${ioc!.id}`, 'chatops-bot'],
      ['GET', '/iocrepository/v1/iocs', 'Triage-1'],
      ['DELETE', `/iocrepository/v1/iocs/${ioc!.id}`, 'chatops-bot'],
    ]);
    expect(iocCalls.every((r) => r.status === 200)).toBe(true);
  });

  it('refuses a source with characters Vision rejects, before sending', async () => {
    s = await setup();
    await expect(s.client.listIocs({ source: 'bad source!' })).rejects.toThrow('source: "bad source!" is not a valid IOC source; use only letters, digits and - . _ ~');
    expect(() => new CofenseClient({ baseUrl: s.sim.url, clientId: 'x', clientSecret: 'y', log: silentLogger(), iocSource: 'no spaces' })).toThrow(/iocSource/);
    expect(s.sim.requests).toHaveLength(0);
  });

  it('rejects an IOC id that is not an MD5 before sending', async () => {
    s = await setup();
    await expect(s.client.getIoc('not-an-md5')).rejects.toThrow('IOC id "not-an-md5" is not an MD5 id (32 hex characters)');
    const err = await errorOf(s.client.getIoc(NO_SUCH_IOC));
    expect(err.status).toBe(404);
  });
});

describe('downloads', () => {
  it('message: a plain-text one-time token (under a JSON content type), then the zip; the token cannot be reused', async () => {
    s = await setup();
    const file = await s.client.downloadMessage({ internetMessageId: PHISH_ID, recipientAddress: 'bob@example.com' });
    expect(file.contentType).toBe('application/octet-stream');
    expect(file.filename).toBe('message_1001.zip');
    expect(zipEntries(file.bytes)).toEqual([{ name: '1001.eml', encrypted: false, size: expect.any(Number) }]);
    const [post, get] = s.sim.apiRequests();
    expect(post).toMatchObject({ method: 'POST', path: '/api/v4/messages', json: { internetMessageId: PHISH_ID, recipientAddress: 'bob@example.com' } });
    expect(get).toMatchObject({ method: 'GET', path: '/api/v4/messages', status: 200 });
    const token = get!.query.token as string;
    expect(token).toMatch(/^[0-9a-f-]{36}$/);

    // Re-using the one-time token: the documented 400, not retried.
    const reuse = await errorOf(rawGet(s, `/api/v4/messages?token=${token}`));
    expect(reuse.message).toBe('cofense GET /api/v4/messages failed: HTTP 400 Bad Request (BAD_REQUEST): Invalid request parameters: Download token is either missing or has already been used: invalid_token');
  });

  it('message with a password: the zip entries are encrypted', async () => {
    s = await setup();
    const file = await s.client.downloadMessage({ internetMessageId: INVOICE_ID, recipientAddress: 'alice@example.com', password: 'infected' });
    expect(zipEntries(file.bytes)[0]).toMatchObject({ name: '1002.eml', encrypted: true });
    expect(s.sim.apiRequests()[0]!.json).toEqual({ internetMessageId: INVOICE_ID, recipientAddress: 'alice@example.com', password: 'infected' });
  });

  it('attachment by hash, and the not-found hint', async () => {
    s = await setup();
    const att = s.sim.state.messages[1]!.attachments[0]!;
    const file = await s.client.downloadAttachment({ md5: att.md5.toUpperCase() });
    expect(file.bytes.equals(att.content)).toBe(true);
    expect(s.sim.apiRequests()[0]!.query).toEqual({ md5: att.md5 });
    const err = await errorOf(s.client.downloadAttachment({ sha256: 'a'.repeat(64) }));
    expect(err.message).toContain(`(no attachment with sha256 ${'a'.repeat(64)} in Vision)`);
  });
});

describe('quarantine job polling', () => {
  it('waits until the job is approved-pending / completed, sleeping with the injected sleep', async () => {
    s = await setup({ requireApproval: false });
    const job = await s.client.createQuarantineJob([{ recipientAddress: 'alice@example.com', internetMessageId: INVOICE_ID }]);
    expect(quarantineJobStatus(job)).toBe('NEW');
    const done = await s.client.waitForQuarantineJob(job.id);
    expect(quarantineJobStatus(done)).toBe('COMPLETED');
    expect(s.sleeps).toEqual([]);

    const restoring = await s.client.waitForQuarantineJob(job.id, { until: (j) => (j.quarantineJobRuns ?? []).some((r) => r.jobRunType === 'RESTORE'), timeoutMs: 4000, intervalMs: 1000 }).catch((e: Error) => e);
    expect(restoring).toBeInstanceOf(Error);
    expect((restoring as Error).message).toBe(`quarantine job ${job.id} is still COMPLETED after 4 s`);
    expect(s.sleeps).toEqual([1000, 1000, 1000, 1000]);
  });
});

/** A GET through a fresh client's HTTP layer (to replay a spent download token). */
async function rawGet(st: Setup, path: string): Promise<unknown> {
  const { HttpClient } = await import('../../../src/vendors/http/client.ts');
  const token = await fetch(`${st.sim.url}/uaa/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: st.sim.clientId, client_secret: st.sim.clientSecret }),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const { cofenseError } = await import('../../../src/vendors/cofense/errors.ts');
  const http = new HttpClient({ vendor: 'cofense', baseUrl: st.sim.url, log: silentLogger(), retries: 0, authorize: async () => ({ authorization: `Bearer ${token.access_token}` }) });
  try {
    return await http.request({ method: 'GET', path, responseType: 'buffer' });
  } catch (err) {
    throw cofenseError(err);
  }
}
