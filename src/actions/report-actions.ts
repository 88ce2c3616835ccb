// The three buttons as catalog actions. Their run() executes the playbook for one report; callers
// reach them only through decide() (src/actions/decisions.ts), which claims, authorises and audits.
import { z } from 'zod';
import type { ActionContext, ActionDef } from './types.ts';
import type { DecisionAction, DecisionOutcome, ReportRecord } from '../store/types.ts';
import type { Vendors } from '../vendors/registry.ts';
import { notConfigured } from '../vendors/registry.ts';
import type { PlaybookStep } from './steps/types.ts';
import { graphRemediateStep } from './steps/graph-remediate.ts';

const params = z.object({ reportId: z.string().min(1).describe('The report id (from the card)') });

/**
 * The vendor calls a button makes with the vendors configured (shared/DESIGN.md §4). An empty list
 * with a reason means the button cannot do anything yet, and says what to configure.
 */
export function playbookFor(action: DecisionAction, vendors: Vendors): { steps: PlaybookStep[]; unavailable?: string } {
  switch (action) {
    case 'quarantine': {
      const steps: PlaybookStep[] = [];
      if (vendors.graph) steps.push(graphRemediateStep('softDelete'));
      return steps.length ? { steps } : { steps, unavailable: `Quarantine has no vendor to call: ${notConfigured('graph')}` };
    }
    case 'approve':
      // Marking the report benign needs no vendor; releases and undo come with the containment playbooks.
      return { steps: [] };
    case 'block':
      return { steps: [], unavailable: 'Block is not configured yet: no blocking vendor (Mimecast, Cofense, EWS) is set up for this deployment' };
  }
}

async function runPlaybook(ctx: ActionContext<Vendors>, action: DecisionAction, report: ReportRecord) {
  const { steps } = playbookFor(action, ctx.vendors);
  const outcome: DecisionOutcome = { steps: [] };
  for (const step of steps) outcome.steps.push(await step.run(ctx, report));
  if (action === 'approve') outcome.steps.push({ vendor: 'hookline', step: 'hookline.mark-benign', status: 'ok', detail: 'marked benign' });
  const failed = outcome.steps.filter((s) => s.status === 'failed' || s.status === 'partial');
  const okCount = outcome.steps.length - failed.length;
  const summary = failed.length === 0 ? outcome.steps.map((s) => s.detail).join('; ') : failed.map((s) => s.detail).join('; ');
  return {
    summary,
    kind: 'record' as const,
    data: outcome,
    partial: failed.length > 0 && okCount > 0,
    vendorRequestIds: outcome.steps.flatMap((s) => (s.requestId ? [s.requestId] : [])),
  };
}

function reportAction(action: DecisionAction, title: string, summary: string, risk: 'change' | 'destructive'): ActionDef<typeof params, DecisionOutcome, Vendors> {
  return {
    id: `report.${action}`,
    vendor: 'report',
    name: action,
    title,
    summary,
    params,
    risk,
    role: 'responder',
    decision: action,
    async run(ctx, { reportId }) {
      const report = await ctx.store.getReport(reportId);
      if (!report) throw new Error(`no report with id ${reportId}`);
      return runPlaybook(ctx, action, report);
    },
  };
}

export const reportActions = [
  reportAction('approve', 'Approve', 'Mark the report benign (and release / restore it where a vendor holds it)', 'change'),
  reportAction('quarantine', 'Quarantine', "Pull the reported message out of every recipient's mailbox", 'destructive'),
  reportAction('block', 'Block', 'Block the sender, URLs and hashes at the configured vendors', 'change'),
];
