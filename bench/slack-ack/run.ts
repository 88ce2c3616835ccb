// bench/slack-ack: how fast Hookline acknowledges Slack button clicks (issue #8, item 10).
//
//   npx node bench/slack-ack/run.ts [--rounds 7] [--sequential-rounds 7] [--clicks 200] [--sequential-clicks 300]
//
// Two servers run in processes of their own, against a fake Slack Web API in a third:
//   floor     a bare Bolt app (same HTTPReceiver mounting) whose handler only acks (bare.ts)
//   hookline  the whole of Hookline (hookline.ts): every click approves a different report, so the
//             ack is followed by the decision, its audit entry and the card update
// Signed block_actions clicks go over loopback (new connections every round, the same for both):
//   concurrent  `clicks` at once, per round
//   sequential  `sequential-clicks` one after the other, per round
// Rounds alternate floor and hookline; before each round the previous round's background work is
// allowed to finish, so neither pays for the other. Reported per scenario: the median over rounds
// of each round's p50 and p99 (ms), and the ratio hookline / floor. Target: both p99 ratios <= 1.25.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { slackSignature } from '../../test/helpers/slack-sign.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    'sequential-rounds': { type: 'string', default: '7' },
    clicks: { type: 'string', default: '200' },
    'sequential-clicks': { type: 'string', default: '300' },
  },
});
const ROUNDS = Number(args.rounds);
const SEQ_ROUNDS = Number(args['sequential-rounds']);
const CLICKS = Number(args.clicks);
const SEQ_CLICKS = Number(args['sequential-clicks']);
const WARM_SEQ = 50;
const SECRET = 'bench-signing-secret-0123456789abcdef';
const USER = 'UBENCH0001';
const here = import.meta.dirname;

interface Child {
  proc: ChildProcess;
  words: string[];
}

