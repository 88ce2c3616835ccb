// Issue #3 item 5: kill the process between fetching a message and storing it, restart it, and
// show that every message ends up stored exactly once and posted exactly once.
//
// The bot runs in a CHILD process (crash-child.ts) against a Graph simulator and a fake Slack in
// this process. The simulator holds the MIME request of one message unanswered, so the child is
// provably inside "fetch, then store" for that message when it gets SIGKILL; nothing is timed.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../../helpers/databases.ts';
import { TLS_DIR, trustTestCa } from '../../helpers/tls.ts';
import { waitFor } from '../../helpers/wait.ts';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack-api.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { startGraphSimulator, type GraphSimulator } from '../../../src/sandbox/graph-simulator.ts';
import { Store } from '../../../src/store/store.ts';
import { parseGraphCursor } from '../../../src/ingest/sources/graph-source.ts';
import { CLIENT_ID, CLIENT_SECRET, MAILBOX, at, mail, mimeFetches } from './helpers.ts';

const targets = await dbTargets();
const CHILD = path.join(import.meta.dirname, 'crash-child.ts');
const TENANT = '11111111-2222-3333-4444-555555555555';
const CHANNEL = 'C0CRASH001';

interface Child {
  proc: ChildProcessWithoutNullStreams;
  events: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [CHILD], {
    env: { PATH: process.env.PATH ?? '', ...env, NODE_EXTRA_CA_CERTS: path.join(TLS_DIR, 'ca.crt') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const child: Child = {
    proc,
    events: [],
    stderr: [],
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      child.events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      child.events.push({ event: 'noise', line });
    }
  });
  proc.stderr.on('data', (c: Buffer) => child.stderr.push(String(c)));
  return child;
}

const reportIdsPosted = (slack: FakeSlack) =>
  slack.callsTo('chat.postMessage').map((c) => /"value":"([0-9a-f-]{36})"/.exec(JSON.stringify(c.args.blocks ?? []))?.[1]);

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`crash between fetch and store, on ${t.name}`, () => {
    let sim: GraphSimulator;
    let slack: FakeSlack;
    let db: { url: string; drop: () => Promise<void> };
    const children: Child[] = [];

    beforeEach(async () => {
      const tls = trustTestCa();
      sim = await startGraphSimulator({ tls: { key: tls.key, cert: tls.cert }, tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, mailbox: MAILBOX });
      slack = await startFakeSlack();
      db = await t.create();
    });
    afterEach(async () => {
      for (const c of children.splice(0)) {
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
        await c.exited;
      }
      await sim.close();
      await slack.close();
      await db.drop();
    });

    it('stores every message exactly once and posts each exactly once after a SIGKILL mid-fetch', { timeout: 180_000 }, async () => {
      const cwd = mkdtempSync(path.join(os.tmpdir(), 'hookline-crash-'));
      const env = {
        CRASH_CHILD_CWD: cwd,
        HOOKLINE_DATABASE_URL: db.url,
        HOOKLINE_LOG_LEVEL: 'warn',
        SLACK_BOT_TOKEN: 'xoxb-crash-test',
        SLACK_SIGNING_SECRET: 'crash-test-signing-secret-0123',
        SLACK_API_URL: slack.apiUrl,
        SLACK_ALERT_CHANNEL: CHANNEL,
        M365_TENANT_ID: TENANT,
        M365_CLIENT_ID: CLIENT_ID,
        M365_CLIENT_SECRET: CLIENT_SECRET,
        M365_LOGIN_URL: sim.loginUrl,
        GRAPH_API_URL: sim.graphUrl,
        REPORT_MAILBOX: MAILBOX,
      };
      const ids = [1, 2].map((n) => sim.mailbox.add('Inbox', mail(n), { receivedDateTime: at(n) }));

      // 1. The bot ingests and posts the first two.
      const first = startChild(env);
      children.push(first);
      await waitFor(() => slack.callsTo('chat.postMessage').length === 2 || first.proc.exitCode !== null, 'the first two posts', 60_000).catch((err: Error) => {
        throw new Error(`${err.message}; child events ${JSON.stringify(first.events.slice(-5))}; stderr ${first.stderr.join('').slice(-2000)}`);
      });
      expect(first.proc.exitCode, first.stderr.join('')).toBeNull();

      // 2. Three more arrive; the MIME request of the middle one hangs. Message 3 is fetched and
      //    committed, then the child waits on message 4: kill it right there.
      const gate = sim.hold({ method: 'GET', pathIncludes: '/$value' });
      const m3 = sim.mailbox.add('Inbox', mail(3), { receivedDateTime: at(3) });
      const later = [4, 5].map((n) => sim.mailbox.add('Inbox', mail(n), { receivedDateTime: at(n) }));
      ids.push(m3, ...later);
      // The first $value of this round is message 3's: let it through, hold the next one.
      const held3 = await gate.reached;
      expect(held3.path).toContain(m3);
      const gate4 = sim.hold({ method: 'GET', pathIncludes: '/$value' });
      gate.release();
      const held4 = await gate4.reached;
      expect(held4.path).toContain(later[0]);
      first.proc.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');

      // What the crash left: 3 stored (committed before the kill), 4 and 5 not, the cursor not moved
      // past them, and still only two posts.
      const store = await Store.open(db.url, silentLogger());
      try {
        const stored = async () => Promise.all(ids.map(async (id) => (await store.getReportByDedupeKey(`graph:${id}`)) !== undefined));
        expect(await stored()).toEqual([true, true, true, false, false]);
        const cursor = parseGraphCursor(await store.getCursor(`graph:${MAILBOX}:Inbox`));
        expect(cursor?.link).toBeDefined();
        expect(slack.callsTo('chat.postMessage')).toHaveLength(2);

        // 3. Restart: the rest is ingested, message 3 is recognised without a second fetch.
        const second = startChild(env);
        children.push(second);
        await waitFor(() => slack.callsTo('chat.postMessage').length >= 5 || second.proc.exitCode !== null, 'all five posts after the restart', 60_000);
        // One more full loop, to show that nothing further is posted.
        const seen = second.events.length;
        await waitFor(() => second.events.slice(seen).some((e) => e.event === 'round'), 'one more round', 60_000);
        second.proc.stdin.write('stop\n');
        expect((await second.exited).code, second.stderr.join('')).toBe(0);

        expect(await stored()).toEqual([true, true, true, true, true]);
        expect(await store.countReports()).toBe(5);
        const posted = reportIdsPosted(slack);
        expect(posted).toHaveLength(5);
        expect(new Set(posted).size).toBe(5);
        const fetches = mimeFetches(sim);
        expect(fetches.get(m3)).toBe(1);
        expect(fetches.get(later[0]!)).toBe(1); // the held request never completed
        expect((parseGraphCursor(await store.getCursor(`graph:${MAILBOX}:Inbox`)))?.link).toContain('$deltatoken=');
      } finally {
        await store.close();
      }
    });
  });
}
