// Slack through Bolt: HTTP mode on our own server (POST /slack/events handed to HTTPReceiver's
// requestListener, never app.start()), or Socket Mode when SLACK_APP_TOKEN is set. Bolt verifies
// the request signature and timestamp; every interaction is acknowledged before any work starts.
import { App, HTTPReceiver, SocketModeReceiver, type BlockAction, type ButtonAction } from '@slack/bolt';
import type { Logger } from '../../src/log/logger.ts';
import type { DecisionDeps } from '../../src/actions/decisions.ts';
import type { HookServer } from '../../src/server/http-server.ts';
import { onDecisionButton, type DecisionButton } from '../../handlers/decision-buttons.ts';
import { boltLogger } from './bolt-logger.ts';
import { SlackActors } from './actors.ts';
import { SlackChatPort } from './slack-chat-port.ts';

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
  /** Connects Socket Mode (a no-op in HTTP mode, where the route is already on our server). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const BUTTONS: Record<string, DecisionButton> = {
  'decide:approve': 'approve',
  'decide:quarantine': 'quarantine',
  'decide:block': 'block',
  'decide:retry': 'retry',
};

export async function createSlackAdapter(opts: {
  settings: SlackSettings;
  server: HookServer;
  decisions: () => DecisionDeps;
  policyGroupIds: string[];
  log: Logger;
  /** Tests make Slack API retries fail fast. */
  retries?: number;
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

  const actors = new SlackActors(app.client, opts.policyGroupIds, log);

  app.action<BlockAction<ButtonAction>>(/^decide:/, async ({ ack, body, action, respond }) => {
    await ack();
    const button = BUTTONS[action.action_id];
    if (!button) return;
    // Work continues after the ack; its outcome reaches the user as a card update (or a private note).
    void (async () => {
      try {
        const actor = await actors.actor(body.user);
        const { notice } = await onDecisionButton(opts.decisions(), { actor, button, value: action.value ?? '' });
        if (notice) await respond({ response_type: 'ephemeral', replace_original: false, text: notice });
      } catch (err) {
        log.error({ err: (err as Error).message, action: action.action_id }, 'decision button failed');
        await respond({ response_type: 'ephemeral', replace_original: false, text: `Hookline could not handle that click: ${(err as Error).message}` }).catch(() => {});
      }
    })();
  });

  if (!socketMode) {
    const http = receiver as HTTPReceiver;
    opts.server.route('POST', '/slack/events', (req, res) => http.requestListener(req, res));
  }

  const port = settings.alertChannel ? new SlackChatPort(app.client, settings.alertChannel) : undefined;
  return {
    app,
    port,
    start: async () => {
      if (socketMode) await app.start();
    },
    stop: async () => {
      if (socketMode) await app.stop();
    },
  };
}
