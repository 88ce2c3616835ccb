// Microsoft 365 containment: Defender remediation through Graph (analyzedEmails/remediate) with the
// network message id and every recipient found by message trace; when Defender remediation is
// unavailable (403 missing permission or licence, 404 in a cloud without the API, a licensing
// 400), or the report lacks the network message id, per-recipient moves through Graph instead.
// Undo: remediation `moveToInbox` for the same recipients, or each moved copy moved back.
// Reference: shared/reference/microsoft.md §2.12.
import { isVendorError } from '../../vendors/http/errors.ts';
import { notConfigured } from '../../vendors/registry.ts';
import type { PlaybookStepConfig } from '../../config/policy.ts';
import { moveBack, moveCopies, type MovedCopy } from './graph-mailbox-moves.ts';
import { overLimit, recipientsOf } from './recipients.ts';
import { fileOf } from './record.ts';
import type { PlaybookStep, StepContext, StepOutcome, StepPlan, UndoHandle, Undoer } from './types.ts';
import { outcomeOf, plural, reasonOf, statusOf } from './types.ts';

type RemediateConfig = Extract<PlaybookStepConfig, { vendor: 'graph'; step: 'remediate' }>;
export type RemediateAction = RemediateConfig['action'];

const VERB: Record<RemediateAction, string> = {
  softDelete: 'soft-delete',
  hardDelete: 'hard-delete',
  moveToJunk: 'move to Junk',
  moveToInbox: 'move back to the Inbox',
  moveToDeletedItems: 'move to Deleted Items',
};

/** Where the per-recipient fallback puts a copy (hard delete falls back to Deleted Items: recoverable). */
const FALLBACK_FOLDER: Record<RemediateAction, string> = {
  softDelete: 'deleteditems',
  hardDelete: 'deleteditems',
  moveToDeletedItems: 'deleteditems',
  moveToJunk: 'junkemail',
  moveToInbox: 'inbox',
};

const FOLDER_WORDS: Record<string, string> = { deleteditems: 'Deleted Items', junkemail: 'Junk Email', inbox: 'the Inbox' };

/** Defender remediation cannot be used here (as opposed to a transient failure worth retrying). */
export function remediationUnavailable(err: unknown): boolean {
  if (!isVendorError(err) || err.kind !== 'http') return false;
  if (err.status === 403 || err.status === 404) return true;
  return err.status === 400 && /licen[cs]e?|not\s+licensed|subscription/i.test(`${err.code ?? ''} ${err.detail}`);
}

