// The floor of bench/slack-ack: a bare Bolt app, mounted the way Hookline mounts it (HTTPReceiver's
// requestListener on a node:http server), with a no-op action handler that only acknowledges.
// Usage: node bench/slack-ack/bare.ts <slack api url> <signing secret>. Prints `READY <url>`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

const [apiUrl, secret] = process.argv.slice(2);
if (!apiUrl || !secret) throw new Error('usage: bare.ts <slack api url> <signing secret>');

const receiver = new HTTPReceiver({ signingSecret: secret, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
const app = new App({ token: 'xoxb-bench-floor', receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: apiUrl }, deferInitialization: true });
await app.init();
app.action(/.*/, async ({ ack }) => {
  await ack();
});
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/slack/events') return void receiver.requestListener(req, res);
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
console.log(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}`);
process.on('message', (m) => {
  if (m === 'idle') process.send?.('idle');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
