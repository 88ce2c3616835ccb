// The whole bot in-process with Teams configured (startHookline), the real Teams SDK and msal-node
// against the local fake Bot Connector: a report arrives on POST /ingest, the alert job posts its
// card proactively to the conversation where an admin said "set alerts here", a responder's
// Action.Execute click is answered within the budget even while Teams is slow to take the card
// update, the shared card is then replaced for everyone, and the digest job posts to Teams too.
// Runs on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { getInstallation } from '../../src/store/teams-installations.ts';
import { dbTargets } from '../helpers/databases.ts';
import { trustTestCa } from '../helpers/tls.ts';
import { waitFor } from '../helpers/wait.ts';
import { phishMime, reportMime } from '../helpers/mail-builder.ts';
import { executeActivity, installActivity, messageActivity, startFakeBotConnector, type ConversationSpec, type FakeBotConnector, type TeamsUser } from '../fakes/bot-connector.ts';
import { parseAdaptiveCard } from './adaptive-parser.ts';

const targets = await dbTargets();

const APP = '3f1e2d3c-4b5a-4697-8877-665544332211';
const TENANT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const INGEST_TOKEN = 'ingest-token-abcdef0123456789';
const admin: TeamsUser = { id: '29:admin', aadObjectId: 'b0000000-0000-4000-8000-000000000001', name: 'Ada Admin' };
const alice: TeamsUser = { id: '29:alice', aadObjectId: 'b0000000-0000-4000-8000-000000000002', name: 'Alice' };
const soc: ConversationSpec = { id: '19:soc-e2e@thread.tacv2', type: 'channel', teamId: '19:team-e2e@thread.tacv2', name: 'SOC' };

const cardOf = (body: any) => body?.attachments?.[0]?.content;

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`Teams end to end on ${t.name}`, () => {
    let fake: FakeBotConnector;
    let hook: Hookline;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const tls = trustTestCa();
      fake = await startFakeBotConnector({ appId: APP, tenantId: TENANT, tls });
      fake.requireBotToken = true;
      fake.members.set(soc.id, [
        { id: admin.id, aadObjectId: admin.aadObjectId, name: admin.name },
        { id: alice.id, aadObjectId: alice.aadObjectId, name: alice.name },
      ]);
      const db = await t.create();
      drop = db.drop;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-teams-e2e-'));
      const policyPath = path.join(dir, 'policy.yaml');
      writeFileSync(
        policyPath,
        ['roles:', '  admin:', '    teams:', `      users: [${admin.aadObjectId}]`, '  responder:', '    teams:', `      users: [${alice.aadObjectId}]`, 'fourEyes:', '  risks: []', ''].join('\n'),
      );
      hook = await startHookline({
        cwd: dir,
        log: silentLogger(),
        listen: { port: 0, host: '127.0.0.1' },
        schedule: false,
        teams: { openIdMetadataUrl: fake.openIdMetadataUrl, ackBudgetMs: 300 },
        env: {
          HOOKLINE_DATABASE_URL: db.url,
          HOOKLINE_CONFIG: policyPath,
          HOOKLINE_INGEST_TOKEN: INGEST_TOKEN,
          TEAMS_CLIENT_ID: APP,
          TEAMS_CLIENT_SECRET: 'e2e-bot-secret-0123456789',
          TEAMS_TENANT_ID: TENANT,
          M365_LOGIN_URL: fake.loginUrl,
        },
      });
    });

    afterAll(async () => {
      await hook?.stop();
      await fake?.close();
      await drop?.();
    });

    async function ingest(subject: string): Promise<string> {
      const res = await fetch(`${hook.url}/ingest`, { method: 'POST', body: reportMime(phishMime({ subject })), headers: { authorization: `Bearer ${INGEST_TOKEN}` } });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    }

    it('registers the channel on install and takes "set alerts here" from an admin', async () => {
      expect(hook.teams?.mode).toBe('bot');
      expect((await fake.deliver(hook.url, installActivity(fake, soc, admin, 'add'))).status).toBe(200);
      expect((await fake.deliver(hook.url, messageActivity(fake, soc, admin, 'set alerts here'))).status).toBe(200);
      await hook.teams!.idle();
      expect(await getInstallation(hook.store, soc.id)).toMatchObject({ status: 'active', alerts: true, serviceUrl: fake.serviceUrl });
    });

    it('rejects an unauthenticated activity with 401', async () => {
      const res = await fake.deliver(hook.url, messageActivity(fake, soc, admin, 'help'), { token: null });
      expect(res.status).toBe(401);
    });

    it('posts each new report once to the alert conversation, escaped and defanged, with the bot token', async () => {
      await ingest('Payroll <at>everyone</at> [update](https://evil.example)');
      await hook.scheduler.tick('post-alerts');
      await hook.scheduler.tick('post-alerts');
      const posts = fake.callsTo('POST', 'activities').filter((c) => cardOf(c.body)?.type === 'AdaptiveCard' && /Reported phish/.test(JSON.stringify(c.body)));
      expect(posts).toHaveLength(1);
      const post = posts[0]!;
      expect(post.conversationId).toBe(soc.id);
      expect(post.authorization).toMatch(/^Bearer eyJ/);
      const json = JSON.stringify(cardOf(post.body));
      expect(json).toContain('Payroll ‹at›everyone‹/at› ［update］(hxxps://evil[.]example)');
      expect(json).not.toMatch(/https:\/\/(?!adaptivecards\.io)/);
      expect(cardOf(post.body).refresh.userIds).toEqual([admin.id, alice.id]);
      expect(parseAdaptiveCard(cardOf(post.body)).problems).toEqual([]);
    });

    it('answers a click before Teams has taken the card update, then replaces the card for everyone', async () => {
      const reportId = await ingest('Shared document');
      await hook.scheduler.tick('post-alerts');
      const messageId = (await hook.store.postsOf(reportId)).find((p) => p.platform === 'teams')!.messageId;
      // Teams is slow: every card update waits until released.
      const slow = fake.hold({ method: 'PUT', conversationId: soc.id });
      const res = await fake.deliver(hook.url, executeActivity(fake, soc, alice, 'approve', { hookline: 'decide', button: 'approve', value: reportId }, messageId));
      // Answered while the decision still waits on Teams: the clicker sees it in progress.
      expect(res.status).toBe(200);
      expect(res.body.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(JSON.stringify(res.body.value)).toMatch(/in progress/);
      expect(fake.callsTo('PUT', 'activities').filter((p) => p.activityId === messageId && p.status === 200)).toHaveLength(0);
      slow.release();
      const final = await waitFor(() => fake.callsTo('PUT', 'activities').find((p) => p.activityId === messageId && p.status === 200 && /Approved/.test(JSON.stringify(p.body))), 'the card update for everyone');
      expect(final.conversationId).toBe(soc.id);
      expect(cardOf(final.body).actions).toBeUndefined();
      expect(JSON.stringify(cardOf(final.body))).toMatch(/Approved.*Alice/);
      await waitFor(async () => (await hook.store.latestDecision(reportId))?.state === 'done', 'the decision');
      await hook.teams!.idle();
    });

    it('posts the digest to the Teams alert conversation', async () => {
      await hook.scheduler.tick('digest');
      const digest = await waitFor(() => fake.callsTo('POST', 'activities').find((c) => /Phishing triage digest/.test(JSON.stringify(c.body ?? {}))), 'the digest post');
      expect(digest.conversationId).toBe(soc.id);
      expect(parseAdaptiveCard(cardOf(digest.body)).problems).toEqual([]);
    });
  });
}
