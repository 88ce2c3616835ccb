// Keeps every posted card in step with the store: posts new reports once per platform and
// re-renders a report's cards after each change of its decision. Jobs and handlers use this; it
// talks to platforms only through ChatPort.
//
// Campaigns (docs/decisions/0007): a campaign has one card, its lead report's. Another report of
// the campaign never gets a card of its own: once the lead's card is up it is marked merged, and
// each tick, per platform, a card whose campaign gained reports since it last said so is updated
// once and gets one thread reply ("12 more reports ..."). So a burst of 100 reports in a minute
// costs one post plus about one update and one reply per tick, not 100 posts.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import type { ReportRecord } from '../store/types.ts';
import type { CampaignSummary, ChatPort, ReportSnapshot } from './port.ts';
import { countReporting } from '../ingest/campaigns.ts';
import { campaignCardRef, campaignOfReport, campaignsToAnnounce, markAnnounced, markMerged, reportOfReporting } from '../store/campaigns.ts';

/** Pages of unposted reports one tick looks at (merged reports cost nothing, so a burst drains at once). */
const MAX_PAGES_PER_TICK = 50;

export interface PostResult {
  posted: number;
  failed: number;
  /** Reports folded into their campaign's card instead of a card of their own. */
  merged: number;
  /** Campaign cards updated with new counts (each with at most one thread reply). */
  announced: number;
}

/** The thread reply under a campaign card: plain text (the adapter escapes it). */
export function campaignReplyText(added: number, c: CampaignSummary, decided: boolean): string {
  const more = `${added} more ${added === 1 ? 'report' : 'reports'} of this campaign`;
  const reporters = c.reporterCount > 0 ? ` from ${c.reporterCount} ${c.reporterCount === 1 ? 'reporter' : 'reporters'}` : '';
  const last = new Date(c.lastSeen);
  const at = Number.isNaN(last.getTime()) ? '' : `, last at ${last.toISOString().slice(11, 16)} UTC`;
  const note = decided ? ' They are not covered by the decision on this card.' : '';
  return `${more}: ${c.reportCount} in all${reporters}${at}.${note}`;
}

export class Publisher {
  private readonly ports = new Map<string, ChatPort>();
  /** Identifies this process in post claims, so a crashed replica's claims can be told apart. */
  readonly holder = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly notice: string | undefined;
  private readonly decorators: ((snapshot: ReportSnapshot) => Promise<ReportSnapshot>)[] = [];

  constructor(store: Store, log: Logger, opts: { notice?: string } = {}) {
    this.store = store;
    this.log = log;
    this.notice = opts.notice;
  }

  addPort(port: ChatPort): void {
    this.ports.set(port.platform, port);
  }

  /** The port of a platform (for optional capabilities: notifyUser, escalate). */
  port(platform: string): ChatPort | undefined {
    return this.ports.get(platform);
  }

  /** Adds state kept outside the report and decision rows to every snapshot (e.g. SLA escalation). */
  decorate(fn: (snapshot: ReportSnapshot) => Promise<ReportSnapshot>): void {
    this.decorators.push(fn);
  }

  platforms(): string[] {
    return [...this.ports.keys()];
  }

  async snapshot(reportId: string): Promise<ReportSnapshot | undefined> {
    const report = await this.store.getReport(reportId);
    if (!report) return undefined;
    const decision = await this.store.latestDecision(reportId);
    const campaign = await campaignOfReport(this.store, reportId);
    let snap: ReportSnapshot = { report, ...(decision ? { decision } : {}), ...(this.notice ? { notice: this.notice } : {}), ...(campaign ? { campaign } : {}) };
    for (const d of this.decorators) snap = await d(snap);
    return snap;
  }

