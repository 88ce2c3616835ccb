// ChatPort for Slack: posts report cards to the alert channel and updates them in place with
// chat.update. Rendering is cards/slack; this file only talks to the Web API, through the outbox:
// posts are paced per channel (about 1/s, 429 Retry-After honoured for that channel only), and
// updates of one card are coalesced so that only its latest state is sent.
import type { App } from '@slack/bolt';

type WebClient = App['client'];
import type { ChatPort, EscalationNotice, MessageRef, ReportSnapshot } from '../../src/chat/port.ts';
import { reportCard } from '../../cards/slack/report-card.ts';
import { directMessageText, escalationText } from '../../cards/slack/escalation.ts';
import { slackText } from '../../cards/text.ts';
import { SlackOutbox } from './rate-limit.ts';
import type { Logger } from '../../src/log/logger.ts';

export class SlackChatPort implements ChatPort {
  readonly platform = 'slack';
  private readonly client: WebClient;
  private readonly channel: string;
  private readonly outbox: SlackOutbox;
  private readonly log: Logger | undefined;

  /** `client` should reject rate-limited calls (rejectRateLimitedCalls) so the outbox can pace per channel. */
  constructor(client: WebClient, alertChannel: string, outbox: SlackOutbox = new SlackOutbox(), log?: Logger) {
    this.client = client;
    this.channel = alertChannel;
    this.outbox = outbox;
    this.log = log;
  }

  async postReport(s: ReportSnapshot): Promise<MessageRef> {
    const card = reportCard(s);
    const res = await this.outbox.send(this.channel, () =>
      this.client.chat.postMessage({ channel: this.channel, text: card.text, blocks: card.blocks, unfurl_links: false, unfurl_media: false }),
    );
    if (!res.ts || !res.channel) throw new Error('Slack chat.postMessage returned no ts/channel');
    return { platform: 'slack', channel: res.channel, messageId: res.ts };
  }

  /**
   * Queues the card update and resolves at once: a decision must not wait for the channel's
   * pacing (its vendor calls would start seconds late behind a busy channel). A newer update of
   * the same card replaces a queued one before it is sent, so the card always ends in the latest
   * state; a failure is logged here, the next state change renders the card again.
   */
  async updateReport(ref: MessageRef, s: ReportSnapshot): Promise<void> {
    // Rendered when sent: an update replaced by a newer one is never rendered at all.
    const send = () => {
      const card = reportCard(s);
      return this.client.chat.update({ channel: ref.channel, ts: ref.messageId, text: card.text, blocks: card.blocks });
    };
    void this.outbox
      .sendLatest(ref.channel, `${ref.channel}:${ref.messageId}`, send)
      .catch((err: Error) => this.log?.warn({ channel: ref.channel, ts: ref.messageId, err: err.message }, 'updating a report card failed'));
  }

  /**
   * A direct message to the Slack member with this email address (users.lookupByEmail, scope
   * users:read.email). Nobody with that address: not delivered, with the reason.
   */
  async notifyUser(email: string, text: string): Promise<{ delivered: boolean; reason?: string }> {
    let userId: string | undefined;
    try {
      userId = (await this.client.users.lookupByEmail({ email })).user?.id;
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (code === 'users_not_found') return { delivered: false, reason: 'no Slack account with this email address' };
      return { delivered: false, reason: `users.lookupByEmail failed: ${code ?? (err as Error).message}` };
    }
    if (!userId) return { delivered: false, reason: 'no Slack account with this email address' };
    const id = userId;
    await this.outbox.send(id, () => this.client.chat.postMessage({ channel: id, text: directMessageText(text), unfurl_links: false, unfurl_media: false }));
    return { delivered: true };
  }

  /** The SLA escalation: a reply in the card's thread that mentions the policy's on-call group. */
  async escalate(ref: MessageRef, notice: EscalationNotice): Promise<void> {
    await this.outbox.send(ref.channel, () => this.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.messageId, text: escalationText(notice), unfurl_links: false, unfurl_media: false }));
  }

  /** A campaign update in the card's thread (chat.postMessage thread_ts), paced like every post. */
  async postThreadReply(ref: MessageRef, text: string): Promise<void> {
    const body = slackText(text, { singleLine: false, max: 3000 });
    await this.outbox.send(ref.channel, () => this.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.messageId, text: body, unfurl_links: false, unfurl_media: false }));
  }
}
