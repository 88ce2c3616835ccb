// The fake Slack Web API (and response_url endpoints) for bench/slack-ack, in a process of its own
// so the servers under test pay for their outbound calls but the load generator does not.
// Prints `READY <url>` and runs until killed.
import { startFakeSlack } from '../../test/fakes/slack-api.ts';

const fake = await startFakeSlack();
// Keep memory flat over thousands of calls: the benchmark never reads the recordings.
setInterval(() => {
  fake.calls.length = 0;
  fake.responses.length = 0;
  fake.views.length = 0;
}, 1000).unref();
console.log(`READY ${fake.url}`);
process.on('SIGTERM', () => void fake.close().finally(() => process.exit(0)));
