// Reports escalated for missing their decision SLA (table sla_escalations, migration 0006). The
// INSERT .. ON CONFLICT DO NOTHING RETURNING is the claim: exactly one replica escalates a report,
// once, however many run the SLA job at the same tick.
import type { Store } from './store.ts';

export interface SlaEscalation {
  reportId: string;
  dueAt: string;
  slaMinutes: number;
  escalatedAt: string;
}

/** Records the escalation; true only for the one caller that inserted it. */
export async function claimEscalation(store: Store, e: SlaEscalation): Promise<boolean> {
  const r = await store.db
    .insertInto('sla_escalations')
    .values({ report_id: e.reportId, due_at: e.dueAt, sla_minutes: e.slaMinutes, escalated_at: e.escalatedAt })
    .onConflict((oc) => oc.column('report_id').doNothing())
    .returning('report_id')
    .executeTakeFirst();
  return r !== undefined;
}

export async function escalationOf(store: Store, reportId: string): Promise<SlaEscalation | undefined> {
  const r = await store.db.selectFrom('sla_escalations').selectAll().where('report_id', '=', reportId).executeTakeFirst();
  return r ? { reportId: r.report_id, dueAt: r.due_at, slaMinutes: Number(r.sla_minutes), escalatedAt: r.escalated_at } : undefined;
}

/**
 * Posted reports created in [notBefore, dueBefore) that were never escalated, oldest first. Whether
 * they are still undecided is the caller's question (it depends on the latest decision).
 */
export async function overdueCandidates(store: Store, opts: { dueBefore: string; notBefore: string; limit: number }): Promise<{ id: string; createdAt: string }[]> {
  const rows = await store.db
    .selectFrom('reports')
    .select(['reports.id', 'reports.created_at'])
    .where('reports.created_at', '<', opts.dueBefore)
    .where('reports.created_at', '>=', opts.notBefore)
    .where(({ exists, not, selectFrom }) =>
      not(exists(selectFrom('sla_escalations').select('sla_escalations.report_id').whereRef('sla_escalations.report_id', '=', 'reports.id'))),
    )
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('chat_posts').select('chat_posts.report_id').whereRef('chat_posts.report_id', '=', 'reports.id').where('chat_posts.state', '=', 'posted')),
    )
    .orderBy('reports.created_at')
    .orderBy('reports.id')
    .limit(opts.limit)
    .execute();
  return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
}
