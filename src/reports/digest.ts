// The digest: what the triage queue looks like, computed from the store and free of any chat
// platform (cards/slack/digest.ts and the Teams card render it). Used by the scheduled digest job
// and by the `report digest` catalog action (`/phish digest`).
//
// Reports in the window are counted by the state of their decision ("new" while undecided);
// pending decisions are counted over all time, since an old undecided report is exactly what a
// digest must show. Times to decision run from ingestion to the first click. Top campaigns come
// from a provider the campaign clustering wires in; without one the digest says campaigns are not
// available instead of failing.
import { z } from 'zod';
import type { Store } from '../store/store.ts';
import type { DecisionAction, DecisionState } from '../store/types.ts';
import type { ActionDef } from '../actions/types.ts';
import type { Vendors } from '../vendors/registry.ts';

export type ReportState = 'new' | DecisionState;

/** Decision states that still need someone (a report with no decision is "new"). */
export const OPEN_STATES: readonly DecisionState[] = ['executing', 'pending_second_approval', 'failed', 'escalated'];

export interface CampaignSummary {
  id: string;
  name: string;
  reports: number;
  lastSeenAt?: string;
}

/** Supplies the top campaigns of a window (campaign clustering wires one in). */
export type CampaignProvider = (store: Store, since: Date, limit: number) => Promise<CampaignSummary[]>;

export interface PendingItem {
  reportId: string;
  subject: string;
  from?: string;
  state: ReportState;
  createdAt: string;
  ageMinutes: number;
}

export interface DigestStats {
  /** Tells a digest apart from any other record result. */
  type: 'hookline.digest';
  generatedAt: string;
  since: string;
  hours: number;
  reports: {
    total: number;
    unparseable: number;
    byState: Partial<Record<ReportState, number>>;
    /** Done decisions by what they did. */
    outcomes: Partial<Record<DecisionAction, number>>;
  };
  pending: {
    count: number;
    byState: Partial<Record<ReportState, number>>;
    oldestAgeMinutes?: number;
    medianAgeMinutes?: number;
    /** The oldest pending reports, oldest first. */
    oldest: PendingItem[];
  };
  timeToDecision?: { samples: number; medianMinutes: number; p90Minutes: number; maxMinutes: number };
  topSenders: { address: string; reports: number }[];
  topDomains: { domain: string; reports: number }[];
  campaigns: { available: true; top: CampaignSummary[] } | { available: false; reason: string };
}

export interface DigestOptions {
  hours?: number;
  now?: Date;
  /** Entries in each top list (default 5). */
  top?: number;
  campaigns?: CampaignProvider;
}

/** Reports of a window read at most; beyond it the counts say "at least". */
const WINDOW_ROW_CAP = 50_000;
const PENDING_ROW_CAP = 20_000;

const minutesBetween = (a: string, b: Date) => Math.max(0, Math.round((b.getTime() - new Date(a).getTime()) / 60_000));

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function bump<K extends string>(m: Partial<Record<K, number>>, k: K, n = 1): void {
  m[k] = (m[k] ?? 0) + n;
}

