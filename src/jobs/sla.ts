// The SLA sweep (policy.sla: minutes, schedule, slackGroup, teamsGroup). A report that nobody
// decided within `minutes` of arriving is escalated once: its cards get a banner (the snapshot
// carries the escalation), and each card's conversation gets a reply that mentions the on-call
// group named in the policy. Only the policy names whom to ping: nothing from the mail (a display
// name, an address) ever becomes a mention. The scheduler's lease runs a tick once across
// replicas, and the escalation row is a claim, so even overlapping ticks ping once.
import type { Logger } from '../log/logger.ts';
import type { Policy } from '../config/policy.ts';
import type { Store } from '../store/store.ts';
import type { Publisher } from '../chat/publisher.ts';
import type { ReportSnapshot } from '../chat/port.ts';
import type { DecisionRecord } from '../store/types.ts';
import { claimEscalation, escalationOf, overdueCandidates } from '../store/sla-escalations.ts';
import { reopened } from '../actions/steps/record.ts';

export interface SlaDeps {
  store: Store;
  publisher: Publisher;
  policy: Policy;
  log: Logger;
  now?: () => Date;
}

/** Reports older than this are not escalated any more (a first start on an old backlog pings nobody). */
export const SLA_LOOKBACK_DAYS = 7;
const BATCH = 50;

/** Undecided: nothing decided yet, a request still waiting, a failure, or open again. */
export function undecided(d: DecisionRecord | undefined): boolean {
  return !d || reopened(d) || d.state === 'pending_second_approval' || d.state === 'failed';
}

export async function escalateOverdue(deps: SlaDeps): Promise<{ escalated: string[] }> {
  const minutes = deps.policy.sla.minutes;
  if (minutes === 0) return { escalated: [] };
  const now = deps.now?.() ?? new Date();
  const dueBefore = new Date(now.getTime() - minutes * 60_000).toISOString();
  const notBefore = new Date(now.getTime() - SLA_LOOKBACK_DAYS * 86_400_000).toISOString();
  const escalated: string[] = [];
  for (const r of await overdueCandidates(deps.store, { dueBefore, notBefore, limit: BATCH })) {
    if (!undecided(await deps.store.latestDecision(r.id))) continue;
    const dueAt = new Date(new Date(r.createdAt).getTime() + minutes * 60_000).toISOString();
    if (!(await claimEscalation(deps.store, { reportId: r.id, dueAt, slaMinutes: minutes, escalatedAt: now.toISOString() }))) continue;
    escalated.push(r.id);
    await deps.store.appendAudit({
      actor: { platform: 'system', id: 'hookline' },
      action: 'sla.escalate',
      params: { reportId: r.id },
      result: 'info',
      detail: { slaMinutes: minutes, dueAt, slackGroup: deps.policy.sla.slackGroup ?? null, teamsGroup: deps.policy.sla.teamsGroup ?? null },
    });
    await deps.publisher.refresh(r.id);
    for (const ref of await deps.store.postsOf(r.id)) {
      const port = deps.publisher.port(ref.platform);
      if (!port?.escalate) continue;
      const group = ref.platform === 'slack' ? deps.policy.sla.slackGroup : ref.platform === 'teams' ? deps.policy.sla.teamsGroup : undefined;
      try {
        await port.escalate(ref, { reportId: r.id, slaMinutes: minutes, ...(group ? { group } : {}) });
      } catch (err) {
        // The banner is on the card already; a failed ping is logged, not retried (no double pings).
        deps.log.warn({ reportId: r.id, platform: ref.platform, err: (err as Error).message }, 'SLA escalation message failed');
      }
    }
  }
  return { escalated };
}

/** Snapshot decorator: the SLA banner's state. */
export function withEscalation(store: Store): (s: ReportSnapshot) => Promise<ReportSnapshot> {
  return async (s) => {
    const e = await escalationOf(store, s.report.id);
    return e ? { ...s, escalation: { at: e.escalatedAt, slaMinutes: e.slaMinutes } } : s;
  };
}
