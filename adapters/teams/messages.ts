// Messages to the bot: @mentions in channels and group chats, anything in a personal chat, and
// the Action.Submit clicks of old clients (a message with a `value`). Handled after the HTTP turn
// is answered (the adapter does not await this), so a slow vendor never makes Teams redeliver.
//
//   set alerts here     (admins) new reports are posted to this conversation
//   anything else       a catalog command (handlers/commands), answered here
import type { Logger } from '../../src/log/logger.ts';
import type { Actor } from '../../src/store/types.ts';
import type { Policy } from '../../src/config/policy.ts';
import { setAlertConversation } from '../../src/store/teams-installations.ts';
import { teamsText } from '../../cards/text.ts';
import { handleSubmitClick, parseDecideData, type CardActionDeps } from './card-actions.ts';
import { channelOf, replyTargetOf, type InboundActivity, type TeamsConversations } from './conversations.ts';
import type { ConversationTarget, OutgoingActivity } from './connector.ts';
import { isAdmin } from './actors.ts';
import { parseCommandData } from './commands.ts';

export interface MessageActivity extends InboundActivity {
  text?: string;
  value?: unknown;
}

export interface MessageDeps {
  cardActions: CardActionDeps;
  conversations: TeamsConversations;
  policy: Policy;
  log: Logger;
  send: (target: ConversationTarget, activity: OutgoingActivity) => Promise<string>;
  /** Runs a command and returns what to answer (handlers/commands rendered for Teams). */
  command: (actor: Actor, text: string) => Promise<OutgoingActivity[]>;
  /** An input card submitted by an old client (Action.Submit): what to answer. */
  commandForm: (actor: Actor, data: unknown) => Promise<OutgoingActivity[]>;
}

/** The command text: mentions of the bot removed, Teams' HTML entities decoded, one line. */
export function commandText(raw: string | undefined): string {
  return (raw ?? '')
    .replace(/<at>[^<]{0,200}<\/at>/gi, ' ')
    .replace(/<[^>]{1,100}>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

const SET_ALERTS = /^set\s+alerts?\s+here[.!]?$/i;

const plainText = (text: string): OutgoingActivity => ({ type: 'message', text, textFormat: 'plain' });

export async function handleMessage(deps: MessageDeps, actor: Actor, a: MessageActivity): Promise<void> {
  const target = replyTargetOf(a);
  if (!target) return;
  const reply = async (activity: OutgoingActivity) => {
    await deps.send(target, activity);
  };
  try {
    const click = parseDecideData(a.value);
    if (click) {
      await handleSubmitClick(deps.cardActions, actor, click, (text) => reply(plainText(text)));
      return;
    }
    if (parseCommandData(a.value)) {
      for (const answer of await deps.commandForm(actor, a.value)) await reply(answer);
      return;
    }
    const text = commandText(a.text);
    if (SET_ALERTS.test(text)) {
      await reply(await setAlertsHere(deps, actor, target.conversationId));
      return;
    }
    for (const answer of await deps.command(actor, text)) await reply(answer);
  } catch (err) {
    deps.log.error({ err: (err as Error).message }, 'Teams message handling failed');
    await reply(plainText(`Hookline could not handle that: ${(err as Error).message}`)).catch(() => {});
  }
}

async function setAlertsHere(deps: MessageDeps, actor: Actor, conversationId: string): Promise<OutgoingActivity> {
  if (!isAdmin(actor, deps.policy)) {
    return plainText(`Only an admin can choose where alerts go: an admin is listed in roles.admin.teams.users of the policy file (your Entra object id is ${actor.id}).`);
  }
  const configured = deps.conversations.configuredAlert;
  if (configured && channelOf(configured) !== channelOf(conversationId)) {
    return plainText(`Alerts go to the conversation set in the configuration (${configured}, from TEAMS_ALERT_CONVERSATION or alerts.teamsConversation); remove that setting to choose here instead.`);
  }
  const row = await setAlertConversation(deps.cardActions.decisions().store, channelOf(conversationId));
  if (!row) return plainText('This conversation is not registered yet; say something to the bot here first, then try again.');
  await deps.cardActions.decisions().store.appendAudit({ actor, action: 'teams.set-alerts-here', params: { conversationId: row.conversationId }, result: 'ok' });
  deps.log.info({ conversationId: row.conversationId }, 'Teams alert conversation set');
  const name = row.name ? ` (${teamsText(row.name, { max: 80 })})` : '';
  return { type: 'message', text: `✅ New reports will be posted here${name}.`, textFormat: 'markdown' };
}
