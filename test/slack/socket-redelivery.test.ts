// Socket Mode redelivers an envelope with a new envelope_id when it thinks the ack was late. A local
// ws server plays Slack and sends every envelope twice: each is acknowledged, and each event,
// command and click takes effect once (store.firstSeen, on SQLite and PostgreSQL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-api.ts';
import { dbTargets } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait.ts';

const targets = await dbTargets();

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`Socket Mode redeliveries on ${t.name}`, () => {
    let slack: FakeSlack;
    let wss: WebSocketServer;
    let hook: Hookline;
    let drop: () => Promise<void>;
    let socket: WebSocket | undefined;
    const acks: string[] = [];

    beforeAll(async () => {
      slack = await startFakeSlack();
      wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      await new Promise((r) => wss.once('listening', r));
      wss.on('connection', (ws) => {
        socket = ws;
        ws.on('message', (m) => acks.push(String((JSON.parse(String(m)) as { envelope_id?: string }).envelope_id)));
        ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake' }, connection_info: { app_id: 'A1' } }));
      });
      slack.socketUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link/?ticket=t1`;
      const db = await t.create();
      drop = db.drop;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-socket-dedupe-'));
      writeFileSync(path.join(dir, 'policy.yaml'), 'roles:\n  analyst:\n    slack:\n      users: [UANALYST1]\n');
      hook = await startHookline({
        cwd: dir,
        log: silentLogger(),
        listen: { port: 0, host: '127.0.0.1' },
        schedule: false,
        slackRetries: 0,
        env: {
          HOOKLINE_DATABASE_URL: db.url,
          HOOKLINE_CONFIG: path.join(dir, 'policy.yaml'),
          SLACK_BOT_TOKEN: 'xoxb-socket-dedupe',
          SLACK_APP_TOKEN: 'xapp-1-A1-socket-dedupe',
          SLACK_API_URL: slack.apiUrl,
          SLACK_ALERT_CHANNEL: 'C0ALERTS01',
        },
      });
      await waitFor(() => socket, 'the socket connection');
    });

    afterAll(async () => {
      await hook?.stop();
      await new Promise((r) => wss?.close(r));
      await slack?.close();
      await drop?.();
    });

    /** Sends an envelope, then its redelivery (new envelope id, retry_attempt 1), and waits for both acks. */
    async function twice(type: string, payload: Record<string, unknown>, id: string) {
      socket!.send(JSON.stringify({ envelope_id: `${id}-a`, type, accepts_response_payload: false, retry_attempt: 0, payload }));
      socket!.send(JSON.stringify({ envelope_id: `${id}-b`, type, accepts_response_payload: false, retry_attempt: 1, retry_reason: 'timeout', payload }));
      await waitFor(() => acks.includes(`${id}-a`) && acks.includes(`${id}-b`), `the acks of ${id}`);
      await hook.slack!.background.idle();
    }

    it('publishes the App Home once for a redelivered app_home_opened event', async () => {
      await twice('events_api', { token: 'x', team_id: 'T1', api_app_id: 'A1', type: 'event_callback', event_id: 'EvSOCKET1', event_time: 1, event: { type: 'app_home_opened', user: 'UANALYST1', channel: 'D0HOME0001', tab: 'home', event_ts: '1.1' } }, 'env-home');
      await waitFor(() => slack.views.some((v) => v.method === 'views.publish'), 'views.publish');
      await hook.slack!.background.idle();
      expect(slack.views.filter((v) => v.method === 'views.publish')).toHaveLength(1);
    });

    it('answers a redelivered slash command once', async () => {
      const command = {
        token: 'x',
        team_id: 'T1',
        channel_id: 'C0ALERTS01',
        user_id: 'UANALYST1',
        user_name: 'analyst',
        command: '/phish',
        text: 'help',
        api_app_id: 'A1',
        response_url: `${slack.url}/response/socket-help`,
        trigger_id: 'socket.trigger.1',
      };
      await twice('slash_commands', command, 'env-cmd');
      await waitFor(() => slack.responses.some((r) => r.id === 'socket-help'), 'the help answer');
      await hook.slack!.background.idle();
      expect(slack.responses.filter((r) => r.id === 'socket-help')).toHaveLength(1);
    });
  });
}
