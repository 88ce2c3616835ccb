// Tells the person who reported the message what came of it: a templated email from the reporting
// mailbox (Graph sendMail, so the reply comes from the address people report to), and a direct
// message on each chat platform where an account with their email address exists. The template's
// placeholders are {subject}, {reportId} and {decision}; the subject is the phish's own (attacker
// text), so it is flattened to one short line here and escaped by the chat platform.
import type { PlaybookStepConfig } from '../../config/policy.ts';
import type { DecisionAction } from '../../store/types.ts';
import { notConfigured } from '../../vendors/registry.ts';
import type { Publisher } from '../../chat/publisher.ts';
import type { ChatNotice, PlaybookStep, ReporterNotifier, StepContext, StepOutcome, StepPlan } from './types.ts';
import { outcomeOf, reasonOf } from './types.ts';

type NotifyConfig = Extract<PlaybookStepConfig, { vendor: 'graph'; step: 'notify-reporter' }>;

export const DEFAULT_NOTICES: Record<DecisionAction, string> = {
  approve:
    'Thank you for reporting the message "{subject}". The security team reviewed it and found it safe. If it was held or removed, it has been released to your mailbox. (Hookline report {reportId})',
  quarantine:
    'Thank you for reporting the message "{subject}". The security team confirmed it as phishing and removed it from the mailboxes that received it. Please do not open links or attachments from it. (Hookline report {reportId})',
  block:
    'Thank you for reporting the message "{subject}". The security team confirmed it as malicious and blocked its sender. (Hookline report {reportId})',
};

const DECISION_WORDS: Record<DecisionAction, string> = { approve: 'safe', quarantine: 'phishing (removed)', block: 'malicious (sender blocked)' };

/** One line, no control characters, at most `max` characters. */
export function oneLine(s: string | undefined, max: number): string {
  const flat = (s ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function renderNotice(template: string, ctx: Pick<StepContext, 'report' | 'decision'>): string {
  const subject = oneLine(ctx.report.original.subject, 120) || '(no subject)';
  return template.replace(/\{(subject|reportId|decision)\}/g, (_, k: string) => (k === 'subject' ? subject : k === 'reportId' ? ctx.report.id : DECISION_WORDS[ctx.decision]));
}

export function notifyReporterStep(config: NotifyConfig): PlaybookStep {
  const base = { vendor: 'graph', step: 'graph.notify-reporter' };
  return {
    config,
    ...base,
    async plan(ctx): Promise<StepPlan> {
      const reporter = ctx.report.reportedBy?.address?.trim().toLowerCase();
      const plan = (summary: string, extra: Partial<StepPlan> = {}): StepPlan => ({ config, ...base, summary, targets: reporter ? [reporter] : [], ...extra });
      if (!ctx.vendors.graph) return plan('would tell the reporter', { blocked: notConfigured('graph') });
      if (!reporter) return plan('would tell the reporter', { nothing: 'the report does not say who reported it' });
      if (!ctx.vendors.reportMailbox) return plan(`would email ${reporter}`, { blocked: 'notify-reporter sends from the reporting mailbox: set REPORT_MAILBOX' });
      const dm = ctx.notifier ? ' and send a direct message where their chat account is known' : '';
      return plan(`would email the reporter ${reporter} from ${ctx.vendors.reportMailbox}${dm}`);
    },

    async run(ctx, plan): Promise<StepOutcome> {
      const irreversible = 'a sent notification cannot be unsent';
      if (plan.blocked) return outcomeOf(plan, 'failed', plan.blocked);
      if (plan.nothing) return outcomeOf(plan, 'skipped', plan.nothing);
      const reporter = plan.targets[0] as string;
      if (ctx.dryRun) return outcomeOf(plan, 'dry-run', `dry run: ${plan.summary}`);
      const text = renderNotice(config.message ?? DEFAULT_NOTICES[ctx.decision], ctx);
      const subject = `Your phishing report: ${oneLine(ctx.report.original.subject, 80) || '(no subject)'}`;
      const parts: string[] = [];
      const requestIds: string[] = [];
      let emailed = false;
      try {
        const r = await ctx.vendors.graph!.sendMail(ctx.vendors.reportMailbox!, { to: [reporter], subject, text });
        if (r.requestId) requestIds.push(r.requestId);
        emailed = true;
        parts.push(`emailed ${reporter}`);
      } catch (err) {
        parts.push(`email to ${reporter} failed: ${reasonOf(err)}`);
      }
      let chats: ChatNotice[] = [];
      if (ctx.notifier) {
        try {
          chats = await ctx.notifier.notifyUser(reporter, text);
        } catch (err) {
          chats = [{ platform: 'chat', delivered: false, reason: reasonOf(err) }];
        }
        for (const c of chats) parts.push(c.delivered ? `sent a ${c.platform} direct message` : `no ${c.platform} direct message (${c.reason ?? 'not delivered'})`);
      }
      // The email is the promise; a direct message is a courtesy where the account is known.
      const status = emailed ? 'ok' : chats.some((c) => c.delivered) ? 'partial' : 'failed';
      return outcomeOf(plan, status, parts.join('; '), {
        recipients: [{ address: reporter, status: emailed ? 'ok' : 'failed', ...(emailed ? {} : { error: 'email not sent' }) }],
        irreversible,
        ...(requestIds.length ? { requestId: requestIds[0], requestIds } : {}),
      });
    },
  };
}

/** Direct messages through every chat port that can look a person up by email (Slack: users.lookupByEmail). */
export function chatNotifier(publisher: Pick<Publisher, 'platforms' | 'port'>): ReporterNotifier {
  return {
    async notifyUser(email, text) {
      const out: ChatNotice[] = [];
      for (const platform of publisher.platforms()) {
        const port = publisher.port(platform);
        if (!port?.notifyUser) continue;
        try {
          out.push({ platform, ...(await port.notifyUser(email, text)) });
        } catch (err) {
          out.push({ platform, delivered: false, reason: reasonOf(err) });
        }
      }
      return out;
    },
  };
}
