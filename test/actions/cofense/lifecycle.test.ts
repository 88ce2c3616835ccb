// Quarantine job lifecycles through the catalog actions against the stateful simulator:
// create -> (PENDING_APPROVAL) -> approve -> COMPLETED -> restore, and block (IOC) -> auto-quarantine.
import { afterEach, describe, expect, it } from 'vitest';
import { cofenseActions } from '../../../src/actions/cofense/index.ts';
import type { ActionContext, ActionResult, TableData } from '../../../src/actions/types.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import type { Store } from '../../../src/store/store.ts';
import type { QuarantineJob } from '../../../src/vendors/cofense/types.ts';
import type { Vendors } from '../../../src/vendors/registry.ts';
import { INVOICE_ID, PHISH_ID, setup, type Setup } from '../../vendors/cofense/setup.ts';

let s: Setup;
afterEach(async () => {
  await s.close();
});

async function run<T = unknown>(id: string, params: Record<string, unknown> = {}): Promise<ActionResult<T>> {
  const a = cofenseActions.find((x) => x.id === id)!;
  const ctx: ActionContext<Vendors> = { actor: { platform: 'console', id: 'U1' }, vendors: { cofense: s.client }, store: {} as Store, log: silentLogger(), dryRun: false };
  return (await a.run(ctx, a.params.parse(params))) as ActionResult<T>;
}

const where = (recipient: string, imid = PHISH_ID) => s.sim.state.mailboxes.get(`${recipient}\n${imid}`);

describe('quarantine job lifecycle', () => {
  it('create -> pending approval -> approve -> completed -> restore', async () => {
    s = await setup();
    const created = await run<QuarantineJob>('cofense.create-quarantine-job', {
      quarantine_emails: `alice@example.com:${PHISH_ID},bob@example.com:${PHISH_ID},nobody@elsewhere.example.org:${PHISH_ID}`,
    });
    expect(created.summary).toBe('Created quarantine job 2 for 3 emails (status NEW; follow it with get-quarantine-job id=2)');
    expect(created.data.quarantineEmails?.map((e) => e.status)).toEqual(['NEW', 'NEW', 'NEW']);

    const pending = await run<QuarantineJob>('cofense.get-quarantine-job', { id: 2 });
    expect(pending.summary).toBe('Quarantine job 2: PENDING_APPROVAL, 3 emails');
    expect(where('alice@example.com')).toBe('inbox');

    const approved = await run('cofense.approve-quarantine-job', { id: 2 });
    expect(approved.summary).toBe('Approved quarantine job 2');

    const done = await run<QuarantineJob>('cofense.get-quarantine-job', { id: 2 });
    expect(done.summary).toBe('Quarantine job 2: COMPLETED, 3 emails, 1 error');
    expect(done.data.quarantineEmails?.map((e) => [e.recipientAddress, e.status, e.errorMessage])).toEqual([
      ['alice@example.com', 'QUARANTINED', null],
      ['bob@example.com', 'QUARANTINED', null],
      ['nobody@elsewhere.example.org', 'UNKNOWN_MAILBOX', 'No primary addresses were found for nobody@elsewhere.example.org'],
    ]);
    expect(done.data.quarantineJobRuns?.map((r) => [r.jobRunType, r.status, r.total, r.error])).toEqual([['QUARANTINE', 'COMPLETED', 3, 1]]);
    expect([where('alice@example.com'), where('bob@example.com'), where('carol@example.com')]).toEqual(['quarantine', 'quarantine', 'inbox']);

    // A second approval is refused with a clear message.
    await expect(run('cofense.approve-quarantine-job', { id: 2 })).rejects.toThrow(
      'cofense.approveQuarantineJob failed: HTTP 400 Bad Request (BAD_REQUEST): Invalid request parameters: Quarantine job 2 is not pending approval (status COMPLETED)',
    );

    const completedList = await run<TableData>('cofense.list-quarantine-jobs', { include_status: 'COMPLETED' });
    expect(completedList.data.rows.map((r) => r.id)).toEqual([2]);

    const restore = await run('cofense.restore-quarantine-job', { id: 2 });
    expect(restore.summary).toBe('Started restoring the emails of quarantine job 2 (follow it with get-quarantine-job id=2)');
    const restored = await run<QuarantineJob>('cofense.get-quarantine-job', { id: 2 });
    expect(restored.data.quarantineJobRuns?.map((r) => [r.jobRunType, r.status])).toEqual([
      ['QUARANTINE', 'COMPLETED'],
      ['RESTORE', 'COMPLETED'],
    ]);
    expect(restored.data.quarantineEmails?.map((e) => e.status)).toEqual(['RESTORED', 'RESTORED', 'UNKNOWN_MAILBOX']);
    expect([where('alice@example.com'), where('bob@example.com')]).toEqual(['inbox', 'inbox']);

    // The requests, in order.
    expect(s.sim.apiRequests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /api/v4/quarantineJobs 200',
      'GET /api/v4/quarantineJobs/2 200',
      'PUT /api/v4/quarantineJobs/2/approve 200',
      'GET /api/v4/quarantineJobs/2 200',
      'PUT /api/v4/quarantineJobs/2/approve 400',
      'POST /api/v4/quarantineJobs/filter 200',
      'PUT /api/v4/quarantineJobs/2/restore 200',
      'GET /api/v4/quarantineJobs/2 200',
    ]);
  });

  it('without required approval a job completes at once', async () => {
    s = await setup({ requireApproval: false });
    // (The sample auto-quarantine job 1 already ran at start: the phish is out of every mailbox.)
    expect(where('alice@example.com')).toBe('quarantine');
    await run('cofense.create-quarantine-job', { quarantine_emails: `alice@example.com:${INVOICE_ID}` });
    const job = await run<QuarantineJob>('cofense.get-quarantine-job', { id: 2 });
    expect(job.summary).toBe('Quarantine job 2: COMPLETED, 1 email');
    expect(where('alice@example.com', INVOICE_ID)).toBe('quarantine');
  });

  it('block: an IOC from the bot creates an auto-quarantine job waiting for approval', async () => {
    s = await setup({ autoQuarantine: true });
    const up = await run<TableData>('cofense.update-iocs', { threat_type: 'SENDER', threat_value: 'helpdesk@mail-security.example.net', threat_level: 'Malicious', source_id: 'case-7' });
    const iocId = up.data.rows[0]!.id as string;
    const list = await run<TableData>('cofense.list-quarantine-jobs', { auto_quarantine: true, iocs: iocId, sources: 'hookline' });
    expect(list.data.rows).toEqual([expect.objectContaining({ id: 2, status: 'PENDING_APPROVAL', emails: 3, autoQuarantine: true, iocs: iocId })]);
    await run('cofense.approve-quarantine-job', { id: 2, message_count: 3 });
    expect([where('alice@example.com'), where('bob@example.com'), where('carol@example.com')]).toEqual(['quarantine', 'quarantine', 'quarantine']);
    const ioc = await run<Record<string, unknown>>('cofense.get-ioc', { id: iocId });
    expect(ioc.data).toMatchObject({ metadata: { quarantine: { match_count: 1, quarantine_count: 3, source_names: ['hookline'] } } });
  });
});
