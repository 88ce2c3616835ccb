// The scheduled digest on Teams: one card in the digest conversation (policy digest.teamsConversation,
// else the alert conversation), sent through the connector like every other post (rate limits,
// retries, gone conversations).
import type { DigestPort } from '../../src/jobs/digest-job.ts';
import type { DigestStats } from '../../src/reports/digest.ts';
import { teamsDigestCard, teamsDigestText } from '../../cards/teams/digest.ts';
import type { TeamsConnector } from './connector.ts';
import type { TeamsConversations } from './conversations.ts';
import { cardMessage } from './teams-chat-port.ts';

export class TeamsDigestPort implements DigestPort {
  readonly platform = 'teams';
  readonly #connector: TeamsConnector;
  readonly #conversations: TeamsConversations;
  readonly #conversation: string | undefined;

  /** `conversation`: policy digest.teamsConversation; unset, the digest goes where alerts go. */
  constructor(connector: TeamsConnector, conversations: TeamsConversations, conversation?: string) {
    this.#connector = connector;
    this.#conversations = conversations;
    this.#conversation = conversation;
  }

  async postDigest(stats: DigestStats): Promise<void> {
    const target = this.#conversation ? await this.#conversations.target(this.#conversation) : await this.#conversations.alertTarget();
    await this.#connector.send(target, cardMessage(teamsDigestCard(stats), teamsDigestText(stats)));
  }
}