function topOf(counts: Map<string, number>, n: number): [string, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

export async function digestStats(store: Store, opts: DigestOptions = {}): Promise<DigestStats> {
  const now = opts.now ?? new Date();
  const hours = opts.hours ?? 24;
  const top = opts.top ?? 5;
  const since = new Date(now.getTime() - hours * 3_600_000);
  const sinceIso = since.toISOString();

  // Reports of the window with their decision (one decision per report: decisionKey).
  const rows = await store.db
    .selectFrom('reports')
    .leftJoin('decisions', 'decisions.report_id', 'reports.id')
    .select(['reports.id as id', 'reports.status as status', 'reports.from_address as from_address', 'reports.created_at as created_at', 'decisions.state as state', 'decisions.action as action', 'decisions.created_at as decided_at'])
    .where('reports.created_at', '>=', sinceIso)
    .orderBy('reports.created_at', 'desc')
    .limit(WINDOW_ROW_CAP)
    .execute();

  const byState: Partial<Record<ReportState, number>> = {};
  const outcomes: Partial<Record<DecisionAction, number>> = {};
  const senders = new Map<string, number>();
  const domains = new Map<string, number>();
  let unparseable = 0;
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    bump(byState, (r.state ?? 'new') as ReportState);
    if (r.state === 'done' && r.action) bump(outcomes, r.action as DecisionAction);
    if (r.status === 'unparseable') unparseable++;
    const addr = r.from_address?.trim().toLowerCase();
    if (addr) {
      senders.set(addr, (senders.get(addr) ?? 0) + 1);
      const at = addr.lastIndexOf('@');
      if (at > 0 && at < addr.length - 1) {
        const domain = addr.slice(at + 1);
        domains.set(domain, (domains.get(domain) ?? 0) + 1);
      }
    }
  }

  // Decisions taken in the window, and how long their reports waited for them.
  const decided = await store.db
    .selectFrom('decisions')
    .innerJoin('reports', 'reports.id', 'decisions.report_id')
    .select(['decisions.created_at as decided_at', 'reports.created_at as reported_at'])
    .where('decisions.created_at', '>=', sinceIso)
    .limit(WINDOW_ROW_CAP)
    .execute();
  const waits = decided.map((d) => Math.max(0, (new Date(d.decided_at).getTime() - new Date(d.reported_at).getTime()) / 60_000)).sort((a, b) => a - b);

  // Everything still waiting for someone, whenever it arrived.
  const pendingRows = await store.db
    .selectFrom('reports')
    .leftJoin('decisions', 'decisions.report_id', 'reports.id')
    .select(['reports.id as id', 'reports.subject as subject', 'reports.from_address as from_address', 'reports.created_at as created_at', 'decisions.state as state'])
    .where((eb) => eb.or([eb('decisions.id', 'is', null), eb('decisions.state', 'in', [...OPEN_STATES])]))
    .orderBy('reports.created_at', 'asc')
    .orderBy('reports.id', 'asc')
    .limit(PENDING_ROW_CAP)
    .execute();
  const pendingByState: Partial<Record<ReportState, number>> = {};
  for (const p of pendingRows) bump(pendingByState, (p.state ?? 'new') as ReportState);
  const ages = pendingRows.map((p) => minutesBetween(p.created_at, now)).sort((a, b) => a - b);

  let campaigns: DigestStats['campaigns'];
  if (opts.campaigns) {
    try {
      campaigns = { available: true, top: await opts.campaigns(store, since, top) };
    } catch (err) {
      campaigns = { available: false, reason: `campaigns could not be read: ${(err as Error).message}` };
    }
  } else {
    campaigns = { available: false, reason: 'campaign clustering is not enabled in this deployment' };
  }

  return {
    type: 'hookline.digest',
    generatedAt: now.toISOString(),
    since: sinceIso,
    hours,
    reports: { total: seen.size, unparseable, byState, outcomes },
    pending: {
      count: pendingRows.length,
      byState: pendingByState,
      ...(ages.length ? { oldestAgeMinutes: ages.at(-1)!, medianAgeMinutes: quantile(ages, 0.5) } : {}),
      oldest: pendingRows.slice(0, top).map((p) => ({
        reportId: p.id,
        subject: p.subject,
        ...(p.from_address ? { from: p.from_address } : {}),
        state: (p.state ?? 'new') as ReportState,
        createdAt: p.created_at,
        ageMinutes: minutesBetween(p.created_at, now),
      })),
    },
    ...(waits.length
      ? { timeToDecision: { samples: waits.length, medianMinutes: Math.round(quantile(waits, 0.5)), p90Minutes: Math.round(quantile(waits, 0.9)), maxMinutes: Math.round(waits.at(-1)!) } }
      : {}),
    topSenders: topOf(senders, top).map(([address, reports]) => ({ address, reports })),
    topDomains: topOf(domains, top).map(([domain, reports]) => ({ domain, reports })),
    campaigns,
  };
}

export function isDigestStats(v: unknown): v is DigestStats {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'hookline.digest';
}

/** One line for notifications and the audit log. */
export function digestSummary(s: DigestStats): string {
  const decided = Object.entries(s.reports.byState)
    .filter(([k]) => k !== 'new')
    .reduce((n, [, v]) => n + (v ?? 0), 0);
  return `${s.reports.total} report${s.reports.total === 1 ? '' : 's'} in the last ${s.hours} h, ${decided} decided; ${s.pending.count} waiting for a decision`;
}

const digestParams = z.object({
  hours: z.number().int().min(1, 'hours must be at least 1').max(24 * 31, 'hours must be at most 744 (31 days)').default(24).describe('How many hours back the digest looks'),
});

/** `report digest` (`/phish digest`): the digest on demand. */
export function digestAction(opts: { campaigns?: CampaignProvider } = {}): ActionDef<typeof digestParams, DigestStats, Vendors> {
  return {
    id: 'report.digest',
    vendor: 'report',
    name: 'digest',
    title: 'Digest',
    summary: 'Reports by state, pending decisions and their age, top campaigns, senders and domains, time to decision',
    params: digestParams,
    risk: 'read',
    role: 'viewer',
    async run(ctx, p) {
      const stats = await digestStats(ctx.store, { hours: p.hours, ...(opts.campaigns ? { campaigns: opts.campaigns } : {}) });
      return { summary: digestSummary(stats), kind: 'record', data: stats };
    },
  };
}
