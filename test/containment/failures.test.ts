// Failures: Defender remediation unavailable (403) falls back to per-recipient moves, a mailbox
// without the copy makes the step partial (shown as such, named on the card), Retry reruns only
// what failed; vendor 429s are waited out (Mimecast's X-RateLimit-Reset), timeouts retried, and
// when 5xx retries run out the card shows failed, the reason and Retry, with exactly one audit
// entry and nothing half-recorded. Runs on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait.ts';
import { trustTestCa } from '../helpers/tls.ts';
import { fileOf } from '../../src/actions/steps/record.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { MicrosoftTokenProvider } from '../../src/vendors/microsoft/auth.ts';
import { GraphClient } from '../../src/vendors/graph/client.ts';
import { graphRemediateStep } from '../../src/actions/steps/graph-remediate.ts';
import { defaultPolicy } from '../../src/config/policy.ts';
import type { StepContext } from '../../src/actions/steps/types.ts';
import { cardText, hasRequest, startBed, type Bed } from './harness.ts';

const targets = await dbTargets();
const POLICY = [
  'roles:',
  '  responder:',
  '    slack:',
  '      users: [UALICE01]',
  'fourEyes:',
  '  risks: []',
  'playbooks:',
  '  quarantine:',
  '    - { vendor: graph, step: remediate, action: softDelete }',
  '    - { vendor: cofense, step: quarantine }',
  '  block:',
  '    - { vendor: mimecast, step: block-sender }',
  '',
];

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`failures on ${t.name}`, () => {
    let bed: Bed;
    beforeAll(async () => {
      bed = await startBed(t, POLICY);
    });
    afterAll(async () => {
      await bed?.close();
    });

    async function quarantine(reportId: string, ts: string) {
      await bed.click('UALICE01', 'decide:quarantine', reportId, ts);
      const pending = await bed.decision(reportId, hasRequest, 'the preview');
      await bed.click('UALICE01', 'decide:confirm', pending.id, ts);
      return pending;
    }

    it('falls back to per-recipient moves on 403, shows a partial result per recipient, and Retry reruns only the failed step', async () => {
      const p = await bed.ingest({ subject: 'No Defender licence', to: ['anna@contoso.test', 'ben@contoso.test'], missingIn: ['ben@contoso.test'] });
      bed.graph.failNext({ method: 'POST', pathIncludes: 'analyzedEmails/remediate' }, { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } });
      await quarantine(p.reportId, p.ts);
      const failed = await bed.decision(p.reportId, (d) => d.state === 'failed', 'the partial quarantine');
      const [graphStep, cofenseStep] = fileOf(failed).steps;
      expect(graphStep).toMatchObject({ step: 'graph.remediate', status: 'partial' });
      expect(graphStep!.detail).toMatch(/^Defender remediation is unavailable \(.*403.*\); moved to Deleted Items in 1 of 2 mailboxes$/);
      expect(graphStep!.recipients).toEqual([
        { address: 'anna@contoso.test', status: 'ok' },
        { address: 'ben@contoso.test', status: 'failed', error: 'no copy of the message in this mailbox' },
      ]);
      expect(cofenseStep!.status).toBe('ok');
      expect(failed.error).toMatch(/^partially failed: graph\.remediate: /);
      // Anna's copy really moved, to Deleted Items.
      const anna = bed.graph.mailbox.list(undefined, 'anna@contoso.test')[0]!;
      expect(anna.folderId).toBe(bed.graph.mailbox.folderId('Deleted Items', 'anna@contoso.test'));
      const card = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('"decide:retry"')), 'the failed card');
      expect(cardText(card)).toContain('1 of 2 mailboxes ok, 1 failed');
      expect(cardText(card)).toContain('failed for `ben[@]contoso[.]test` no copy of the message in this mailbox');
      // Exactly one audit entry for the run, and it says failed.
      const runs = (await bed.hook.store.listAudit()).filter((a) => a.action === 'report.quarantine' && (a.params as { decisionId?: string }).decisionId === failed.id && (a.result === 'ok' || a.result === 'failed'));
      expect(runs.map((a) => a.result)).toEqual(['failed']);

      // Ben's copy arrives late; Retry runs the failed Graph step again (remediation works now) and not Cofense.
      bed.graph.mailbox.add('Inbox', bed.graph.mailbox.get(anna.id)!.mime, { mailbox: 'ben@contoso.test' });
      const jobs = bed.cofense.state.jobs.size;
      await bed.click('UALICE01', 'decide:retry', failed.id, p.ts);
      const done = await bed.decision(p.reportId, (d) => d.state === 'done', 'the retried quarantine');
      expect(done.attempts).toBe(2);
      expect(bed.cofense.state.jobs.size).toBe(jobs);
      const g = fileOf(done).steps[0]!;
      expect(g.status).toBe('ok');
      // The moves of the first attempt stay undoable next to the remediation of the second.
      expect(g.undo?.map((h) => h.kind)).toEqual(['graph-moves', 'graph-remediate']);
    });

    it('waits out a Mimecast 429 for its X-RateLimit-Reset and then blocks', async () => {
      const p = await bed.ingest({ subject: 'Rate limited', from: 'spam@bulk.evil.example', to: ['carl@contoso.test'] });
      bed.mimecast.rateLimit({ resetMs: 2500, path: 'blockedsenders/create-policy' });
      bed.sleeps.length = 0;
      await bed.click('UALICE01', 'decide:block-sender', p.reportId, p.ts);
      const done = await bed.decision(p.reportId, (d) => d.state === 'done', 'the block after the 429');
      expect(fileOf(done).steps[0]!.status).toBe('ok');
      expect(bed.sleeps.some((ms) => ms >= 2500 && ms <= 3500)).toBe(true);
      expect(bed.mimecast.apiRequests('/api/policy/blockedsenders/create-policy').map((r) => r.status)).toEqual([429, 200]);
    });

    it('when 5xx retries run out: failed, the reason and Retry on the card, one audit entry, no half-written outcome', async () => {
      const p = await bed.ingest({ subject: 'Graph is down', to: ['dina@contoso.test'] });
      bed.graph.failNext({ method: 'POST', pathIncludes: 'analyzedEmails/remediate' }, { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'Try later.' } } }, 5);
      const pending = await quarantine(p.reportId, p.ts);
      const failed = await bed.decision(p.reportId, (d) => d.state === 'failed', 'the failed quarantine');
      expect(failed.id).toBe(pending.id);
      expect(failed.error).toMatch(/graph\.remediate: soft-delete failed: .*503.*ServiceUnavailable/);
      const attempts = bed.graph.requests.filter((r) => r.path.endsWith('analyzedEmails/remediate') && JSON.stringify(r.json).includes(p.reportId));
      expect(attempts.map((a) => a.status)).toEqual([503, 503, 503, 503, 503]);
      const card = await waitFor(() => bed.updates(p.ts).find((u) => cardText(u).includes('"decide:retry"')), 'the failed card');
      expect(cardText(card)).toContain('*Quarantine failed* (attempt 1)');
      expect(cardText(card)).toContain('ServiceUnavailable');
      const entries = (await bed.hook.store.listAudit()).filter((a) => (a.params as { decisionId?: string }).decisionId === failed.id && (a.result === 'ok' || a.result === 'failed'));
      expect(entries).toHaveLength(1);
      expect((entries[0]!.detail as { state: string }).state).toBe('failed');
      // The stored outcome is whole: every planned step has its result.
      expect(fileOf(failed).steps.map((s) => s.step)).toEqual(fileOf(failed).plans!.map((x) => x.step));
    });
  });
}