function start(file: string, argv: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [path.join(here, file), ...argv], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line) resolve({ proc, words: line.trim().split(' ').slice(1) });
    });
    proc.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready: ${err}`)));
  });
}

function idle(c: Child): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (m === 'idle') {
        c.proc.off('message', on);
        resolve();
      }
    };
    c.proc.on('message', on);
    c.proc.send('idle');
  });
}

let clickNo = 0;
/** A signed block_actions click on the Approve button of `reportId` (unique trigger and action_ts). */
function click(reportId: string): { body: string; headers: Record<string, string> } {
  const n = ++clickNo;
  const payload = {
    type: 'block_actions',
    team: { id: 'T1', domain: 'bench' },
    user: { id: USER, username: 'bench', name: 'bench', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0BENCH001', is_ephemeral: false },
    trigger_id: `bench.${process.pid}.${n}`,
    channel: { id: 'C0BENCH001', name: 'bench' },
    message: { ts: '1700000000.000100', type: 'message', text: 'card' },
    response_url: `${fakeUrl}/response/bench-${n}`,
    actions: [{ type: 'button', action_id: 'decide:approve', block_id: 'decide', value: reportId, action_ts: `${Date.now() / 1000}.${n}` }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = Math.floor(Date.now() / 1000);
  return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) } };
}

async function send(agent: Agent, url: string, c: { body: string; headers: Record<string, string> }): Promise<number> {
  const t0 = performance.now();
  const res = await request(`${url}/slack/events`, { method: 'POST', body: c.body, headers: c.headers, dispatcher: agent });
  await res.body.dump();
  const ms = performance.now() - t0;
  if (res.statusCode !== 200) throw new Error(`click answered ${res.statusCode}`);
  return ms;
}

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
const median = (xs: number[]) => pct([...xs].sort((a, b) => a - b), 0.5);

async function concurrent(url: string, ids: () => string): Promise<number[]> {
  const agent = new Agent({ connections: CLICKS + 16, pipelining: 1, keepAliveTimeout: 30_000 });
  const clicks = Array.from({ length: CLICKS }, () => click(ids()));
  const lat = await Promise.all(clicks.map((c) => send(agent, url, c)));
  await agent.close();
  return lat.sort((a, b) => a - b);
}

async function sequential(url: string, ids: () => string, n: number): Promise<number[]> {
  const agent = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 30_000 });
  const lat: number[] = [];
  for (let i = 0; i < n; i++) lat.push(await send(agent, url, click(ids())));
  await agent.close();
  return lat.sort((a, b) => a - b);
}

let fakeUrl = '';
const children: Child[] = [];
try {
  const fake = await start('fake-slack.ts', []);
  children.push(fake);
  fakeUrl = fake.words[0]!;
  const apiUrl = `${fakeUrl}/api/`;
  const needed = WARM_SEQ + CLICKS + ROUNDS * CLICKS + SEQ_ROUNDS * SEQ_CLICKS + 100;
  const [floor, hook] = await Promise.all([start('bare.ts', [apiUrl, SECRET]), start('hookline.ts', [apiUrl, SECRET, USER, String(needed)])]);
  children.push(floor, hook);
  const reportIds = JSON.parse(readFileSync(hook.words[1]!, 'utf8')) as string[];
  let next = 0;
  const hookIds = () => reportIds[next++] ?? reportIds[0]!;
  const floorIds = () => '00000000-0000-0000-0000-000000000000';
  const targets = [
    { name: 'floor', child: floor, url: floor.words[0]!, ids: floorIds },
    { name: 'hookline', child: hook, url: hook.words[0]!, ids: hookIds },
  ] as const;

  // Warm-up (JIT, connection code paths, first queries), not measured.
  for (const t of targets) {
    await sequential(t.url, t.ids, WARM_SEQ);
    await concurrent(t.url, t.ids);
    await idle(t.child);
  }

  const rounds: Record<string, { concurrent: { p50: number; p99: number }[]; sequential: { p50: number; p99: number }[] }> = {
    floor: { concurrent: [], sequential: [] },
    hookline: { concurrent: [], sequential: [] },
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of r % 2 ? [...targets].reverse() : targets) {
      const lat = await concurrent(t.url, t.ids);
      rounds[t.name]!.concurrent.push({ p50: pct(lat, 0.5), p99: pct(lat, 0.99) });
      await idle(t.child);
    }
  }
  for (let r = 0; r < SEQ_ROUNDS; r++) {
    for (const t of r % 2 ? [...targets].reverse() : targets) {
      const lat = await sequential(t.url, t.ids, SEQ_CLICKS);
      rounds[t.name]!.sequential.push({ p50: pct(lat, 0.5), p99: pct(lat, 0.99) });
      await idle(t.child);
    }
  }

  const summary = (name: string, scenario: 'concurrent' | 'sequential') => {
    const rs = rounds[name]![scenario];
    return { p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)) };
  };
  const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 1).padStart(7);
  const lines = [`scenario                       floor p50  p99   hookline p50  p99   ratio p50  p99   target p99 <= 1.25`];
  const summaryJson: Record<string, unknown> = {};
  let pass = true;
  for (const scenario of ['concurrent', 'sequential'] as const) {
    const f = summary('floor', scenario);
    const h = summary('hookline', scenario);
    const r50 = h.p50 / f.p50;
    const r99 = h.p99 / f.p99;
    pass &&= r99 <= 1.25;
    const label = scenario === 'concurrent' ? `${CLICKS} concurrent (${ROUNDS} rounds)` : `one at a time (${SEQ_ROUNDS}×${SEQ_CLICKS})`;
    lines.push(`${label.padEnd(30)} ${fmt(f.p50)} ${fmt(f.p99)}     ${fmt(h.p50)} ${fmt(h.p99)}   ${r50.toFixed(2).padStart(5)} ${r99.toFixed(2).padStart(5)}   ${r99 <= 1.25 ? 'ok' : 'MISSED'}`);
    summaryJson[scenario] = { floor: f, hookline: h, ratioP50: Number(r50.toFixed(3)), ratioP99: Number(r99.toFixed(3)) };
  }
  lines.push(`(${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${next} reports approved by the clicks)`);
  console.log(lines.join('\n'));
  console.log(JSON.stringify({ clicks: CLICKS, rounds: ROUNDS, sequentialClicks: SEQ_CLICKS, sequentialRounds: SEQ_ROUNDS, ...summaryJson, perRound: rounds }));
  process.exitCode = pass ? 0 : 1;
} finally {
  for (const c of children.reverse()) c.proc.kill('SIGTERM');
}
