// Persistence of dedupe and campaigns (migration 0005, docs/decisions/0007). Keys are computed by
// src/ingest/campaigns.ts; this module only stores them. Every write is safe under concurrency
// across replicas: rows are claimed with INSERT .. ON CONFLICT DO NOTHING RETURNING, counters move
// with `x = x + 1` only when the claim inserted, and one reporting is recorded in one transaction,
// so a crash leaves either all of it or none (the re-ingest then records it once).
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Store } from './store.ts';
import type { Database } from './schema.ts';
import type { CampaignSummary, MessageRef } from '../chat/port.ts';

export interface Reporting {
  reportId: string;
  /** The dedupe key of the source message that carried this reporting (`http:<sha256>`, ...). */
  sourceKey: string;
  /** The reporter's address; absent when the report does not say who sent it. */
  reporter?: string;
  /** When it was reported (ISO-8601). */
  at: string;
  /** The report's original key (src/ingest/campaigns.ts originalKey), to claim the original for it. */
  originalKey?: string;
  /** The report's cluster key (src/ingest/campaigns.ts clusterKey); none: no campaign. */
  clusterKey?: string;
}

/** ISO-8601 in one format (Date.toISOString), so text comparison orders times on both databases. */
function isoTime(at: string | undefined): string {
  const t = at ? Date.parse(at) : Number.NaN;
  return Number.isNaN(t) ? new Date().toISOString() : new Date(t).toISOString();
}

/** The report that holds this original message, if one does. */
export async function reportHoldingOriginal(store: Store, originalKey: string): Promise<string | undefined> {
  const r = await store.db.selectFrom('report_originals').select('report_id').where('original_key', '=', originalKey).executeTakeFirst();
  return r?.report_id;
}

/** The report a source message was counted for (its own, or the one it reported again). */
export async function reportOfReporting(store: Store, sourceKey: string): Promise<string | undefined> {
  const r = await store.db.selectFrom('report_reporters').select('report_id').where('source_key', '=', sourceKey).executeTakeFirst();
  return r?.report_id;
}

/**
 * Records one reporting of a report: claims its original (first report wins), puts the report in
 * its campaign (creating the campaign, with this report as its lead, if it is the first), and counts
 * the reporting and the reporter once. Idempotent per sourceKey. Returns the campaign id, if any.
 */
