// The reported message while Mimecast still holds it at the gateway. The held queue does not carry
// the Message-ID, so a held copy is recognised by its sender (the list is searched by sender) and
// its exact subject: the combination the reported original shows. Approve releases such copies
// (hold-release); Quarantine rejects them (hold-reject) before they are ever delivered.
// Reference: shared/reference/mimecast_cofense.md §4.5, §9.1, §9.2.
import type { PlaybookStepConfig } from '../../config/policy.ts';
import type { MimecastClient } from '../../vendors/mimecast/client.ts';
import { notConfigured } from '../../vendors/registry.ts';
import type { PlaybookStep, StepContext, StepOutcome, StepPlan } from './types.ts';
import { outcomeOf, plural, reasonOf, statusOf } from './types.ts';

/** Held messages looked at per sender (the newest first). */
const HELD_SCAN_LIMIT = 100;

const fold = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').trim().toLowerCase();

/** Ids (Mimecast secure ids) of the held copies of the reported message. */
export async function findHeldCopies(mc: MimecastClient, ctx: StepContext): Promise<string[]> {
  const from = ctx.report.original.from?.address?.trim().toLowerCase();
  if (!from) return [];
  const subject = fold(ctx.report.original.subject);
  const list = await mc.getHoldMessageList({ admin: true, fieldName: 'sender', value: from }, HELD_SCAN_LIMIT);
  return list.items
    .filter((h) => (h.from?.emailAddress ?? h.fromHeader?.emailAddress ?? '').toString().toLowerCase() === from && fold(h.subject) === subject)
    .map((h) => h.id);
}

type ReleaseConfig = Extract<PlaybookStepConfig, { vendor: 'mimecast'; step: 'release-message' }>;

/** Approve: release the held copies (none held: nothing to do). */
export function mimecastReleaseStep(config: ReleaseConfig): PlaybookStep {
  const base = { vendor: 'mimecast', step: 'mimecast.release-message' };
  return {
    config,
    ...base,
    async plan(ctx): Promise<StepPlan> {
      const plan = (summary: string, extra: Partial<StepPlan> = {}): StepPlan => ({ config, ...base, summary, targets: [], ...extra });
      const mc = ctx.vendors.mimecast;
      if (!mc) return plan('would release held copies at Mimecast', { blocked: notConfigured('mimecast') });
      try {
        const ids = await findHeldCopies(mc, ctx);
        if (ids.length === 0) return plan('no copy is held at the Mimecast gateway', { nothing: 'no copy is held at the Mimecast gateway: nothing to release' });
        return plan(`would release ${plural(ids.length, 'held copy', 'held copies')} at the Mimecast gateway`, { targets: ids });
      } catch (err) {
        return plan('would release held copies at Mimecast', { blocked: `could not read the Mimecast held queue: ${reasonOf(err)}` });
      }
    },
    async run(ctx, plan): Promise<StepOutcome> {
      if (plan.blocked) return outcomeOf(plan, 'failed', plan.blocked);
      if (plan.nothing) return outcomeOf(plan, 'skipped', plan.nothing);
      if (ctx.dryRun) return outcomeOf(plan, 'dry-run', `dry run: ${plan.summary}`);
      const mc = ctx.vendors.mimecast!;
      const requestIds: string[] = [];
      const recipients: NonNullable<StepOutcome['recipients']> = [];
      for (const id of plan.targets) {
        try {
          const r = await mc.releaseHeldMessage(id);
          if (r.requestId) requestIds.push(r.requestId);
          recipients.push({ address: id, status: 'ok' });
        } catch (err) {
          recipients.push({ address: id, status: 'failed', error: reasonOf(err) });
        }
      }
      const ok = recipients.filter((r) => r.status === 'ok').length;
      return outcomeOf(plan, statusOf(ok, recipients.length), `released ${ok} of ${plural(recipients.length, 'held copy', 'held copies')}`, {
        unit: ['held copy', 'held copies'],
        recipients,
        irreversible: 'a released message has been delivered',
        ...(requestIds.length ? { requestId: requestIds[0], requestIds } : {}),
      });
    },
  };
}
