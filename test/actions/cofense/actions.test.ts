// Every Cofense Vision catalog action, run the way a handler runs it (params.parse, then run) on
// the real CofenseClient against the simulator: the request Vision receives and the result.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Catalog } from '../../../src/actions/catalog.ts';
import { cofenseActions } from '../../../src/actions/cofense/index.ts';
import type { ActionContext, ActionResult, FileData, TableData } from '../../../src/actions/types.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { zipEntries } from '../../../src/sandbox/cofense-simulator.ts';
import type { Store } from '../../../src/store/store.ts';
import { notConfigured, VENDOR_VARIABLES, type Vendors } from '../../../src/vendors/registry.ts';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { INVOICE_ID, PHISH_ID, setup, type Setup } from '../../vendors/cofense/setup.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(async () => {
  await s.close();
});

const ctxFor = (vendors: Vendors, dryRun = false): ActionContext<Vendors> => ({
  actor: { platform: 'console', id: 'U1', name: 'Ana Analyst' },
  vendors,
  store: {} as Store,
  log: silentLogger(),
  dryRun,
});

const action = (id: string) => {
  const a = cofenseActions.find((x) => x.id === id);
  if (!a) throw new Error(`no action ${id}`);
  return a;
};

/** Parses like a handler does, then runs. */
async function run<T = unknown>(id: string, params: Record<string, unknown> = {}, opts: { dryRun?: boolean; vendors?: Vendors } = {}): Promise<ActionResult<T>> {
  const a = action(id);
  const parsed = a.params.parse(params);
  return (await a.run(ctxFor(opts.vendors ?? { cofense: s.client }, opts.dryRun), parsed)) as ActionResult<T>;
}

/** The zod error message a handler would show. */
function paramError(id: string, params: Record<string, unknown>): string {
  const r = action(id).params.safeParse(params);
  if (r.success) throw new Error(`expected ${id} to reject ${JSON.stringify(params)}`);
  return r.error.issues.map((i: { message: string }) => i.message).join('; ');
}

const api = () => s.sim.apiRequests();
const only = () => {
  const reqs = api();
  expect(reqs).toHaveLength(1);
  return reqs[0]!;
};
const seededIocId = () => [...s.sim.state.iocs.keys()][0]!;

describe('catalog declarations', () => {
  const expected: [string, string, string][] = [
    ['cofense.test-connectivity', 'read', 'viewer'],
    ['cofense.get-message-metadata', 'read', 'viewer'],
    ['cofense.get-message', 'read', 'analyst'],
    ['cofense.get-message-attachment', 'read', 'analyst'],
    ['cofense.list-quarantine-jobs', 'read', 'viewer'],
    ['cofense.create-quarantine-job', 'destructive', 'responder'],
    ['cofense.get-quarantine-job', 'read', 'viewer'],
    ['cofense.approve-quarantine-job', 'destructive', 'responder'],
    ['cofense.restore-quarantine-job', 'change', 'responder'],
    ['cofense.stop-quarantine-job', 'change', 'responder'],
    ['cofense.delete-quarantine-job', 'destructive', 'responder'],
    ['cofense.list-message-searches', 'read', 'viewer'],
    ['cofense.get-message-search', 'read', 'viewer'],
    ['cofense.create-message-search', 'read', 'analyst'],
    ['cofense.get-message-search-results', 'read', 'analyst'],
    ['cofense.list-iocs', 'read', 'viewer'],
    ['cofense.get-ioc', 'read', 'viewer'],
    ['cofense.get-last-ioc', 'read', 'viewer'],
    ['cofense.update-ioc', 'change', 'responder'],
    ['cofense.update-iocs', 'change', 'responder'],
    ['cofense.delete-ioc', 'destructive', 'responder'],
    ['cofense.list-searchable-headers', 'read', 'viewer'],
    ['cofense.download-logs', 'read', 'admin'],
  ];

  it('one action per seed action, with its risk and role, registrable in the catalog', () => {
    expect(cofenseActions.map((a) => [a.id, a.risk, a.role]).sort()).toEqual([...expected].sort());
    const catalog = new Catalog<Vendors>().register(...cofenseActions);
    expect(catalog.vendors()).toEqual(['cofense']);
    expect(catalog.find('cofense', 'create-quarantine-job')?.title).toBe('Create quarantine job');
  });

  it('every parameter has help text on its outer schema, and every schema converts to JSON Schema (modals)', () => {
    for (const a of cofenseActions) {
      expect(a.title, a.id).toBeTruthy();
      expect(a.summary, a.id).toBeTruthy();
      const shape = (a.params as z.ZodObject).shape as Record<string, z.ZodType>;
      for (const [name, field] of Object.entries(shape)) expect(field.description, `${a.id} ${name}`).toBeTruthy();
      expect(() => z.toJSONSchema(a.params, { io: 'input' }), a.id).not.toThrow();
    }
  });

  it('keeps the seed parameter names, defaults and enums', () => {
    const keys = (id: string) => Object.keys((action(id).params as z.ZodObject).shape);
    expect(keys('cofense.list-quarantine-jobs')).toEqual(['page', 'size', 'sort', 'exclude_quarantine_emails', 'include_status', 'exclude_status', 'iocs', 'sources', 'modified_date_after', 'auto_quarantine']);
    expect(keys('cofense.create-message-search')).toEqual([
      'subjects',
      'senders',
      'attachment_names',
      'attachment_hash_match_criteria',
      'attachment_hashes',
      'attachment_mime_types',
      'attachment_exclude_mime_types',
      'domain_match_criteria',
      'domains',
      'headers',
      'internet_message_id',
      'partial_ingest',
      'received_after_date',
      'received_before_date',
      'recipient',
      'url',
    ]);
    expect(keys('cofense.update-iocs')).toEqual(['source', 'iocs_json', 'threat_type', 'threat_value', 'threat_level', 'source_id', 'created_at', 'updated_at', 'requested_expiration']);
    expect(action('cofense.list-iocs').params.parse({})).toEqual({ page: 0, size: 50, include_expired: false });
    expect(action('cofense.list-quarantine-jobs').params.parse({})).toEqual({ page: 0, size: 50, exclude_quarantine_emails: false, auto_quarantine: false });
    expect(action('cofense.create-message-search').params.parse({ subjects: 'x' })).toMatchObject({ attachment_hash_match_criteria: 'ANY', domain_match_criteria: 'ANY' });
  });
});

