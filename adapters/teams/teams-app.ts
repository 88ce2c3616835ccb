// Microsoft Teams through Teams SDK v2 (@microsoft/teams.apps 2.1.0; docs/decisions/0004), mounted
// on our own HTTP server at POST /api/messages (never app.start()).
//
// Trust: in bot mode every activity's Bot Framework JWT is validated by the SDK (issuer, audience =
// TEAMS_CLIENT_ID, signature from the Bot Framework keys, serviceurl claim = activity.serviceUrl);
// anything else gets 401. Every SDK option that would otherwise fall back to an environment
// variable (CLIENT_ID, CLIENT_SECRET, TENANT_ID, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS,
// SERVICE_URL, CLOUD) is passed explicitly, so a stray variable cannot turn validation off or
// change who the bot is. The bot's outbound token comes from our own Microsoft identity provider
// (msal-node, src/vendors/microsoft/auth.ts) through the SDK's `token` seam, so national clouds and
// local fakes work the same way as for Graph.
//
// Playground mode (TEAMS_PLAYGROUND, local development with Microsoft 365 Agents Playground, which
// sends no token) accepts unauthenticated activities, and is refused unless there are no Teams
// credentials and the server listens on loopback only.
//
// Ack first: invokes are answered within the budget (card-actions.ts); messages and install events
// are handled after the HTTP turn returns. Outbound calls go through connector.ts (rate limits,
// retries, gone conversations).
import { App } from '@microsoft/teams.apps';
import { PUBLIC, withOverrides, type AdaptiveCardActionResponse } from '@microsoft/teams.api';
import type { Logger } from '../../src/log/logger.ts';
import type { DecisionDeps } from '../../src/actions/decisions.ts';
import type { Catalog } from '../../src/actions/catalog.ts';
import type { Policy } from '../../src/config/policy.ts';
import type { Store } from '../../src/store/store.ts';
import type { HookServer } from '../../src/server/http-server.ts';
import type { Actor } from '../../src/store/types.ts';
import { MicrosoftTokenProvider, type TokenProvider } from '../../src/vendors/microsoft/auth.ts';
import { teamsSdkLogger } from './sdk-logger.ts';
import { CapturedRoute, MESSAGING_ENDPOINT, messagesRoute } from './http-mount.ts';
import { TeamsConnector, type ConversationTarget, type OutgoingActivity } from './connector.ts';
import { DEFAULT_SERVICE_URL, TeamsConversations, channelOf, replyTargetOf, type InboundActivity } from './conversations.ts';
import { TeamsResponders } from './responders.ts';
import { TeamsChatPort } from './teams-chat-port.ts';
import { TeamsDigestPort } from './digest-port.ts';
import { answerCardAction, type CardActionDeps } from './card-actions.ts';
import { handleMessage, type MessageActivity } from './messages.ts';
import { canDecide, teamsActor } from './actors.ts';
import { EntraGroups } from './entra-groups.ts';
import type { GraphClient } from '../../src/vendors/graph/client.ts';
import { answerCommandForm, teamsCommand, type TeamsCommandDeps } from './commands.ts';
import { COMMAND_VERB } from '../../cards/teams/command-cards.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE } from '../../cards/teams/adaptive.ts';
import { cardMessage } from './teams-chat-port.ts';
import type { Clock } from './rate-limit.ts';
import { isLoopbackHost } from '../../src/config/formats.ts';

export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';

export type TeamsSettings =
  | { mode: 'bot'; clientId: string; clientSecret: string; tenantId: string; loginUrl: string; alertConversation?: string }
  | { mode: 'playground'; alertConversation?: string };

export interface TeamsAdapterOptions {
  settings: TeamsSettings;
  server: HookServer;
  /** The HTTP server listens on loopback only (required for playground mode). */
  loopback: boolean;
  decisions: () => DecisionDeps;
  store: Store;
  policy: Policy;
  policySource: string;
  catalog: Catalog<any>;
  log: Logger;
  /** Test seam: where the Bot Framework signing keys are (…/openidconfiguration; the SDK reads …/keys). */
  openIdMetadataUrl?: string;
  /** The Bot Connector used before an activity told us a conversation's own (default Teams' global one). */
  defaultServiceUrl?: string;
  /** How long a click waits for its decision before answering (Teams allows 5 s). Default 2500 ms. */
  ackBudgetMs?: number;
  /** Test seams for the connector's rate limits and retries. */
  clock?: Clock;
  random?: () => number;
  /** Replaces the bot's token provider (bot mode). */
  tokens?: TokenProvider;
  /** Offers file results as short-lived download links (needs HOOKLINE_PUBLIC_URL). */
  downloads?: TeamsCommandDeps['downloads'];
  /** Resolves roles.*.teams.groups (Entra group membership); without it only listed users get roles. */
  graph?: Pick<GraphClient, 'checkMemberGroups'>;
}