export function graphRemediateStep(config: RemediateConfig): PlaybookStep {
  const base = { vendor: 'graph', step: 'graph.remediate' };
  const verb = VERB[config.action];
  return {
    config,
    ...base,
    async plan(ctx): Promise<StepPlan> {
      const plan = (summary: string, extra: Partial<StepPlan> = {}): StepPlan => ({ config, ...base, summary, targets: [], ...extra });
      if (!ctx.vendors.graph) return plan(`would ${verb} this message`, { blocked: notConfigured('graph') });
      if (config.action === 'moveToInbox') return planRelease(ctx, plan);
      const o = ctx.report.original;
      if (!o.networkMessageId && !o.internetMessageId) {
        return plan(`would ${verb} this message`, { blocked: 'the reported message has neither a network message id nor a Message-ID, so it cannot be found in the mailboxes' });
      }
      const r = await recipientsOf(ctx);
      const note = r.note ? `; ${r.note}` : '';
      if (r.addresses.length === 0) return plan(`would ${verb} this message`, { blocked: `no recipients found (${r.source} is empty${note})` });
      const method = o.networkMessageId ? 'remediate' : 'moves';
      const where = `${plural(r.addresses.length, 'mailbox', 'mailboxes')} (recipients from ${r.source}${note})`;
      const summary =
        method === 'remediate'
          ? `would ${verb} this message in ${where} through Microsoft Defender`
          : `would move this message to ${FOLDER_WORDS[FALLBACK_FOLDER[config.action]]} in ${where}, mailbox by mailbox (no network message id for Defender remediation)`;
      const limit = overLimit(ctx, r.addresses.length);
      return plan(summary, { targets: r.addresses, data: { method }, ...(limit ? { blocked: limit } : {}) });
    },

    async run(ctx, plan): Promise<StepOutcome> {
      const graph = ctx.vendors.graph;
      if (plan.blocked || !graph) return outcomeOf(plan, 'failed', plan.blocked ?? notConfigured('graph'));
      if (plan.nothing) return outcomeOf(plan, 'skipped', plan.nothing);
      if (ctx.dryRun) return outcomeOf(plan, 'dry-run', `dry run: ${plan.summary}`);
      if (config.action === 'moveToInbox') return runRelease(ctx, plan);
      const o = ctx.report.original;
      const recipients = plan.targets;
      if (plan.data?.method === 'remediate' && o.networkMessageId) {
        try {
          const res = await graph.remediate({
            displayName: `Hookline ${config.action} ${ctx.report.id}`,
            description: `Hookline: ${config.action} of a reported message, requested by ${ctx.actor.platform}:${ctx.actor.id}`,
            severity: config.severity,
            action: config.action,
            remediateSendersCopy: config.remediateSendersCopy,
            analyzedEmails: recipients.map((recipientEmailAddress) => ({ networkMessageId: o.networkMessageId as string, recipientEmailAddress })),
          });
          const handle: UndoHandle = { kind: 'graph-remediate', networkMessageId: o.networkMessageId, recipients, ...(o.internetMessageId ? { internetMessageId: o.internetMessageId } : {}) };
          return outcomeOf(plan, 'ok', `${verb} submitted to Microsoft Defender for ${plural(recipients.length, 'mailbox', 'mailboxes')}${res.duplicate ? ' (already submitted)' : ''}`, {
            recipients: recipients.map((address) => ({ address, status: 'ok' as const })),
            ...(res.requestId ? { requestId: res.requestId, requestIds: [res.requestId] } : {}),
            ...(config.action === 'hardDelete' ? { irreversible: 'a hard delete cannot be reversed' } : { undo: [handle] }),
          });
        } catch (err) {
          if (!remediationUnavailable(err) || !o.internetMessageId) return outcomeOf(plan, 'failed', `${verb} failed: ${reasonOf(err)}`);
          ctx.log.warn({ reportId: ctx.report.id, err: reasonOf(err) }, 'Defender remediation unavailable; moving mailbox by mailbox');
          return moves(ctx, plan, `Defender remediation is unavailable (${reasonOf(err)}); `);
        }
      }
      if (!o.internetMessageId) return outcomeOf(plan, 'failed', 'the reported message has no Message-ID to find its copies by');
      return moves(ctx, plan, '');
    },
  };

  async function moves(ctx: StepContext, plan: StepPlan, prefix: string): Promise<StepOutcome> {
    const folder = FALLBACK_FOLDER[config.action];
    const res = await moveCopies(ctx.vendors.graph!, plan.targets, ctx.report.original.internetMessageId as string, folder);
    const ok = res.recipients.filter((r) => r.status === 'ok').length;
    const status = statusOf(ok, res.recipients.length);
    const handle: UndoHandle = { kind: 'graph-moves', moved: res.moved };
    return outcomeOf(plan, status, `${prefix}moved to ${FOLDER_WORDS[folder]} in ${ok} of ${plural(res.recipients.length, 'mailbox', 'mailboxes')}`, {
      recipients: res.recipients,
      ...(res.moved.length && folder !== 'inbox' ? { undo: [handle] } : {}),
    });
  }
}

/** Undo of a remediation: `moveToInbox` for the same recipients (or moves back when that is unavailable). */
export const undoGraphRemediate: Undoer = async (ctx, handles) => {
  const base = { vendor: 'graph', step: 'graph.remediate' };
  const graph = ctx.vendors.graph;
  if (!graph) return outcomeOf(base, 'failed', notConfigured('graph'));
  const recipients: string[] = [];
  let nmid = '';
  let imid = '';
  for (const h of handles) {
    nmid ||= String(h.networkMessageId ?? '');
    imid ||= String(h.internetMessageId ?? '');
    for (const r of (h.recipients as string[] | undefined) ?? []) if (!recipients.includes(r)) recipients.push(r);
  }
  if (ctx.dryRun) return outcomeOf(base, 'dry-run', `dry run: would move this message back to the Inbox in ${plural(recipients.length, 'mailbox', 'mailboxes')}`);
  try {
    const res = await graph.remediate({
      // A display name of its own: Defender treats a repeated name as a duplicate of the original.
      displayName: `Hookline undo ${ctx.report.id}`,
      description: `Hookline: undo of a quarantine, requested by ${ctx.actor.platform}:${ctx.actor.id}`,
      severity: 'low',
      action: 'moveToInbox',
      remediateSendersCopy: false,
      analyzedEmails: recipients.map((recipientEmailAddress) => ({ networkMessageId: nmid, recipientEmailAddress })),
    });
    return outcomeOf(base, 'ok', `move back to the Inbox submitted to Microsoft Defender for ${plural(recipients.length, 'mailbox', 'mailboxes')}`, {
      recipients: recipients.map((address) => ({ address, status: 'ok' as const })),
      ...(res.requestId ? { requestId: res.requestId, requestIds: [res.requestId] } : {}),
    });
  } catch (err) {
    if (!remediationUnavailable(err) || !imid) return outcomeOf(base, 'failed', `move back to the Inbox failed: ${reasonOf(err)}`);
    const res = await moveCopies(graph, recipients, imid, 'inbox');
    const ok = res.recipients.filter((r) => r.status === 'ok').length;
    return outcomeOf(base, statusOf(ok, res.recipients.length), `Defender remediation is unavailable (${reasonOf(err)}); moved back to the Inbox in ${ok} of ${plural(res.recipients.length, 'mailbox', 'mailboxes')}`, { recipients: res.recipients });
  }
};

