// ManagementActivityClient on the real HttpClient and MSAL against the Management Activity
// simulator over TLS (tokens from the Graph simulator's identity endpoint): the requests the API
// receives, NextPageUri paging, "already enabled", errors, and one token cache per resource.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { ManagementActivityClient } from '../../../src/vendors/management-activity/client.ts';
import { checkContentWindow, parseApiTime } from '../../../src/vendors/management-activity/time.ts';
import { recordFilter } from '../../../src/vendors/management-activity/filter.ts';
import { recordTypeNumber } from '../../../src/vendors/management-activity/record-types.ts';
import { TENANT, audit, setupManagement, submission, type MaSetup } from './setup.ts';

let s: MaSetup;
beforeEach(async () => {
  s = await setupManagement({ pageSize: 2 });
});
afterEach(async () => {
  // No bearer token or client secret ever reaches a log line.
  const text = s.logs();
  for (const r of s.identity.requests) if (r.bearerToken) expect(text).not.toContain(r.bearerToken);
  expect(text).not.toContain('sim-client-secret');
  await s.close();
});

const root = `/api/v1.0/${TENANT}/activity/feed`;

describe('subscriptions', () => {
  it('starts, lists and stops, always sending PublisherIdentifier; "already enabled" is success', async () => {
    const started = await s.client.startSubscription('Audit.General');
    expect(started).toEqual({ subscription: { contentType: 'Audit.General', status: 'enabled' }, alreadyEnabled: false });
    const start = s.sim.requests.find((r) => r.path === `${root}/subscriptions/start`)!;
    expect(start).toMatchObject({ method: 'POST', query: { contentType: 'Audit.General', PublisherIdentifier: TENANT }, hasBearer: true });

    const again = await s.client.startSubscription('Audit.General');
    expect(again.alreadyEnabled).toBe(true);
    expect(s.sim.requests.filter((r) => r.path.endsWith('/subscriptions/start')).map((r) => r.status)).toEqual([200, 400]);

    expect(await s.client.listSubscriptions()).toEqual([{ contentType: 'Audit.General', status: 'enabled' }]);
    await s.client.stopSubscription('Audit.General');
    expect(s.sim.subscriptions.get('Audit.General')!.status).toBe('disabled');
    for (const r of s.sim.requests) expect(r.query.PublisherIdentifier, r.path).toBe(TENANT);
  });

  it('sends a webhook when given', async () => {
    await s.client.startSubscription('Audit.Exchange', { address: 'https://hookline.contoso.test/o365/activity', authId: 'hook-auth' });
    expect(s.sim.requests.at(-1)!.json).toEqual({ webhook: { address: 'https://hookline.contoso.test/o365/activity', authId: 'hook-auth', expiration: '' } });
  });

  it('stop of a content type without subscription fails with the API code', async () => {
    const err = await s.client.stopSubscription('DLP.All').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorError);
    expect((err as VendorError).code).toBe('AF20022');
    expect((err as VendorError).message).toMatch(/HTTP 400.*No subscription found/);
  });
});

describe('content', () => {
  it('lists blobs in a window (API time format) following NextPageUri, and reads each blob', async () => {
    s.sim.enable('Audit.General');
    const base = Date.now() - 3 * 3_600_000;
    for (let i = 0; i < 5; i++) s.sim.addContent('Audit.General', [audit({ id: `rec-${i}` })], { contentCreated: new Date(base + i * 60_000) });
    s.sim.addContent('Audit.General', [audit()], { contentCreated: new Date(base - 2 * 86_400_000) });
    const start = new Date(base - 60_000);
    const end = new Date(base + 3_600_000);
    const blobs = await s.client.listContent('Audit.General', { start, end });
    expect(blobs).toHaveLength(5);
    expect(blobs.map((b) => b.contentCreated)).toEqual([...blobs.map((b) => b.contentCreated)].sort());
    const lists = s.sim.requests.filter((r) => r.path.endsWith('/subscriptions/content'));
    expect(lists).toHaveLength(3);
    expect(lists[0]!.query).toMatchObject({ contentType: 'Audit.General', startTime: start.toISOString().slice(0, 19), endTime: end.toISOString().slice(0, 19) });
    expect(lists[1]!.query.nextPage).toBeTruthy();
    const records = await s.client.fetchContent(blobs[0]!.contentUri);
    expect(records.map((r) => r.Id)).toEqual(['rec-0']);
    expect(s.sim.requests.at(-1)!.query.PublisherIdentifier).toBe(TENANT);
  });

  it('refuses a NextPageUri or contentUri off the API origin (the token stays home)', async () => {
    s.sim.enable('Audit.General');
    s.sim.failNext({ pathIncludes: '/subscriptions/content' }, { status: 200, body: [], headers: { NextPageUri: 'https://evil.example/next' } });
    await expect(s.client.listContent('Audit.General')).rejects.toThrow(/NextPageUri points off the Management API origin/);
    await expect(s.client.fetchContent('https://evil.example/api/v1.0/x/activity/feed/audit/1')).rejects.toThrow(/contentUri points off/);
  });

  it('surfaces AF errors: expired content, a window the API refuses', async () => {
    s.sim.enable('Audit.General');
    const id = s.sim.addContent('Audit.General', [audit()], { expired: true });
    const blob = `${s.sim.url}${root}/audit/${id}`;
    await expect(s.client.fetchContent(blob)).rejects.toMatchObject({ code: 'AF20051' });
    const now = new Date();
    await expect(s.client.listContent('Audit.General', { start: new Date(now.getTime() - 8 * 86_400_000), end: new Date(now.getTime() - 7.5 * 86_400_000) })).rejects.toMatchObject({ code: 'AF20055' });
  });

  it('skips records without Id (warned, not thrown) and passes the timeout per request', async () => {
    s.sim.enable('Audit.General');
    const id = s.sim.addContent('Audit.General', [{ RecordType: 2, CreationTime: '2026-11-22T10:00:00' }, audit({ id: 'ok-1' })]);
    const rows = await s.client.fetchContent(`${s.sim.url}${root}/audit/${id}`, { timeoutMs: 5000 });
    expect(rows.map((r) => r.Id)).toEqual(['ok-1']);
    expect(s.logs()).toContain('audit record without Id');
  });
});

