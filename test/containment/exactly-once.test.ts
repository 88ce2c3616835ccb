// Exactly once across replicas: two bot processes (children running startHookline) on ONE fresh
// PostgreSQL database, each on its own port, both calling the one Graph simulator in this process.
// 50 concurrent signed Quarantine clicks split across the two make one request; 50 concurrent
// Confirm clicks make exactly one remediation call at the simulator and one audit entry for the
// run. Skipped, with the reason printed, when PostgreSQL is not reachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { freshPostgres, postgresUnavailable } from '../helpers/databases.ts';
import { TLS_DIR, trustTestCa } from '../helpers/tls.ts';
import { buttonClickBody, postSlack } from '../helpers/slack-sign.ts';
import { phishMime, reportMime } from '../helpers/mail-builder.ts';
import { waitFor } from '../helpers/wait.ts';
import { startGraphSimulator, type GraphSimulator } from '../../src/sandbox/graph-simulator.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-api.ts';
import { Store } from '../../src/store/store.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { parseReport } from '../../src/ingest/parse/report.ts';

const unavailable = await postgresUnavailable();
if (unavailable) console.warn(`[skip] exactly-once across two processes skipped: ${unavailable}`);

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECRET = 'test-signing-secret-0123456789';
const CHANNEL = 'C0ALERTS01';
const TS = '1700000999.000100';
const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';
const RECIPIENTS = ['amy@contoso.test', 'ben@contoso.test', 'cal@contoso.test'];

/** A click as Slack sends it, each one a distinct user act (its own trigger id and action_ts). */
function clickBody(slackUrl: string, user: string, actionId: string, value: string, i: number): string {
  const form = new URLSearchParams(buttonClickBody({ userId: user, actionId, value, channel: CHANNEL, messageTs: TS, responseUrl: `${slackUrl}/response/${i}` }));
  const payload = JSON.parse(form.get('payload')!) as { trigger_id: string; actions: { action_ts: string }[] };
  payload.trigger_id = `${i}.${randomUUID()}`;
  payload.actions[0]!.action_ts = `${1_700_001_000 + i}.000${i}`;
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function startBot(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(HERE, 'bot-process.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => void (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const m = JSON.parse(line) as { url?: string };
        if (m.url) resolve({ child, url: m.url });
      } catch {
        // not our line
      }
    });
    child.once('exit', (code) => reject(new Error(`bot process exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

describe.skipIf(Boolean(unavailable))('exactly once across two bot processes on one PostgreSQL', () => {
  let sim: GraphSimulator;
  let slack: FakeSlack;
  let store: Store;
  let drop: () => Promise<void>;
  const bots: { child: ChildProcess; url: string }[] = [];
  let reportId: string;

  beforeAll(async () => {
    const tls = trustTestCa();
    sim = await startGraphSimulator({ tls: { key: tls.key, cert: tls.cert }, tenantId: TENANT, clientId: CLIENT, mailbox: 'phish-reports@contoso.test' });
    slack = await startFakeSlack();
    const db = await freshPostgres();
    drop = db.drop;
    // Migrate once here; the report and its posted card are what the two bots then share.
    store = await Store.open(db.url, silentLogger());
    const imid = `<${randomUUID()}@mail.evil.example>`;
    const phish = phishMime({ subject: 'Exactly once', to: RECIPIENTS, internetMessageId: imid });
    const parsed = await parseReport(Buffer.from(reportMime(phish)));
    const { report } = await store.insertReport({ dedupeKey: `test:${randomUUID()}`, source: 'test', sourceRef: 'x', parsed });
    reportId = report.id;
    await store.claimPost(reportId, 'slack', 'test');
    await store.markPosted(reportId, { platform: 'slack', channel: CHANNEL, messageId: TS });
    for (const r of RECIPIENTS) sim.traces.add({ recipientAddress: r, messageId: imid, receivedDateTime: new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });

    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-twice-'));
    const policy = path.join(dir, 'policy.yaml');
    writeFileSync(policy, ['roles:', '  responder:', '    slack:', '      users: [UALICE01, UBOB0001]', 'fourEyes:', '  risks: []', ''].join('\n'));
    const env = {
      HOOKLINE_DATABASE_URL: db.url,
      HOOKLINE_CONFIG: policy,
      NODE_EXTRA_CA_CERTS: path.join(TLS_DIR, 'ca.crt'),
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_ALERT_CHANNEL: CHANNEL,
      M365_TENANT_ID: TENANT,
      M365_CLIENT_ID: CLIENT,
      M365_CLIENT_SECRET: 'graph-client-secret-value',
      M365_LOGIN_URL: sim.loginUrl,
      GRAPH_API_URL: sim.graphUrl,
    };
    bots.push(...(await Promise.all([startBot(env), startBot(env)])));
  }, 60_000);

  afterAll(async () => {
    for (const b of bots) {
      b.child.kill('SIGTERM');
      await new Promise((r) => (b.child.exitCode !== null ? r(undefined) : b.child.once('exit', r)));
    }
    await store?.close();
    await sim?.close();
    await slack?.close();
    await drop?.();
  });

  it('50 concurrent Quarantine clicks and 50 concurrent Confirms on two replicas: one request, one remediation, one audit entry', async () => {
    expect(new Set(bots.map((b) => b.url)).size).toBe(2);
    const users = ['UALICE01', 'UBOB0001'];
    const clicks = await Promise.all(Array.from({ length: 50 }, (_, i) => postSlack(bots[i % 2]!.url, SECRET, clickBody(slack.url, users[i % 2]!, 'decide:quarantine', reportId, i))));
    expect(clicks.every((r) => r.status === 200)).toBe(true);
    const pending = await waitFor(async () => {
      const d = await store.latestDecision(reportId);
      return d?.state === 'pending_second_approval' && (d.outcome as { request?: unknown } | undefined)?.request ? d : undefined;
    }, 'the one request', 20_000);

    const confirms = await Promise.all(Array.from({ length: 50 }, (_, i) => postSlack(bots[i % 2]!.url, SECRET, clickBody(slack.url, users[(i + 1) % 2]!, 'decide:confirm', pending.id, 100 + i))));
    expect(confirms.every((r) => r.status === 200)).toBe(true);
    await waitFor(async () => (await store.latestDecision(reportId))?.state === 'done', 'the quarantine', 20_000);

    const calls = sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/analyzedEmails/remediate'));
    expect(calls).toHaveLength(1);
    expect(sim.remediations).toHaveLength(1);
    expect(sim.remediations[0]!.analyzedEmails.map((e) => e.recipientEmailAddress).sort()).toEqual(RECIPIENTS);
    const decisions = await store.db.selectFrom('decisions').select(['id', 'state']).where('report_id', '=', reportId).execute();
    expect(decisions).toEqual([{ id: pending.id, state: 'done' }]);
    const audit = (await store.listAudit()).filter((a) => (a.params as { reportId?: string }).reportId === reportId);
    expect(audit.filter((a) => a.result === 'ok')).toHaveLength(1);
    expect(audit.filter((a) => (a.detail as { event?: string } | undefined)?.event === 'requested')).toHaveLength(1);
    expect(audit.filter((a) => (a.detail as { event?: string } | undefined)?.event === 'confirmed')).toHaveLength(1);
    // Every other click was handled and lost the race (a private "already" note), none was dropped.
    const notes = await waitFor(() => (slack.responses.length >= 98 ? slack.responses : undefined), 'the 98 notes', 20_000);
    expect(notes).toHaveLength(98);
    expect(notes.every((n) => /already/.test(String(n.body.text)))).toBe(true);
  });
});
