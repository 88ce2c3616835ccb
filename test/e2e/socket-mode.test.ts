// Slack in Socket Mode: with SLACK_APP_TOKEN set, Bolt opens a WebSocket (URL from
// apps.connections.open on the fake Web API) instead of serving /slack/events. A local ws server
// plays Slack: it sends hello, then a block_actions envelope, and reads the bot's ack.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-api.ts';
import { freshSqliteUrl } from '../helpers/databases.ts';
import { phishMime, reportMime } from '../helpers/mail-builder.ts';
import { waitFor } from '../helpers/wait.ts';

describe('Slack in Socket Mode', () => {
  let slack: FakeSlack;
  let wss: WebSocketServer;
  let hook: Hookline;
  let socket: WebSocket | undefined;
  const fromBot: Record<string, unknown>[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack();
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) => {
      socket = ws;
      ws.on('message', (m) => fromBot.push(JSON.parse(String(m)) as Record<string, unknown>));
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake' }, connection_info: { app_id: 'A1' } }));
    });
    slack.socketUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link/?ticket=t1`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-socket-'));
    writeFileSync(path.join(dir, 'policy.yaml'), 'roles:\n  responder:\n    slack:\n      users: [UALICE01]\nfourEyes:\n  risks: []\n');
    hook = await startHookline({
      cwd: dir,
      log: silentLogger(),
      listen: { port: 0, host: '127.0.0.1' },
      schedule: false,
      slackRetries: 0,
      env: {
        HOOKLINE_DATABASE_URL: freshSqliteUrl(),
        HOOKLINE_CONFIG: path.join(dir, 'policy.yaml'),
        HOOKLINE_INGEST_TOKEN: 'ingest-token-0123456789',
        SLACK_BOT_TOKEN: 'xoxb-socket-test',
        SLACK_APP_TOKEN: 'xapp-1-A1-socket-test',
        SLACK_API_URL: slack.apiUrl,
        SLACK_ALERT_CHANNEL: 'C0ALERTS01',
      },
    });
  });

  afterAll(async () => {
    await hook?.stop();
    await new Promise((r) => wss?.close(r));
    await slack?.close();
  });

  it('connects with the app token, does not serve /slack/events, acks envelopes and acts on them', async () => {
    const open = slack.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.token).toBe('xapp-1-A1-socket-test');
    expect((await fetch(`${hook.url}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(404);

    // A report, posted as a card.
    const res = await fetch(`${hook.url}/ingest`, { method: 'POST', body: reportMime(phishMime({ subject: 'Socket phish' })), headers: { authorization: 'Bearer ingest-token-0123456789' } });
    const { id } = (await res.json()) as { id: string };
    await hook.scheduler.tick('post-alerts');
    const ts = (await hook.store.postsOf(id))[0]!.messageId;

    // Slack delivers a click from someone without a role: the bot acks, and answers privately.
    await waitFor(() => socket, 'the socket connection');
    const payload = (user: string) => ({
      type: 'block_actions',
      team: { id: 'T1', domain: 'test' },
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T1' },
      api_app_id: 'A1',
      container: { type: 'message', message_ts: ts, channel_id: 'C0ALERTS01' },
      channel: { id: 'C0ALERTS01', name: 'alerts' },
      message: { ts, text: 'card' },
      response_url: `${slack.url}/response/${user}`,
      trigger_id: '1.2.3',
      actions: [{ type: 'button', action_id: 'decide:approve', block_id: 'decide', value: id, action_ts: '1' }],
    });
    socket!.send(JSON.stringify({ envelope_id: 'env-1', type: 'interactive', accepts_response_payload: false, payload: payload('UMALLORY') }));
    await waitFor(() => fromBot.find((m) => m.envelope_id === 'env-1'), 'the ack of env-1');
    const denial = await waitFor(() => slack.responses.find((r) => r.id === 'UMALLORY'), 'the denial');
    expect(String(denial.body.text)).toMatch(/not allowed/);

    // A responder approves: the card is updated in place, without buttons.
    socket!.send(JSON.stringify({ envelope_id: 'env-2', type: 'interactive', accepts_response_payload: false, payload: payload('UALICE01') }));
    await waitFor(() => fromBot.find((m) => m.envelope_id === 'env-2'), 'the ack of env-2');
    await waitFor(async () => (await hook.store.latestDecision(id))?.state === 'done', 'the approval');
    const update = await waitFor(() => slack.callsTo('chat.update').find((u) => u.args.ts === ts && !JSON.stringify(u.args.blocks).includes('decide:')), 'the card update');
    expect(update.args.channel).toBe('C0ALERTS01');
  });
});