/** Undo of per-recipient moves: every copy back to the folder it came from. */
export const undoGraphMoves: Undoer = async (ctx, handles) => {
  const base = { vendor: 'graph', step: 'graph.remediate' };
  const graph = ctx.vendors.graph;
  if (!graph) return outcomeOf(base, 'failed', notConfigured('graph'));
  const moved = handles.flatMap((h) => (h.moved as MovedCopy[] | undefined) ?? []);
  if (ctx.dryRun) return outcomeOf(base, 'dry-run', `dry run: would move ${plural(moved.length, 'copy', 'copies')} back where they came from`);
  const res = await moveBack(graph, moved);
  const ok = res.recipients.filter((r) => r.status === 'ok').length;
  return outcomeOf(base, statusOf(ok, res.recipients.length), `moved back where they came from in ${ok} of ${plural(res.recipients.length, 'mailbox', 'mailboxes')}`, { recipients: res.recipients });
};

// ---------------------------------------------------------------------------------------------
// Approve: moveToInbox undoes what an earlier Quarantine of this report moved and nobody undid
// (e.g. a quarantine that partly failed and was then replaced by Approve). Without one there is
// nothing to move back: Approve does not send a remediation for mail that was never removed.

async function earlierQuarantines(ctx: StepContext): Promise<UndoHandle[]> {
  const rows = await ctx.store.db.selectFrom('decisions').select(['id']).where('report_id', '=', ctx.report.id).where('action', '=', 'quarantine').execute();
  const handles: UndoHandle[] = [];
  for (const { id } of rows) {
    const f = fileOf(await ctx.store.getDecision(id));
    if (f.undo?.state === 'done') continue;
    for (const st of f.steps) if (st.vendor === 'graph') handles.push(...(st.undo ?? []));
  }
  return handles;
}

async function planRelease(ctx: StepContext, plan: (summary: string, extra?: Partial<StepPlan>) => StepPlan): Promise<StepPlan> {
  const handles = await earlierQuarantines(ctx);
  if (handles.length === 0) return plan('no earlier quarantine by Hookline to undo', { nothing: 'no earlier quarantine by Hookline to undo in Microsoft 365' });
  const mailboxes = new Set<string>();
  for (const h of handles) {
    for (const r of (h.recipients as string[] | undefined) ?? []) mailboxes.add(r);
    for (const m of (h.moved as MovedCopy[] | undefined) ?? []) mailboxes.add(m.mailbox);
  }
  return plan(`would move this message back to the Inbox in ${plural(mailboxes.size, 'mailbox', 'mailboxes')} (undoing an earlier quarantine)`, { targets: [...mailboxes], data: { handles } });
}

async function runRelease(ctx: StepContext, plan: StepPlan): Promise<StepOutcome> {
  const handles = (plan.data?.handles as UndoHandle[] | undefined) ?? [];
  const remediated = handles.filter((h) => h.kind === 'graph-remediate');
  const moved = handles.filter((h) => h.kind === 'graph-moves');
  const parts: StepOutcome[] = [];
  if (remediated.length) parts.push(await undoGraphRemediate(ctx, remediated));
  if (moved.length) parts.push(await undoGraphMoves(ctx, moved));
  const bad = parts.filter((p) => p.status !== 'ok').length;
  return outcomeOf(plan, bad === 0 ? 'ok' : bad === parts.length ? 'failed' : 'partial', parts.map((p) => p.detail).join('; '), {
    recipients: parts.flatMap((p) => p.recipients ?? []),
    requestIds: parts.flatMap((p) => p.requestIds ?? []),
    irreversible: 'released mail is back in the mailboxes (quarantine again to remove it)',
  });
}

