// The Teams adapter on the real Teams SDK, mounted on our HTTP server, against the local fake Bot
// Connector (activities carry its serviceUrl; channel tokens are signed with its keys; the bot's
// own token comes from its Entra endpoint through msal-node). Runs on SQLite and PostgreSQL.
//
// Covers: inbound JWT validation (401 for a missing, forged, mis-addressed, mis-issued, expired or
// serviceUrl-mismatched token) even with stray SDK environment variables set; the installation
// registry; "set alerts here"; proactive report cards with refresh.userIds from the roster; a
// conversation that answers 403 BotNotInConversationRoster (marked gone, admins told once);
// uninstall; the invoke answers for clicks and refreshes; the Action.Submit fallback; commands;
// and the Playground switch (refused off loopback; unauthenticated replies to its connector).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { createLogger, silentLogger } from '../../src/log/logger.ts';
import { Metrics } from '../../src/server/metrics.ts';
import { HookServer } from '../../src/server/http-server.ts';
import { Catalog } from '../../src/actions/catalog.ts';
import { reportActions } from '../../src/actions/report-actions.ts';
import { Publisher } from '../../src/chat/publisher.ts';
import { policySchema } from '../../src/config/policy.ts';
import type { DecisionDeps } from '../../src/actions/decisions.ts';
import type { Vendors } from '../../src/vendors/registry.ts';
import { emptyIndicators, type ParsedReport } from '../../src/ingest/types.ts';
import { getInstallation, listInstallations } from '../../src/store/teams-installations.ts';
import { createTeamsAdapter, TeamsSetupError, type TeamsAdapter } from '../../adapters/teams/teams-app.ts';
import { ConversationGoneError } from '../../adapters/teams/connector.ts';
import { dbTargets } from '../helpers/databases.ts';
import { trustTestCa } from '../helpers/tls.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  botRemovedActivity,
  executeActivity,
  installActivity,
  messageActivity,
  startFakeBotConnector,
  submitActivity,
  type ConversationSpec,
  type FakeBotConnector,
  type TeamsUser,
} from '../fakes/bot-connector.ts';
import { parseAdaptiveCard } from './adaptive-parser.ts';

const targets = await dbTargets();

const APP = '0b5f8a36-1111-4222-8333-944445555666';
const TENANT = '7c1d2e3f-aaaa-4bbb-8ccc-ddddeeeeffff';
const SECRET = 'bot-client-secret-value-0123456789';
const admin: TeamsUser = { id: '29:admin', aadObjectId: 'a0000000-0000-4000-8000-000000000001', name: 'Ada Admin' };
const alice: TeamsUser = { id: '29:alice', aadObjectId: 'a0000000-0000-4000-8000-000000000002', name: 'Alice Responder' };
const mallory: TeamsUser = { id: '29:mallory', aadObjectId: 'a0000000-0000-4000-8000-000000000003', name: 'Mallory' };
const soc: ConversationSpec = { id: '19:soc@thread.tacv2', type: 'channel', teamId: '19:team@thread.tacv2', name: 'SOC alerts' };
const adminChat: ConversationSpec = { id: 'a:admin-personal', type: 'personal' };
const aliceChat: ConversationSpec = { id: 'a:alice-personal', type: 'personal' };

const parsed = (subject: string): ParsedReport => ({
  status: 'parsed',
  originalAttached: true,
  reportedBy: { address: 'carol@contoso.test' },
  original: { subject, from: { address: 'billing@evil.example' }, to: [{ address: 'alice@contoso.test' }], cc: [] },
  indicators: emptyIndicators(),
});

