// The bot in a child process, for the crash test (crash.test.ts): starts Hookline from the
// environment the test passes, then polls the mailbox and posts new reports in a loop, one JSON
// line per event on stdout. The test SIGKILLs it mid-round and starts it again. A line "stop" on
// stdin ends it cleanly. Logs go to stderr so stdout carries only the events.
import { createInterface } from 'node:readline';
import { createLogger } from '../../../src/log/logger.ts';
import { startHookline } from '../../../src/main.ts';

const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

const hook = await startHookline({
  env: process.env,
  cwd: process.env.CRASH_CHILD_CWD ?? process.cwd(),
  log: createLogger({ level: 'warn', destination: process.stderr }),
  listen: { port: 0, host: '127.0.0.1' },
  schedule: false,
  slackRetries: 0,
});
emit({ event: 'ready', pid: process.pid });

let stopping = false;
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() === 'stop') stopping = true;
});

while (!stopping) {
  try {
    const polled = await hook.sources.graph!.poll();
    const posted = await hook.publisher.postNew();
    emit({ event: 'round', ingested: polled.ingested, posted: posted.posted });
  } catch (err) {
    emit({ event: 'error', message: (err as Error).message });
  }
  await new Promise((r) => setTimeout(r, 20));
}
await hook.stop();
commands.close();
emit({ event: 'stopped' });
// Idle keep-alive sockets to the fakes would otherwise keep the process up for a while.
process.exit(0);
