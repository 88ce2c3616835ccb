// The server under test of bench/slack-ack: the whole of Hookline (startHookline: Bolt on our HTTP
// server, SQLite store, decision state machine, audit, card updates through the outbox) against
// the fake Slack Web API. It stores `count` reports, marks their cards as posted, and prints
// `READY <url> <file with the report ids>`. Each benchmark click approves a different report, so
// every click does the full work after its acknowledgement.
// Usage: node bench/slack-ack/hookline.ts <slack api url> <signing secret> <user id> <count>
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { emptyIndicators } from '../../src/ingest/types.ts';

const [apiUrl, secret, user, countText] = process.argv.slice(2);
if (!apiUrl || !secret || !user || !countText) throw new Error('usage: hookline.ts <slack api url> <signing secret> <user id> <count>');
const CHANNEL = 'C0BENCH001';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-bench-ack-'));
writeFileSync(path.join(dir, 'policy.yaml'), `roles:\n  responder:\n    slack:\n      users: [${user}]\nfourEyes:\n  risks: []\n`);
const hook = await startHookline({
  cwd: dir,
  log: silentLogger(),
  listen: { port: 0, host: '127.0.0.1' },
  schedule: false,
  slackRetries: 0,
  env: {
    HOOKLINE_DATABASE_URL: `sqlite:${path.join(dir, 'hookline.db')}`,
    HOOKLINE_CONFIG: path.join(dir, 'policy.yaml'),
    SLACK_BOT_TOKEN: 'xoxb-bench-hookline',
    SLACK_SIGNING_SECRET: secret,
    SLACK_API_URL: apiUrl,
    SLACK_ALERT_CHANNEL: CHANNEL,
  },
});

const ids: string[] = [];
for (let i = 0; i < Number(countText); i++) {
  const { report } = await hook.store.insertReport({
    dedupeKey: `bench-${i}`,
    source: 'bench',
    sourceRef: `bench-${i}`,
    parsed: {
      status: 'parsed',
      originalAttached: true,
      reportedBy: { address: 'reporter@corp.example' },
      original: { subject: `Benchmark report ${i}`, from: { address: 'billing@evil.example' }, to: [{ address: 'alice@corp.example' }], cc: [] },
      indicators: emptyIndicators(),
    },
  });
  // As if the alert job had posted the card, so every decision re-renders it with chat.update.
  await hook.store.claimPost(report.id, 'slack', 'bench');
  await hook.store.markPosted(report.id, { platform: 'slack', channel: CHANNEL, messageId: `1700000000.${String(i).padStart(6, '0')}` });
  ids.push(report.id);
}
const idsFile = path.join(dir, 'report-ids.json');
writeFileSync(idsFile, JSON.stringify(ids));
console.log(`READY ${hook.url} ${idsFile}`);

// The runner asks for quiet before measuring the floor again: wait for the work of past clicks.
process.on('message', (m) => {
  if (m === 'idle') void hook.slack!.background.idle().then(() => process.send?.('idle'));
});
process.on('SIGTERM', () => void hook.stop().finally(() => process.exit(0)));