const cardOf = (body: any) => body?.attachments?.[0]?.content;
const verbsOf = (card: any): string[] => JSON.stringify(card ?? {}).match(/"verb":"([\w-]+)"/g)?.map((m) => m.slice(8, -1)) ?? [];

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`Teams adapter on ${t.name}`, () => {
    let fake: FakeBotConnector;
    let store: Store;
    let server: HookServer;
    let url: string;
    let teams: TeamsAdapter;
    let deps: DecisionDeps;
    let drop: () => Promise<void>;
    const savedEnv = { ...process.env };

    beforeAll(async () => {
      const tls = trustTestCa();
      fake = await startFakeBotConnector({ appId: APP, tenantId: TENANT, tls });
      fake.requireBotToken = true;
      const db = await t.create();
      drop = db.drop;
      const log = silentLogger();
      store = await Store.open(db.url, log);
      const metrics = new Metrics();
      server = new HookServer({ log, metrics, ready: async () => {} });
      const addr = await server.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${addr.port}`;
      const policy = policySchema.parse({ roles: { admin: { teams: { users: [admin.aadObjectId] } }, responder: { teams: { users: [alice.aadObjectId] } } }, fourEyes: { risks: [] } });
      const catalog = new Catalog<Vendors>().register(...reportActions);
      const publisher = new Publisher(store, log);
      deps = { store, catalog, vendors: {}, policy, policySource: 'test policy', publisher, log, dryRun: false };
      // Stray variables the SDK would read if we let it: none of them may change anything.
      Object.assign(process.env, { CLIENT_ID: 'stray-client', CLIENT_SECRET: 'stray-secret', TENANT_ID: 'stray-tenant', DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS: 'true', SERVICE_URL: 'http://127.0.0.1:9/', CLOUD: 'USGov' });
      teams = await createTeamsAdapter({
        settings: { mode: 'bot', clientId: APP, clientSecret: SECRET, tenantId: TENANT, loginUrl: fake.loginUrl },
        server,
        loopback: true,
        decisions: () => deps,
        store,
        policy,
        policySource: 'test policy',
        catalog,
        log,
        openIdMetadataUrl: fake.openIdMetadataUrl,
        ackBudgetMs: 2000,
      });
      publisher.addPort(teams.port);
    });

    afterAll(async () => {
      for (const k of ['CLIENT_ID', 'CLIENT_SECRET', 'TENANT_ID', 'DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS', 'SERVICE_URL', 'CLOUD']) {
        if (savedEnv[k] === undefined) delete process.env[k];
        else process.env[k] = savedEnv[k];
      }
      await teams?.stop();
      await server?.close();
      await store?.close();
      await fake?.close();
      await drop?.();
    });

    describe('inbound trust', () => {
      const activity = () => messageActivity(fake, soc, alice, 'help');

      it.each([
        ['no Authorization header', () => null, 'Missing authorization header'],
        ['a token signed with another key', () => fake.mintToken({ forged: true }), 'JWT validation failed'],
        ['a token for another bot', () => fake.mintToken({ aud: '99999999-9999-4999-8999-999999999999' }), 'JWT validation failed'],
        ['a token from another issuer', () => fake.mintToken({ iss: 'https://evil.example' }), 'JWT validation failed'],
        ['a token without the serviceurl claim', () => fake.mintToken({ serviceUrl: null }), 'JWT validation failed'],
        ['a token for another serviceUrl', () => fake.mintToken({ serviceUrl: 'https://smba.evil.example/' }), 'JWT validation failed'],
        ['an expired token', () => fake.mintToken({ expiresInSec: -600 }), 'JWT validation failed'],
      ])('rejects an activity with %s: 401, nothing recorded, nothing sent', async (_what, token, error) => {
        const before = fake.calls.length;
        const res = await fake.deliver(url, activity(), { token: token() });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error });
        await teams.idle();
        expect(await getInstallation(store, soc.id)).toBeUndefined();
        expect(fake.calls.length).toBe(before);
      });

      it('rejects what is not a JSON activity before the SDK sees it', async () => {
        const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${fake.mintToken()}` }, body: '"just a string"' });
        expect(res.status).toBe(400);
        const bad = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
        expect(bad.status).toBe(400);
      });
    });

    describe('installation registry', () => {
      it('records a team channel on install, and greets it with the bot\'s own token', async () => {
        const res = await fake.deliver(url, installActivity(fake, soc, admin, 'add'));
        expect(res.status).toBe(200);
        await teams.idle();
        const row = await getInstallation(store, soc.id);
        expect(row).toMatchObject({ conversationId: soc.id, serviceUrl: fake.serviceUrl, scope: 'channel', teamId: soc.teamId, tenantId: TENANT, botId: `28:${APP}`, status: 'active' });
        const welcome = fake.callsTo('POST', 'activities').find((c) => c.conversationId === soc.id)!;
        expect(welcome.status).toBe(201);
        expect(welcome.body.text).toMatch(/set alerts here/);
        // The outbound token: client credentials for the Bot Framework scope, in our tenant.
        expect(welcome.authorization).toMatch(/^Bearer eyJ/);
        expect(fake.tokenRequests.at(-1)).toEqual({ clientId: APP, scope: 'https://api.botframework.com/.default', tenant: TENANT });
      });

      it('records personal chats with the user\'s Entra id', async () => {
        await fake.deliver(url, installActivity(fake, adminChat, admin, 'add'));
        await fake.deliver(url, installActivity(fake, aliceChat, alice, 'add'));
        await teams.idle();
        expect(await getInstallation(store, adminChat.id)).toMatchObject({ scope: 'personal', userAadId: admin.aadObjectId, userMri: admin.id });
      });

      it('lets only an admin say "set alerts here"', async () => {
        await fake.deliver(url, messageActivity(fake, soc, mallory, 'set alerts here'));
        await teams.idle();
        const denial = fake.callsTo('POST', 'activities').at(-1)!;
        expect(denial.body.text).toMatch(/Only an admin can choose where alerts go.*a0000000-0000-4000-8000-000000000003/);
        expect((await getInstallation(store, soc.id))?.alerts).toBe(false);

        await fake.deliver(url, messageActivity(fake, soc, admin, 'Set alerts here'));
        await teams.idle();
        expect((await getInstallation(store, soc.id))?.alerts).toBe(true);
        expect(fake.callsTo('POST', 'activities').at(-1)!.body.text).toMatch(/New reports will be posted here/);
        expect((await store.listAudit()).at(-1)).toMatchObject({ action: 'teams.set-alerts-here', actor: { platform: 'teams', id: admin.aadObjectId } });
      });
    });

    describe('proactive report cards', () => {
      it('posts a new report to the alert conversation: state for everyone, buttons for the responders via refresh.userIds', async () => {
        fake.members.set(soc.id, [
          { id: admin.id, aadObjectId: admin.aadObjectId, name: admin.name },
          { id: alice.id, aadObjectId: alice.aadObjectId, name: alice.name },
          { id: mallory.id, aadObjectId: mallory.aadObjectId, name: mallory.name },
        ]);
        await store.insertReport({ dedupeKey: 'teams-1', source: 'test', sourceRef: 'r1', parsed: parsed('Invoice [overdue](https://evil.example)') });
        const { posted } = await deps.publisher.postNew();
        expect(posted).toBe(1);
        const post = fake.callsTo('POST', 'activities').at(-1)!;
        expect(post.conversationId).toBe(soc.id);
        const card = cardOf(post.body);
        expect(post.body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
        expect(card.refresh.userIds).toEqual([admin.id, alice.id]);
        expect(card.actions).toBeUndefined();
        expect(JSON.stringify(card)).toContain('Invoice ［overdue］(hxxps://evil[.]example)');
        expect(parseAdaptiveCard(card).problems).toEqual([]);
      });

      it('answers the responder\'s refresh with the buttons, and anyone else\'s without', async () => {
        const reportId = (await store.getReportByDedupeKey('teams-1'))!.id;
        const messageId = (await store.postsOf(reportId))[0]!.messageId;
        const refresh = { hookline: 'refresh', reportId };
        const forAlice = await fake.deliver(url, executeActivity(fake, soc, alice, 'refresh', refresh, messageId, 'automatic'));
        expect(forAlice.status).toBe(200);
        expect(forAlice.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
        expect(verbsOf(forAlice.body.value)).toEqual(expect.arrayContaining(['approve', 'quarantine', 'block-sender', 'block-domain']));
        const forMallory = await fake.deliver(url, executeActivity(fake, soc, mallory, 'refresh', refresh, messageId, 'automatic'));
        expect(forMallory.body.value.actions).toBeUndefined();
        expect(parseAdaptiveCard(forAlice.body.value).problems).toEqual([]);
        // A refresh changes nothing.
        expect(await store.latestDecision(reportId)).toBeUndefined();
      });

      it('answers a click from someone without the role with a private message, and changes nothing', async () => {
        const reportId = (await store.getReportByDedupeKey('teams-1'))!.id;
        const messageId = (await store.postsOf(reportId))[0]!.messageId;
        const puts = fake.callsTo('PUT', 'activities').length;
        const res = await fake.deliver(url, executeActivity(fake, soc, mallory, 'approve', { hookline: 'decide', button: 'approve', value: reportId }, messageId));
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
        expect(res.body.value).toMatch(/not allowed to run report\.approve.*responder/);
        expect(await store.latestDecision(reportId)).toBeUndefined();
        expect(fake.callsTo('PUT', 'activities').length).toBe(puts);
      });

      it('approves on a responder\'s click: the shared card is replaced for everyone, the clicker gets the final card', async () => {
        const reportId = (await store.getReportByDedupeKey('teams-1'))!.id;
        const messageId = (await store.postsOf(reportId))[0]!.messageId;
        const res = await fake.deliver(url, executeActivity(fake, soc, alice, 'approve', { hookline: 'decide', button: 'approve', value: reportId }, messageId));
        expect(res.status).toBe(200);
        expect(res.body.type).toBe('application/vnd.microsoft.card.adaptive');
        expect(JSON.stringify(res.body.value)).toMatch(/Approved.*Alice Responder/);
        expect(verbsOf(res.body.value)).toEqual([]);
        const put = await waitFor(() => fake.callsTo('PUT', 'activities').filter((p) => p.activityId === messageId && /Approved/.test(JSON.stringify(p.body))).at(-1), 'the shared card update');
        expect(put.conversationId).toBe(soc.id);
        expect(cardOf(put.body).actions).toBeUndefined();
        expect(cardOf(put.body).refresh).toBeUndefined();
        expect(await store.latestDecision(reportId)).toMatchObject({ state: 'done', action: 'approve', requestedBy: { platform: 'teams', id: alice.aadObjectId } });

        // A second click does nothing and says so.
        const again = await fake.deliver(url, executeActivity(fake, soc, admin, 'approve', { hookline: 'decide', button: 'approve', value: reportId }, messageId));
        expect(again.body.value).toMatch(/already approved/);
      });

      it('four-eyes: asks the requester why on a card, refuses a short answer, and a different responder approves', async () => {
        const saved = deps.policy;
        deps.policy = policySchema.parse({ roles: { admin: { teams: { users: [admin.aadObjectId] } }, responder: { teams: { users: [alice.aadObjectId] } } }, fourEyes: { risks: ['change'] } });
        try {
          await store.insertReport({ dedupeKey: 'teams-6', source: 'test', sourceRef: 'r6', parsed: parsed('Needs two people') });
          await deps.publisher.postNew();
          const reportId = (await store.getReportByDedupeKey('teams-6'))!.id;
          const messageId = (await store.postsOf(reportId))[0]!.messageId;
          const click = (user: TeamsUser, verb: string, data: Record<string, unknown>) => fake.deliver(url, executeActivity(fake, soc, user, verb, data, messageId));
          const approve = { hookline: 'decide', button: 'approve', value: reportId };

          const ask = await click(alice, 'approve', approve);
          expect(ask.body.type).toBe('application/vnd.microsoft.card.adaptive');
          expect(ask.body.value.body.some((e: any) => e.type === 'Input.Text' && e.id === 'justification')).toBe(true);
          expect(parseAdaptiveCard(ask.body.value).problems).toEqual([]);
          expect(await store.latestDecision(reportId)).toBeUndefined();

          const short = await click(alice, 'approve', { ...approve, justification: 'bad' });
          expect(JSON.stringify(short.body.value)).toMatch(/❌ .*at least 10 characters/);
          expect(await store.latestDecision(reportId)).toBeUndefined();

          await click(alice, 'approve', { ...approve, justification: 'Credential phish confirmed by two users' });
          const pending = await waitFor(async () => {
            const d = await store.latestDecision(reportId);
            return d?.state === 'pending_second_approval' && (d.outcome as { request?: unknown } | undefined)?.request ? d : undefined;
          }, 'the four-eyes request');
          const shared = await waitFor(() => fake.callsTo('PUT', 'activities').find((p) => p.activityId === messageId && /Credential phish confirmed/.test(JSON.stringify(p.body))), 'the request on the shared card');
          expect(JSON.stringify(cardOf(shared.body))).toContain('waiting for a second approver');

          const own = await click(alice, 'confirm', { hookline: 'decide', button: 'confirm', value: pending.id });
          expect(own.body.type).toBe('application/vnd.microsoft.activity.message');
          expect(own.body.value).toMatch(/second, different person/);

          const second = await click(admin, 'confirm', { hookline: 'decide', button: 'confirm', value: pending.id });
          expect(second.status).toBe(200);
          const done = await waitFor(async () => {
            const d = await store.latestDecision(reportId);
            return d?.state === 'done' ? d : undefined;
          }, 'the approved decision');
          expect(done).toMatchObject({ requestedBy: { id: alice.aadObjectId }, approvedBy: { id: admin.aadObjectId } });
          await waitFor(() => fake.callsTo('PUT', 'activities').find((p) => p.activityId === messageId && /second approval/.test(JSON.stringify(p.body))), 'the final card for everyone');
          await teams.idle();
        } finally {
          deps.policy = saved;
        }
      });

      it('refuses a button that is not ours (data and verb disagree)', async () => {
        const res = await fake.deliver(url, executeActivity(fake, soc, alice, 'quarantine', { hookline: 'decide', button: 'approve', value: 'x' }, '1'));
        expect(res.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
      });

      it('runs an Action.Submit click from an old client and posts its note', async () => {
        await store.insertReport({ dedupeKey: 'teams-2', source: 'test', sourceRef: 'r2', parsed: parsed('Second') });
        await deps.publisher.postNew();
        const reportId = (await store.getReportByDedupeKey('teams-2'))!.id;
        const messageId = (await store.postsOf(reportId))[0]!.messageId;
        // Quarantine has no vendor here: the note says what to configure.
        const res = await fake.deliver(url, submitActivity(fake, soc, alice, { hookline: 'decide', button: 'quarantine', value: reportId, verb: 'quarantine' }, messageId));
        expect(res.status).toBe(200);
        await teams.idle();
        expect(fake.callsTo('POST', 'activities').at(-1)!.body.text).toMatch(/Quarantine (is not configured|has no vendor)/);
        await fake.deliver(url, submitActivity(fake, soc, alice, { hookline: 'decide', button: 'approve', value: reportId, verb: 'approve' }, messageId));
        await teams.idle();
        expect(await store.latestDecision(reportId)).toMatchObject({ state: 'done', action: 'approve' });
      });

      it('shows the buttons on the shared card when the roster cannot be read', async () => {
        fake.failNext({ method: 'GET', conversationId: '19:noroster@thread.tacv2' }, { status: 403, body: { error: { code: 'Forbidden', message: 'no roster' } } }, 5);
        await fake.deliver(url, messageActivity(fake, { id: '19:noroster@thread.tacv2', type: 'channel' }, alice, 'help'));
        await teams.idle();
        const card = await (async () => {
          const target = { conversationId: '19:noroster@thread.tacv2', serviceUrl: fake.serviceUrl };
          const snap = (await deps.publisher.snapshot((await store.getReportByDedupeKey('teams-1'))!.id))!;
          await teams.port.updateReport({ platform: 'teams', channel: target.conversationId, messageId: '42' }, { ...snap, decision: undefined } as never);
          return cardOf(fake.callsTo('PUT', 'activities').at(-1)!.body);
        })();
        expect(verbsOf(card)).toEqual(expect.arrayContaining(['approve', 'quarantine', 'block-sender', 'block-domain']));
      });
    });

    describe('commands', () => {
      it('answers help with a card generated from the catalog', async () => {
        await fake.deliver(url, messageActivity(fake, aliceChat, alice, 'help'));
        await teams.idle();
        const card = cardOf(fake.callsTo('POST', 'activities').at(-1)!.body);
        expect(JSON.stringify(card)).toMatch(/Hookline commands.*report/);
        expect(parseAdaptiveCard(card).problems).toEqual([]);
      });

      it('opens an input card for missing parameters, and runs it when submitted', async () => {
        await store.insertReport({ dedupeKey: 'teams-3', source: 'test', sourceRef: 'r3', parsed: parsed('Third') });
        const reportId = (await store.getReportByDedupeKey('teams-3'))!.id;
        await fake.deliver(url, messageActivity(fake, aliceChat, alice, 'report approve'));
        await teams.idle();
        const form = cardOf(fake.callsTo('POST', 'activities').at(-1)!.body);
        expect(form.body.some((e: any) => e.type === 'Input.Text' && e.id === 'p.reportId')).toBe(true);
        expect(parseAdaptiveCard(form).problems).toEqual([]);
        const res = await fake.deliver(url, executeActivity(fake, aliceChat, alice, 'command', { hookline: 'command', action: 'report.approve', 'p.reportId': reportId }, '7'));
        expect(res.body.type).toBe('application/vnd.microsoft.card.adaptive');
        expect(JSON.stringify(res.body.value)).toMatch(/approved/);
        expect(await store.latestDecision(reportId)).toMatchObject({ state: 'done', action: 'approve' });
      });

      it('explains a mistyped command', async () => {
        await fake.deliver(url, messageActivity(fake, aliceChat, alice, 'mimecst release-message'));
        await teams.idle();
        expect(cardOf(fake.callsTo('POST', 'activities').at(-1)!.body).body[0].text).toMatch(/There is no "mimecst" command/);
      });
    });

    describe('gone conversations', () => {
      it('marks a conversation gone on 403 BotNotInConversationRoster and tells the admins once', async () => {
        fake.gone.add(soc.id);
        try {
          await store.insertReport({ dedupeKey: 'teams-4', source: 'test', sourceRef: 'r4', parsed: parsed('Fourth') });
          const r = await deps.publisher.postNew();
          expect(r).toMatchObject({ posted: 0 });
          expect(r.failed).toBeGreaterThanOrEqual(1);
          const row = await getInstallation(store, soc.id);
          expect(row).toMatchObject({ status: 'gone', goneReason: 'Teams answered 403 BotNotInConversationRoster' });
          await waitFor(() => fake.callsTo('POST', 'activities').find((c) => c.conversationId === adminChat.id && /can no longer post to/.test(c.body?.text ?? '')), 'the admin notice');
          const notices = fake.callsTo('POST', 'activities').filter((c) => /can no longer post to/.test(c.body?.text ?? ''));
          expect(notices.map((n) => n.conversationId)).toEqual([adminChat.id]);
          expect(notices[0]!.body.text).toMatch(/SOC alerts.*alert conversation/);
          expect((await store.listAudit()).some((a) => a.action === 'teams.conversation-gone')).toBe(true);

          // The next tick does not call Teams again for the gone alert conversation, nor tell anyone twice.
          const before = fake.calls.length;
          const again = await deps.publisher.postNew();
          expect(again).toEqual(r);
          expect(fake.calls.length).toBe(before);
          await expect(teams.port.postReport((await deps.publisher.snapshot((await store.getReportByDedupeKey('teams-4'))!.id))!)).rejects.toThrow(/no Teams alert conversation/);
        } finally {
          fake.gone.delete(soc.id);
        }
      });

      it('raises ConversationGoneError to the caller of a proactive send', async () => {
        fake.gone.add('19:elsewhere@thread.tacv2');
        const err = await teams.connector.send({ conversationId: '19:elsewhere@thread.tacv2', serviceUrl: fake.serviceUrl }, { type: 'message', text: 'x' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConversationGoneError);
        expect((await getInstallation(store, '19:elsewhere@thread.tacv2'))?.status).toBe('gone');
      });

      it('is active again when the app is added back, and gone again when uninstalled', async () => {
        await fake.deliver(url, installActivity(fake, soc, admin, 'add'));
        await teams.idle();
        expect((await getInstallation(store, soc.id))?.status).toBe('active');
        const notices = () => fake.callsTo('POST', 'activities').filter((c) => /can no longer post to/.test(c.body?.text ?? '')).length;
        const before = notices();
        await fake.deliver(url, installActivity(fake, soc, admin, 'remove'));
        await teams.idle();
        expect(await getInstallation(store, soc.id)).toMatchObject({ status: 'gone', goneReason: 'the Hookline app was uninstalled there' });
        expect((await listInstallations(store, { status: 'active' })).map((i) => i.conversationId)).not.toContain(soc.id);
        expect(notices()).toBe(before + 1);
        // Teams also says the bot left the team: still gone, and nobody is told twice.
        await fake.deliver(url, botRemovedActivity(fake, soc, admin));
        await teams.idle();
        expect((await getInstallation(store, soc.id))?.status).toBe('gone');
        expect(notices()).toBe(before + 1);
      });
    });

    describe('playground mode', () => {
      it('is refused unless the server listens on loopback only', async () => {
        await expect(
          createTeamsAdapter({ settings: { mode: 'playground' }, server: new HookServer({ log: silentLogger(), metrics: new Metrics(), ready: async () => {} }), loopback: false, decisions: () => deps, store, policy: deps.policy, policySource: 'p', catalog: deps.catalog, log: silentLogger() }),
        ).rejects.toThrow(TeamsSetupError);
      });

      it('accepts the Playground\'s unauthenticated activities on loopback and replies to its connector without a token', async () => {
        const log = silentLogger();
        const pgServer = new HookServer({ log, metrics: new Metrics(), ready: async () => {} });
        const addr = await pgServer.listen(0, '127.0.0.1');
        const pgUrl = `http://127.0.0.1:${addr.port}`;
        const pg = await createTeamsAdapter({ settings: { mode: 'playground' }, server: pgServer, loopback: true, decisions: () => deps, store, policy: deps.policy, policySource: 'p', catalog: deps.catalog, log });
        fake.requireBotToken = false;
        try {
          const chat: ConversationSpec = { id: 'a:playground-chat', type: 'personal' };
          const res = await fake.deliver(pgUrl, messageActivity(fake, chat, alice, 'help'), { token: null });
          expect(res.status).toBe(200);
          await pg.idle();
          const reply = fake.callsTo('POST', 'activities').at(-1)!;
          expect(reply.conversationId).toBe(chat.id);
          expect(reply.authorization).toBeUndefined();

          // An unauthenticated activity naming a connector elsewhere is ignored: nothing recorded, nothing sent.
          const before = fake.calls.length;
          const forged = { ...messageActivity(fake, { id: 'a:forged-chat', type: 'personal' }, alice, 'help'), serviceUrl: 'http://203.0.113.9:8080/' };
          expect((await fake.deliver(pgUrl, forged, { token: null })).status).toBe(200);
          await pg.idle();
          expect(fake.calls.length).toBe(before);
          expect(await getInstallation(store, 'a:forged-chat')).toBeUndefined();
        } finally {
          fake.requireBotToken = true;
          await pg.stop();
          await pgServer.close();
        }
      });
    });

    it('never writes a token or the client secret to the log', async () => {
      const lines: string[] = [];
      const log = createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) } as unknown as NodeJS.WritableStream });
      const s2 = new HookServer({ log, metrics: new Metrics(), ready: async () => {} });
      const addr = await s2.listen(0, '127.0.0.1');
      const t2 = await createTeamsAdapter({ settings: { mode: 'bot', clientId: APP, clientSecret: SECRET, tenantId: TENANT, loginUrl: fake.loginUrl }, server: s2, loopback: true, decisions: () => deps, store, policy: deps.policy, policySource: 'p', catalog: deps.catalog, log, openIdMetadataUrl: fake.openIdMetadataUrl });
      try {
        const token = fake.mintToken();
        await fake.deliver(`http://127.0.0.1:${addr.port}`, messageActivity(fake, aliceChat, alice, 'help'), { token });
        await fake.deliver(`http://127.0.0.1:${addr.port}`, messageActivity(fake, aliceChat, alice, 'help'), { token: fake.mintToken({ forged: true }) });
        await t2.idle();
        const all = lines.join('\n');
        expect(lines.length).toBeGreaterThan(0);
        expect(all).not.toContain(SECRET);
        expect(all).not.toContain(token);
        expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
      } finally {
        await t2.stop();
        await s2.close();
      }
    });
  });
}
