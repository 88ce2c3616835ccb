// The Exchange Server on-prem steps against the EWS simulator (real client, real SOAP, TLS):
// Quarantine moves every recipient's copy (found by Message-ID, impersonating the recipient),
// Block marks it as junk (Blocked Senders list), and Undo reverses both; a mailbox without the
// copy is a per-recipient failure, so the step is partial.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/config/policy.ts';
import { ewsStep } from '../../src/actions/steps/ews.ts';
import { undoAll } from '../../src/actions/steps/playbook.ts';
import type { StepContext } from '../../src/actions/steps/types.ts';
import type { ReportRecord } from '../../src/store/types.ts';
import { setupEws, type EwsSetup } from '../vendors/ews/setup.ts';

const IMID = '<onprem-1@mail.evil.example>';
const MIME = ['From: IT <it@evil.example>', 'To: ann@contoso.test, bert@contoso.test', 'Subject: Reset now', `Message-ID: ${IMID}`, 'Date: Sun, 22 Nov 2026 08:00:00 +0000', '', 'click'].join('\r\n');

let t: EwsSetup;
beforeEach(async () => {
  t = await setupEws();
  t.sim.addItem('ann@contoso.test', 'Inbox', MIME, { internetMessageId: IMID, from: 'it@evil.example' });
});
afterEach(async () => {
  await t?.close();
});

function ctx(): StepContext {
  const report = {
    id: 'rep-ews',
    original: { subject: 'Reset now', from: { address: 'it@evil.example' }, to: [{ address: 'ann@contoso.test' }, { address: 'bert@contoso.test' }], cc: [], internetMessageId: IMID },
    indicators: { urls: [], domains: [], ips: [], hashes: [], addresses: [], attachments: [] },
  } as unknown as ReportRecord;
  return { actor: { platform: 'slack', id: 'U1' }, vendors: { ews: t.client, ewsImpersonation: true }, store: {} as StepContext['store'], log: t.log, dryRun: false, policy: defaultPolicy(), report, decision: 'quarantine' };
}

describe('EWS steps', () => {
  it('move: every copy to Deleted Items as its recipient, partial where there is none; Undo moves it back', async () => {
    const c = ctx();
    const step = ewsStep({ vendor: 'ews', step: 'move', folder: 'deleteditems', onError: 'continue' });
    const plan = await step.plan(c);
    expect(plan.summary).toBe('would move this message to deleteditems in 2 mailboxes on Exchange Server (recipients from the To/Cc of the original)');
    const out = await step.run(c, plan);
    expect(out).toMatchObject({ step: 'ews.move', status: 'partial', detail: 'moved in 1 of 2 mailboxes on Exchange Server' });
    expect(out.recipients).toEqual([
      { address: 'ann@contoso.test', status: 'ok' },
      { address: 'bert@contoso.test', status: 'failed', error: 'no copy of the message in the Inbox or Junk Email' },
    ]);
    expect(t.sim.items('ann@contoso.test', 'Deleted Items')).toHaveLength(1);
    expect(t.sim.items('ann@contoso.test', 'Inbox')).toHaveLength(0);
    expect(t.sim.requests.filter((r) => r.operation === 'MoveItem').map((r) => r.impersonate)).toEqual(['ann@contoso.test']);

    const [undo] = await undoAll(c, [out]);
    expect(undo).toMatchObject({ step: 'ews.move', status: 'ok', detail: 'moved back to the Inbox in 1 of 1 mailbox' });
    expect(t.sim.items('ann@contoso.test', 'Inbox')).toHaveLength(1);
  });

  it('mark-as-junk: the sender on the Blocked Senders list and the copy in Junk Email; Undo takes both back', async () => {
    const c = { ...ctx(), decision: 'block' as const };
    const step = ewsStep({ vendor: 'ews', step: 'mark-as-junk', moveItem: true, onError: 'continue' });
    const out = await step.run(c, await step.plan(c));
    expect(out.status).toBe('partial');
    expect(t.sim.blockedSenders('ann@contoso.test')).toContain('it@evil.example');
    expect(t.sim.items('ann@contoso.test', 'Junk Email')).toHaveLength(1);
    const [undo] = await undoAll(c, [out]);
    expect(undo!.status).toBe('ok');
    expect(t.sim.blockedSenders('ann@contoso.test')).not.toContain('it@evil.example');
    expect(t.sim.items('ann@contoso.test', 'Inbox')).toHaveLength(1);
  });

  it('dry run describes the move and sends nothing that changes mail', async () => {
    const c = { ...ctx(), dryRun: true };
    const step = ewsStep({ vendor: 'ews', step: 'delete', deleteType: 'MoveToDeletedItems', onError: 'continue' });
    const out = await step.run(c, await step.plan(c));
    expect(out).toMatchObject({ status: 'dry-run', detail: 'dry run: would delete this message (MoveToDeletedItems) in 2 mailboxes on Exchange Server (recipients from the To/Cc of the original)' });
    expect(t.sim.requests.some((r) => r.operation === 'DeleteItem')).toBe(false);
  });
});