describe('identity', () => {
  it('uses its own token (audience = the Management API), cached, next to Graph’s', async () => {
    s.sim.enable('Audit.General');
    await s.client.listSubscriptions();
    await s.client.listSubscriptions();
    await s.graph.testConnection();
    const scopes = s.identity.tokenRequests().map((r) => r.tokenRequest?.scope);
    expect(scopes).toEqual([`${s.sim.url}/.default`, `${s.identity.graphUrl}/.default`]);
    expect(s.client.scope).toBe(s.sim.scope);
  });

  it('a Graph token is refused by the Management API (wrong audience)', async () => {
    // A client whose scope is Graph's: the simulator checks the audience like the service.
    const wrong = new ManagementActivityClient({ baseUrl: s.sim.url, tenantId: TENANT, tokens: s.tokens, log: s.log, scope: `${s.identity.graphUrl}/.default`, http: { retries: 0 } });
    await expect(wrong.listSubscriptions()).rejects.toMatchObject({ status: 401, code: 'AF10001' });
  });

  it('a tenant id that is not the token’s gets AF20010', async () => {
    const other = new ManagementActivityClient({ baseUrl: s.sim.url, tenantId: '99999999-2222-3333-4444-555555555555', tokens: s.tokens, log: s.log });
    await expect(other.listSubscriptions()).rejects.toMatchObject({ code: 'AF20010' });
  });
});

describe('time rules and filters', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  it('parses the API time format and checks the window rules', () => {
    expect(parseApiTime('2026-11-22T10:00:00', 'start_time').toISOString()).toBe('2026-11-22T10:00:00.000Z');
    expect(parseApiTime('2026-11-22', 'start_time').toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(() => parseApiTime('22/11/2026', 'start_time')).toThrow(/start_time must be a UTC time like 2026-11-22T10:00:00/);
    expect(checkContentWindow(undefined, undefined, now)).toBeUndefined();
    expect(() => checkContentWindow(new Date('2026-11-22T10:00:00Z'), undefined, now)).toThrow(/together/);
    expect(() => checkContentWindow(new Date('2026-11-20T10:00:00Z'), new Date('2026-11-21T10:00:01Z'), now)).toThrow(/at most 24 hours apart/);
    expect(() => checkContentWindow(new Date('2026-11-14T10:00:00Z'), new Date('2026-11-14T12:00:00Z'), now)).toThrow(/at most 7 days ago/);
    expect(() => checkContentWindow(new Date('2026-11-22T11:00:00Z'), new Date('2026-11-22T10:00:00Z'), now)).toThrow(/before end_time/);
  });

  it('filters records by record type (number or name), workload and operation', () => {
    const keep = recordFilter({ recordTypes: ['MailSubmission', '28'], workloads: ['threatintelligence'], operations: [] });
    expect(keep(submission() as never)).toBe(true);
    expect(keep(audit({ type: 28, workload: 'ThreatIntelligence' }) as never)).toBe(true);
    expect(keep(audit({ type: 2 }) as never)).toBe(false);
    expect(recordTypeNumber('mailsubmission')).toBe(29);
    expect(() => recordFilter({ recordTypes: ['NoSuchType'] })).toThrow(/neither a number nor a known record type name/);
  });
});
