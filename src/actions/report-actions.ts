// The three buttons as catalog actions, so commands, help, manifests and role checks know them.
// They are decisions: every caller goes through the decision service (src/actions/decisions.ts:
// decide / confirmDecision / ...), which authorises, applies the preview and four-eyes rules,
// claims, runs the playbook (src/actions/steps/playbook.ts) and audits. run() refuses to run a
// playbook on its own, so no path can skip the second approver.
import { z } from 'zod';
import type { ActionDef } from './types.ts';
import type { DecisionAction, DecisionOutcome } from '../store/types.ts';
import type { Vendors } from '../vendors/registry.ts';

export const reportParams = z.object({
  reportId: z.string().min(1).describe('The report id (from the card)'),
  justification: z.string().max(500).optional().describe('Why (required when the policy asks for a second approver)'),
  scope: z.enum(['sender', 'domain']).optional().describe('Block only: the sender address (default) or the whole sender domain'),
});

function reportAction(action: DecisionAction, title: string, summary: string, risk: 'change' | 'destructive'): ActionDef<typeof reportParams, DecisionOutcome, Vendors> {
  return {
    id: `report.${action}`,
    vendor: 'report',
    name: action,
    title,
    summary,
    params: reportParams,
    risk,
    role: 'responder',
    decision: action,
    async run() {
      throw new Error(`report.${action} is a decision: it runs through the decision service (decide), which applies the preview, four-eyes and audit rules`);
    },
  };
}

export const reportActions = [
  reportAction('approve', 'Approve', 'Mark the report benign: release it where a vendor holds it, undo an earlier quarantine, tell the reporter', 'change'),
  reportAction('quarantine', 'Quarantine', "Pull the reported message out of every recipient's mailbox at every configured vendor", 'destructive'),
  reportAction('block', 'Block', "Block the sender (or the sender's domain), the URLs and the attachment hashes at the configured vendors", 'change'),
];
