// The digest as Block Kit (scheduled post and `/phish digest`): reports by state, what is still
// waiting and for how long, top campaigns, senders and domains, time to decision. Subjects,
// senders and domains are attacker-chosen: escaped and defanged like every card.
import type { KnownBlock } from './block-kit.ts';
import type { DigestStats, ReportState } from '../../src/reports/digest.ts';
import { defangDomain, defangEmail, slackCode, slackText } from '../text.ts';
import { contextBlock, dividerBlock, fieldsBlock, fitLines, headerBlock, sectionBlock } from './limits.ts';
import type { SlackCard } from './report-card.ts';

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

/** `45 min`, `3 h 20 min`, `2 d 4 h`. */
export function formatMinutes(m: number): string {
  if (!Number.isFinite(m) || m < 0) return '?';
  if (m < 60) return `${Math.round(m)} min`;
  if (m < 48 * 60) {
    const h = Math.floor(m / 60);
    const r = Math.round(m % 60);
    return r ? `${h} h ${r} min` : `${h} h`;
  }
  const d = Math.floor(m / 1440);
  const h = Math.round((m % 1440) / 60);
  return h ? `${d} d ${h} h` : `${d} d`;
}

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function stateLines(byState: Partial<Record<ReportState, number>>): string[] {
  return (Object.keys(STATE_LABEL) as ReportState[]).filter((s) => (byState[s] ?? 0) > 0).map((s) => `${STATE_LABEL[s]}: *${byState[s]}*`);
}

/** The digest's blocks without a header (the command result adds its own). */
export function digestBlocks(s: DigestStats): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  const r = s.reports;
  const outcomes = Object.entries(r.outcomes)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([a, n]) => `${n} ${OUTCOME_LABEL[a] ?? slackText(a, { max: 20 })}`);
  blocks.push(
    sectionBlock(
      `*Last ${s.hours} h* (since ${utc(s.since)}): *${r.total}* report${r.total === 1 ? '' : 's'}` +
        (r.unparseable ? `, ${r.unparseable} could not be parsed` : '') +
        (outcomes.length ? `\nDecided: ${outcomes.join(', ')}` : ''),
    ),
  );
  const states = stateLines(r.byState);
  if (states.length) blocks.push(fieldsBlock([`*Reports by state*\n${states.join('\n')}`, `*Time to decision*\n${ttd(s)}`]));

  const p = s.pending;
  const pendHead =
    p.count === 0
      ? ':white_check_mark: *Nothing is waiting for a decision.*'
      : `:hourglass_flowing_sand: *${p.count} waiting for a decision*` +
        (p.oldestAgeMinutes !== undefined ? ` · oldest ${formatMinutes(p.oldestAgeMinutes)}, median ${formatMinutes(p.medianAgeMinutes ?? 0)}` : '') +
        (stateLines(p.byState).length ? `\n${stateLines(p.byState).join(' · ')}` : '');
  const oldest = p.oldest.map(
    (i) =>
      `• ${slackText(i.subject, { max: 90 }) || '_(no subject)_'}${i.from ? ` from ${slackCode(defangEmail(i.from), { max: 80 })}` : ''} · ${STATE_LABEL[i.state] ?? slackText(i.state, { max: 30 })} · ${formatMinutes(i.ageMinutes)} · ${slackCode(i.reportId, { max: 60, defang: false })}`,
  );
  blocks.push(dividerBlock());
  blocks.push(sectionBlock(fitLines([pendHead, ...oldest])));

  const senders = s.topSenders.map((x) => `${slackCode(defangEmail(x.address), { max: 90 })} · ${x.reports}`);
  const domains = s.topDomains.map((x) => `${slackCode(defangDomain(x.domain), { max: 90 })} · ${x.reports}`);
  if (senders.length || domains.length) {
    blocks.push(fieldsBlock([`*Top reported senders*\n${senders.join('\n') || '_none_'}`, `*Top sender domains*\n${domains.join('\n') || '_none_'}`]));
  }

  if (s.campaigns.available) {
    const lines = s.campaigns.top.map((c) => `• ${slackText(c.name, { max: 100 }) || '_(unnamed)_'} · ${c.reports} report${c.reports === 1 ? '' : 's'}`);
    blocks.push(sectionBlock(fitLines([`*Top campaigns*`, ...(lines.length ? lines : ['_No campaigns in this window._'])])));
  } else {
    blocks.push(contextBlock([`_Top campaigns: not available (${slackText(s.campaigns.reason, { max: 200 })})._`]));
  }
  blocks.push(contextBlock([`Generated ${utc(s.generatedAt)}`]));
  return blocks;
}

function ttd(s: DigestStats): string {
  const t = s.timeToDecision;
  if (!t) return '_no decisions in this window_';
  return `median ${formatMinutes(t.medianMinutes)}, p90 ${formatMinutes(t.p90Minutes)}, max ${formatMinutes(t.maxMinutes)}\n_${t.samples} decision${t.samples === 1 ? '' : 's'}_`;
}

/** Notification text: counts only (no subjects, nothing attacker-controlled). */
export function digestText(s: DigestStats): string {
  return `Phishing triage digest: ${s.reports.total} report${s.reports.total === 1 ? '' : 's'} in the last ${s.hours} h, ${s.pending.count} waiting for a decision`;
}

/** The scheduled digest message. */
export function digestCard(s: DigestStats): SlackCard {
  return { text: digestText(s), blocks: [headerBlock(':bar_chart: Phishing triage digest'), ...digestBlocks(s)] };
}