describe('not configured', () => {
  it('every action answers "cofense is not configured: set ..." and requires() names the variables', async () => {
    for (const a of cofenseActions) {
      expect(a.requires?.({})).toEqual(VENDOR_VARIABLES.cofense);
      expect(a.requires?.({ cofense: s.client })).toBeUndefined();
      const params = minimalParams[a.name] ?? {};
      await expect(a.run(ctxFor({}), a.params.parse(params)), a.id).rejects.toThrow(notConfigured('cofense'));
    }
    expect(notConfigured('cofense')).toBe('cofense is not configured: set COFENSE_BASE_URL, COFENSE_CLIENT_ID, COFENSE_CLIENT_SECRET');
    expect(s.sim.requests).toHaveLength(0);
  });
});

const minimalParams: Record<string, Record<string, unknown>> = {
  'get-message-metadata': { internet_message_id: PHISH_ID, recipient_address: 'bob@example.com' },
  'get-message': { internet_message_id: PHISH_ID, recipient_address: 'bob@example.com' },
  'get-message-attachment': { md5: 'a'.repeat(32), filename: 'x.bin' },
  'create-quarantine-job': { quarantine_emails: `bob@example.com:${PHISH_ID}` },
  'get-quarantine-job': { id: 1 },
  'approve-quarantine-job': { id: 1 },
  'restore-quarantine-job': { id: 1 },
  'stop-quarantine-job': { id: 1 },
  'delete-quarantine-job': { id: 1 },
  'get-message-search': { id: 1 },
  'create-message-search': { subjects: 'x' },
  'get-message-search-results': { id: 1 },
  'get-ioc': { id: 'a'.repeat(32) },
  'update-ioc': { id: 'a'.repeat(32), expires_at: '2027-01-01' },
  'update-iocs': { threat_type: 'URL', threat_value: 'https://x.example.net/', threat_level: 'Malicious', source_id: 'c1' },
  'delete-ioc': { id: 'a'.repeat(32) },
};

describe('connectivity and configuration', () => {
  it('test-connectivity: health without a token, then a fresh token', async () => {
    const r = await run<Record<string, unknown>>('cofense.test-connectivity');
    expect(s.sim.requests.map((q) => [q.method, q.path, q.hasBearer])).toEqual([
      ['GET', '/actuator/health', false],
      ['POST', '/uaa/oauth/token', false],
    ]);
    expect(r.summary).toBe('Cofense Vision is up (status UP) and the client credentials work (token valid for 30 min)');
    expect(r.kind).toBe('record');
    expect(r.data).toEqual({ status: 'UP', tokenExpiresAt: '2026-11-22T10:29:59.000Z', tokenLifetimeSec: 1799 });
  });

  it('test-connectivity: a server that is not UP', async () => {
    await s.close();
    s = await setup({ health: 'DOWN' });
    await expect(run('cofense.test-connectivity')).rejects.toThrow('cofense.health failed: Cofense Vision is not healthy: status DOWN');
    expect(s.sim.tokenRequests()).toHaveLength(0);
  });

  it('list-searchable-headers', async () => {
    const r = await run<TableData>('cofense.list-searchable-headers');
    expect(only()).toMatchObject({ method: 'GET', path: '/api/v4/config/searchableHeaders', query: {}, hasBearer: true });
    expect(only().headers.accept).toBe('application/json');
    expect(r.summary).toBe('4 searchable headers: X-Originating-IP, X-MS-Exchange-Organization-AuthSource, Reply-To, Return-Path');
    expect(r.kind).toBe('table');
    expect(r.data.columns).toEqual([{ key: 'header', title: 'Header' }]);
    expect(r.data.rows).toEqual([{ header: 'X-Originating-IP' }, { header: 'X-MS-Exchange-Organization-AuthSource' }, { header: 'Reply-To' }, { header: 'Return-Path' }]);
  });

  it('download-logs: a zip file result', async () => {
    const r = await run<FileData>('cofense.download-logs');
    expect(only()).toMatchObject({ method: 'GET', path: '/api/v4/download/logs', hasBearer: true, status: 200 });
    expect(r.kind).toBe('file');
    expect(r.data).toMatchObject({ filename: 'logfiles.zip', contentType: 'application/zip' });
    expect(zipEntries(r.data.bytes).map((e) => e.name)).toEqual(['vision/application.log', 'uaa/uaa.log']);
    expect(r.summary).toMatch(/^Downloaded the Cofense Vision logs \(\d+ B\)$/);
  });
});

