// Exchange Server on-prem (EWS), for mailboxes Graph cannot reach: Quarantine moves (MoveItem) or
// deletes (DeleteItem) every recipient's copy; Block marks it as junk (MarkAsJunk), which puts the
// sender on that mailbox's Blocked Senders list and moves the copy to Junk Email. Copies are found
// by Message-ID in the Inbox and Junk Email of each recipient, acting as that recipient through
// ExchangeImpersonation when the policy allows it (vendors.ews.impersonation), else by delegate
// access. Undo: moved copies go back to the Inbox; MarkAsJunk is reversed with IsJunk=false.
// Reference: shared/reference/microsoft.md §2.5, §2.12 option D.
import type { PlaybookStepConfig } from '../../config/policy.ts';
import type { EwsCallOptions, EwsClient } from '../../vendors/ews/client.ts';
import type { EwsItemId } from '../../vendors/ews/types.ts';
import { distinguishedFolderName, type EwsFolderTarget } from '../../vendors/ews/folders.ts';
import { notConfigured } from '../../vendors/registry.ts';
import { overLimit, recipientsOf } from './recipients.ts';
import type { PlaybookStep, StepContext, StepOutcome, StepPlan, Undoer } from './types.ts';
import { mapPool, outcomeOf, plural, reasonOf, statusOf } from './types.ts';

type EwsConfig = Extract<PlaybookStepConfig, { vendor: 'ews' }>;

/** Mailboxes worked on at once (EWS budgets are per account). */
const EWS_CONCURRENCY = 4;
const SEARCHED = ['inbox', 'junkemail'] as const;

interface Touched {
  mailbox: string;
  ids: EwsItemId[];
}

/** A distinguished folder name (deleteditems, "Deleted Items", junkemail) or a folder path in the mailbox. */
function folderTarget(folder: string, mailbox: string): EwsFolderTarget {
  const distinguished = distinguishedFolderName(folder);
  return distinguished ? { distinguished, mailbox } : { path: folder, mailbox };
}

const callFor = (ctx: StepContext, mailbox: string): EwsCallOptions => ((ctx.vendors.ewsImpersonation ?? true) ? { impersonate: mailbox } : {});

async function findCopies(ews: EwsClient, ctx: StepContext, mailbox: string, imid: string): Promise<EwsItemId[]> {
  const out: EwsItemId[] = [];
  for (const folder of SEARCHED) {
    const page = await ews.findItems({ folder: { distinguished: folder, mailbox }, filter: { internetMessageId: imid }, limit: 50 }, callFor(ctx, mailbox));
    for (const item of page.items) if (item.itemId) out.push(item.itemId);
  }
  return out;
}

const WHAT: Record<EwsConfig['step'], (c: EwsConfig) => string> = {
  move: (c) => `move this message to ${(c as Extract<EwsConfig, { step: 'move' }>).folder}`,
  delete: (c) => `delete this message (${(c as Extract<EwsConfig, { step: 'delete' }>).deleteType})`,
  'mark-as-junk': () => 'mark this message as junk (its sender goes on the Blocked Senders list)',
};

