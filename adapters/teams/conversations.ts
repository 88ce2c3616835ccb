// Which Teams conversations Hookline knows, and where to send to: the installation registry
// (src/store/teams-installations.ts) seen from the adapter.
//
// - remember(): every authenticated activity records its conversation (and the serviceUrl Teams
//   gave for it), so proactive sends later go to the right regional endpoint.
// - alertTarget(): policy alerts.teamsConversation, else TEAMS_ALERT_CONVERSATION, else the
//   conversation where an admin said "set alerts here".
// - gone(): Teams answered 403 BotNotInConversationRoster (or the app was uninstalled): the
//   conversation is marked gone (once across replicas), the event is audited, and the admins are
//   told in their personal chats with the bot and in the alert conversation.
import type { Logger } from '../../src/log/logger.ts';
import type { Store } from '../../src/store/store.ts';
import type { Policy } from '../../src/config/policy.ts';
import {
  alertInstallation,
  getInstallation,
  markGone,
  personalChatsOf,
  rememberConversation,
  type TeamsConversationRef,
  type TeamsInstallation,
  type TeamsScope,
} from '../../src/store/teams-installations.ts';
import { teamsText } from '../../cards/text.ts';
import type { ConversationTarget, OutgoingActivity } from './connector.ts';

/** Where the Bot Connector lives when no activity told us (Teams' global endpoint). */
export const DEFAULT_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';

/** The fields of an inbound activity this module reads. */
export interface InboundActivity {
  type?: string;
  serviceUrl?: string;
  from?: { id?: string; name?: string; aadObjectId?: string };
  recipient?: { id?: string };
  conversation?: { id?: string; conversationType?: string; tenantId?: string; name?: string };
  channelData?: { tenant?: { id?: string }; team?: { id?: string; name?: string }; channel?: { id?: string; name?: string } };
}

/** A channel thread's conversation id is `19:…@thread.tacv2;messageid=…`; the channel is the part before. */
export function channelOf(conversationId: string): string {
  const i = conversationId.indexOf(';messageid=');
  return i < 0 ? conversationId : conversationId.slice(0, i);
}

export function scopeOf(conversationType: string | undefined): TeamsScope {
  if (conversationType === 'personal') return 'personal';
  if (conversationType === 'groupChat') return 'groupChat';
  return 'channel';
}

/** What to record about the conversation of an activity (undefined when it has no id or serviceUrl). */
export function conversationRefOf(a: InboundActivity): TeamsConversationRef | undefined {
  const id = a.conversation?.id;
  if (!id || !a.serviceUrl) return undefined;
  const scope = scopeOf(a.conversation?.conversationType);
  const tenantId = a.conversation?.tenantId ?? a.channelData?.tenant?.id;
  const name = a.channelData?.channel?.name ?? a.channelData?.team?.name ?? a.conversation?.name;
  return {
    conversationId: channelOf(id),
    serviceUrl: a.serviceUrl,
    scope,
    ...(tenantId ? { tenantId } : {}),
    ...(a.recipient?.id ? { botId: a.recipient.id } : {}),
    ...(a.channelData?.team?.id ? { teamId: a.channelData.team.id } : {}),
    ...(name ? { name } : {}),
    ...(scope === 'personal' && a.from?.aadObjectId ? { userAadId: a.from.aadObjectId } : {}),
    ...(scope === 'personal' && a.from?.id ? { userMri: a.from.id } : {}),
  };
}

/** Where to answer an activity: its own conversation (a channel thread stays a thread). */
export function replyTargetOf(a: InboundActivity): ConversationTarget | undefined {
  return a.conversation?.id && a.serviceUrl ? { conversationId: a.conversation.id, serviceUrl: a.serviceUrl } : undefined;
}

export class NoAlertConversationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoAlertConversationError';
  }
}

export interface TeamsConversationsOptions {
  store: Store;
  log: Logger;
  policy: Policy;
  /** TEAMS_ALERT_CONVERSATION (the policy's alerts.teamsConversation wins over it). */
  alertConversation?: string;
  defaultServiceUrl?: string;
  /** Sends a message (the adapter's connector); used to tell admins. */
  send: (target: ConversationTarget, activity: OutgoingActivity) => Promise<string>;
}

export class TeamsConversations {
  readonly #o: TeamsConversationsOptions;

  constructor(opts: TeamsConversationsOptions) {
    this.#o = opts;
  }

  get defaultServiceUrl(): string {
    return this.#o.defaultServiceUrl ?? DEFAULT_SERVICE_URL;
  }

