// ChatPort for Slack: posts report cards to the alert channel and updates them in place with
// chat.update. Rendering is cards/slack; this file only talks to the Web API.
import type { App } from '@slack/bolt';

type WebClient = App['client'];
import type { ChatPort, MessageRef, ReportSnapshot } from '../../src/chat/port.ts';
import { reportCard } from '../../cards/slack/report-card.ts';

export class SlackChatPort implements ChatPort {
  readonly platform = 'slack';
  private readonly client: WebClient;
  private readonly channel: string;

  constructor(client: WebClient, alertChannel: string) {
    this.client = client;
    this.channel = alertChannel;
  }

  async postReport(s: ReportSnapshot): Promise<MessageRef> {
    const card = reportCard(s);
    const res = await this.client.chat.postMessage({ channel: this.channel, text: card.text, blocks: card.blocks, unfurl_links: false, unfurl_media: false });
    if (!res.ts || !res.channel) throw new Error('Slack chat.postMessage returned no ts/channel');
    return { platform: 'slack', channel: res.channel, messageId: res.ts };
  }

  async updateReport(ref: MessageRef, s: ReportSnapshot): Promise<void> {
    const card = reportCard(s);
    await this.client.chat.update({ channel: ref.channel, ts: ref.messageId, text: card.text, blocks: card.blocks });
  }
}
