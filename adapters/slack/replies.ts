// Getting an answer to the person who asked, whatever happened in between. The first choice is the
// request's response_url (no channel membership needed); it expires after 30 minutes / 5 uses, so a
// slow vendor's result falls back to a new message in the channel, and if the bot cannot post
// there (not a member, a DM between people) to a direct message. Every channel post and upload goes
// through the outbox (per-channel pacing, Retry-After).
import type { App, RespondFn } from '@slack/bolt';
import type { Logger } from '../../src/log/logger.ts';
import type { FileData } from '../../src/actions/types.ts';
import type { SlackCard } from '../../cards/slack/report-card.ts';
import { slackText } from '../../cards/text.ts';
import type { SlackOutbox } from './rate-limit.ts';

type WebClient = App['client'];

export interface ReplyTarget {
  /** The request's response_url responder, if it had one. */
  respond?: RespondFn;
  /** The conversation it came from. */
  channel?: string;
  /** The person who asked (the DM fallback). */
  user: string;
}

export type Delivery = 'response_url' | 'channel' | 'ephemeral' | 'dm';

export class SlackReplies {
  private readonly client: WebClient;
  private readonly outbox: SlackOutbox;
  private readonly log: Logger;

  constructor(client: WebClient, outbox: SlackOutbox, log: Logger) {
    this.client = client;
    this.outbox = outbox;
    this.log = log;
  }

  /** Visible to the conversation (results). */
  async public(to: ReplyTarget, card: SlackCard): Promise<Delivery> {
    if (to.respond) {
      try {
        await to.respond({ response_type: 'in_channel', replace_original: false, text: card.text, blocks: card.blocks });
        return 'response_url';
      } catch (err) {
        this.log.info({ err: (err as Error).message }, 'response_url failed (expired?); posting a new message instead');
      }
    }
    if (to.channel) {
      try {
        await this.post(to.channel, card);
        return 'channel';
      } catch (err) {
        this.log.info({ channel: to.channel, err: (err as Error).message }, 'cannot post in the channel; sending a direct message');
      }
    }
    await this.post(to.user, card);
    return 'dm';
  }

  /** Only for the person who asked (help, errors, refusals). */
  async private(to: ReplyTarget, card: SlackCard): Promise<Delivery> {
    if (to.respond) {
      try {
        await to.respond({ response_type: 'ephemeral', replace_original: false, text: card.text, blocks: card.blocks });
        return 'response_url';
      } catch (err) {
        this.log.info({ err: (err as Error).message }, 'response_url failed (expired?); answering another way');
      }
    }
    if (to.channel) {
      try {
        await this.outbox.send(to.channel, () => this.client.chat.postEphemeral({ channel: to.channel!, user: to.user, text: card.text, blocks: card.blocks }));
        return 'ephemeral';
      } catch (err) {
        this.log.info({ channel: to.channel, err: (err as Error).message }, 'cannot answer privately in the channel; sending a direct message');
      }
    }
    await this.post(to.user, card);
    return 'dm';
  }

  /** Replaces the message a button sits on (paging); a new message if that is no longer possible. */
  async replace(to: ReplyTarget & { messageTs?: string }, card: SlackCard): Promise<Delivery> {
    if (to.respond) {
      try {
        await to.respond({ replace_original: true, text: card.text, blocks: card.blocks });
        return 'response_url';
      } catch (err) {
        this.log.info({ err: (err as Error).message }, 'response_url failed; updating the message directly');
      }
    }
    if (to.channel && to.messageTs) {
      try {
        const channel = to.channel;
        const ts = to.messageTs;
        await this.outbox.sendLatest(channel, `${channel}:${ts}`, () => this.client.chat.update({ channel, ts, text: card.text, blocks: card.blocks }));
        return 'channel';
      } catch (err) {
        this.log.info({ err: (err as Error).message }, 'cannot update the message; posting a new one');
      }
    }
    return this.public({ ...to, respond: undefined } as ReplyTarget, card);
  }

  /** Uploads a file result to the conversation (files.uploadV2), else to a DM with the person. */
  async upload(to: ReplyTarget, file: FileData, comment: string): Promise<Delivery> {
    const send = (channel: string) =>
      this.outbox.send(channel, () =>
        this.client.filesUploadV2({
          channel_id: channel,
          file: file.bytes,
          filename: safeFilename(file.filename),
          title: slackText(file.filename, { max: 250, defang: false }) || 'result',
          initial_comment: comment,
        }),
      );
    if (to.channel) {
      try {
        await send(to.channel);
        return 'channel';
      } catch (err) {
        this.log.info({ channel: to.channel, err: (err as Error).message }, 'cannot upload to the channel; uploading to a direct message');
      }
    }
    const dm = await this.client.conversations.open({ users: to.user });
    const id = dm.channel?.id;
    if (!id) throw new Error('Slack conversations.open returned no channel');
    await send(id);
    return 'dm';
  }

  private async post(channel: string, card: SlackCard): Promise<void> {
    await this.outbox.send(channel, () => this.client.chat.postMessage({ channel, text: card.text, blocks: card.blocks, unfurl_links: false, unfurl_media: false }));
  }
}

/**
 * A file name Slack will store as is: no folders, no control, bidi or invisible characters (an
 * attachment named `invoice\u202Efdp.exe` must not display as `invoice.exe.pdf`), at most 200.
 */
export function safeFilename(name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '')
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, '_')
    .trim();
  return (base || 'result.bin').slice(-200);
}