  /** The alert conversation named by the configuration, if any (it wins over "set alerts here"). */
  get configuredAlert(): string | undefined {
    return this.#o.policy.alerts.teamsConversation ?? this.#o.alertConversation;
  }

  async remember(a: InboundActivity): Promise<TeamsInstallation | undefined> {
    const ref = conversationRefOf(a);
    if (!ref) return undefined;
    const r = await rememberConversation(this.#o.store, ref);
    if (r.created) this.#o.log.info({ conversationId: ref.conversationId, scope: ref.scope }, 'Teams conversation registered');
    if (r.reactivated) this.#o.log.info({ conversationId: ref.conversationId }, 'Teams conversation is active again (the app was added back)');
    return r.installation;
  }

  /** Where to send to a known conversation id (its recorded serviceUrl, else Teams' global one). */
  async target(conversationId: string): Promise<ConversationTarget> {
    const row = await getInstallation(this.#o.store, channelOf(conversationId));
    return { conversationId, serviceUrl: row?.serviceUrl ?? this.defaultServiceUrl };
  }

  /** The conversation new reports go to; throws NoAlertConversationError (with what to do) when there is none. */
  async alertTarget(): Promise<ConversationTarget> {
    const configured = this.configuredAlert;
    if (configured) {
      const row = await getInstallation(this.#o.store, configured);
      if (row?.status === 'gone') {
        throw new NoAlertConversationError(`the bot is no longer in the Teams alert conversation ${configured} (${row.goneReason ?? 'removed'}): add the Hookline app back there, or change TEAMS_ALERT_CONVERSATION / alerts.teamsConversation`);
      }
      return { conversationId: configured, serviceUrl: row?.serviceUrl ?? this.defaultServiceUrl };
    }
    const row = await alertInstallation(this.#o.store);
    if (!row) {
      throw new NoAlertConversationError('no Teams alert conversation: set TEAMS_ALERT_CONVERSATION (or alerts.teamsConversation in the policy), or have an admin say "@Hookline set alerts here" in the channel');
    }
    return { conversationId: row.conversationId, serviceUrl: row.serviceUrl };
  }

  /**
   * The bot was removed from a conversation. Marks it gone; the one caller that makes the
   * transition audits it and tells the admins (personal chats, and the alert conversation).
   */
  async gone(target: ConversationTarget, reason: string): Promise<void> {
    const conversationId = channelOf(target.conversationId);
    const row = await markGone(this.#o.store, conversationId, reason, { serviceUrl: target.serviceUrl });
    if (!row) return;
    const { store, log, policy } = this.#o;
    log.warn({ conversationId, reason }, 'Teams conversation is gone: the bot is no longer in it');
    await store.appendAudit({ actor: { platform: 'system', id: 'teams' }, action: 'teams.conversation-gone', params: { conversationId }, result: 'info', detail: { reason, scope: row.scope, ...(row.name ? { name: row.name } : {}) } });

    const where = row.name ? `**${teamsText(row.name, { max: 80 })}** (${teamsText(conversationId, { max: 120, defang: false })})` : teamsText(conversationId, { max: 120, defang: false });
    const wasAlerts = row.alerts || this.configuredAlert === conversationId;
    const text =
      `⚠️ Hookline can no longer post to ${where}: ${teamsText(reason, { max: 200, defang: false })}. ` +
      (wasAlerts
        ? 'That was the **alert conversation**: new reports are not posted to Teams until the app is added back there or an admin says "set alerts here" in another channel.'
        : 'It was marked as gone; add the Hookline app back there to use it again.');
    const recipients: ConversationTarget[] = (await personalChatsOf(store, policy.roles.admin.teams.users)).map((c) => ({ conversationId: c.conversationId, serviceUrl: c.serviceUrl }));
    if (!wasAlerts) {
      const alerts = await this.alertTarget().catch(() => undefined);
      if (alerts && channelOf(alerts.conversationId) !== conversationId) recipients.push(alerts);
    }
    if (recipients.length === 0) log.warn({ conversationId }, 'no admin could be told in Teams (no admin has a personal chat with the bot, and there is no other alert conversation)');
    for (const r of recipients) {
      if (channelOf(r.conversationId) === conversationId) continue;
      await this.#o.send(r, { type: 'message', text, textFormat: 'markdown' }).catch((err: unknown) => log.warn({ conversationId: r.conversationId, err: (err as Error).message }, 'telling an admin about a gone conversation failed'));
    }
  }
}
