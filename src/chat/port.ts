// The core's only view of chat platforms. Jobs and handlers post and update cards through this;
// adapters (adapters/slack, adapters/teams, adapters/console) implement it and render with cards/.
import type { ReportRecord, DecisionRecord } from '../store/types.ts';

/** Everything a report card is rendered from: cards are pure functions of this. */
export interface ReportSnapshot {
  report: ReportRecord;
  /** The latest decision on the report, if any. */
  decision?: DecisionRecord;
  /** Rendering hints that are not state (e.g. "this is the sandbox"). */
  notice?: string;
  /** The report missed its decision SLA (src/jobs/sla.ts): the card shows a banner while undecided. */
  escalation?: { at: string; slaMinutes: number };
  /** The campaign the report belongs to (src/store/campaigns.ts), when it has one. */
  campaign?: CampaignSummary;
}

/** Counts of a campaign (docs/decisions/0007): a card shows them once there is more than one report. */
export interface CampaignSummary {
  id: string;
  /** The report whose card is the campaign card. */
  leadReportId: string;
  /** Reportings of all the campaign's reports (one person reporting two copies counts twice). */
  reportCount: number;
  /** Distinct reporter addresses. */
  reporterCount: number;
  firstSeen: string;
  lastSeen: string;
}

/** A report missed its decision SLA: posted in the card's thread, mentioning the policy's on-call group. */
export interface EscalationNotice {
  reportId: string;
  slaMinutes: number;
  /** The on-call group from the policy (sla.slackGroup / sla.teamsGroup): never anyone from the mail. */
  group?: string;
}

/** Where a card was posted, as the platform identifies it. */
export interface MessageRef {
  platform: string;
  /** Slack channel id / Teams conversation id. */
  channel: string;
  /** Slack message ts / Teams activity id. */
  messageId: string;
}

export interface ChatPort {
  readonly platform: string;
  /** Post a new report card to the alert channel; returns where it landed. */
  postReport(snapshot: ReportSnapshot): Promise<MessageRef>;
  /** Re-render an existing card in place from the new state. */
  updateReport(ref: MessageRef, snapshot: ReportSnapshot): Promise<void>;
  /**
   * Optional: a direct message to the person with this email address, when the platform knows
   * them. `text` is plain text (it may quote mail): the adapter escapes it.
   */
  notifyUser?(email: string, text: string): Promise<{ delivered: boolean; reason?: string }>;
  /** Optional: tells the card's conversation that the report missed its SLA (a reply that notifies). */
  escalate?(ref: MessageRef, notice: EscalationNotice): Promise<void>;
  /**
   * Optional: a short reply in the card's thread (campaign updates: "12 more reports ..."). `text`
   * is plain text: the adapter escapes it. A platform without it only updates the card.
   */
  postThreadReply?(ref: MessageRef, text: string): Promise<void>;
}