export function ewsStep(config: EwsConfig): PlaybookStep {
  const base = { vendor: 'ews', step: `ews.${config.step}` };
  const what = WHAT[config.step](config);
  return {
    config,
    ...base,
    async plan(ctx): Promise<StepPlan> {
      const plan = (summary: string, extra: Partial<StepPlan> = {}): StepPlan => ({ config, ...base, summary, targets: [], ...extra });
      if (!ctx.vendors.ews) return plan(`would ${what}`, { blocked: notConfigured('ews') });
      if (!ctx.report.original.internetMessageId) return plan(`would ${what}`, { blocked: 'the reported message has no Message-ID to find its copies by' });
      const r = await recipientsOf(ctx);
      if (r.addresses.length === 0) return plan(`would ${what}`, { blocked: `no recipients found (${r.source} is empty)` });
      const limit = overLimit(ctx, r.addresses.length);
      return plan(`would ${what} in ${plural(r.addresses.length, 'mailbox', 'mailboxes')} on Exchange Server (recipients from ${r.source})`, { targets: r.addresses, ...(limit ? { blocked: limit } : {}) });
    },
    async run(ctx, plan): Promise<StepOutcome> {
      if (plan.blocked) return outcomeOf(plan, 'failed', plan.blocked);
      if (ctx.dryRun) return outcomeOf(plan, 'dry-run', `dry run: ${plan.summary}`);
      const ews = ctx.vendors.ews!;
      const imid = ctx.report.original.internetMessageId as string;
      const per = await mapPool(plan.targets, EWS_CONCURRENCY, async (mailbox) => {
        try {
          const ids = await findCopies(ews, ctx, mailbox, imid);
          if (ids.length === 0) return { address: mailbox, status: 'failed' as const, error: 'no copy of the message in the Inbox or Junk Email', touched: undefined };
          const call = callFor(ctx, mailbox);
          const results =
            config.step === 'move'
              ? await ews.moveItems(ids, folderTarget(config.folder, mailbox), call)
              : config.step === 'delete'
                ? await ews.deleteItems(ids, config.deleteType, call)
                : await ews.markAsJunk(ids, { isJunk: true, moveItem: config.moveItem }, call);
          const bad = results.filter((x) => !x.ok);
          const moved = results.flatMap((x) => (x.ok && x.newItemId ? [x.newItemId] : []));
          return bad.length
            ? { address: mailbox, status: 'failed' as const, error: `${bad[0]!.code}${bad[0]!.message ? `: ${bad[0]!.message}` : ''}`, touched: moved.length ? { mailbox, ids: moved } : undefined }
            : { address: mailbox, status: 'ok' as const, touched: { mailbox, ids: config.step === 'mark-as-junk' ? (moved.length ? moved : ids) : moved } };
        } catch (err) {
          return { address: mailbox, status: 'failed' as const, error: reasonOf(err), touched: undefined };
        }
      });
      const recipients = per.map((p) => ({ address: p.address, status: p.status, ...(p.error ? { error: p.error } : {}) }));
      const touched = per.flatMap((p) => (p.touched && p.touched.ids.length ? [p.touched] : []));
      const ok = recipients.filter((x) => x.status === 'ok').length;
      const verb = config.step === 'move' ? 'moved' : config.step === 'delete' ? 'deleted' : 'marked as junk';
      const undo =
        config.step === 'move' && touched.length
          ? { undo: [{ kind: 'ews-moved', touched }] }
          : config.step === 'mark-as-junk' && touched.length
            ? { undo: [{ kind: 'ews-junk', touched, moveItem: config.moveItem }] }
            : { irreversible: config.step === 'delete' ? 'EWS gives no id for a deleted item to bring it back' : 'no copy was changed' };
      return outcomeOf(plan, statusOf(ok, recipients.length), `${verb} in ${ok} of ${plural(recipients.length, 'mailbox', 'mailboxes')} on Exchange Server`, { recipients, ...undo });
    },
  };
}

/** Undo of MoveItem: every moved copy back to the Inbox. */
export const undoEwsMoved: Undoer = async (ctx, handles) => {
  const base = { vendor: 'ews', step: 'ews.move' };
  const ews = ctx.vendors.ews;
  if (!ews) return outcomeOf(base, 'failed', notConfigured('ews'));
  const touched = handles.flatMap((h) => (h.touched as Touched[] | undefined) ?? []);
  if (ctx.dryRun) return outcomeOf(base, 'dry-run', `dry run: would move copies back to the Inbox in ${plural(touched.length, 'mailbox', 'mailboxes')}`);
  return reverse(ctx, touched, base, (t) => ews.moveItems(t.ids, { distinguished: 'inbox', mailbox: t.mailbox }, callFor(ctx, t.mailbox)), 'moved back to the Inbox');
};

/** Undo of MarkAsJunk: IsJunk=false takes the sender off the Blocked Senders list (and moves the copy back). */
export const undoEwsJunk: Undoer = async (ctx, handles) => {
  const base = { vendor: 'ews', step: 'ews.mark-as-junk' };
  const ews = ctx.vendors.ews;
  if (!ews) return outcomeOf(base, 'failed', notConfigured('ews'));
  const touched = handles.flatMap((h) => (h.touched as Touched[] | undefined) ?? []);
  const moveItem = handles.some((h) => h.moveItem !== false);
  if (ctx.dryRun) return outcomeOf(base, 'dry-run', `dry run: would mark as not junk in ${plural(touched.length, 'mailbox', 'mailboxes')}`);
  return reverse(ctx, touched, base, (t) => ews.markAsJunk(t.ids, { isJunk: false, moveItem }, callFor(ctx, t.mailbox)), 'sender unblocked');
};

async function reverse(
  ctx: StepContext,
  touched: Touched[],
  base: { vendor: string; step: string },
  fn: (t: Touched) => Promise<{ ok: boolean; code: string; message?: string }[]>,
  done: string,
): Promise<StepOutcome> {
  const recipients = await mapPool(touched, EWS_CONCURRENCY, async (t) => {
    try {
      const bad = (await fn(t)).filter((x) => !x.ok);
      return bad.length ? { address: t.mailbox, status: 'failed' as const, error: bad[0]!.code } : { address: t.mailbox, status: 'ok' as const };
    } catch (err) {
      return { address: t.mailbox, status: 'failed' as const, error: reasonOf(err) };
    }
  });
  const ok = recipients.filter((r) => r.status === 'ok').length;
  ctx.log.debug({ reportId: ctx.report.id, step: base.step, ok }, 'EWS undo');
  return outcomeOf(base, statusOf(ok, recipients.length), `${done} in ${ok} of ${plural(recipients.length, 'mailbox', 'mailboxes')}`, { recipients });
}