describe('messages', () => {
  it('get-message-metadata (angle brackets added when left out)', async () => {
    const r = await run<Record<string, unknown>>('cofense.get-message-metadata', { internet_message_id: 'phish-1001@mail-security.example.net', recipient_address: 'bob@example.com' });
    expect(only()).toMatchObject({ method: 'GET', path: '/api/v4/messages/metadata', query: { internetMessageId: PHISH_ID, recipientAddress: 'bob@example.com' } });
    expect(r.summary).toBe('"Action required: verify your mailbox" from helpdesk@mail-security.example.net to bob@example.com, received 2026-11-22T08:00:00.000+00:00');
    expect(r.kind).toBe('record');
    expect(r.data).toMatchObject({ id: 1001, internetMessageId: PHISH_ID, subject: 'Action required: verify your mailbox', from: [{ address: 'helpdesk@mail-security.example.net' }] });
  });

  it('get-message-metadata: a message Vision does not have -> a clear 404', async () => {
    await expect(run('cofense.get-message-metadata', { internet_message_id: '<nope@example.net>', recipient_address: 'bob@example.com' })).rejects.toThrow(
      'cofense.getMessageMetadata failed: HTTP 404 Not Found (NOT_FOUND): Object not found: Unable to find the requested object: message <nope@example.net> for bob@example.com (no message <nope@example.net> for bob@example.com in Vision (not ingested yet, or a shared mailbox / distribution list))',
    );
  });

  it('get-message: token request then the zip, password-protected', async () => {
    const r = await run<FileData>('cofense.get-message', { internet_message_id: INVOICE_ID, recipient_address: 'alice@example.com', password: 'infected' });
    const [post, get] = api();
    expect(post).toMatchObject({ method: 'POST', path: '/api/v4/messages', json: { internetMessageId: INVOICE_ID, recipientAddress: 'alice@example.com', password: 'infected' } });
    expect(post!.headers['content-type']).toBe('application/json');
    expect(get).toMatchObject({ method: 'GET', path: '/api/v4/messages', status: 200 });
    expect(Object.keys(get!.query)).toEqual(['token']);
    expect(r.kind).toBe('file');
    expect(r.data).toMatchObject({ filename: 'message_1002.zip', contentType: 'application/zip', comment: 'Zip protected with the password given with the command' });
    expect(zipEntries(r.data.bytes)).toEqual([{ name: '1002.eml', encrypted: true, size: expect.any(Number) }]);
    expect(r.summary).toMatch(/^Downloaded message <inv-2291@invoices\.example\.org> of alice@example\.com \(\d+ B zip, password-protected\)$/);
  });

  it('get-message-attachment by md5 (raw file) and by sha256 with a password (zip)', async () => {
    const att = s.sim.state.messages[1]!.attachments[0]!;
    const r = await run<FileData>('cofense.get-message-attachment', { md5: att.md5, filename: 'invoice.html' });
    expect(only()).toMatchObject({ method: 'GET', path: '/api/v4/attachment', query: { md5: att.md5 } });
    expect(r.kind).toBe('file');
    expect(r.data).toMatchObject({ filename: 'invoice.html', contentType: 'application/octet-stream' });
    expect(r.data.bytes.equals(att.content)).toBe(true);
    expect(r.summary).toBe(`Downloaded attachment md5 ${att.md5} as invoice.html (${att.content.length} B)`);

    s.sim.requests.length = 0;
    const z = await run<FileData>('cofense.get-message-attachment', { sha256: att.sha256, filename: 'invoice.html', password: 'infected' });
    const [post, get] = api();
    expect(post).toMatchObject({ method: 'POST', path: '/api/v4/attachment', json: { sha256: att.sha256, password: 'infected' } });
    expect(get).toMatchObject({ method: 'GET', path: '/api/v4/attachment', status: 200 });
    expect(z.data.filename).toBe('invoice.html.zip');
    expect(zipEntries(z.data.bytes)[0]).toMatchObject({ name: 'INV-2291.html', encrypted: true });
  });

  it('get-message-attachment needs md5 or sha256, valid hashes and a plain file name', () => {
    expect(paramError('cofense.get-message-attachment', { filename: 'x.bin' })).toBe('give md5 or sha256 (or both) to identify the attachment');
    expect(paramError('cofense.get-message-attachment', { md5: 'xyz', filename: 'x.bin' })).toBe('md5 must be 32 hex characters');
    expect(paramError('cofense.get-message-attachment', { md5: 'a'.repeat(32), filename: '../etc/passwd' })).toBe('filename must be a file name, without folders');
  });
});

