// ChatPort for Teams: posts report cards to the alert conversation proactively (outside any turn,
// with the conversation's recorded serviceUrl) and replaces them for everyone after each decision.
// Rendering is cards/teams; sending, rate limits and retries are connector.ts.
import type { ChatPort, MessageRef, ReportSnapshot } from '../../src/chat/port.ts';
import { teamsReportCard, fallbackText } from '../../cards/teams/report-card.ts';
import { cardAttachment, type AdaptiveCard } from '../../cards/teams/adaptive.ts';
import type { ConversationTarget, OutgoingActivity, TeamsConnector } from './connector.ts';
import type { TeamsConversations } from './conversations.ts';
import type { TeamsResponders } from './responders.ts';

/** A message activity carrying one Adaptive Card (summary: the notification text). */
export function cardMessage(card: AdaptiveCard, summary?: string): OutgoingActivity {
  return { type: 'message', attachments: [cardAttachment(card)], ...(summary ? { summary } : {}) };
}

export class TeamsChatPort implements ChatPort {
  readonly platform = 'teams';
  readonly #connector: TeamsConnector;
  readonly #conversations: TeamsConversations;
  readonly #responders: TeamsResponders;

  constructor(deps: { connector: TeamsConnector; conversations: TeamsConversations; responders: TeamsResponders }) {
    this.#connector = deps.connector;
    this.#conversations = deps.conversations;
    this.#responders = deps.responders;
  }

  async postReport(s: ReportSnapshot): Promise<MessageRef> {
    const target = await this.#conversations.alertTarget();
    const id = await this.#connector.send(target, await this.#message(target, s));
    return { platform: 'teams', channel: target.conversationId, messageId: id };
  }

  async updateReport(ref: MessageRef, s: ReportSnapshot): Promise<void> {
    const target = await this.#conversations.target(ref.channel);
    await this.#connector.update(target, ref.messageId, await this.#message(target, s));
  }

  /** A markdown text message (admin notices, digests), sent with the same limits and retries. */
  async postText(target: ConversationTarget, markdown: string): Promise<string> {
    return this.#connector.send(target, { type: 'message', text: markdown, textFormat: 'markdown' });
  }

  /** The shared view: state for everyone, buttons for the responders through refresh.userIds. */
  async #message(target: ConversationTarget, s: ReportSnapshot): Promise<OutgoingActivity> {
    const responderMris = await this.#responders.mrisFor(target);
    const card = teamsReportCard(s, { view: 'shared', ...(responderMris ? { responderMris } : {}) });
    return cardMessage(card, fallbackText(s));
  }
}
