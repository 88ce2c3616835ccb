// The card's decision states from cards/model.ts as the Slack card renders them: the preview and
// the four-eyes request (justification escaped: it is typed by a person, and the preview quotes
// mail), Undo only inside its window, a failed undo, and the SLA banner only while undecided.
import { describe, expect, it } from 'vitest';
import { reportCard } from '../../cards/slack/report-card.ts';
import { validateMessage } from '../../cards/slack/limits.ts';
import { decisionView } from '../../cards/model.ts';
import type { DecisionFile } from '../../src/actions/steps/record.ts';
import type { ReportSnapshot } from '../../src/chat/port.ts';
import { makeDecision, makeReport } from '../cards/factory.ts';

const NOW = new Date('2026-05-04T10:50:00.000Z');
const plan = (summary: string) => ({ config: { vendor: 'graph', step: 'remediate', action: 'softDelete', severity: 'high', remediateSendersCopy: false, onError: 'continue' } as never, vendor: 'graph', step: 'graph.remediate', summary, targets: ['a@corp.example'] });

function snap(file: DecisionFile, over: Parameters<typeof makeDecision>[0] = {}, escalation?: ReportSnapshot['escalation']): ReportSnapshot {
  return { report: makeReport(), decision: makeDecision({ outcome: file, ...over }), ...(escalation ? { escalation } : {}) };
}
const ids = (s: ReportSnapshot, now?: Date) => decisionView(s, now).buttons.map((b) => b.actionId);
const json = (s: ReportSnapshot, now?: Date) => JSON.stringify(reportCard(s, now ? { now } : {}).blocks);

describe('decision states on the card', () => {
  const request = { action: 'quarantine' as const, needsSecond: true, approverRole: 'responder' as const, justification: 'Urgent <!channel> see https://evil.example/x *now*', requestedAt: '2026-05-04T10:42:00.000Z', expiresAt: '2026-05-04T11:42:00.000Z' };

  it('four-eyes request: Approve request / Deny on the decision id, the justification and preview escaped and defanged', () => {
    const s = snap({ steps: [], plans: [plan('would soft-delete this message in 2 mailboxes (login.evil.example)')], request }, { state: 'pending_second_approval' });
    expect(decisionView(s).phase).toBe('awaiting-approval');
    const card = reportCard(s, { now: NOW });
    const buttons = card.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons.map((b) => [b.type === 'button' ? b.text.text : '', (b as { action_id: string }).action_id, (b as { value: string }).value])).toEqual([
      ['Approve request', 'decide:confirm', 'dec_01JTESTDECISION'],
      ['Deny', 'decide:cancel', 'dec_01JTESTDECISION'],
    ]);
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).toContain('login[.]evil[.]example');
    expect(text).toContain('Expires 11:42 UTC (in 52 min)');
    expect(validateMessage(card)).toEqual([]);
  });

  it('one-person preview: Confirm quarantine (danger) and Cancel; a blocked step says why it cannot run', () => {
    const s = snap({ steps: [], plans: [plan('would soft-delete'), { ...plan('x'), step: 'cofense.quarantine', vendor: 'cofense', blocked: 'no Message-ID' }], request: { ...request, needsSecond: false } }, { state: 'pending_second_approval' });
    expect(ids(s)).toEqual(['decide:confirm', 'decide:cancel']);
    expect(decisionView(s).buttons[0]).toMatchObject({ label: 'Confirm quarantine', style: 'danger' });
    expect(json(s)).toContain(':no_entry: *cofense* `cofense.quarantine` cannot run: no Message-ID');
    expect(json(s)).toContain('nothing runs until it is confirmed');
  });

  it('Undo appears only inside the undo window and only when something can be reversed', () => {
    const undoable = { steps: [{ vendor: 'graph', step: 'graph.remediate', status: 'ok' as const, detail: 'ok', undo: [{ kind: 'graph-remediate' }] }], undoUntil: '2026-05-04T11:00:00.000Z', finishedAt: '2026-05-04T10:45:00.000Z' };
    expect(ids(snap(undoable), NOW)).toEqual(['decide:undo']);
    expect(json(snap(undoable), NOW)).toContain('Undo is available until 11:00 UTC (in 10 min)');
    expect(ids(snap(undoable), new Date('2026-05-04T11:00:00.000Z'))).toEqual([]);
    expect(ids(snap({ ...undoable, steps: [{ ...undoable.steps[0]!, undo: [] }] }), NOW)).toEqual([]);
    expect(ids(snap(undoable, { action: 'approve' }), NOW)).toEqual([]);
  });

  it('a failed undo shows its reason and offers Undo again; a finished one reopens the report', () => {
    const base = { steps: [{ vendor: 'cofense', step: 'cofense.quarantine', status: 'ok' as const, detail: 'ok', undo: [{ kind: 'cofense-job' }] }], undoUntil: '2026-05-04T11:00:00.000Z' };
    const by = { platform: 'slack' as const, id: 'W0BOB0001' };
    const failed = snap({ ...base, undo: { state: 'failed', from: 'done', by, at: '2026-05-04T10:48:00.000Z', attempts: 1, steps: [{ vendor: 'cofense', step: 'cofense.quarantine', status: 'failed', detail: 'restore failed: HTTP 500' }], error: 'cofense.quarantine: restore failed: HTTP 500' } });
    expect(ids(failed, NOW)).toEqual(['decide:undo']);
    expect(json(failed, NOW)).toContain('*Undo failed* (by <@W0BOB0001>');
    const done = snap({ ...base, undo: { state: 'done', from: 'done', by, at: '2026-05-04T10:48:00.000Z', attempts: 1, steps: [] } });
    expect(decisionView(done, NOW)).toMatchObject({ phase: 'open', closed: { how: 'undone' } });
    expect(ids(done, NOW)).toEqual(['decide:approve', 'decide:quarantine', 'decide:block-sender', 'decide:block-domain']);
  });

  it('shows the SLA banner while undecided, not once decided', () => {
    const escalation = { at: '2026-05-04T10:45:00.000Z', slaMinutes: 60 };
    const open: ReportSnapshot = { report: makeReport(), escalation };
    expect(json(open)).toContain(':rotating_light: *SLA missed*: not decided within 60 min');
    expect(reportCard(open).text).toContain('(SLA missed)');
    expect(json(snap({ steps: [] }, { state: 'done' }, escalation))).not.toContain('SLA missed');
  });
});
