// One Hookline process for the exactly-once test: startHookline with the environment it was given
// (one shared PostgreSQL, the test's Graph simulator trusted through NODE_EXTRA_CA_CERTS, the
// fake Slack), on its own port, no cron. Prints {"url": ...} once listening; stops on SIGTERM.
import { startHookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';

const hook = await startHookline({ log: silentLogger(), listen: { port: 0, host: '127.0.0.1' }, schedule: false, slackRetries: 0 });
process.stdout.write(`${JSON.stringify({ url: hook.url, pid: process.pid })}\n`);
const stop = () => {
  void hook.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