describe('quarantine jobs', () => {
  it('list-quarantine-jobs with every filter, paging and sort', async () => {
    const iocId = seededIocId();
    const r = await run<TableData>('cofense.list-quarantine-jobs', {
      page: 0,
      size: 10,
      sort: 'createdDate:desc,id:asc',
      exclude_quarantine_emails: true,
      include_status: 'pending_approval,new',
      exclude_status: 'FAILED',
      iocs: iocId,
      sources: 'Triage-1',
      modified_date_after: '2026-11-01',
      auto_quarantine: true,
    });
    const req = only();
    expect(req).toMatchObject({ method: 'POST', path: '/api/v4/quarantineJobs/filter' });
    expect(req.query).toEqual({ page: '0', size: '10', sort: ['createdDate,desc', 'id,asc'], excludeQuarantineEmails: 'true' });
    expect(req.json).toEqual({
      filterOptions: {
        autoQuarantine: true,
        includeStatus: ['PENDING_APPROVAL', 'NEW'],
        excludeStatus: ['FAILED'],
        iocs: [iocId],
        sources: ['Triage-1'],
        modifiedDateAfter: '2026-11-01T00:00:00.000Z',
      },
    });
    expect(r.summary).toBe('1 quarantine job');
    expect(r.kind).toBe('table');
    expect(r.data.columns.map((c) => c.key)).toEqual(['id', 'status', 'emails', 'failed', 'autoQuarantine', 'iocs', 'createdBy', 'createdDate', 'stopRequested']);
    expect(r.data.rows).toEqual([
      { id: 1, status: 'PENDING_APPROVAL', emails: 3, failed: 0, autoQuarantine: true, iocs: iocId, createdBy: 'system', createdDate: '2026-11-22T10:00:00.000000', stopRequested: false },
    ]);
  });

  it('list-quarantine-jobs defaults, and a full page offers the next one', async () => {
    const r = await run<TableData>('cofense.list-quarantine-jobs', { size: 1 });
    expect(only().query).toEqual({ page: '0', size: '1', excludeQuarantineEmails: 'false' });
    expect(only().json).toEqual({ filterOptions: { autoQuarantine: false } });
    expect(r.summary).toBe('1 quarantine job (page 0; more on page 1)');
    expect(r.data.nextPageToken).toBe('1');
  });

  it('list-quarantine-jobs rejects unknown statuses, bad IOC ids and sort fields', () => {
    expect(paramError('cofense.list-quarantine-jobs', { include_status: 'DONE' })).toBe('include_status: "DONE" is not a status; use NEW, PENDING_APPROVAL, QUEUED, RUNNING, COMPLETED, FAILED');
    expect(paramError('cofense.list-quarantine-jobs', { iocs: 'abc' })).toBe('iocs: "abc" is not an IOC MD5 id');
    expect(paramError('cofense.list-quarantine-jobs', { sort: 'subject:asc' })).toBe(
      'sort: "subject:asc" is not a sortable field here; use field:asc or field:desc with one of id, createdBy, createdDate, modifiedBy, modifiedDate, stopRequested',
    );
    expect(paramError('cofense.list-quarantine-jobs', { sort: 'id:up' })).toBe('sort: sort direction "up" in "id:up" must be asc or desc');
    expect(paramError('cofense.list-quarantine-jobs', { modified_date_after: '15/09/2022' })).toBe(
      'modified_date_after: "15/09/2022" is not a date; use ISO-8601 in UTC, e.g. 2025-11-22 or 2025-11-22T10:00:00Z',
    );
  });

  it('create-quarantine-job: recipient:<message-id> pairs, several ids per recipient', async () => {
    const r = await run<Record<string, unknown>>('cofense.create-quarantine-job', { quarantine_emails: `alice@example.com:${PHISH_ID}:${INVOICE_ID}, bob@example.com:${PHISH_ID}` });
    expect(only()).toMatchObject({
      method: 'POST',
      path: '/api/v4/quarantineJobs',
      json: {
        quarantineEmails: [
          { recipientAddress: 'alice@example.com', internetMessageId: PHISH_ID },
          { recipientAddress: 'alice@example.com', internetMessageId: INVOICE_ID },
          { recipientAddress: 'bob@example.com', internetMessageId: PHISH_ID },
        ],
      },
    });
    expect(r.summary).toBe('Created quarantine job 2 for 3 emails (status NEW; follow it with get-quarantine-job id=2)');
    expect(r.kind).toBe('record');
    expect(r.data).toMatchObject({ id: 2, status: 'NEW', emailCount: 3, autoQuarantine: false });
  });

  it('create-quarantine-job rejects malformed pairs', () => {
    expect(paramError('cofense.create-quarantine-job', { quarantine_emails: PHISH_ID })).toBe(
      `quarantine_emails: "${PHISH_ID}" is not recipient:<internet-message-id> (e.g. alice@example.com:<abc123@mail.example.net>)`,
    );
    expect(paramError('cofense.create-quarantine-job', { quarantine_emails: ' , ' })).toBe('quarantine_emails is empty; give recipient:<internet-message-id> pairs, comma-separated');
  });

  it('get-quarantine-job', async () => {
    const r = await run<Record<string, unknown>>('cofense.get-quarantine-job', { id: 1 });
    expect(only()).toMatchObject({ method: 'GET', path: '/api/v4/quarantineJobs/1', query: {} });
    expect(r.summary).toBe('Quarantine job 1: PENDING_APPROVAL, 3 emails');
    expect(r.data).toMatchObject({ id: 1, status: 'PENDING_APPROVAL', emailCount: 3, autoQuarantine: true, matchingSources: ['Triage-1'] });
  });

  it('approve-quarantine-job with a message count', async () => {
    const r = await run('cofense.approve-quarantine-job', { id: 1, message_count: 3 });
    expect(only()).toMatchObject({ method: 'PUT', path: '/api/v4/quarantineJobs/1/approve', query: { messageCount: '3' }, status: 200 });
    expect(only().json).toBeUndefined();
    expect(r).toMatchObject({ summary: 'Approved quarantine job 1 for 3 messages', kind: 'record', data: { id: 1, approved: true, messageCount: 3 } });
    expect(s.sim.state.approvals).toEqual([{ jobId: 1, messageCount: 3 }]);
  });

  it('approve-quarantine-job without a count sends no query', async () => {
    const r = await run('cofense.approve-quarantine-job', { id: 1 });
    expect(only()).toMatchObject({ method: 'PUT', path: '/api/v4/quarantineJobs/1/approve', query: {} });
    expect(r.summary).toBe('Approved quarantine job 1');
  });

  it('restore-quarantine-job', async () => {
    await run('cofense.approve-quarantine-job', { id: 1 });
    s.sim.requests.length = 0;
    const r = await run('cofense.restore-quarantine-job', { id: 1 });
    expect(only()).toMatchObject({ method: 'PUT', path: '/api/v4/quarantineJobs/1/restore', status: 200 });
    expect(r).toMatchObject({ summary: 'Started restoring the emails of quarantine job 1 (follow it with get-quarantine-job id=1)', kind: 'record', data: { id: 1, restoreRequested: true } });
  });

  it('stop-quarantine-job', async () => {
    const r = await run<Record<string, unknown>>('cofense.stop-quarantine-job', { id: 1 });
    expect(only()).toMatchObject({ method: 'PUT', path: '/api/v4/quarantineJobs/1/stop', status: 200 });
    expect(r.summary).toBe('Requested a stop of quarantine job 1 (status PENDING_APPROVAL)');
    expect(r.data).toMatchObject({ id: 1, stopRequested: true });
  });

  it('delete-quarantine-job', async () => {
    const r = await run('cofense.delete-quarantine-job', { id: 1 });
    expect(only()).toMatchObject({ method: 'DELETE', path: '/api/v4/quarantineJobs/1', status: 200 });
    expect(r).toMatchObject({ summary: 'Deleted quarantine job 1', kind: 'record', data: { id: 1, deleted: true } });
    expect(s.sim.state.jobs.has(1)).toBe(false);
  });

  it('a vendor error reaches the analyst as one clear line', async () => {
    await expect(run('cofense.restore-quarantine-job', { id: 1 })).rejects.toThrow(
      'cofense.restoreQuarantineJob failed: HTTP 400 Bad Request (BAD_REQUEST): Invalid request parameters: Quarantine job 1 has no quarantined emails to restore (status PENDING_APPROVAL)',
    );
    await expect(run('cofense.get-quarantine-job', { id: 42 })).rejects.toBeInstanceOf(VendorError);
  });

  it('dry run: destructive calls are described, not sent', async () => {
    const created = await run<Record<string, unknown>>('cofense.create-quarantine-job', { quarantine_emails: `bob@example.com:${PHISH_ID}` }, { dryRun: true });
    expect(created.summary).toBe('Dry run: would create a quarantine job for 1 email (nothing was sent)');
    expect(created.data).toEqual({
      dryRun: true,
      request: { method: 'POST', url: `${s.sim.url}/api/v4/quarantineJobs`, body: { quarantineEmails: [{ recipientAddress: 'bob@example.com', internetMessageId: PHISH_ID }] } },
    });
    const approved = await run<Record<string, unknown>>('cofense.approve-quarantine-job', { id: 1, message_count: 2 }, { dryRun: true });
    expect(approved.summary).toBe('Dry run: would approve quarantine job 1 for 2 messages (nothing was sent)');
    expect(approved.data).toEqual({ dryRun: true, request: { method: 'PUT', url: `${s.sim.url}/api/v4/quarantineJobs/1/approve?messageCount=2` } });
    const deleted = await run('cofense.delete-quarantine-job', { id: 1 }, { dryRun: true });
    expect(deleted.summary).toBe('Dry run: would delete quarantine job 1 (nothing was sent)');
    const iocDeleted = await run('cofense.delete-ioc', { id: seededIocId(), source: 'Triage-1' }, { dryRun: true });
    expect(iocDeleted.summary).toBe(`Dry run: would delete IOC ${seededIocId()} of source Triage-1 (nothing was sent)`);
    expect(s.sim.requests).toHaveLength(0);
    expect(s.sim.state.jobs.size).toBe(1);
  });
});

