// The App Home tab, per user: approvals waiting for them, reports waiting for a decision (for people
// who can decide), recent decisions, and the configuration state (which vendors are configured,
// where alerts and digests go, dry run, the policy in force). Pure: the adapter gathers the model.
import type { types } from '@slack/bolt';
import type { KnownBlock } from './block-kit.ts';
import type { Role } from '../../src/actions/types.ts';
import type { Actor } from '../../src/store/types.ts';
import type { QueueItem } from '../../src/store/triage-queue.ts';
import { defangEmail, slackCode, slackText } from '../text.ts';
import { SLACK_LIMITS, blocksTextLength, contextBlock, dividerBlock, fitLines, headerBlock, sectionBlock } from './limits.ts';
import { formatTime, slackActor } from './report-card.ts';

export interface HomeModel {
  actor: Actor;
  roles: Role[];
  approvals: QueueItem[];
  awaiting: { items: QueueItem[]; count: number };
  recent: QueueItem[];
  config: {
    vendors: { name: string; configured: boolean; variables: string[] }[];
    alertChannel?: string;
    digest: { enabled: boolean; schedule: string; channel?: string };
    dryRun: boolean;
    policySource: string;
    command: string;
  };
  now: Date;
}

const STATE_WORDS: Record<string, string> = {
  executing: ':hourglass_flowing_sand: in progress',
  pending_second_approval: ':busts_in_silhouette: waiting for a second approver',
  escalated: ':rotating_light: escalated',
  failed: ':x: failed',
  done: ':white_check_mark: done',
  dismissed: ':no_entry_sign: dismissed',
  expired: ':hourglass: expired',
};
const VERB: Record<string, string> = { approve: 'Approve', quarantine: 'Quarantine', block: 'Block' };

/** Target for the Home tab's block text (Slack allows 100 blocks; text is budgeted like messages). */
const HOME_BUDGET = 11_000;

function reportLine(i: QueueItem, now: Date): string {
  const subject = slackText(i.subject, { max: 90 }) || '_(no subject)_';
  const from = i.from ? ` from ${slackCode(defangEmail(i.from), { max: 80 })}` : '';
  return `${subject}${from} · reported ${formatTime(i.reportedAt, now)} · ${slackCode(i.reportId, { max: 60, defang: false })}`;
}

function decisionLine(i: QueueItem, now: Date): string {
  const d = i.decision!;
  const what = `${VERB[d.action] ?? slackText(d.action, { max: 20 })} ${STATE_WORDS[d.state] ?? slackText(d.state, { max: 30 })}`;
  const err = d.state === 'failed' && d.error ? ` _(${slackText(d.error, { max: 160 })})_` : '';
  return `• *${what}*${err} by ${slackActor(d.requestedBy)} · ${formatTime(d.updatedAt || d.createdAt, now)}\n   ${reportLine(i, now)}`;
}

export function homeView(m: HomeModel): types.HomeView {
  const blocks: KnownBlock[] = [headerBlock('Hookline: phishing triage')];
  const roles = m.roles.length ? m.roles.join(', ') : 'none (ask an admin to add you to the policy file)';
  blocks.push(contextBlock([`You: ${slackActor(m.actor)} · roles: ${slackText(roles, { max: 200 })}`]));

  blocks.push(dividerBlock());
  blocks.push(sectionBlock(`*My pending approvals* (${m.approvals.length})`));
  if (m.approvals.length) blocks.push(sectionBlock(fitLines(m.approvals.map((i) => decisionLine(i, m.now)))));
  else blocks.push(contextBlock(['_Nothing is waiting for your approval._']));

  if (m.roles.includes('responder')) {
    blocks.push(sectionBlock(`*Waiting for a decision* (${m.awaiting.count})`));
    if (m.awaiting.items.length) {
      const lines = m.awaiting.items.map((i) => (i.decision ? decisionLine(i, m.now) : `• ${reportLine(i, m.now)}`));
      if (m.awaiting.count > m.awaiting.items.length) lines.push(`_+${m.awaiting.count - m.awaiting.items.length} more in the alert channel_`);
      blocks.push(sectionBlock(fitLines(lines)));
    } else blocks.push(contextBlock(['_The queue is empty._']));
  }

  blocks.push(dividerBlock());
  blocks.push(sectionBlock('*Recent decisions*'));
  if (m.recent.length) blocks.push(sectionBlock(fitLines(m.recent.map((i) => decisionLine(i, m.now)))));
  else blocks.push(contextBlock(['_No decisions yet._']));

  blocks.push(dividerBlock());
  const c = m.config;
  const vendorLines = c.vendors.map((v) =>
    v.configured ? `:white_check_mark: *${slackText(v.name, { max: 40 })}* configured` : `:heavy_minus_sign: *${slackText(v.name, { max: 40 })}* not configured _(set ${slackText(v.variables.join(', '), { max: 300 })})_`,
  );
  blocks.push(sectionBlock(fitLines(['*Configuration*', ...vendorLines])));
  const channel = (id?: string) => (id && /^[CGD][A-Z0-9]{6,}$/.test(id) ? `<#${id}>` : '_not set_');
  blocks.push(
    contextBlock([
      `Alerts: ${channel(c.alertChannel)}`,
      `Digest: ${c.digest.enabled ? `${slackCode(c.digest.schedule, { max: 60, defang: false })} to ${channel(c.digest.channel)}` : '_off_'}`,
      c.dryRun ? ':test_tube: *Dry run*: destructive vendor calls are not sent' : 'Live: vendor calls are sent',
      `Policy: ${slackCode(c.policySource, { max: 200, defang: false })}`,
      `Commands: ${slackCode(`${c.command} help`, { max: 60, defang: false })}`,
    ]),
  );

  // Keep within the view's limits: trim the longest lists first (recent, then waiting).
  let out = blocks.slice(0, SLACK_LIMITS.blocksPerView);
  if (blocksTextLength(out) > HOME_BUDGET) out = out.map((b) => (b.type === 'section' && b.text && b.text.text.length > 1500 ? sectionBlock(fitLines(b.text.text.split('\n'), 1500)) : b));
  return { type: 'home', blocks: out };
}
