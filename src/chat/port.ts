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
}
