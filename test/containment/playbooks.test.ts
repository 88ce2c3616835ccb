// The three buttons for real, through signed Slack clicks on the running bot, against the Graph,
// Mimecast and Cofense simulators: the dry-run preview, Quarantine at every vendor with per-vendor
// and per-recipient outcomes, Undo, Block (sender or domain) and its Undo, Approve with release,
// restore and the reporter told by email and by direct message. Runs on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait.ts';
import { fileOf } from '../../src/actions/steps/record.ts';
import { cardText, hasRequest, startBed, type Bed } from './harness.ts';

const targets = await dbTargets();
const POLICY = [
  'roles:',
  '  responder:',
  '    slack:',
  '      users: [UALICE01, UBOB0001]',
  '  analyst:',
  '    slack:',
  '      users: [UANNA001]',
  'fourEyes:',
  '  risks: []',
  'undoWindowMinutes: 15',
  '',
];

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`playbooks on ${t.name}`, () => {
    let bed: Bed;
    beforeAll(async () => {
      bed = await startBed(t, POLICY);
    });
    afterAll(async () => {
      await bed?.close();
    });

    it('Quarantine previews first, then pulls the message at every vendor, per vendor and per recipient', async () => {
      const p = await bed.ingest({ subject: 'Mailbox quota exceeded', to: ['alice@contoso.test', 'bob@contoso.test'], bcc: ['dave@contoso.test'], heldAtMimecast: true });
      await bed.click('UALICE01', 'decide:quarantine', p.reportId, p.ts);
      const pending = await bed.decision(p.reportId, hasRequest, 'the preview');
      // The preview names what each vendor would do, and nothing was changed yet.
      const preview = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('"decide:confirm"')), 'the preview card');
      const text = cardText(preview);
      expect(text).toContain('would soft-delete this message in 3 mailboxes (recipients from message trace)');
      expect(text).toContain('would create a Cofense Vision quarantine job for 3 mailboxes');
      expect(text).toContain('would reject 2 copies still held at the gateway and open a Mimecast remediation incident');
      expect(bed.graph.remediations).toHaveLength(0);
      expect([...bed.cofense.state.jobs.values()].some((j) => (j.quarantineEmails ?? []).some((e) => e.internetMessageId === p.imid))).toBe(false);
      expect(bed.mimecast.state.rejected).toHaveLength(0);

      await bed.click('UALICE01', 'decide:confirm', pending.id, p.ts);
      const done = await bed.decision(p.reportId, (d) => d.state === 'done', 'the quarantine');
      const steps = fileOf(done).steps;
      expect(steps.map((s) => [s.step, s.status])).toEqual([
        ['graph.remediate', 'ok'],
        ['cofense.quarantine', 'ok'],
        ['mimecast.remediate', 'ok'],
      ]);
      // Graph: one remediation with every traced recipient, the Bcc included.
      const rem = bed.graph.remediations.find((r) => r.displayName.includes(p.reportId))!;
      expect(rem.action).toBe('softDelete');
      expect(rem.analyzedEmails.map((e) => e.recipientEmailAddress).sort()).toEqual(['alice@contoso.test', 'bob@contoso.test', 'dave@contoso.test']);
      // Cofense: a job for the three mailboxes, approved because Vision held it for approval.
      const job = [...bed.cofense.state.jobs.values()].find((j) => (j.quarantineEmails ?? []).some((e) => e.internetMessageId === p.imid))!;
      expect(bed.cofense.state.approvals.map((a) => a.jobId)).toContain(job.id);
      expect((job.quarantineEmails ?? []).map((e) => e.status)).toEqual(['QUARANTINED', 'QUARANTINED', 'QUARANTINED']);
      expect(steps[1]!.recipients?.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
      // Mimecast: the held copies rejected before delivery, and an incident for delivered ones.
      expect(bed.mimecast.state.rejected.map((r) => r.id).sort()).toEqual(steps[2]!.recipients!.map((r) => r.address).sort());
      expect(bed.mimecast.state.incidents.some((i) => i.searchCriteria?.messageId === p.imid)).toBe(true);
      // One audit entry for the run, with the vendors' request ids.
      const audit = (await bed.hook.store.listAudit()).filter((a) => a.action === 'report.quarantine' && (a.params as { reportId?: string }).reportId === p.reportId);
      expect(audit.map((a) => (a.detail as { event?: string }).event ?? a.result)).toEqual(['requested', 'confirmed', 'ok']);
      // Graph's request-id and Mimecast's x-request-id (Vision's API returns none).
      expect(audit.at(-1)!.vendorRequestIds.length).toBeGreaterThanOrEqual(2);
      // The card: per-vendor lines with per-recipient counts, and Undo with its deadline.
      const card = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('*Quarantined* by')), 'the final card');
      expect(cardText(card)).toContain('3 of 3 mailboxes ok');
      expect(cardText(card)).toContain('"decide:undo"');
      expect(cardText(card)).toContain('Undo is available until');
    });

    it('Undo restores what Quarantine moved and says what it cannot reverse; the report is open again', async () => {
      const p = await bed.ingest({ subject: 'Payroll form', to: ['erin@contoso.test', 'frank@contoso.test'] });
      await bed.click('UBOB0001', 'decide:quarantine', p.reportId, p.ts);
      const pending = await bed.decision(p.reportId, hasRequest, 'the preview');
      await bed.click('UBOB0001', 'decide:confirm', pending.id, p.ts);
      const done = await bed.decision(p.reportId, (d) => d.state === 'done', 'the quarantine');
      const key = (r: string) => `${r}\n${p.imid}`;
      expect(bed.cofense.state.mailboxes.get(key('erin@contoso.test'))).toBe('quarantine');
      const erinCopy = () => bed.graph.mailbox.list(undefined, 'erin@contoso.test')[0]!;
      expect(bed.graph.mailbox.folderId('Inbox', 'erin@contoso.test')).not.toBe(erinCopy().folderId);

      await bed.click('UALICE01', 'decide:undo', done.id, p.ts);
      const undone = await bed.decision(p.reportId, (d) => fileOf(d).undo?.state === 'done', 'the undo');
      const undo = fileOf(undone).undo!;
      expect(undo.by.id).toBe('UALICE01');
      expect(undo.steps.map((s) => [s.step, s.status])).toEqual([
        ['mimecast.remediate', 'skipped'],
        ['cofense.quarantine', 'ok'],
        ['graph.remediate', 'ok'],
      ]);
      expect(undo.steps[0]!.detail).toMatch(/restore incident TR-SIM1A-\d+ in the Administration Console/);
      const back = bed.graph.remediations.filter((r) => r.displayName === `Hookline undo ${p.reportId}`);
      expect(back).toHaveLength(1);
      expect(back[0]!.action).toBe('moveToInbox');
      expect(bed.graph.mailbox.folderId('Inbox', 'erin@contoso.test')).toBe(erinCopy().folderId);
      expect(bed.cofense.state.mailboxes.get(key('erin@contoso.test'))).toBe('inbox');
      expect((await bed.hook.store.listAudit()).filter((a) => a.action === 'report.undo' && (a.params as { reportId?: string }).reportId === p.reportId).map((a) => a.result)).toEqual(['ok']);
      // Open again: the buttons are back, and a second Undo does nothing.
      const card = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('*undone* by')), 'the reopened card');
      expect(cardText(card)).toContain('"decide:quarantine"');
      await bed.click('UALICE01', 'decide:undo', done.id, p.ts);
      await waitFor(() => bed.replies('UALICE01').find((r) => /already undone/.test(r)), 'the already-undone note');
      expect(bed.graph.remediations.filter((r) => r.displayName === `Hookline undo ${p.reportId}`)).toHaveLength(1);
      // A new decision on the same report is possible again (a new idempotency key).
      await bed.click('UBOB0001', 'decide:quarantine', p.reportId, p.ts);
      const again = await bed.decision(p.reportId, (d) => d.id !== done.id && hasRequest(d), 'a new request');
      expect(again.idempotencyKey).toBe(`decide:${p.reportId}:after:${done.id}`);
    });

    it('Undo is refused once the undo window has closed, and the card drops the button', async () => {
      const p = await bed.ingest({ subject: 'Late undo', to: ['gina@contoso.test'] });
      await bed.click('UALICE01', 'decide:quarantine', p.reportId, p.ts);
      const pending = await bed.decision(p.reportId, hasRequest, 'the preview');
      await bed.click('UALICE01', 'decide:confirm', pending.id, p.ts);
      const done = await bed.decision(p.reportId, (d) => d.state === 'done', 'the quarantine');
      const later = bed.deps(() => new Date(Date.now() + 16 * 60_000));
      const { undoDecision } = await import('../../src/actions/decisions.ts');
      const r = await undoDecision(later, { decisionId: done.id, actor: { platform: 'slack', id: 'UALICE01' } });
      expect(r).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/undo window closed at .* UTC/) });
      expect(bed.graph.remediations.filter((x) => x.displayName === `Hookline undo ${p.reportId}`)).toHaveLength(0);
      expect(fileOf(await bed.hook.store.getDecision(done.id)).undo).toBeUndefined();
    });

    it('Block sender blocks the address at Mimecast and Cofense, the URLs and the attachment hash; Undo deletes exactly those', async () => {
      const policiesBefore = bed.mimecast.state.policies.length;
      const urlsBefore = bed.mimecast.state.managedUrls.length;
      const p = await bed.ingest({
        subject: 'Invoice attached',
        from: 'billing@invoices.evil.example',
        to: ['hank@contoso.test'],
        urls: ['https://pay.evil.example/invoice?id=7', 'https://cdn.evil.example/a.js'],
        attachment: { filename: 'invoice.zip', content: 'not really a zip' },
      });
      await bed.click('UALICE01', 'decide:block-sender', p.reportId, p.ts);
      const done = await bed.decision(p.reportId, (d) => d.state === 'done', 'the block');
      const f = fileOf(done);
      expect(f.scope).toBe('sender');
      expect(f.steps.map((s) => [s.step, s.status])).toEqual([
        ['mimecast.block-sender', 'ok'],
        ['mimecast.block-url', 'ok'],
        ['cofense.update-ioc', 'ok'],
      ]);
      const policy = bed.mimecast.state.policies.at(-1)!;
      expect(policy.policy).toMatchObject({ fromType: 'individual_email_address', fromValue: 'billing@invoices.evil.example', toType: 'everyone' });
      expect(bed.mimecast.state.managedUrls.length).toBe(urlsBefore + 2);
      expect(bed.mimecast.state.managedUrls.filter((u) => u.domain === 'pay.evil.example' && u.action === 'block')).toHaveLength(1);
      const iocs = [...bed.cofense.state.iocs.values()].map((i) => `${i.threatType}:${i.threatValue}`);
      expect(iocs).toEqual(expect.arrayContaining(['SENDER:billing@invoices.evil.example', 'URL:https://pay.evil.example/invoice?id=7', `SHA256:${p.sha256}`]));

      await bed.click('UBOB0001', 'decide:undo', done.id, p.ts);
      await bed.decision(p.reportId, (d) => fileOf(d).undo?.state === 'done', 'the unblock');
      expect(bed.mimecast.state.policies.length).toBe(policiesBefore);
      expect(bed.mimecast.state.managedUrls.length).toBe(urlsBefore);
      const left = [...bed.cofense.state.iocs.values()].map((i) => `${i.threatType}:${i.threatValue}`);
      expect(left).not.toContain('SENDER:billing@invoices.evil.example');
      expect(left).not.toContain(`SHA256:${p.sha256}`);
    });

    it('Block domain blocks the sender domain, and refuses a free-mail domain with the reason', async () => {
      const p = await bed.ingest({ subject: 'Domain block', from: 'ceo@fraud.evil.example', to: ['ivan@contoso.test'], urls: [] });
      await bed.click('UALICE01', 'decide:block-domain', p.reportId, p.ts);
      const done = await bed.decision(p.reportId, (d) => d.state === 'done', 'the domain block');
      expect(fileOf(done).scope).toBe('domain');
      expect(bed.mimecast.state.policies.at(-1)!.policy).toMatchObject({ fromType: 'email_domain', fromValue: 'fraud.evil.example' });
      expect([...bed.cofense.state.iocs.values()].some((i) => i.threatType === 'DOMAIN' && i.threatValue === 'fraud.evil.example')).toBe(true);

      const before = bed.mimecast.state.policies.length;
      const g = await bed.ingest({ subject: 'From a gmail account', from: 'someone@gmail.com', to: ['ivan@contoso.test'], urls: [] });
      await bed.click('UALICE01', 'decide:block-domain', g.reportId, g.ts);
      const failed = await bed.decision(g.reportId, (d) => d.state === 'failed', 'the refused domain block');
      expect(failed.error).toMatch(/gmail\.com is a free-mail domain/);
      expect(bed.mimecast.state.policies.length).toBe(before);
    });

    it('Approve releases the held copy, restores a Vision quarantine, and tells the reporter by email and by Slack DM', async () => {
      const p = await bed.ingest({ subject: 'Quarterly all-hands', from: 'events@partner.example', to: ['judy@contoso.test'], heldAtMimecast: true });
      const held = bed.mimecast.state.held.filter((h) => h.subject === 'Quarterly all-hands').map((h) => h.id);
      // Vision had quarantined it on its own (an IOC match): Approve restores it.
      const job = await bed.hook.vendors.cofense!.createQuarantineJob([{ recipientAddress: 'judy@contoso.test', internetMessageId: p.imid }]);
      await bed.hook.vendors.cofense!.approveQuarantineJob(job.id);
      expect(bed.cofense.state.mailboxes.get(`judy@contoso.test\n${p.imid}`)).toBe('quarantine');
      // The reporter has a Slack account with that address.
      bed.slack.failNext('users.lookupByEmail', 200, { ok: true, user: { id: 'UCAROL01' } });

      await bed.click('UBOB0001', 'decide:approve', p.reportId, p.ts);
      const done = await bed.decision(p.reportId, (d) => d.state === 'done', 'the approval');
      expect(fileOf(done).steps.map((s) => [s.step, s.status])).toEqual([
        ['mimecast.release-message', 'ok'],
        ['cofense.restore', 'ok'],
        ['graph.remediate', 'skipped'],
        ['graph.notify-reporter', 'ok'],
        ['hookline.mark-benign', 'ok'],
      ]);
      expect(bed.mimecast.state.released.map((h) => h.id).sort()).toEqual(held.sort());
      expect(bed.cofense.state.mailboxes.get(`judy@contoso.test\n${p.imid}`)).toBe('inbox');
      const mail = bed.graph.sentMail.find((m) => m.subject.includes('Quarterly all-hands'))!;
      expect(mail).toMatchObject({ from: 'phish-reports@contoso.test', to: ['carol@contoso.test'], contentType: 'Text' });
      expect(mail.content).toContain(`report ${p.reportId}`);
      expect(bed.slack.callsTo('users.lookupByEmail').at(-1)!.args.email).toBe('carol@contoso.test');
      const dm = bed.slack.callsTo('chat.postMessage').find((c) => c.args.channel === 'UCAROL01')!;
      expect(String(dm.args.text)).toContain('found it safe');
      expect(fileOf(done).steps[3]!.detail).toBe('emailed carol@contoso.test; sent a slack direct message');
      // Approve has no undo.
      expect(cardText((await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('*Approved* by')), 'the approved card')))).not.toContain('"decide:undo"');
    });

    it('refuses the Confirm of someone without the role, and Cancel reopens the report', async () => {
      const p = await bed.ingest({ subject: 'Cancelled', to: ['kate@contoso.test'] });
      await bed.click('UALICE01', 'decide:quarantine', p.reportId, p.ts);
      const pending = await bed.decision(p.reportId, hasRequest, 'the preview');
      await bed.click('UANNA001', 'decide:confirm', pending.id, p.ts);
      const note = await waitFor(() => bed.replies('UANNA001').find((r) => /not allowed to confirm report\.quarantine/.test(r)), 'the refusal');
      expect(note).toContain('roles.responder.slack.users');
      expect((await bed.hook.store.getDecision(pending.id))!.state).toBe('pending_second_approval');
      await bed.click('UALICE01', 'decide:cancel', pending.id, p.ts);
      const cancelled = await bed.decision(p.reportId, (d) => d.state === 'dismissed', 'the cancel');
      expect(fileOf(cancelled).request?.resolution).toMatchObject({ kind: 'cancelled', by: { id: 'UALICE01' } });
      expect(bed.graph.remediations.some((r) => r.displayName.includes(p.reportId))).toBe(false);
      const card = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('request cancelled')), 'the reopened card');
      expect(cardText(card)).toContain('"decide:quarantine"');
    });
  });
}
