// Slack through Bolt: HTTP mode on our own server (POST /slack/events handed to HTTPReceiver's
// requestListener, never app.start()), or Socket Mode when SLACK_APP_TOKEN is set. Bolt verifies
// the request signature and timestamp; every interaction is acknowledged before any work starts,
// and the work runs in the background (background.ts) so an ack never waits for the store or a
// vendor. Repeated deliveries (Events API retries, Socket Mode redeliveries) are dropped
// (dedupe.ts). Outbound messages are paced per channel (rate-limit.ts).
import { App, HTTPReceiver, SocketModeReceiver, webApi, type BlockAction, type ButtonAction } from '@slack/bolt';
import type { Logger } from '../../src/log/logger.ts';
import type { DecisionDeps } from '../../src/actions/decisions.ts';
import type { HookServer } from '../../src/server/http-server.ts';
import { registerDecisionFlow } from './decision-flow.ts';
import { boltLogger } from './bolt-logger.ts';
import { SlackActors } from './actors.ts';
import { SlackChatPort } from './slack-chat-port.ts';
import { SlackDigestPort } from './digest-port.ts';
import { SlackOutbox, type OutboxOptions } from './rate-limit.ts';
import { Background } from './background.ts';
import { dropRepeatedEvents, firstDelivery, interactionKey } from './dedupe.ts';
import { SlackReplies } from './replies.ts';
import { registerCommands } from './commands.ts';
import { registerHome } from './home.ts';

export interface SlackSettings {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl: string;
  alertChannel?: string;
  command: string;
}

export interface SlackAdapter {
  app: App;
  port: SlackChatPort | undefined;
  /** Posts the scheduled digest; undefined when no digest or alert channel is set. */
  digest: SlackDigestPort | undefined;
  /** Per-channel pacing of everything Hookline posts. */
  outbox: SlackOutbox;
  /** Work started after acks (tests wait on `background.idle()`). */
  background: Background;
  /** Connects Socket Mode (a no-op in HTTP mode, where the route is already on our server). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createSlackAdapter(opts: {
  settings: SlackSettings;
  server: HookServer;
  decisions: () => DecisionDeps;
  policyGroupIds: string[];
  log: Logger;
  /** Tests make Slack API retries fail fast. */
  retries?: number;
  /** Vendors with configuration, for the App Home (config/load.ts configuredVendors). */
  configuredVendors?: readonly string[];
  /** Pacing of outbound messages (tests inject a clock). */
  outbox?: OutboxOptions;
}): Promise<SlackAdapter> {
  const { settings, log } = opts;
  const logger = boltLogger(log);
  const clientOptions = {
    slackApiUrl: settings.apiUrl,
    ...(opts.retries !== undefined ? { retryConfig: { retries: opts.retries } } : {}),
  };
  const socketMode = Boolean(settings.appToken);
  const receiver = socketMode
    ? new SocketModeReceiver({ appToken: settings.appToken!, logger, installerOptions: { clientOptions } })
    : new HTTPReceiver({ signingSecret: settings.signingSecret ?? '', endpoints: '/slack/events', logger });
  // deferInitialization: auth.test runs in init() where a failure is a clear start-up error,
  // instead of an unhandled rejection from the constructor.
  const app = new App({ token: settings.botToken, receiver, logger, clientOptions, deferInitialization: true });
  try {
    await app.init();
  } catch (err) {
    throw new Error(`Slack rejected the bot token (auth.test: ${(err as Error).message}); check SLACK_BOT_TOKEN and SLACK_API_URL`);
  }

  // Channel posts use their own client that hands 429s to the outbox instead of pausing every
  // request (the WebClient's own handling would stall all channels for one channel's Retry-After).
  const outbound = new webApi.WebClient(settings.botToken, { ...clientOptions, logger, rejectRateLimitedCalls: true });
  const outbox = new SlackOutbox({ ...opts.outbox, log });
  const background = new Background(log);
  const actors = new SlackActors(app.client, opts.policyGroupIds, log);
  const replies = new SlackReplies(outbound as unknown as App['client'], outbox, log);
  const deps = opts.decisions;

  app.use(dropRepeatedEvents(() => deps().store, log));

  // The report card's buttons and the four-eyes justification modal (decision-flow.ts).
  registerDecisionFlow({ app, deps, actors, background, log });

  const policy = deps().policy;
  const digestChannel = policy.digest.slackChannel ?? settings.alertChannel;
  registerCommands({ app, command: settings.command, deps, actors, replies, background, log });
  registerHome({
    app,
    deps,
    actors,
    background,
    command: settings.command,
    ...(settings.alertChannel ? { alertChannel: settings.alertChannel } : {}),
    ...(digestChannel ? { digestChannel } : {}),
    ...(opts.configuredVendors ? { configuredVendors: opts.configuredVendors } : {}),
  });

  if (!socketMode) {
    const http = receiver as HTTPReceiver;
    opts.server.route('POST', '/slack/events', (req, res) => {
      // Background work holds back while requests are being acknowledged (background.ts).
      background.requestStarted();
      res.once('close', () => background.requestFinished());
      return http.requestListener(req, res);
    });
  }

  const client = outbound as unknown as App['client'];
  const port = settings.alertChannel ? new SlackChatPort(client, settings.alertChannel, outbox, log) : undefined;
  return {
    app,
    port,
    digest: digestChannel ? new SlackDigestPort(client, outbox, digestChannel) : undefined,
    outbox,
    background,
    start: async () => {
      if (socketMode) await app.start();
    },
    stop: async () => {
      if (socketMode) await app.stop();
      await background.idle();
      // Queued card updates carry the final states: give them a moment, but never hang shutdown.
      await Promise.race([outbox.drained(), new Promise((r) => setTimeout(r, 5000).unref())]);
    },
  };
}
