// The decision SLA: a report nobody decided within policy.sla.minutes is escalated once — a banner
// on its card and a reply in the card's thread that mentions the on-call group named in the policy
// (and nobody from the mail). Decided reports are left alone. Runs on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { escalateOverdue } from '../../src/jobs/sla.ts';
import { escalationText } from '../../cards/slack/escalation.ts';
import { cardText, hasRequest, startBed, type Bed } from './harness.ts';

const targets = await dbTargets();
const POLICY = [
  'roles:',
  '  responder:',
  '    slack:',
  '      users: [UALICE01]',
  'fourEyes:',
  '  risks: []',
  'sla:',
  '  minutes: 30',
  '  slackGroup: S0ONCALL1',
  '',
];

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`SLA on ${t.name}`, () => {
    let bed: Bed;
    beforeAll(async () => {
      bed = await startBed(t, POLICY);
    });
    afterAll(async () => {
      await bed?.close();
    });

    it('escalates undecided reports once, with a banner and an on-call mention in the thread; decided ones not at all', async () => {
      const open = await bed.ingest({ subject: 'Urgent <!channel> wire transfer <!subteam^S0EVIL01>', from: 'ceo@evil.example', to: ['amy@contoso.test'] });
      const waiting = await bed.ingest({ subject: 'Waiting for confirmation', to: ['amy@contoso.test'] });
      const decided = await bed.ingest({ subject: 'Already approved', to: ['amy@contoso.test'] });
      await bed.click('UALICE01', 'decide:quarantine', waiting.reportId, waiting.ts);
      await bed.decision(waiting.reportId, hasRequest, 'the pending request');
      await bed.click('UALICE01', 'decide:approve', decided.reportId, decided.ts);
      await bed.decision(decided.reportId, (d) => d.state === 'done', 'the approval');

      const deps = { store: bed.hook.store, publisher: bed.hook.publisher, policy: bed.hook.loaded.policy, log: silentLogger() };
      // Not yet due.
      expect((await escalateOverdue({ ...deps, now: () => new Date(Date.now() + 29 * 60_000) })).escalated).toEqual([]);
      const later = () => new Date(Date.now() + 31 * 60_000);
      const r = await escalateOverdue({ ...deps, now: later });
      expect(r.escalated.sort()).toEqual([open.reportId, waiting.reportId].sort());

      const banner = await waitFor(() => bed.updates(open.ts).find((u) => cardText(u).includes('SLA missed')), 'the SLA banner');
      expect(cardText(banner)).toContain('not decided within 30 min');
      const replies = bed.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === open.ts);
      expect(replies).toHaveLength(1);
      const text = String(replies[0]!.args.text);
      expect(text.startsWith('<!subteam^S0ONCALL1> ')).toBe(true);
      // The only mention is the policy's group: nothing from the mail.
      expect(text.match(/<[!@#][^>]*>/g)).toEqual(['<!subteam^S0ONCALL1>']);
      expect(replies[0]!.args.channel).toBe('C0ALERTS01');
      expect(bed.slack.callsTo('chat.postMessage').some((c) => c.args.thread_ts === decided.ts)).toBe(false);

      // Once only, however often the job runs.
      expect((await escalateOverdue({ ...deps, now: later })).escalated).toEqual([]);
      expect(bed.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === open.ts)).toHaveLength(1);
      const audit = (await bed.hook.store.listAudit()).filter((a) => a.action === 'sla.escalate');
      expect(audit.map((a) => (a.params as { reportId: string }).reportId).sort()).toEqual([open.reportId, waiting.reportId].sort());

      // Deciding it removes the banner.
      await bed.click('UALICE01', 'decide:approve', open.reportId, open.ts);
      const after = await waitFor(() => bed.updates(open.ts).find((u) => cardText(u).includes('*Approved* by')), 'the decided card');
      expect(cardText(after)).not.toContain('SLA missed');
    });
  });
}

describe('escalation text', () => {
  it('mentions only a well-formed group id and nothing when there is none', () => {
    expect(escalationText({ reportId: 'r1', slaMinutes: 60, group: 'S0ONCALL1' })).toMatch(/^<!subteam\^S0ONCALL1> :rotating_light: Report `r1`/);
    expect(escalationText({ reportId: 'r1', slaMinutes: 60, group: '!channel' })).not.toContain('<');
    expect(escalationText({ reportId: 'r1', slaMinutes: 60 })).not.toContain('<');
  });
});
