// Quarantine through Microsoft Defender: Graph analyzedEmails/remediate with the network message id
// and every recipient, found by message trace (falling back to the original's To/Cc).
import type { ReportRecord, VendorStepOutcome } from '../../store/types.ts';
import type { ActionContext } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { notConfigured } from '../../vendors/registry.ts';
import type { PlaybookStep } from './types.ts';

export type RemediateAction = 'softDelete' | 'hardDelete' | 'moveToJunk' | 'moveToInbox' | 'moveToDeletedItems';

const VERB: Record<RemediateAction, string> = {
  softDelete: 'soft-delete',
  hardDelete: 'hard-delete',
  moveToJunk: 'move to Junk',
  moveToInbox: 'move back to the Inbox',
  moveToDeletedItems: 'move to Deleted Items',
};

async function recipientsOf(ctx: ActionContext<Vendors>, report: ReportRecord): Promise<{ addresses: string[]; source: string }> {
  const imid = report.original.internetMessageId;
  if (imid && ctx.vendors.graph) {
    try {
      const traced = await ctx.vendors.graph.traceRecipients(imid);
      if (traced.length > 0) return { addresses: traced, source: 'message trace' };
    } catch (err) {
      ctx.log.warn({ reportId: report.id, err: (err as Error).message }, 'message trace failed; using the To/Cc of the original');
    }
  }
  const fromHeaders = [...report.original.to, ...report.original.cc].map((a) => a.address.toLowerCase());
  return { addresses: [...new Set(fromHeaders)], source: 'the To/Cc of the original' };
}

export function graphRemediateStep(action: RemediateAction): PlaybookStep {
  return {
    vendor: 'graph',
    step: 'graph.remediate',
    async run(ctx, report): Promise<VendorStepOutcome> {
      const base = { vendor: 'graph', step: 'graph.remediate' };
      const graph = ctx.vendors.graph;
      if (!graph) return { ...base, status: 'skipped', detail: notConfigured('graph') };
      const nmid = report.original.networkMessageId;
      if (!nmid) {
        return {
          ...base,
          status: 'failed',
          detail: 'the reported message has no X-MS-Exchange-Organization-Network-Message-Id header, which Defender remediation needs',
        };
      }
      const { addresses, source } = await recipientsOf(ctx, report);
      if (addresses.length === 0) return { ...base, status: 'failed', detail: 'no recipients found (message trace and To/Cc are empty)' };
      const what = `${VERB[action]} in ${addresses.length} mailbox${addresses.length === 1 ? '' : 'es'} (recipients from ${source})`;
      if (ctx.dryRun) return { ...base, status: 'dry-run', detail: `dry run: would ${what}` };
      try {
        const res = await graph.remediate({
          displayName: `Hookline ${action} ${report.id}`,
          description: `Hookline: ${action} of a reported message, requested by ${ctx.actor.platform}:${ctx.actor.id}`,
          severity: 'high',
          action,
          remediateSendersCopy: false,
          analyzedEmails: addresses.map((recipientEmailAddress) => ({ networkMessageId: nmid, recipientEmailAddress })),
        });
        return {
          ...base,
          status: 'ok',
          detail: `${what}: submitted to Microsoft Defender`,
          recipients: addresses.map((address) => ({ address, status: 'ok' as const })),
          ...(res.requestId ? { requestId: res.requestId } : {}),
        };
      } catch (err) {
        return { ...base, status: 'failed', detail: `${VERB[action]} failed: ${(err as Error).message}` };
      }
    },
  };
}
