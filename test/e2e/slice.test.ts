// The first end-to-end path through real components: a report arrives in the reporting mailbox
// (Graph simulator over TLS, real msal-node), is parsed and stored, is posted to Slack as a card
// (real Bolt against a fake Slack Web API), and a signed Quarantine click over HTTP shows the
// dry-run preview on the card, whose Confirm runs Graph remediate once and updates the card in
// place. Runs on SQLite and on PostgreSQL.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startGraphSimulator, type GraphSimulator } from '../../src/sandbox/graph-simulator.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-api.ts';
import { trustTestCa } from '../helpers/tls.ts';
import { dbTargets } from '../helpers/databases.ts';
import { postSlack, buttonClickBody } from '../helpers/slack-sign.ts';
import { phishMime, reportMime } from '../helpers/mail-builder.ts';
import { waitFor } from '../helpers/wait.ts';

const targets = await dbTargets();
const SECRET = 'test-signing-secret-0123456789';
const CHANNEL = 'C0ALERTS01';
const MAILBOX = 'phish-reports@contoso.test';
const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';
const INGEST_TOKEN = 'ingest-token-abcdef0123456789';

const blocksText = (call: { args: Record<string, unknown> }) => JSON.stringify(call.args.blocks ?? []);
const hasButtons = (call: { args: Record<string, unknown> }) => blocksText(call).includes('"decide:quarantine"');

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`slice on ${t.name}: mailbox -> Slack card -> Quarantine`, () => {
    let sim: GraphSimulator;
    let slack: FakeSlack;
    let hook: Hookline;
    let drop: () => Promise<void>;
    const sleeps: number[] = [];

    beforeAll(async () => {
      const tls = trustTestCa();
      sim = await startGraphSimulator({ tls: { key: tls.key, cert: tls.cert }, tenantId: TENANT, clientId: CLIENT, mailbox: MAILBOX });
      slack = await startFakeSlack();
      const db = await t.create();
      drop = db.drop;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-e2e-'));
      const policyPath = path.join(dir, 'policy.yaml');
      writeFileSync(
        policyPath,
        ['roles:', '  responder:', '    slack:', '      users: [UALICE01, UBOB0001]', 'fourEyes:', '  risks: []', ''].join('\n'),
      );
      hook = await startHookline({
        cwd: dir,
        log: silentLogger(),
        listen: { port: 0, host: '127.0.0.1' },
        schedule: false,
        slackRetries: 0,
        // Retry-After is honoured as asked (recorded), but the test does not sit through it.
        vendorHttp: { sleep: async (ms) => void sleeps.push(ms) },
        env: {
          HOOKLINE_DATABASE_URL: db.url,
          HOOKLINE_CONFIG: policyPath,
          HOOKLINE_INGEST_TOKEN: INGEST_TOKEN,
          SLACK_BOT_TOKEN: 'xoxb-test-token',
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_API_URL: slack.apiUrl,
          SLACK_ALERT_CHANNEL: CHANNEL,
          M365_TENANT_ID: TENANT,
          M365_CLIENT_ID: CLIENT,
          M365_CLIENT_SECRET: 'graph-client-secret-value',
          M365_LOGIN_URL: sim.loginUrl,
          GRAPH_API_URL: sim.graphUrl,
          REPORT_MAILBOX: MAILBOX,
          REPORT_FOLDER: 'Inbox',
        },
      });
    });

    afterAll(async () => {
      await hook?.stop();
      await sim?.close();
      await slack?.close();
      await drop?.();
    });

    async function ingestAndPost(spec: Parameters<typeof phishMime>[0]) {
      sim.mailbox.add('Inbox', reportMime(phishMime(spec)));
      await hook.sources.graph!.poll();
      const before = slack.callsTo('chat.postMessage').length;
      await hook.scheduler.tick('post-alerts');
      const posts = slack.callsTo('chat.postMessage');
      expect(posts.length).toBe(before + 1);
      const post = posts.at(-1)!;
      const reportId = (await hook.store.reportByPost('slack', CHANNEL, await lastTs(post)))!;
      return { post, reportId, ts: await lastTs(post) };
    }
    // The fake answers ts in order; the store knows which ts belongs to which report.
    async function lastTs(post: { args: Record<string, unknown> }) {
      const blocks = blocksText(post);
      const m = /"value":"([0-9a-f-]{36})"/.exec(blocks);
      const posted = await hook.store.postsOf(m![1]!);
      return posted[0]!.messageId;
    }

    let clicks = 0;
    async function click(user: string, actionId: string, value: string, ts: string) {
      return postSlack(
        hook.url,
        SECRET,
        buttonClickBody({ userId: user, actionId, value, channel: CHANNEL, messageTs: ts, responseUrl: `${slack.url}/response/${user}-${Date.now()}-${clicks++}` }),
      );
    }
    /** The pending request once its preview is on the card. */
    async function pendingOf(reportId: string) {
      return waitFor(async () => {
        const d = await hook.store.latestDecision(reportId);
        return d?.state === 'pending_second_approval' && (d.outcome as { request?: unknown } | undefined)?.request ? d : undefined;
      }, 'the previewed request');
    }
    /** Quarantine as one responder does it: the click shows the preview, Confirm runs it. */
    async function quarantine(user: string, reportId: string, ts: string) {
      await click(user, 'decide:quarantine', reportId, ts);
      const pending = await pendingOf(reportId);
      await click(user, 'decide:confirm', pending.id, ts);
      return pending;
    }

    it('ingests the report from the mailbox, extracts indicators and moves the cursor after storing', async () => {
      const nmid = '73ca4154-58d8-43d0-a890-08dc18c52e6d';
      sim.mailbox.add('Inbox', reportMime(phishMime({ subject: 'Invoice <!channel> overdue', networkMessageId: nmid, to: ['alice@contoso.test', 'bob@contoso.test'] })));
      const { ingested } = await hook.sources.graph!.poll();
      expect(ingested).toBe(1);
      const cursor = await hook.store.getCursor(`graph:${MAILBOX}:Inbox`);
      expect(cursor).toContain('deltatoken');
      const report = (await hook.store.reportsToPost('slack', 10))[0]!;
      expect(report.status).toBe('parsed');
      expect(report.originalAttached).toBe(true);
      expect(report.reportedBy?.address).toBe('carol@contoso.test');
      expect(report.original.subject).toBe('Invoice <!channel> overdue');
      expect(report.original.networkMessageId).toBe(nmid);
      expect(report.indicators.urls.map((u) => u.host)).toContain('login.evil.example');
      expect(report.indicators.addresses.some((a) => a.address === 'helpdesk@evil.example' && a.role === 'from')).toBe(true);
      // a second poll with nothing new ingests nothing
      expect((await hook.sources.graph!.poll()).ingested).toBe(0);
    });

    it('posts each new report once to the alert channel, escaped and defanged, with the three buttons', async () => {
      await hook.scheduler.tick('post-alerts');
      await hook.scheduler.tick('post-alerts');
      const posts = slack.callsTo('chat.postMessage');
      expect(posts).toHaveLength(1);
      const post = posts[0]!;
      expect(post.args.channel).toBe(CHANNEL);
      expect(post.token).toBe('xoxb-test-token');
      const text = blocksText(post);
      expect(text).not.toContain('<!channel>');
      expect(text).toContain('&lt;!channel&gt;');
      expect(text).not.toMatch(/https?:\/\/login\.evil\.example/);
      for (const a of ['decide:approve', 'decide:quarantine', 'decide:block-sender', 'decide:block-domain']) expect(text).toContain(`"${a}"`);
    });

    it('rejects a wrong signature and a stale timestamp with 401, and runs nothing', async () => {
      const body = buttonClickBody({ userId: 'UALICE01', actionId: 'decide:quarantine', value: 'x', channel: CHANNEL, messageTs: '1.1', responseUrl: `${slack.url}/response/x` });
      expect((await postSlack(hook.url, 'wrong-secret', body)).status).toBe(401);
      expect((await postSlack(hook.url, SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
      expect((await postSlack(hook.url, SECRET, body, { signature: 'v0=deadbeef' })).status).toBe(401);
      expect(sim.remediations).toHaveLength(0);
    });

    it('refuses a click from someone without the responder role, privately, and audits it', async () => {
      const post = slack.callsTo('chat.postMessage')[0]!;
      const reportId = /"value":"([0-9a-f-]{36})"/.exec(blocksText(post))![1]!;
      const ts = (await hook.store.postsOf(reportId))[0]!.messageId;
      const res = await click('UMALLORY', 'decide:quarantine', reportId, ts);
      expect(res.status).toBe(200);
      const reply = await waitFor(() => slack.responses.find((r) => r.id.startsWith('UMALLORY')), 'the denial');
      expect(String(reply.body.text)).toMatch(/not allowed.*responder/);
      expect(reply.body.response_type).toBe('ephemeral');
      expect(sim.remediations).toHaveLength(0);
      const audit = await hook.store.listAudit();
      expect(audit.at(-1)).toMatchObject({ action: 'report.quarantine', result: 'denied', actor: { id: 'UMALLORY' } });
    });

    it('quarantines on a signed click: acks at once, remediates every traced recipient once, updates the card in place', async () => {
      const post = slack.callsTo('chat.postMessage')[0]!;
      const reportId = /"value":"([0-9a-f-]{36})"/.exec(blocksText(post))![1]!;
      const report = (await hook.store.getReport(reportId))!;
      // Message trace knows a recipient the headers do not (a Bcc): remediate must include it.
      for (const r of ['alice@contoso.test', 'bob@contoso.test', 'dave@contoso.test']) {
        // Trace rows appear minutes after delivery; the client's window ends a minute before now.
        sim.traces.add({ recipientAddress: r, messageId: report.original.internetMessageId!, senderAddress: 'helpdesk@evil.example', receivedDateTime: new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
      }
      const ts = (await hook.store.postsOf(reportId))[0]!.messageId;
      const res = await click('UALICE01', 'decide:quarantine', reportId, ts);
      expect(res.status).toBe(200);
      // The first click only previews: the card says what would happen and nothing is sent yet.
      const pending = await pendingOf(reportId);
      const preview = await waitFor(() => slack.callsTo('chat.update').find((u) => u.args.ts === ts && blocksText(u).includes('"decide:confirm"')), 'the preview card');
      expect(blocksText(preview)).toMatch(/would soft-delete this message in 3 mailboxes/);
      expect(blocksText(preview)).toContain('"decide:cancel"');
      expect(sim.remediations).toHaveLength(0);
      await click('UALICE01', 'decide:confirm', pending.id, ts);

      const update = await waitFor(() => slack.callsTo('chat.update').find((u) => u.args.ts === ts && !hasButtons(u) && /Quarantined\* by/.test(blocksText(u)) && blocksText(u).includes('UALICE01') && !/in progress/i.test(blocksText(u))), 'the final card update');
      expect(update.args.channel).toBe(CHANNEL);
      // Decided: the only button left is Undo, inside the policy's undo window.
      expect(blocksText(update).match(/"decide:[a-z-]+"/g)).toEqual(['"decide:undo"']);

      expect(sim.remediations).toHaveLength(1);
      const rem = sim.remediations[0]!;
      expect(rem.action).toBe('softDelete');
      expect(rem.severity).toBe('high');
      expect(rem.analyzedEmails.map((e) => e.recipientEmailAddress).sort()).toEqual(['alice@contoso.test', 'bob@contoso.test', 'dave@contoso.test']);
      expect(new Set(rem.analyzedEmails.map((e) => e.networkMessageId))).toEqual(new Set([report.original.networkMessageId]));

      const decision = (await hook.store.latestDecision(reportId))!;
      expect(decision).toMatchObject({ state: 'done', action: 'quarantine', requestedBy: { platform: 'slack', id: 'UALICE01' } });
      expect(decision.outcome?.steps[0]).toMatchObject({ vendor: 'graph', status: 'ok' });
      const audit = (await hook.store.listAudit()).filter((a) => a.action === 'report.quarantine' && a.result === 'ok');
      expect(audit).toHaveLength(1);
      expect(audit[0]!.vendorRequestIds.length).toBeGreaterThan(0);
    });

    it('makes no second vendor call for a second click or for concurrent clicks', async () => {
      const post = slack.callsTo('chat.postMessage')[0]!;
      const reportId = /"value":"([0-9a-f-]{36})"/.exec(blocksText(post))![1]!;
      const ts = (await hook.store.postsOf(reportId))[0]!.messageId;
      await click('UBOB0001', 'decide:quarantine', reportId, ts);
      const note = await waitFor(() => slack.responses.find((r) => r.id.startsWith('UBOB0001')), 'the already-decided note');
      expect(String(note.body.text)).toMatch(/already/);
      expect(sim.remediations).toHaveLength(1);

      // A fresh report, 20 concurrent clicks from two responders: one request; then 20 concurrent
      // confirms: one remediation, one audit entry.
      const second = await ingestAndPost({ subject: 'Shared document', to: ['erin@contoso.test'] });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => click(i % 2 ? 'UALICE01' : 'UBOB0001', 'decide:quarantine', second.reportId, second.ts)));
      expect(results.every((r) => r.status === 200)).toBe(true);
      const pending = await pendingOf(second.reportId);
      const confirms = await Promise.all(Array.from({ length: 20 }, (_, i) => click(i % 2 ? 'UALICE01' : 'UBOB0001', 'decide:confirm', pending.id, second.ts)));
      expect(confirms.every((r) => r.status === 200)).toBe(true);
      await waitFor(async () => (await hook.store.latestDecision(second.reportId))?.state === 'done', 'the decision');
      expect((await hook.store.listAudit()).filter((a) => a.action === 'report.quarantine' && (a.detail as { event?: string } | undefined)?.event === 'requested' && (a.params as { reportId: string }).reportId === second.reportId)).toHaveLength(1);
      expect(sim.remediations.filter((r) => r.displayName.includes(second.reportId))).toHaveLength(1);
      const audits = (await hook.store.listAudit()).filter((a) => a.result === 'ok' && (a.params as { reportId: string }).reportId === second.reportId);
      expect(audits).toHaveLength(1);
    });

    it('retries Graph 429 after its Retry-After, then succeeds', async () => {
      const r = await ingestAndPost({ subject: 'Payroll update', to: ['frank@contoso.test'] });
      sim.failNext({ method: 'POST', pathIncludes: 'analyzedEmails/remediate' }, { status: 429, headers: { 'retry-after': '3' }, body: { error: { code: 'TooManyRequests', message: 'throttled' } } });
      const before = sim.remediations.length;
      sleeps.length = 0;
      await quarantine('UALICE01', r.reportId, r.ts);
      await waitFor(async () => (await hook.store.latestDecision(r.reportId))?.state === 'done', 'the decision after the 429');
      expect(sleeps).toContain(3000);
      expect(sim.remediations.length).toBe(before + 1);
      const attempts = sim.requests.filter((q) => q.path.endsWith('analyzedEmails/remediate') && q.json && JSON.stringify(q.json).includes(r.reportId));
      expect(attempts.map((a) => a.status)).toEqual([429, 202]);
    });

    it('leaves a failed remediation retryable, says why, and Retry runs it again', async () => {
      const r = await ingestAndPost({ subject: 'Account locked', to: ['gina@contoso.test'] });
      // A refusal that is neither transient nor "remediation unavailable" (403 falls back to moves).
      sim.failNext({ method: 'POST', pathIncludes: 'analyzedEmails/remediate' }, { status: 400, body: { error: { code: 'InvalidRequest', message: 'The request is not valid for this tenant.' } } });
      await quarantine('UALICE01', r.reportId, r.ts);
      const failed = await waitFor(async () => {
        const d = await hook.store.latestDecision(r.reportId);
        return d?.state === 'failed' ? d : undefined;
      }, 'the failed decision');
      expect(failed.error).toMatch(/400.*InvalidRequest/);
      const card = await waitFor(() => slack.callsTo('chat.update').find((u) => u.args.ts === r.ts && blocksText(u).includes('"decide:retry"')), 'the failed card with Retry');
      expect(blocksText(card)).toContain('InvalidRequest');

      await click('UBOB0001', 'decide:retry', failed.id, r.ts);
      await waitFor(async () => (await hook.store.latestDecision(r.reportId))?.state === 'done', 'the retried decision');
      expect((await hook.store.latestDecision(r.reportId))?.attempts).toBe(2);
    });

    it('approves a report as benign in one click and tells the reporter by email', async () => {
      const r = await ingestAndPost({ subject: 'Team lunch', to: ['hank@contoso.test'] });
      const before = sim.remediations.length;
      await click('UBOB0001', 'decide:approve', r.reportId, r.ts);
      await waitFor(async () => (await hook.store.latestDecision(r.reportId))?.state === 'done', 'the approval');
      // Nothing was quarantined before, so nothing is moved back.
      expect(sim.remediations.length).toBe(before);
      const card = await waitFor(() => slack.callsTo('chat.update').filter((u) => u.args.ts === r.ts && !hasButtons(u)).at(-1), 'the approved card');
      expect(blocksText(card)).toMatch(/benign|Approve/i);
      const mail = sim.sentMail.find((m) => m.subject.includes('Team lunch'));
      expect(mail).toMatchObject({ from: MAILBOX, to: ['carol@contoso.test'] });
      expect(mail!.content).toContain('found it safe');
    });

    it('answers Block with "not configured yet" and keeps the buttons', async () => {
      const r = await ingestAndPost({ subject: 'Block me', to: ['ivan@contoso.test'] });
      await click('UALICE01', 'decide:block', r.reportId, r.ts);
      const note = await waitFor(() => slack.responses.find((x) => /Block is not configured/.test(String(x.body.text))), 'the block note');
      expect(note.body.response_type).toBe('ephemeral');
      expect(await hook.store.latestDecision(r.reportId)).toBeUndefined();
    });

    it('stores malformed mail as an unparseable report with its reason, and still posts it', async () => {
      sim.mailbox.add('Inbox', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x00, 0xde, 0xad]));
      await hook.sources.graph!.poll();
      const bad = (await hook.store.reportsToPost('slack', 10)).find((r) => r.status === 'unparseable');
      expect(bad?.parseError).toBeTruthy();
      await hook.scheduler.tick('post-alerts');
      const post = slack.callsTo('chat.postMessage').at(-1)!;
      expect(blocksText(post)).toContain(bad!.id);
    });

    it('accepts POST /ingest only with the bearer token and within the size limit', async () => {
      const mime = reportMime(phishMime({ subject: 'Via ingest' }));
      const no = await fetch(`${hook.url}/ingest`, { method: 'POST', body: mime });
      expect(no.status).toBe(401);
      const wrong = await fetch(`${hook.url}/ingest`, { method: 'POST', body: mime, headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${hook.url}/ingest`, { method: 'POST', body: mime, headers: { authorization: `Bearer ${INGEST_TOKEN}` } });
      expect(ok.status).toBe(202);
      const body = (await ok.json()) as { id: string; status: string };
      expect(body.status).toBe('parsed');
      const again = await fetch(`${hook.url}/ingest`, { method: 'POST', body: mime, headers: { authorization: `Bearer ${INGEST_TOKEN}` } });
      expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
      const garbage = await fetch(`${hook.url}/ingest`, { method: 'POST', body: Buffer.from('\u0000\u0001 not mail'), headers: { authorization: `Bearer ${INGEST_TOKEN}` } });
      expect(((await garbage.json()) as { status: string }).status).toBe('unparseable');
      const big = await fetch(`${hook.url}/ingest`, { method: 'POST', body: Buffer.alloc(26 * 1024 * 1024, 0x41), headers: { authorization: `Bearer ${INGEST_TOKEN}` } });
      expect(big.status).toBe(413);
    });

    it('serves health, readiness and metrics on the same server', async () => {
      expect((await fetch(`${hook.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${hook.url}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${hook.url}/metrics`)).text();
      expect(metrics).toContain('hookline_http_requests_total');
    });
  });
}
