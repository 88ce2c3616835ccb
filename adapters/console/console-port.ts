// The console's "channel": a ChatPort (and DigestPort) that keeps the messages it was sent in
// memory, each rendered twice from the same snapshot, as Slack (Block Kit) and Teams (Adaptive
// Card) would show it. The sandbox's database is in memory too (src/sandbox/boot.ts), so both live
// and die with the process. The browser polls `version` to know when to fetch again.
import type { ChatPort, EscalationNotice, MessageRef, ReportSnapshot } from '../../src/chat/port.ts';
import type { DigestPort } from '../../src/jobs/digest-job.ts';
import type { DigestStats } from '../../src/reports/digest.ts';
import { reportCard, type SlackCard } from '../../cards/slack/report-card.ts';
import { teamsReportCard } from '../../cards/teams/report-card.ts';
import { digestCard } from '../../cards/slack/digest.ts';
import { teamsDigestCard } from '../../cards/teams/digest.ts';
import type { AdaptiveCard } from '../../cards/teams/adaptive.ts';

export const CONSOLE_CHANNEL = 'sandbox-alerts';

export type ConsoleMessage =
  | { id: string; kind: 'report'; reportId: string; at: string; updatedAt: string; slack: SlackCard; teams: AdaptiveCard }
  | { id: string; kind: 'digest'; at: string; slack: SlackCard; teams: AdaptiveCard }
  /** A command's result card (Block Kit only: the result builders are Slack's). */
  | { id: string; kind: 'result'; at: string; slack: SlackCard }
  /** A thread reply (campaign update, SLA escalation) or a command's answer: plain text, shown escaped. */
  | { id: string; kind: 'reply'; at: string; parentId?: string; text: string; by?: string };

/** Messages a channel keeps; the oldest go first (a sandbox session never gets near it). */
const MAX_MESSAGES = 500;

export class ConsoleChatPort implements ChatPort, DigestPort {
  readonly platform = 'console';
  #seq = 0;
  #version = 0;
  readonly #messages: ConsoleMessage[] = [];
  readonly #now: () => Date;

  constructor(opts: { now?: () => Date } = {}) {
    this.#now = opts.now ?? (() => new Date());
  }

  /** Increases on every change: the page polls it. */
  get version(): number {
    return this.#version;
  }

  messages(): readonly ConsoleMessage[] {
    return this.#messages;
  }

  #add(m: ConsoleMessage): void {
    this.#messages.push(m);
    if (this.#messages.length > MAX_MESSAGES) this.#messages.splice(0, this.#messages.length - MAX_MESSAGES);
    this.#version++;
  }

  #id(): string {
    return `m${++this.#seq}`;
  }

  #render(snapshot: ReportSnapshot): { slack: SlackCard; teams: AdaptiveCard } {
    const now = this.#now();
    // Shared view without responder list: the card shows its buttons to everyone, and the policy
    // decides on each click (as on Teams when the responders are unknown).
    return { slack: reportCard(snapshot, { now }), teams: teamsReportCard(snapshot, { now, view: 'shared' }) };
  }

  async postReport(snapshot: ReportSnapshot): Promise<MessageRef> {
    const id = this.#id();
    const at = this.#now().toISOString();
    this.#add({ id, kind: 'report', reportId: snapshot.report.id, at, updatedAt: at, ...this.#render(snapshot) });
    return { platform: this.platform, channel: CONSOLE_CHANNEL, messageId: id };
  }

  async updateReport(ref: MessageRef, snapshot: ReportSnapshot): Promise<void> {
    const i = this.#messages.findIndex((m) => m.id === ref.messageId);
    const old = this.#messages[i];
    if (!old || old.kind !== 'report') throw new Error(`console message ${ref.messageId} is gone`);
    this.#messages[i] = { ...old, updatedAt: this.#now().toISOString(), ...this.#render(snapshot) };
    this.#version++;
  }

  async postThreadReply(ref: MessageRef, text: string): Promise<void> {
    this.#add({ id: this.#id(), kind: 'reply', at: this.#now().toISOString(), parentId: ref.messageId, text });
  }

  async escalate(ref: MessageRef, notice: EscalationNotice): Promise<void> {
    const who = notice.group ? ` (${notice.group})` : '';
    this.#add({ id: this.#id(), kind: 'reply', at: this.#now().toISOString(), parentId: ref.messageId, text: `Escalated${who}: nobody decided on this report within ${notice.slaMinutes} minutes.` });
  }

  async postDigest(stats: DigestStats): Promise<void> {
    this.#add({ id: this.#id(), kind: 'digest', at: this.#now().toISOString(), slack: digestCard(stats), teams: teamsDigestCard(stats) });
  }

  postResult(card: SlackCard): void {
    this.#add({ id: this.#id(), kind: 'result', at: this.#now().toISOString(), slack: card });
  }

  /** A command's answer or a private notice, kept in the channel view (the console has one viewer). */
  note(text: string, by?: string): void {
    this.#add({ id: this.#id(), kind: 'reply', at: this.#now().toISOString(), text, ...(by ? { by } : {}) });
  }
}
