// Quarantine at Mimecast: reject the copies still held at the gateway (hold-reject, so they are
// never delivered), then a Threat Remediation incident by Message-ID that pulls delivered copies
// out of the mailboxes Mimecast protects. Neither can be reversed through the API: a rejected
// message is gone, and an incident is restored only in the Administration Console (the outcome
// says so, with the incident code, and Undo repeats it). Reference: shared/reference/mimecast_cofense.md §9.2.
import type { PlaybookStepConfig } from '../../config/policy.ts';
import { notConfigured } from '../../vendors/registry.ts';
import { findHeldCopies } from './mimecast-held.ts';
import type { PlaybookStep, StepOutcome, StepPlan } from './types.ts';
import { outcomeOf, plural, reasonOf } from './types.ts';

type RemediateConfig = Extract<PlaybookStepConfig, { vendor: 'mimecast'; step: 'remediate' }>;

export function mimecastRemediateStep(config: RemediateConfig): PlaybookStep {
  const base = { vendor: 'mimecast', step: 'mimecast.remediate' };
  return {
    config,
    ...base,
    async plan(ctx): Promise<StepPlan> {
      const plan = (summary: string, extra: Partial<StepPlan> = {}): StepPlan => ({ config, ...base, summary, targets: [], ...extra });
      const mc = ctx.vendors.mimecast;
      if (!mc) return plan('would remediate at Mimecast', { blocked: notConfigured('mimecast') });
      const imid = ctx.report.original.internetMessageId;
      let held: string[] = [];
      let note = '';
      try {
        held = await findHeldCopies(mc, ctx);
      } catch (err) {
        note = ` (the held queue could not be read: ${reasonOf(err)})`;
      }
      const parts: string[] = [];
      if (held.length) parts.push(`reject ${plural(held.length, 'copy', 'copies')} still held at the gateway`);
      if (imid) parts.push('open a Mimecast remediation incident removing delivered copies by Message-ID');
      if (parts.length === 0) return plan('would remediate at Mimecast', { blocked: 'the reported message has no Message-ID and no copy is held at Mimecast' });
      return plan(`would ${parts.join(' and ')}${note}`, { targets: held, data: { incident: Boolean(imid) } });
    },
    async run(ctx, plan): Promise<StepOutcome> {
      if (plan.blocked) return outcomeOf(plan, 'failed', plan.blocked);
      if (ctx.dryRun) return outcomeOf(plan, 'dry-run', `dry run: ${plan.summary}`);
      const mc = ctx.vendors.mimecast!;
      const parts: string[] = [];
      const requestIds: string[] = [];
      const recipients: NonNullable<StepOutcome['recipients']> = [];
      let failures = 0;
      let successes = 0;
      if (plan.targets.length) {
        try {
          const r = await mc.rejectHeldMessages({ ids: plan.targets, reasonType: 'MESSAGE CONTAINS UNDESIRABLE CONTENT', notify: false, message: '' });
          if (r.requestId) requestIds.push(r.requestId);
          const rejected = new Set(r.data.filter((d) => d.reject === true).map((d) => String(d.id)));
          for (const id of plan.targets) recipients.push(rejected.has(id) ? { address: id, status: 'ok' } : { address: id, status: 'failed', error: 'not rejected' });
          parts.push(`rejected ${rejected.size} of ${plural(plan.targets.length, 'held copy', 'held copies')}`);
          successes += rejected.size;
          failures += plan.targets.length - rejected.size;
        } catch (err) {
          for (const id of plan.targets) recipients.push({ address: id, status: 'failed', error: reasonOf(err) });
          parts.push(`hold-reject failed: ${reasonOf(err)}`);
          failures += plan.targets.length;
        }
      }
      let code: string | undefined;
      if (plan.data?.incident && ctx.report.original.internetMessageId) {
        try {
          const inc = await mc.createRemediationIncident({
            reason: `Hookline: quarantine of report ${ctx.report.id}${config.reason ? `: ${config.reason}` : ''} (by ${ctx.actor.platform}:${ctx.actor.id})`,
            messageId: ctx.report.original.internetMessageId,
          });
          code = inc.code ?? inc.id;
          const counts = [inc.identified !== undefined ? `${inc.identified} identified` : '', inc.successful !== undefined ? `${inc.successful} removed` : '', inc.failed ? `${inc.failed} failed` : ''].filter(Boolean);
          parts.push(`remediation incident ${code}${counts.length ? `: ${counts.join(', ')}` : ''}`);
          if (inc.failed && inc.failed > 0) failures += 1;
          else successes += 1;
        } catch (err) {
          parts.push(`remediation incident failed: ${reasonOf(err)}`);
          failures += 1;
        }
      }
      const status = failures === 0 ? 'ok' : successes === 0 ? 'failed' : 'partial';
      return outcomeOf(plan, status, parts.join('; '), {
        ...(recipients.length ? { recipients, unit: ['held copy', 'held copies'] as [string, string] } : {}),
        ...(requestIds.length ? { requestId: requestIds[0], requestIds } : {}),
        irreversible: [
          plan.targets.length ? 'a rejected held message cannot be brought back' : '',
          code ? `Mimecast offers no API to restore a remediation incident: restore incident ${code} in the Administration Console (Threat Remediation)` : '',
        ]
          .filter(Boolean)
          .join('; '),
      });
    },
  };
}
