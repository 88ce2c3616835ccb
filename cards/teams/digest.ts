// The digest as an Adaptive Card (scheduled post and the `digest` command in Teams), with the same
// content as the Slack digest (cards/slack/digest.ts): reports by state, what is waiting and for
// how long, time to decision, top senders, domains and campaigns. Subjects, senders and domains
// are attacker-chosen: escaped and defanged like every card.
import type { DigestStats, ReportState } from '../../src/reports/digest.ts';
import { formatMinutes } from '../slack/digest.ts';
import { defangDomain, defangEmail, teamsText } from '../text.ts';
import { bulletLines, card, container, facts, text, type AdaptiveCard, type CardElement } from './adaptive.ts';

const STATE_LABEL: Record<ReportState, string> = {
  new: 'New (undecided)',
  executing: 'In progress',
  pending_second_approval: 'Waiting for a second approver',
  done: 'Decided',
  failed: 'Failed',
  dismissed: 'Dismissed',
  expired: 'Expired',
  escalated: 'Escalated',
};

const OUTCOME_LABEL: Record<string, string> = { approve: 'approved', quarantine: 'quarantined', block: 'blocked' };

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function stateFacts(byState: Partial<Record<ReportState, number>>): { title: string; value: string }[] {
  return (Object.keys(STATE_LABEL) as ReportState[]).filter((s) => (byState[s] ?? 0) > 0).map((s) => ({ title: STATE_LABEL[s], value: String(byState[s]) }));
}

/** The digest's elements without a heading (a command result adds its own). */
export function teamsDigestElements(s: DigestStats): CardElement[] {
  const out: CardElement[] = [];
  const r = s.reports;
  const outcomes = Object.entries(r.outcomes)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([a, n]) => `${n} ${OUTCOME_LABEL[a] ?? teamsText(a, { max: 20 })}`);
  out.push(text(`**Last ${s.hours} h** (since ${utc(s.since)}): **${r.total}** report${r.total === 1 ? '' : 's'}${r.unparseable ? `, ${r.unparseable} could not be parsed` : ''}`));
  if (outcomes.length) out.push(text(`Decided: ${outcomes.join(', ')}`, { spacing: 'Small' }));
  const states = stateFacts(r.byState);
  const t = s.timeToDecision;
  states.push({ title: 'Time to decision', value: t ? `median ${formatMinutes(t.medianMinutes)}, p90 ${formatMinutes(t.p90Minutes)}, max ${formatMinutes(t.maxMinutes)} (${t.samples} decision${t.samples === 1 ? '' : 's'})` : '_no decisions in this window_' });
  out.push(facts(states));

  const p = s.pending;
  const head =
    p.count === 0
      ? '✅ **Nothing is waiting for a decision.**'
      : `⏳ **${p.count} waiting for a decision**${p.oldestAgeMinutes !== undefined ? ` · oldest ${formatMinutes(p.oldestAgeMinutes)}, median ${formatMinutes(p.medianAgeMinutes ?? 0)}` : ''}`;
  const oldest = p.oldest.map(
    (i) =>
      `${teamsText(i.subject, { max: 90 }) || '_(no subject)_'}${i.from ? ` from ${teamsText(defangEmail(i.from), { max: 80, defang: false })}` : ''} · ${STATE_LABEL[i.state] ?? teamsText(i.state, { max: 30 })} · ${formatMinutes(i.ageMinutes)} · ${teamsText(i.reportId, { max: 60, defang: false })}`,
  );
  out.push(container([text(head), ...(oldest.length ? [text(bulletLines(oldest), { spacing: 'Small' })] : [])], { separator: true, spacing: 'Medium' }));

  const senders = s.topSenders.map((x) => `${teamsText(defangEmail(x.address), { max: 90, defang: false })} · ${x.reports}`);
  const domains = s.topDomains.map((x) => `${teamsText(defangDomain(x.domain), { max: 90, defang: false })} · ${x.reports}`);
  if (senders.length) out.push(text('**Top reported senders**', { spacing: 'Medium' }), text(bulletLines(senders), { spacing: 'Small' }));
  if (domains.length) out.push(text('**Top sender domains**', { spacing: 'Medium' }), text(bulletLines(domains), { spacing: 'Small' }));

  if (s.campaigns.available) {
    const lines = s.campaigns.top.map((c) => `${teamsText(c.name, { max: 100 }) || '_(unnamed)_'} · ${c.reports} report${c.reports === 1 ? '' : 's'}`);
    out.push(text('**Top campaigns**', { spacing: 'Medium' }), text(lines.length ? bulletLines(lines) : '_No campaigns in this window._', { spacing: 'Small' }));
  } else {
    out.push(text(`_Top campaigns: not available (${teamsText(s.campaigns.reason, { max: 200 })})._`, { isSubtle: true }));
  }
  out.push(text(`Generated ${utc(s.generatedAt)}`, { isSubtle: true, size: 'Small' }));
  return out;
}

/** Notification text: counts only (nothing attacker-controlled). */
export function teamsDigestText(s: DigestStats): string {
  return `Phishing triage digest: ${s.reports.total} report${s.reports.total === 1 ? '' : 's'} in the last ${s.hours} h, ${s.pending.count} waiting for a decision`;
}

/** The scheduled digest message. */
export function teamsDigestCard(s: DigestStats): AdaptiveCard {
  return card([text('📊 Phishing triage digest', { size: 'Medium', weight: 'Bolder', style: 'heading' }), ...teamsDigestElements(s)], { fallbackText: teamsDigestText(s) });
}