describe('message searches', () => {
  const allFilters = {
    subjects: 'verify your mailbox,"Invoice, overdue"',
    senders: 'helpdesk@mail-security.example.net',
    attachment_names: 'INV-2291.html',
    attachment_hash_match_criteria: 'ALL',
    attachment_hashes: 'md5:938c2cc0dcc05f2b68c4287040cfcf71,SHA256:' + 'ab'.repeat(32),
    attachment_mime_types: 'text/html',
    attachment_exclude_mime_types: 'image',
    domain_match_criteria: 'ANY',
    domains: 'example.net,example.org',
    headers: 'X-Originating-IP:192.0.2.45,X-Originating-IP:198.51.100.7,Reply-To:helpdesk@mail-security.example.net',
    internet_message_id: 'phish-1001@mail-security.example.net',
    partial_ingest: true,
    received_after_date: '2026-11-20T00:00:00',
    received_before_date: '2026-11-22T23:59:59Z',
    recipient: '*@example.com',
    url: 'https://*.example.net/*',
  };

  it('create-message-search sends every seed filter in Vision shape', async () => {
    const r = await run<Record<string, unknown>>('cofense.create-message-search', allFilters);
    expect(only()).toMatchObject({ method: 'POST', path: '/api/v4/searches', status: 200 });
    expect(only().json).toEqual({
      subjects: ['verify your mailbox', 'Invoice, overdue'],
      senders: ['helpdesk@mail-security.example.net'],
      attachmentNames: ['INV-2291.html'],
      attachmentMimeTypes: ['text/html'],
      attachmentExcludeMimeTypes: ['image'],
      attachmentHashCriteria: {
        type: 'ALL',
        attachmentHashes: [
          { hashType: 'MD5', hashString: '938c2cc0dcc05f2b68c4287040cfcf71' },
          { hashType: 'SHA256', hashString: 'ab'.repeat(32) },
        ],
      },
      domainCriteria: { type: 'ANY', domains: ['example.net', 'example.org'], whiteListUrls: [] },
      headers: [
        { key: 'X-Originating-IP', values: ['192.0.2.45', '198.51.100.7'] },
        { key: 'Reply-To', values: ['helpdesk@mail-security.example.net'] },
      ],
      internetMessageId: PHISH_ID,
      partialIngest: true,
      receivedAfterDate: '2026-11-20T00:00:00.000Z',
      receivedBeforeDate: '2026-11-22T23:59:59.000Z',
      recipient: '*@example.com',
      url: 'https://*.example.net/*',
    });
    expect(r.kind).toBe('record');
    expect(r.data).toMatchObject({ id: 1, createdBy: 'hookline-sim', senders: ['helpdesk@mail-security.example.net'] });
    expect(r.summary).toMatch(/^Created message search 1 \(subjects=verify your mailbox, Invoice, overdue; senders=helpdesk@mail-security\.example\.net; recipient=\*@example\.com; .*\); see the matches with get-message-search-results id=1$/);
  });

  it('create-message-search: at most 3 values in every list field, named in the message; nothing sent', () => {
    const four = (v: (i: number) => string) => [1, 2, 3, 4].map(v).join(',');
    const cases: [string, string][] = [
      ['subjects', four((i) => `subject ${i}`)],
      ['senders', four((i) => `s${i}@example.net`)],
      ['attachment_names', four((i) => `f${i}.zip`)],
      ['attachment_hashes', four((i) => `md5:${String(i).repeat(32)}`)],
      ['attachment_mime_types', four((i) => `type/t${i}`)],
      ['attachment_exclude_mime_types', four((i) => `type/t${i}`)],
      ['domains', four((i) => `d${i}.example.net`)],
      ['headers', four((i) => `X-Originating-IP:192.0.2.${i}`)],
    ];
    for (const [field, value] of cases) {
      expect(paramError('cofense.create-message-search', { [field]: value })).toBe(`${field} has 4 values; Cofense Vision allows at most 3 values in ${field}`);
    }
    // Three is fine; duplicates do not count twice.
    expect(action('cofense.create-message-search').params.safeParse({ subjects: 'a,b,c,a' }).success).toBe(true);
    expect(s.sim.requests).toHaveLength(0);
  });

  it('create-message-search: other checks', () => {
    expect(paramError('cofense.create-message-search', {})).toMatch(/^give at least one filter: subjects, senders, /);
    expect(paramError('cofense.create-message-search', { attachment_hashes: 'sha1:abc' })).toBe(
      'attachment_hashes: "sha1:abc" must be hashtype:hashvalue with hashtype md5 or sha256 (e.g. md5:938c2cc0dcc05f2b68c4287040cfcf71)',
    );
    expect(paramError('cofense.create-message-search', { attachment_hashes: 'md5:abc' })).toBe('attachment_hashes: "abc" is not a valid MD5 hash (32 hex characters)');
    expect(paramError('cofense.create-message-search', { headers: 'X-Originating-IP' })).toBe('headers: "X-Originating-IP" must be Header-Name:value (e.g. X-Originating-IP:192.0.2.10)');
    expect(paramError('cofense.create-message-search', { domains: 'example.net', domain_match_criteria: 'SOME' })).toMatch(/ANY|ALL/);
    expect(paramError('cofense.create-message-search', { received_after_date: '2026-11-22', received_before_date: '2026-11-01' })).toBe(
      'received_after_date must be before received_before_date',
    );
  });

  it('list-message-searches with sort', async () => {
    await s.client.createMessageSearch({ senders: ['helpdesk@mail-security.example.net'] });
    await s.client.createMessageSearch({ subjects: ['Invoice'] });
    s.sim.requests.length = 0;
    const r = await run<TableData>('cofense.list-message-searches', { sort: 'id:desc', size: 5, page: 0 });
    expect(only()).toMatchObject({ method: 'GET', path: '/api/v4/searches', query: { page: '0', size: '5', sort: 'id,desc' } });
    expect(r.summary).toBe('2 message searches');
    expect(r.data.rows).toEqual([
      { id: 2, createdBy: 'hookline-sim', createdDate: '2026-11-22T10:00:00.000000', criteria: 'subjects=Invoice' },
      { id: 1, createdBy: 'hookline-sim', createdDate: '2026-11-22T10:00:00.000000', criteria: 'senders=helpdesk@mail-security.example.net' },
    ]);
  });

  it('get-message-search', async () => {
    await s.client.createMessageSearch({ senders: ['helpdesk@mail-security.example.net'], recipient: '*@example.com' });
    s.sim.requests.length = 0;
    const r = await run<Record<string, unknown>>('cofense.get-message-search', { id: 1 });
    expect(only()).toMatchObject({ method: 'GET', path: '/api/v4/searches/1' });
    expect(r.summary).toBe('Search 1 by hookline-sim: senders=helpdesk@mail-security.example.net; recipient=*@example.com');
    expect(r.data).toMatchObject({ id: 1, recipient: '*@example.com' });
  });

  it('get-message-search-results', async () => {
    await s.client.createMessageSearch({ domainCriteria: { type: 'ANY', domains: ['example.net'] } });
    s.sim.requests.length = 0;
    const r = await run<TableData>('cofense.get-message-search-results', { id: 1, sort: 'sentOn:desc', size: 100 });
    expect(only()).toMatchObject({ method: 'GET', path: '/api/v4/searches/1/results', query: { page: '0', size: '100', sort: 'sentOn,desc' } });
    expect(r.summary).toBe('1 message match search 1 (3 recipients)');
    expect(r.data.rows).toEqual([
      {
        id: 1001,
        receivedOn: '2026-11-22T08:00:00.000+00:00',
        from: 'helpdesk@mail-security.example.net',
        subject: 'Action required: verify your mailbox',
        recipients: 'alice@example.com, bob@example.com, carol@example.com',
        internetMessageId: PHISH_ID,
        attachments: null,
      },
    ]);
  });

  it('size above 2000 is rejected on every list action', () => {
    for (const id of ['cofense.list-quarantine-jobs', 'cofense.list-message-searches', 'cofense.list-iocs']) {
      expect(paramError(id, { size: 2001 })).toBe("size must be at most 2000 (Cofense Vision's page size limit)");
    }
    expect(paramError('cofense.get-message-search-results', { id: 1, size: 2001 })).toBe("size must be at most 2000 (Cofense Vision's page size limit)");
    expect(paramError('cofense.list-iocs', { page: -1 })).toBe('page must be 0 or a positive whole number (pages start at 0)');
    expect(action('cofense.list-iocs').params.safeParse({ size: 2000 }).success).toBe(true);
  });
});

