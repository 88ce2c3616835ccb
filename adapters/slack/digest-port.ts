// The scheduled digest on Slack: one message in the digest channel (policy digest.slackChannel,
// else the alert channel), paced by the outbox like every other post.
import type { App } from '@slack/bolt';
import type { DigestPort } from '../../src/jobs/digest-job.ts';
import type { DigestStats } from '../../src/reports/digest.ts';
import { digestCard } from '../../cards/slack/digest.ts';
import type { SlackOutbox } from './rate-limit.ts';

type WebClient = App['client'];

export class SlackDigestPort implements DigestPort {
  readonly platform = 'slack';
  private readonly client: WebClient;
  private readonly outbox: SlackOutbox;
  readonly channel: string;

  constructor(client: WebClient, outbox: SlackOutbox, channel: string) {
    this.client = client;
    this.outbox = outbox;
    this.channel = channel;
  }

  async postDigest(stats: DigestStats): Promise<void> {
    const card = digestCard(stats);
    await this.outbox.send(this.channel, () => this.client.chat.postMessage({ channel: this.channel, text: card.text, blocks: card.blocks, unfurl_links: false, unfurl_media: false }));
  }
}