describe('timeouts', () => {
  it('a vendor call that hangs times out and is retried by the HTTP layer', async () => {
    const tls = trustTestCa();
    const { startGraphSimulator } = await import('../../src/sandbox/graph-simulator.ts');
    const sim = await startGraphSimulator({ tls: { key: tls.key, cert: tls.cert } });
    const log = silentLogger();
    try {
      const tokens = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: 'c', clientSecret: 's', loginUrl: sim.loginUrl, log });
      const graph = new GraphClient({ baseUrl: sim.graphUrl, tokens, log, http: { timeoutMs: 300, retries: 2, sleep: async () => {} } });
      sim.mailbox.add('Inbox', 'Subject: x\r\nMessage-ID: <t@x>\r\n\r\nx', { mailbox: 'al@contoso.test' });
      const hold = sim.hold({ method: 'POST', pathIncludes: 'analyzedEmails/remediate' });
      const report = { id: 'r1', original: { subject: 'x', to: [{ address: 'al@contoso.test' }], cc: [], networkMessageId: 'n1', internetMessageId: '<t@x>' } } as unknown as StepContext['report'];
      const ctx = { actor: { platform: 'slack', id: 'U1' }, vendors: { graph }, store: {} as StepContext['store'], log, dryRun: false, policy: defaultPolicy(), report, decision: 'quarantine' } as StepContext;
      const step = graphRemediateStep({ vendor: 'graph', step: 'remediate', action: 'softDelete', severity: 'high', remediateSendersCopy: false, onError: 'continue' });
      const plan = await step.plan(ctx);
      const out = await step.run(ctx, plan);
      await hold.reached;
      expect(out.status).toBe('ok');
      expect(sim.remediations).toHaveLength(1);
      hold.release();
    } finally {
      await sim.close();
    }
  });
});