  /**
   * Posts reports not yet on each platform: at most `limit` new cards per platform and tick. The
   * claim makes each report post once across replicas; a failed post gives its claim back so the
   * next tick retries it. Reports of a campaign whose card is up are merged into it, and campaign
   * cards that gained reports are updated (see the header).
   */
  async postNew(limit = 20): Promise<PostResult> {
    const total: PostResult = { posted: 0, failed: 0, merged: 0, announced: 0 };
    for (const port of this.ports.values()) {
      const members: { report: ReportRecord; campaign: CampaignSummary }[] = [];
      const seen = new Set<string>();
      let posted = 0;
      for (let page = 0; page < MAX_PAGES_PER_TICK; page++) {
        // Skipped reports stay unposted, so each page asks for what was seen plus one more page.
        const batch = (await this.store.reportsToPost(port.platform, seen.size + limit)).filter((r) => !seen.has(r.id));
        if (batch.length === 0) break;
        for (const report of batch) {
          seen.add(report.id);
          const campaign = await this.campaignFor(report);
          if (campaign && campaign.leadReportId !== report.id) {
            members.push({ report, campaign });
            continue;
          }
          if (posted >= limit) continue;
          const r = await this.postOne(port, report);
          if (r === 'posted') posted++;
          if (r === 'failed') total.failed++;
        }
      }
      total.posted += posted;
      // After the leads, so a lead posted in this tick takes its members at once.
      for (const { report, campaign } of members) {
        if (!(await campaignCardRef(this.store, campaign.leadReportId, port.platform))) continue; // its card is not up yet
        if (!(await this.store.claimPost(report.id, port.platform, this.holder))) continue;
        if (await markMerged(this.store, report.id, port.platform, this.holder)) total.merged++;
      }
      total.announced += await this.announceCampaigns(port);
    }
    return total;
  }

  /** The report's campaign; counts the report first if ingestion stopped before it could (a crash). */
  private async campaignFor(report: ReportRecord): Promise<CampaignSummary | undefined> {
    if (!(await reportOfReporting(this.store, report.dedupeKey))) await countReporting(this.store, report, report.dedupeKey);
    return campaignOfReport(this.store, report.id);
  }

  private async postOne(port: ChatPort, report: ReportRecord): Promise<'posted' | 'skipped' | 'failed'> {
    if (!(await this.store.claimPost(report.id, port.platform, this.holder))) return 'skipped';
    try {
      const snap = await this.snapshot(report.id);
      if (!snap) return 'skipped';
      const ref = await port.postReport(snap);
      await this.store.markPosted(report.id, ref);
      // The card shows the campaign's count as read for it: later reports are announced from there.
      if (snap.campaign) await markAnnounced(this.store, snap.campaign.id, port.platform, snap.campaign.reportCount);
      return 'posted';
    } catch (err) {
      await this.store.releasePost(report.id, port.platform, this.holder);
      this.log.warn({ reportId: report.id, platform: port.platform, err: (err as Error).message }, 'posting a report card failed; will retry');
      return 'failed';
    }
  }

  /** One card update and at most one thread reply per campaign that gained reports. */
  private async announceCampaigns(port: ChatPort): Promise<number> {
    let n = 0;
    for (const a of await campaignsToAnnounce(this.store, port.platform)) {
      const snap = await this.snapshot(a.campaign.leadReportId);
      const now = snap?.campaign;
      if (!snap || !now || now.reportCount <= a.announced) continue;
      try {
        await port.updateReport(a.ref, snap);
        if (port.postThreadReply) await port.postThreadReply(a.ref, campaignReplyText(now.reportCount - a.announced, now, snap.decision?.state === 'done'));
        await markAnnounced(this.store, now.id, port.platform, now.reportCount);
        n++;
      } catch (err) {
        // Not marked: the next tick announces these reports again, with whatever came meanwhile.
        this.log.warn({ campaignId: now.id, platform: port.platform, err: (err as Error).message }, 'updating a campaign card failed; will retry');
      }
    }
    return n;
  }

  /** Re-renders every card of a report from the current state. Failures are logged, not thrown. */
  async refresh(reportId: string): Promise<void> {
    const snap = await this.snapshot(reportId);
    if (!snap) return;
    for (const ref of await this.store.postsOf(reportId)) {
      const port = this.ports.get(ref.platform);
      if (!port) continue;
      try {
        await port.updateReport(ref, snap);
      } catch (err) {
        this.log.warn({ reportId, platform: ref.platform, err: (err as Error).message }, 'updating a report card failed');
      }
    }
  }
}