export async function recordReporting(store: Store, r: Reporting): Promise<{ campaignId?: string; counted: boolean }> {
  const at = isoTime(r.at);
  const reporter = r.reporter?.trim().toLowerCase() || null;
  return store.db.transaction().execute(async (tx) => {
    if (r.originalKey) {
      await tx
        .insertInto('report_originals')
        .values({ original_key: r.originalKey, report_id: r.reportId, created_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('original_key').doNothing())
        .execute();
    }
    const campaignId = await ensureCampaign(tx, r.reportId, r.clusterKey, at);
    const ins = await tx
      .insertInto('report_reporters')
      .values({ source_key: r.sourceKey, report_id: r.reportId, reporter, reported_at: at })
      .onConflict((oc) => oc.column('source_key').doNothing())
      .returning('source_key')
      .executeTakeFirst();
    if (!ins) return { ...(campaignId ? { campaignId } : {}), counted: false };
    if (campaignId) {
      let newReporter = false;
      if (reporter) {
        newReporter =
          (await tx
            .insertInto('campaign_reporters')
            .values({ campaign_id: campaignId, reporter })
            .onConflict((oc) => oc.columns(['campaign_id', 'reporter']).doNothing())
            .returning('reporter')
            .executeTakeFirst()) !== undefined;
      }
      await tx
        .updateTable('campaigns')
        .set((eb) => ({
          report_count: eb('report_count', '+', 1),
          reporter_count: eb('reporter_count', '+', newReporter ? 1 : 0),
          first_seen: eb.case().when('first_seen', '>', at).then(at).else(eb.ref('first_seen')).end(),
          last_seen: eb.case().when('last_seen', '<', at).then(at).else(eb.ref('last_seen')).end(),
        }))
        .where('id', '=', campaignId)
        .execute();
    }
    return { ...(campaignId ? { campaignId } : {}), counted: true };
  });
}

/** The report's campaign id, joining or opening the campaign of `clusterKey` when it has none yet. */
async function ensureCampaign(db: Kysely<Database>, reportId: string, clusterKey: string | undefined, at: string): Promise<string | undefined> {
  const current = await db.selectFrom('reports').select('campaign_id').where('id', '=', reportId).executeTakeFirst();
  if (current?.campaign_id) return current.campaign_id;
  if (!clusterKey || !current) return undefined;
  const opened = await db
    .insertInto('campaigns')
    .values({ id: randomUUID(), cluster_key: clusterKey, lead_report_id: reportId, first_seen: at, last_seen: at, report_count: 0, reporter_count: 0, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('cluster_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  const id = opened?.id ?? (await db.selectFrom('campaigns').select('id').where('cluster_key', '=', clusterKey).executeTakeFirstOrThrow()).id;
  // Conditional: a concurrent recorder of the same report may have set it; theirs is the same campaign.
  await db.updateTable('reports').set({ campaign_id: id }).where('id', '=', reportId).where('campaign_id', 'is', null).execute();
  return id;
}

type CampaignRow = Database['campaigns'];

function toSummary(c: Pick<CampaignRow, 'id' | 'lead_report_id' | 'report_count' | 'reporter_count' | 'first_seen' | 'last_seen'>): CampaignSummary {
  return {
    id: c.id,
    leadReportId: c.lead_report_id,
    reportCount: Number(c.report_count),
    reporterCount: Number(c.reporter_count),
    firstSeen: c.first_seen,
    lastSeen: c.last_seen,
  };
}

const SUMMARY_COLUMNS = ['campaigns.id', 'campaigns.lead_report_id', 'campaigns.report_count', 'campaigns.reporter_count', 'campaigns.first_seen', 'campaigns.last_seen'] as const;

export async function getCampaign(store: Store, id: string): Promise<CampaignSummary | undefined> {
  const c = await store.db.selectFrom('campaigns').select(SUMMARY_COLUMNS).where('id', '=', id).executeTakeFirst();
  return c ? toSummary(c) : undefined;
}

/** The campaign of a report, if it has one. */
export async function campaignOfReport(store: Store, reportId: string): Promise<CampaignSummary | undefined> {
  const c = await store.db
    .selectFrom('reports')
    .innerJoin('campaigns', 'campaigns.id', 'reports.campaign_id')
    .select(SUMMARY_COLUMNS)
    .where('reports.id', '=', reportId)
    .executeTakeFirst();
  return c ? toSummary(c) : undefined;
}

/** Reporters of one report (first reporting first): "the same report, more reporters". */
export async function reportersOf(store: Store, reportId: string): Promise<{ reporter?: string; reportedAt: string; sourceKey: string }[]> {
  const rows = await store.db.selectFrom('report_reporters').selectAll().where('report_id', '=', reportId).orderBy('reported_at').orderBy('source_key').execute();
  return rows.map((r) => ({ ...(r.reporter ? { reporter: r.reporter } : {}), reportedAt: r.reported_at, sourceKey: r.source_key }));
}

/**
 * Marks a claimed post as merged into its campaign card: the report never gets a card of its own
 * on this platform (chat_posts state 'merged', no message), and reportsToPost stops offering it.
 */
export async function markMerged(store: Store, reportId: string, platform: string, holder: string): Promise<boolean> {
  const r = await store.db
    .updateTable('chat_posts')
    .set({ state: 'merged', posted_at: new Date().toISOString() })
    .where('report_id', '=', reportId)
    .where('platform', '=', platform)
    .where('state', '=', 'claimed')
    .where('claimed_by', '=', holder)
    .returning('report_id')
    .executeTakeFirst();
  return r !== undefined;
}

/** Where the campaign's card is on a platform: the lead report's posted card. */
export async function campaignCardRef(store: Store, leadReportId: string, platform: string): Promise<MessageRef | undefined> {
  const r = await store.db
    .selectFrom('chat_posts')
    .select(['channel', 'message_id'])
    .where('report_id', '=', leadReportId)
    .where('platform', '=', platform)
    .where('state', '=', 'posted')
    .executeTakeFirst();
  return r?.channel && r.message_id ? { platform, channel: r.channel, messageId: r.message_id } : undefined;
}

/** Records that the platform's campaign card now shows `count` reports (never moves backwards). */
export async function markAnnounced(store: Store, campaignId: string, platform: string, count: number): Promise<void> {
  const at = new Date().toISOString();
  await store.db
    .insertInto('campaign_cards')
    .values({ campaign_id: campaignId, platform, announced_count: count, updated_at: at })
    .onConflict((oc) =>
      oc
        .columns(['campaign_id', 'platform'])
        .doUpdateSet({ announced_count: count, updated_at: at })
        .where('campaign_cards.announced_count', '<', count),
    )
    .execute();
}

export interface PendingAnnouncement {
  campaign: CampaignSummary;
  ref: MessageRef;
  /** Reports the card announced so far. */
  announced: number;
}

/**
 * Campaigns whose card is posted on `platform` and which gained reports since the card last said
 * so. A card posted before it was tracked counts as having announced one report (its own).
 */
export async function campaignsToAnnounce(store: Store, platform: string, limit = 50): Promise<PendingAnnouncement[]> {
  const rows = await store.db
    .selectFrom('campaigns')
    .innerJoin('chat_posts', (j) => j.onRef('chat_posts.report_id', '=', 'campaigns.lead_report_id').on('chat_posts.platform', '=', platform).on('chat_posts.state', '=', 'posted'))
    .leftJoin('campaign_cards', (j) => j.onRef('campaign_cards.campaign_id', '=', 'campaigns.id').on('campaign_cards.platform', '=', platform))
    .select([...SUMMARY_COLUMNS, 'chat_posts.channel', 'chat_posts.message_id', 'campaign_cards.announced_count'])
    .where((eb) => eb('campaigns.report_count', '>', eb.fn.coalesce('campaign_cards.announced_count', eb.lit(1))))
    .orderBy('campaigns.last_seen')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    campaign: toSummary(r),
    ref: { platform, channel: r.channel ?? '', messageId: r.message_id ?? '' },
    announced: r.announced_count == null ? 1 : Number(r.announced_count),
  }));
}

/**
 * The digest's top campaigns (src/reports/digest.ts CampaignProvider): seen since `since`, most
 * reports first, named by the lead report's subject (mail text: the digest cards escape it).
 */
export async function topCampaigns(store: Store, since: Date, limit: number): Promise<{ id: string; name: string; reports: number; lastSeenAt: string }[]> {
  const rows = await store.db
    .selectFrom('campaigns')
    .innerJoin('reports', 'reports.id', 'campaigns.lead_report_id')
    .select(['campaigns.id', 'campaigns.report_count', 'campaigns.last_seen', 'reports.subject'])
    .where('campaigns.last_seen', '>=', since.toISOString())
    .orderBy('campaigns.report_count', 'desc')
    .orderBy('campaigns.last_seen', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.subject, reports: Number(r.report_count), lastSeenAt: r.last_seen }));
}