export interface TeamsAdapter {
  app: App;
  port: TeamsChatPort;
  /** Posts the scheduled digest (policy digest.teamsConversation, else the alert conversation). */
  digest: TeamsDigestPort;
  connector: TeamsConnector;
  conversations: TeamsConversations;
  mode: TeamsSettings['mode'];
  /** Resolves when every message / install handling started so far has finished. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export class TeamsSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamsSetupError';
  }
}

export async function createTeamsAdapter(opts: TeamsAdapterOptions): Promise<TeamsAdapter> {
  const { settings, log, store, policy } = opts;
  const playground = settings.mode === 'playground';
  if (playground && !opts.loopback) {
    throw new TeamsSetupError('TEAMS_PLAYGROUND accepts unauthenticated Teams activities, so it is refused unless the server listens on loopback only (set HOOKLINE_HOST=127.0.0.1)');
  }
  if (!playground && (!settings.clientId || !settings.clientSecret || !settings.tenantId)) {
    throw new TeamsSetupError('Teams needs TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID');
  }

  const tokens: TokenProvider | undefined = playground
    ? undefined
    : (opts.tokens ?? new MicrosoftTokenProvider({ tenantId: settings.tenantId, clientId: settings.clientId, clientSecret: settings.clientSecret, loginUrl: settings.loginUrl, log }));

  const captured = new CapturedRoute();
  const app = new App({
    httpServerAdapter: captured,
    logger: teamsSdkLogger(log),
    // Explicit values everywhere: the SDK falls back to env CLIENT_ID / CLIENT_SECRET / TENANT_ID /
    // DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS / SERVICE_URL / CLOUD for anything left undefined
    // (an empty string is not undefined). No clientSecret: the token seam below is our identity.
    clientId: playground ? '' : settings.clientId,
    clientSecret: '',
    tenantId: playground ? '' : settings.tenantId,
    ...(tokens ? { token: (scope: string | string[]) => tokens.getToken(Array.isArray(scope) ? (scope[0] ?? BOT_FRAMEWORK_SCOPE) : scope) } : {}),
    dangerouslyAllowUnauthenticatedRequests: playground,
    serviceUrl: opts.defaultServiceUrl ?? DEFAULT_SERVICE_URL,
    cloud: opts.openIdMetadataUrl ? withOverrides(PUBLIC, { openIdMetadataUrl: opts.openIdMetadataUrl }) : PUBLIC,
    messagingEndpoint: MESSAGING_ENDPOINT,
    activity: { mentions: { stripText: true } },
    state: false,
    telemetry: { agent365: false },
    client: { timeout: 15_000 },
  });

  const pending = new Set<Promise<unknown>>();
  const background = (what: string, p: Promise<unknown>) => {
    const tracked = p.catch((err: unknown) => log.error({ err: (err as Error).message }, `Teams ${what} failed`)).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  // The connector and the registry need each other (gone conversations tell admins by sending).
  let connector: TeamsConnector | undefined;
  const send = (target: ConversationTarget, activity: OutgoingActivity) => connector!.send(target, activity);
  const conversations = new TeamsConversations({
    store,
    log,
    policy,
    ...(settings.alertConversation ? { alertConversation: settings.alertConversation } : {}),
    defaultServiceUrl: opts.defaultServiceUrl ?? DEFAULT_SERVICE_URL,
    send,
  });
  connector = new TeamsConnector({
    api: (serviceUrl) => app.api.clone({ serviceUrl }).conversations,
    log,
    onGone: (target, err) => conversations.gone(target, `Teams answered 403 ${err.code ?? 'BotNotInConversationRoster'}`),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.random ? { random: opts.random } : {}),
  });
  const entra = new EntraGroups({ graph: opts.graph, groupIds: Object.values(policy.roles).flatMap((m) => m.teams.groups), log });
  // Synchronous checks use the groups already looked up: the roster is prefetched before
  // refresh.userIds is computed, and every clicker is resolved before their click is handled.
  const decider = (actor: Actor) => canDecide(entra.cached(actor), { policy, policySource: opts.policySource, catalog: opts.catalog });
  const responders = new TeamsResponders({ members: (t) => connector!.members(t), canDecide: decider, prepare: (ids) => entra.prefetch(ids), log });
  const port = new TeamsChatPort({ connector, conversations, responders });
  const ackBudgetMs = opts.ackBudgetMs ?? 2500;
  const track = (p: Promise<unknown>) => background('work after an answered click', p);
  const cardActions: CardActionDeps = { decisions: opts.decisions, canDecide: decider, log, ackBudgetMs, track };
  const commandDeps: TeamsCommandDeps = { decisions: opts.decisions, log, ...(opts.downloads ? { downloads: opts.downloads } : {}) };

  if (Object.values(policy.roles).some((m) => m.teams.groups.length > 0) && !opts.graph) {
    log.warn('the policy gives roles to Teams (Entra) groups, which need Microsoft Graph to resolve: set M365_* (with GroupMember.Read.All) or list the people in roles.*.teams.users');
  }

  // Every authenticated activity keeps the registry current (conversation, serviceUrl).
  app.use(async (ctx) => {
    // Nothing vouches for an unauthenticated activity's serviceUrl: in Playground mode only a local
    // connector is answered, so a forged activity cannot make the bot send anywhere else.
    if (playground && !isLoopbackUrl(ctx.activity.serviceUrl)) {
      log.warn('TEAMS_PLAYGROUND: ignored an activity whose serviceUrl is not on this machine');
      return undefined;
    }
    try {
      // A removal must not first mark the conversation active again (admins would be told twice).
      if (!isRemoval(ctx.activity as RemovalActivity)) await conversations.remember(ctx.activity as InboundActivity);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'recording the Teams conversation failed');
    }
    return ctx.next();
  });

  app.on('card.action', async (ctx) => {
    const a = ctx.activity;
    const action = (a.value as { action?: { verb?: unknown; data?: unknown } })?.action ?? {};
    const actor = await entra.actor(teamsActor(a.from));
    const target = replyTargetOf(a as InboundActivity);
    // Our cards are plain Adaptive Card JSON, the same wire shape as the SDK's IAdaptiveCard.
    if (action.verb === COMMAND_VERB && target) {
      const answer = await answerCommandForm(commandDeps, actor, COMMAND_VERB, action.data, { ackBudgetMs, track, reply: async (activity) => void (await send(target, activity)) });
      return answer as unknown as AdaptiveCardActionResponse;
    }
    return (await answerCardAction(cardActions, actor, action)) as unknown as AdaptiveCardActionResponse;
  });

  app.on('message', async (ctx) => {
    const a = ctx.activity as unknown as MessageActivity;
    background(
      'message handling',
      (async () => handleMessage(
        {
          cardActions,
          conversations,
          policy,
          log,
          send,
          command: (actor, text) => teamsCommand(commandDeps, actor, text),
          // No invoke to answer: wait for the action however long it takes, then reply.
          commandForm: async (actor, data) => {
            const answer = await answerCommandForm(commandDeps, actor, COMMAND_VERB, data, { ackBudgetMs: 15 * 60_000, reply: async () => {} });
            return answer.type === ADAPTIVE_CARD_CONTENT_TYPE ? [cardMessage(answer.value)] : [];
          },
        },
        await entra.actor(teamsActor(a.from)),
        a,
      ))(),
    );
  });

  app.on('install.add', async (ctx) => {
    const target = replyTargetOf(ctx.activity as InboundActivity);
    if (!target) return;
    background('welcome message', send(target, welcome(ctx.activity.conversation?.conversationType)));
  });

  app.on('install.remove', async (ctx) => {
    const target = replyTargetOf(ctx.activity as InboundActivity);
    if (target) background('uninstall handling', conversations.gone({ ...target, conversationId: channelOf(target.conversationId) }, 'the Hookline app was uninstalled there'));
  });

  app.on('conversationUpdate', async (ctx) => {
    const a = ctx.activity as RemovalActivity;
    const target = replyTargetOf(a);
    if (target && isRemoval(a)) {
      background('removal handling', conversations.gone({ ...target, conversationId: channelOf(target.conversationId) }, 'the bot was removed from the conversation'));
    }
  });

  await app.initialize();
  opts.server.route('POST', MESSAGING_ENDPOINT, messagesRoute(captured));
  if (playground) log.warn('TEAMS_PLAYGROUND is on: /api/messages accepts UNAUTHENTICATED activities (local development with Microsoft 365 Agents Playground only)');

  const idle = async () => {
    while (pending.size) await Promise.all([...pending]);
  };
  return {
    app,
    port,
    digest: new TeamsDigestPort(connector, conversations, policy.digest.teamsConversation),
    connector,
    conversations,
    mode: settings.mode,
    idle,
    stop: idle,
  };
}

type RemovalActivity = InboundActivity & { action?: string; membersRemoved?: { id?: string }[] };

/** The app was uninstalled, or the bot removed from the conversation. */
function isRemoval(a: RemovalActivity): boolean {
  if (a.type === 'installationUpdate') return a.action === 'remove';
  const botId = a.recipient?.id;
  return a.type === 'conversationUpdate' && Boolean(botId) && (a.membersRemoved ?? []).some((m) => m.id === botId);
}

function isLoopbackUrl(url: string | undefined): boolean {
  try {
    return url !== undefined && isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

function welcome(conversationType: string | undefined): OutgoingActivity {
  const text =
    conversationType === 'personal'
      ? 'Hookline is installed. Send "help" to see what you can do here.'
      : 'Hookline is installed in this conversation. An admin can mention the bot with "set alerts here" to receive new phishing reports here; mention it with "help" to see the commands.';
  return { type: 'message', text, textFormat: 'plain' };
}