describe('IOCs', () => {
  it('list-iocs with source, since, sort and include_expired', async () => {
    const r = await run<TableData>('cofense.list-iocs', { source: 'Triage-1', since: '2026-11-01', sort: 'updatedAt:desc', size: 100, include_expired: true });
    const req = only();
    expect(req).toMatchObject({ method: 'GET', path: '/iocrepository/v1/iocs' });
    expect(req.query).toEqual({ page: '0', size: '100', sort: 'updatedAt,desc', includeExpired: 'true', since: '2026-11-01T00:00:00.000Z' });
    expect(req.headers['x-cofense-ioc-source']).toBe('Triage-1');
    expect(r.summary).toBe('1 IOC from source Triage-1');
    expect(r.data.rows).toEqual([
      {
        id: seededIocId(),
        threatType: 'URL',
        threatValue: 'https://verify.example.net/login?u=alice',
        threatLevel: 'Malicious',
        expiresAt: '2027-02-20T10:00:00.000+00:00',
        expired: false,
        matches: 1,
        quarantined: 0,
        updatedAt: '2026-11-22T09:00:00.000+00:00',
      },
    ]);
  });

  it("list-iocs defaults to the bot's own source", async () => {
    const r = await run<TableData>('cofense.list-iocs');
    expect(only().headers['x-cofense-ioc-source']).toBe('hookline');
    expect(only().query).toEqual({ page: '0', size: '50', includeExpired: 'false' });
    expect(r.summary).toBe('0 IOCs from source hookline');
  });

  it('get-ioc', async () => {
    const r = await run<Record<string, unknown>>('cofense.get-ioc', { id: seededIocId().toUpperCase(), source: 'Triage-1' });
    expect(only()).toMatchObject({ method: 'GET', path: `/iocrepository/v1/iocs/${seededIocId()}` });
    expect(only().headers['x-cofense-ioc-source']).toBe('Triage-1');
    expect(r.summary).toBe(`IOC ${seededIocId()}: URL https://verify.example.net/login?u=alice (Malicious, expires 2027-02-20T10:00:00.000+00:00)`);
    expect(r.data).toMatchObject({ id: seededIocId(), type: 'ioc', attributes: { threat_type: 'URL' } });
  });

  it('get-last-ioc', async () => {
    const r = await run<Record<string, unknown>>('cofense.get-last-ioc', { source: 'Triage-1' });
    expect(only()).toMatchObject({ method: 'GET', path: '/iocrepository/v1/iocs/last' });
    expect(only().headers['x-cofense-ioc-source']).toBe('Triage-1');
    expect(r.summary).toBe(`Last IOC of source Triage-1: ${seededIocId()}, URL https://verify.example.net/login?u=alice (Malicious, expires 2027-02-20T10:00:00.000+00:00)`);
  });

  it('update-ioc sets the expiry', async () => {
    const r = await run<Record<string, unknown>>('cofense.update-ioc', { id: seededIocId(), expires_at: '2027-01-31' });
    expect(only()).toMatchObject({ method: 'PUT', path: `/iocrepository/v1/iocs/${seededIocId()}`, json: { data: { type: 'ioc', metadata: { quarantine: { expires_at: '2027-01-31T00:00:00.000Z' } } } } });
    expect(only().headers['x-cofense-ioc-source']).toBe('hookline');
    expect(r.summary).toBe(`IOC ${seededIocId()} now expires 2027-01-31T00:00:00.000+00:00`);
  });

  it('update-iocs from single fields', async () => {
    const r = await run<TableData>('cofense.update-iocs', {
      threat_type: 'SENDER',
      threat_value: 'helpdesk@mail-security.example.net',
      threat_level: 'Malicious',
      source_id: 'hookline-case-42',
      created_at: '2026-11-22T09:30:00Z',
      requested_expiration: '2026-12-22',
    });
    expect(only()).toMatchObject({ method: 'PUT', path: '/iocrepository/v1/iocs', status: 200 });
    expect(only().headers['x-cofense-ioc-source']).toBe('hookline');
    expect(only().json).toEqual({
      data: [
        {
          type: 'ioc',
          attributes: { threat_type: 'SENDER', threat_value: 'helpdesk@mail-security.example.net' },
          metadata: {
            source: {
              threat_level: 'Malicious',
              id: 'hookline-case-42',
              created_at: '2026-11-22T09:30:00.000Z',
              updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
              requested_expiration: '2026-12-22T00:00:00.000Z',
            },
          },
        },
      ],
    });
    expect(r.kind).toBe('table');
    expect(r.data.rows).toHaveLength(1);
    expect(r.data.rows[0]).toMatchObject({ threatType: 'SENDER', threatValue: 'helpdesk@mail-security.example.net', threatLevel: 'Malicious', matches: 1 });
    expect(r.summary).toBe(`Updated 1 IOC for source hookline: ${r.data.rows[0]!.id}, SENDER helpdesk@mail-security.example.net (Malicious, expires 2026-12-22T00:00:00.000+00:00)`);
  });

  it('update-iocs from a JSON list (seed example shape, mixed-case types)', async () => {
    const iocs_json = JSON.stringify([
      { threat_type: 'Domain', threat_value: 'mail-security.example.net', threat_level: 'Malicious', created_at: '2026-11-20', source_id: 'src_1', updated_at: '2026-11-21', requested_expiration: '2026-12-30' },
      { threat_type: 'url', threat_value: 'https://pay.invoices.example.org/inv/2291', threat_level: 'Suspicious', created_at: '2026-11-20', source_id: 'src_2' },
    ]);
    const r = await run<TableData>('cofense.update-iocs', { source: 'Triage-1', iocs_json });
    expect(only().headers['x-cofense-ioc-source']).toBe('Triage-1');
    const data = (only().json as { data: { attributes: unknown; metadata: { source: Record<string, unknown> } }[] }).data;
    expect(data.map((d) => d.attributes)).toEqual([
      { threat_type: 'DOMAIN', threat_value: 'mail-security.example.net' },
      { threat_type: 'URL', threat_value: 'https://pay.invoices.example.org/inv/2291' },
    ]);
    expect(data[0]!.metadata.source).toEqual({ threat_level: 'Malicious', id: 'src_1', created_at: '2026-11-20T00:00:00.000Z', updated_at: '2026-11-21T00:00:00.000Z', requested_expiration: '2026-12-30T00:00:00.000Z' });
    expect(r.summary).toBe('Updated 2 IOCs for source Triage-1');
    expect(r.data.rows).toHaveLength(2);
  });

  it('update-iocs validation names what is missing', () => {
    expect(paramError('cofense.update-iocs', { threat_type: 'URL' })).toBe('give iocs_json, or threat_type, threat_value, threat_level and source_id for a single IOC');
    expect(paramError('cofense.update-iocs', { iocs_json: '[{"threat_type":"ip","threat_value":"192.0.2.1","threat_level":"High","source_id":"x"}]' })).toBe(
      'iocs_json[0]: threat_type "ip" must be one of DOMAIN, MD5, SENDER, SHA256, SUBJECT, URL',
    );
    expect(paramError('cofense.update-iocs', { iocs_json: '[{"threat_type":"url","threat_value":"https://x.example.net"}]' })).toBe(
      'iocs_json[0]: threat_level: Invalid input: expected string, received undefined (each IOC needs threat_type, threat_value, threat_level and source_id)',
    );
    expect(paramError('cofense.update-iocs', { iocs_json: '{nope' })).toMatch(/^iocs_json is not valid JSON/);
    expect(paramError('cofense.update-iocs', { source: 'bad source', iocs_json: '[]' })).toMatch(/source: "bad source" is not a valid IOC source/);
  });

  it('delete-ioc', async () => {
    const iocId = seededIocId();
    const r = await run<Record<string, unknown>>('cofense.delete-ioc', { id: iocId, source: 'Triage-1' });
    expect(only()).toMatchObject({ method: 'DELETE', path: `/iocrepository/v1/iocs/${iocId}`, status: 200 });
    expect(only().headers['x-cofense-ioc-source']).toBe('Triage-1');
    expect(r.summary).toBe(`Deleted IOC ${iocId} of source Triage-1: URL https://verify.example.net/login?u=alice (Malicious, expires 2027-02-20T10:00:00.000+00:00)`);
    expect(r.data).toMatchObject({ id: iocId });
    expect(s.sim.state.iocs.size).toBe(0);
  });
});
