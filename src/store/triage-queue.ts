// Read-only views of the triage queue for personal surfaces (Slack App Home, a Teams tab): decisions
// waiting for a second approver, reports still waiting for a decision, and recent decisions, each
// with the report's subject and sender for display. Plain portable SQL over reports + decisions.
import type { Store } from './store.ts';
import type { Actor, DecisionAction, DecisionRecord, DecisionState } from './types.ts';

export interface QueueItem {
  reportId: string;
  subject: string;
  from?: string;
  reportedAt: string;
  /** Undefined: nobody has decided anything yet. */
  decision?: Pick<DecisionRecord, 'id' | 'action' | 'state' | 'requestedBy' | 'createdAt' | 'updatedAt' | 'attempts'> & { error?: string; approvedBy?: Actor };
}

const WAITING_FOR_PEOPLE: DecisionState[] = ['pending_second_approval', 'escalated'];
const NEEDS_SOMEONE: DecisionState[] = ['failed', 'escalated', 'pending_second_approval'];

function parseActor(s: string | null): Actor | undefined {
  if (!s) return undefined;
  try {
    return JSON.parse(s) as Actor;
  } catch {
    return undefined;
  }
}

type Row = {
  report_id: string;
  subject: string;
  from_address: string | null;
  reported_at: string;
  decision_id: string | null;
  action: string | null;
  state: string | null;
  requested_by: string | null;
  approved_by: string | null;
  error: string | null;
  attempts: number | null;
  decided_at: string | null;
  updated_at: string | null;
};

function toItem(r: Row): QueueItem {
  const item: QueueItem = { reportId: r.report_id, subject: r.subject, reportedAt: r.reported_at, ...(r.from_address ? { from: r.from_address } : {}) };
  if (r.decision_id) {
    const approvedBy = parseActor(r.approved_by);
    item.decision = {
      id: r.decision_id,
      action: r.action as DecisionAction,
      state: r.state as DecisionState,
      requestedBy: parseActor(r.requested_by) ?? { platform: 'system', id: 'unknown' },
      createdAt: r.decided_at ?? '',
      updatedAt: r.updated_at ?? '',
      attempts: Number(r.attempts ?? 0),
      ...(r.error ? { error: r.error } : {}),
      ...(approvedBy ? { approvedBy } : {}),
    };
  }
  return item;
}

function base(store: Store) {
  return store.db
    .selectFrom('reports')
    .leftJoin('decisions', 'decisions.report_id', 'reports.id')
    .select([
      'reports.id as report_id',
      'reports.subject as subject',
      'reports.from_address as from_address',
      'reports.created_at as reported_at',
      'decisions.id as decision_id',
      'decisions.action as action',
      'decisions.state as state',
      'decisions.requested_by as requested_by',
      'decisions.approved_by as approved_by',
      'decisions.error as error',
      'decisions.attempts as attempts',
      'decisions.created_at as decided_at',
      'decisions.updated_at as updated_at',
    ]);
}

/** Decisions waiting for a second approver that `actor` could give (they did not request it). */
export async function approvalsFor(store: Store, actor: Actor, limit = 10): Promise<QueueItem[]> {
  const rows = await base(store).where('decisions.state', 'in', WAITING_FOR_PEOPLE).orderBy('decisions.created_at', 'asc').limit(limit * 4).execute();
  return rows
    .map(toItem)
    .filter((i) => !(i.decision?.requestedBy.platform === actor.platform && i.decision.requestedBy.id === actor.id))
    .slice(0, limit);
}

/** Reports nobody has decided yet, or whose decision failed or waits: oldest first. */
export async function awaitingDecision(store: Store, limit = 10): Promise<{ items: QueueItem[]; count: number }> {
  const where = base(store).where((eb) => eb.or([eb('decisions.id', 'is', null), eb('decisions.state', 'in', NEEDS_SOMEONE)]));
  const rows = await where.orderBy('reports.created_at', 'asc').orderBy('reports.id', 'asc').limit(limit).execute();
  const count = await store.db
    .selectFrom('reports')
    .leftJoin('decisions', 'decisions.report_id', 'reports.id')
    .where((eb) => eb.or([eb('decisions.id', 'is', null), eb('decisions.state', 'in', NEEDS_SOMEONE)]))
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return { items: rows.map(toItem), count: Number(count.n) };
}

/** The latest decisions, newest first. */
export async function recentDecisions(store: Store, limit = 10): Promise<QueueItem[]> {
  const rows = await base(store).where('decisions.id', 'is not', null).orderBy('decisions.updated_at', 'desc').orderBy('decisions.id', 'desc').limit(limit).execute();
  return rows.map(toItem);
}
