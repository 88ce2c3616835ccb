// The two-person rule for destructive decisions, through Slack: the requester is asked for a
// justification in a modal, the request waits on the card with its preview, the requester cannot
// approve it, a second responder can (or denies it), and a request nobody approves expires (a
// job) with the card saying so. Runs on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait.ts';
import { fileOf } from '../../src/actions/steps/record.ts';
import { decide } from '../../src/actions/decisions.ts';
import { expirePendingRequests } from '../../src/jobs/approval-expiry.ts';
import { cardText, hasRequest, startBed, type Bed } from './harness.ts';

const targets = await dbTargets();
const POLICY = [
  'roles:',
  '  responder:',
  '    slack:',
  '      users: [UALICE01, UBOB0001]',
  'fourEyes:',
  '  risks: [destructive]',
  '  approverRole: responder',
  '  expiryMinutes: 30',
  '',
];
const WHY = 'Credential phish, two users clicked the link';

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`four-eyes on ${t.name}`, () => {
    let bed: Bed;
    beforeAll(async () => {
      bed = await startBed(t, POLICY);
    });
    afterAll(async () => {
      await bed?.close();
    });

    /** Alice asks for a quarantine: the click opens the modal, the submission makes the request. */
    async function request(reportId: string, ts: string) {
      const before = bed.slack.callsTo('views.open').length;
      await bed.click('UALICE01', 'decide:quarantine', reportId, ts);
      const open = await waitFor(() => bed.slack.callsTo('views.open')[before], 'the justification modal');
      const view = open.args.view as { callback_id: string; private_metadata: string };
      expect(view.callback_id).toBe('decide:justify');
      const sent = await bed.submitJustification('UALICE01', view.private_metadata, WHY);
      expect(sent.status).toBe(200);
      return bed.decision(reportId, hasRequest, 'the four-eyes request');
    }

    it('asks the requester why, refuses a too-short answer, and shows the request with its preview, justification and expiry', async () => {
      const p = await bed.ingest({ subject: 'Four eyes', to: ['alice@contoso.test', 'bob@contoso.test'] });
      await bed.click('UALICE01', 'decide:quarantine', p.reportId, p.ts);
      const open = await waitFor(() => bed.slack.callsTo('views.open')[0], 'the justification modal');
      expect(open.args.trigger_id).toBe('123.456.abc');
      // Nothing is claimed before the justification arrives.
      expect(await bed.hook.store.latestDecision(p.reportId)).toBeUndefined();
      const meta = (open.args.view as { private_metadata: string }).private_metadata;
      const short = await bed.submitJustification('UALICE01', meta, 'because');
      expect(JSON.parse(short.text)).toMatchObject({ response_action: 'errors', errors: { justification: expect.stringContaining('at least 10 characters') } });
      expect(await bed.hook.store.latestDecision(p.reportId)).toBeUndefined();

      await bed.submitJustification('UALICE01', meta, WHY);
      const pending = await bed.decision(p.reportId, hasRequest, 'the request');
      const req = fileOf(pending).request!;
      expect(req).toMatchObject({ needsSecond: true, approverRole: 'responder', justification: WHY });
      expect(new Date(req.expiresAt).getTime() - new Date(req.requestedAt).getTime()).toBe(30 * 60_000);
      const card = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('Approve request')), 'the request card');
      const text = cardText(card);
      expect(text).toContain('waiting for a second approver (someone with the responder role other than <@UALICE01>)');
      expect(text).toContain(`*Justification:* ${WHY}`);
      expect(text).toContain('would soft-delete this message in 2 mailboxes');
      expect(text).toMatch(/Expires \d\d:\d\d UTC/);
      expect(text).toContain('"decide:cancel"');
      expect(bed.graph.remediations).toHaveLength(0);
    });

    it('never lets the requester approve their own request; a second responder does, and it runs once', async () => {
      const p = await bed.ingest({ subject: 'Approve me', to: ['carl@contoso.test'] });
      const pending = await request(p.reportId, p.ts);
      await bed.click('UALICE01', 'decide:confirm', pending.id, p.ts);
      const refusal = await waitFor(() => bed.replies('UALICE01').find((r) => /You requested this report\.quarantine/.test(r)), 'the refusal');
      expect(refusal).toContain('a second, different person');
      expect((await bed.hook.store.getDecision(pending.id))!.state).toBe('pending_second_approval');
      expect(bed.graph.remediations.filter((r) => r.displayName.includes(p.reportId))).toHaveLength(0);
      const denied = (await bed.hook.store.listAudit()).filter((a) => a.result === 'denied' && (a.params as { decisionId?: string }).decisionId === pending.id);
      expect(denied.map((a) => a.actor.id)).toEqual(['UALICE01']);

      await Promise.all([bed.click('UBOB0001', 'decide:confirm', pending.id, p.ts), bed.click('UBOB0001', 'decide:confirm', pending.id, p.ts)]);
      const done = await bed.decision(p.reportId, (d) => d.state === 'done', 'the approved quarantine');
      expect(done.requestedBy.id).toBe('UALICE01');
      expect(done.approvedBy?.id).toBe('UBOB0001');
      expect(bed.graph.remediations.filter((r) => r.displayName.includes(p.reportId))).toHaveLength(1);
      const audit = (await bed.hook.store.listAudit()).filter((a) => (a.params as { decisionId?: string }).decisionId === done.id && a.result !== 'denied');
      expect(audit.map((a) => [(a.detail as { event?: string }).event ?? a.result, a.actor.id])).toEqual([
        ['requested', 'UALICE01'],
        ['approved', 'UBOB0001'],
        ['ok', 'UBOB0001'],
      ]);
      expect((audit[2]!.detail as { justification?: string }).justification).toBe(WHY);
      const card = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('*Quarantined* by')), 'the final card');
      expect(cardText(card)).toContain('second approval <@UBOB0001>');
    });

    it('a second responder can deny; the card says so and offers the buttons again', async () => {
      const p = await bed.ingest({ subject: 'Deny me', to: ['dora@contoso.test'] });
      const pending = await request(p.reportId, p.ts);
      await bed.click('UBOB0001', 'decide:cancel', pending.id, p.ts);
      const d = await bed.decision(p.reportId, (x) => x.state === 'dismissed', 'the denial');
      expect(fileOf(d).request?.resolution).toMatchObject({ kind: 'denied', by: { id: 'UBOB0001' } });
      const card = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('request denied* by <@UBOB0001>')), 'the denied card');
      expect(cardText(card)).toContain('"decide:quarantine"');
      expect(bed.graph.remediations.filter((r) => r.displayName.includes(p.reportId))).toHaveLength(0);
    });

    it('an unapproved request expires after fourEyes.expiryMinutes (the job), the card says so, and a late approval does nothing', async () => {
      const p = await bed.ingest({ subject: 'Expire me', to: ['egon@contoso.test'] });
      const pending = await request(p.reportId, p.ts);
      // Before the deadline the job leaves it alone.
      expect((await expirePendingRequests(bed.deps(() => new Date(Date.now() + 29 * 60_000)))).expired).not.toContain(pending.id);
      const r = await expirePendingRequests(bed.deps(() => new Date(Date.now() + 31 * 60_000)));
      expect(r.expired).toContain(pending.id);
      expect((await bed.hook.store.getDecision(pending.id))!.state).toBe('expired');
      const card = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('*Expired*')), 'the expired card');
      expect(cardText(card)).toContain('was not approved in time');
      expect(cardText(card)).toContain('"decide:quarantine"');
      expect((await bed.hook.store.listAudit()).some((a) => a.actor.platform === 'system' && (a.detail as { event?: string }).event === 'expired' && (a.params as { decisionId?: string }).decisionId === pending.id)).toBe(true);
      await bed.click('UBOB0001', 'decide:confirm', pending.id, p.ts);
      await waitFor(() => bed.replies('UBOB0001').find((x) => /already expired/.test(x)), 'the late-approval note');
      expect(bed.graph.remediations.filter((x) => x.displayName.includes(p.reportId))).toHaveLength(0);
    });

    it('a command without a justification is told what is missing, and nothing is claimed', async () => {
      const p = await bed.ingest({ subject: 'Command', to: ['fritz@contoso.test'] });
      const r = await decide(bed.deps(), { reportId: p.reportId, action: 'quarantine', actor: { platform: 'slack', id: 'UALICE01' } });
      expect(r).toMatchObject({ kind: 'needs-justification', message: expect.stringContaining('needs a second approver') });
      expect(await bed.hook.store.latestDecision(p.reportId)).toBeUndefined();
      // Approve (change) is outside fourEyes.risks here: one click still runs it.
      const a = await decide(bed.deps(), { reportId: p.reportId, action: 'approve', actor: { platform: 'slack', id: 'UALICE01' } });
      expect(a.kind).toBe('executed');
    });
  });
}
