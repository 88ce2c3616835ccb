// A test bed for the containment flow: the whole bot (startHookline) against the Graph simulator
// (TLS, real MSAL), the Mimecast and Cofense simulators and the fake Slack Web API, on one
// database target. Reports are put where every vendor would see them: the reporting mailbox
// (with the phish attached), each recipient's mailbox, message trace, Vision's message store and
// Mimecast's archive (and, when asked, its held queue).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID, createHash } from 'node:crypto';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startGraphSimulator, type GraphSimulator } from '../../src/sandbox/graph-simulator.ts';
import { startMimecastSimulator, SIM_OAUTH, type MimecastSimulator } from '../../src/sandbox/mimecast-simulator.ts';
import { startCofenseSimulator, type CofenseSimulator } from '../../src/sandbox/cofense-simulator.ts';
import type { DecisionDeps } from '../../src/actions/decisions.ts';
import { chatNotifier } from '../../src/actions/steps/graph-notify-reporter.ts';
import type { DecisionRecord } from '../../src/store/types.ts';
import type { DbTarget } from '../helpers/databases.ts';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/slack-api.ts';
import { trustTestCa } from '../helpers/tls.ts';
import { buttonClickBody, postSlack, slackSignature } from '../helpers/slack-sign.ts';
import { reportMime } from '../helpers/mail-builder.ts';
import { waitFor } from '../helpers/wait.ts';

export const SECRET = 'test-signing-secret-0123456789';
export const CHANNEL = 'C0ALERTS01';
export const MAILBOX = 'phish-reports@contoso.test';
const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';

export interface PhishInput {
  subject: string;
  from?: string;
  to: string[];
  /** Recipients message trace knows that the headers do not show (Bcc). */
  bcc?: string[];
  /** Recipients whose mailbox does NOT hold a copy (a partial per-recipient result). */
  missingIn?: string[];
  /** Also held at the Mimecast gateway (one held copy per To recipient). */
  heldAtMimecast?: boolean;
  urls?: string[];
  attachment?: { filename: string; content: string };
  /** Leave the X-MS-Exchange-Organization-Network-Message-Id header out. */
  noNetworkMessageId?: boolean;
}

export interface Posted {
  reportId: string;
  ts: string;
  imid: string;
  nmid: string;
  sha256?: string;
}

export interface Bed {
  hook: Hookline;
  graph: GraphSimulator;
  mimecast: MimecastSimulator;
  cofense: CofenseSimulator;
  slack: FakeSlack;
  sleeps: number[];
  policyPath: string;
  ingest(p: PhishInput): Promise<Posted>;
  click(user: string, actionId: string, value: string, ts: string): Promise<{ status: number }>;
  submitJustification(user: string, privateMetadata: string, text: string): Promise<{ status: number; text: string }>;
  /** The decision service as the bot builds it, with another clock (expiry, undo window). */
  deps(now?: () => Date): DecisionDeps;
  decision(reportId: string, pred: (d: DecisionRecord) => boolean, what: string): Promise<DecisionRecord>;
  /** chat.update calls for one card. */
  updates(ts: string): SlackCall[];
  /** Ephemeral replies to one user's clicks. */
  replies(user: string): string[];
  close(): Promise<void>;
}

export const cardText = (c: SlackCall) => JSON.stringify(c.args.blocks ?? []);

export function buildPhish(p: PhishInput, imid: string, nmid: string): { mime: string; sha256?: string } {
  const boundary = `p-${randomUUID()}`;
  const body = `Your account is locked. Sign in at ${(p.urls ?? ['https://login.evil.example/reset']).join(' and ')} today.`;
  const headers = [
    `From: "IT Helpdesk" <${p.from ?? 'helpdesk@evil.example'}>`,
    `To: ${p.to.join(', ')}`,
    `Subject: ${p.subject}`,
    'Date: Sun, 22 Nov 2026 08:00:00 +0000',
    `Message-ID: ${imid}`,
    ...(p.noNetworkMessageId ? [] : [`X-MS-Exchange-Organization-Network-Message-Id: ${nmid}`]),
    'MIME-Version: 1.0',
  ];
  if (!p.attachment) return { mime: [...headers, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n') };
  const sha256 = createHash('sha256').update(p.attachment.content).digest('hex');
  const mime = [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    `--${boundary}`,
    `Content-Type: application/octet-stream; name="${p.attachment.filename}"`,
    `Content-Disposition: attachment; filename="${p.attachment.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(p.attachment.content).toString('base64'),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return { mime, sha256 };
}

/** A view_submission payload as Slack sends it, form-encoded. */
export function viewSubmissionBody(opts: { userId: string; callbackId: string; privateMetadata: string; blockId: string; actionId: string; value: string }): string {
  const payload = {
    type: 'view_submission',
    team: { id: 'T1', domain: 'test' },
    user: { id: opts.userId, username: opts.userId.toLowerCase(), name: opts.userId.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    trigger_id: `${Date.now()}.1.view`,
    view: {
      id: `V${randomUUID().slice(0, 8)}`,
      type: 'modal',
      callback_id: opts.callbackId,
      private_metadata: opts.privateMetadata,
      hash: '1.abc',
      state: { values: { [opts.blockId]: { [opts.actionId]: { type: 'plain_text_input', value: opts.value } } } },
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export async function startBed(t: DbTarget, policyLines: string[]): Promise<Bed> {
  const tls = trustTestCa();
  const graph = await startGraphSimulator({ tls: { key: tls.key, cert: tls.cert }, tenantId: TENANT, clientId: CLIENT, mailbox: MAILBOX });
  const mimecast = await startMimecastSimulator({ internalDomains: ['contoso.test'] });
  const cofense = await startCofenseSimulator();
  const slack = await startFakeSlack();
  const db = await t.create();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-contain-'));
  const policyPath = path.join(dir, 'policy.yaml');
  writeFileSync(policyPath, policyLines.join('\n'));
  const sleeps: number[] = [];
  const hook = await startHookline({
    cwd: dir,
    log: silentLogger(),
    listen: { port: 0, host: '127.0.0.1' },
    schedule: false,
    slackRetries: 0,
    vendorHttp: { sleep: async (ms) => void sleeps.push(ms) },
    env: {
      HOOKLINE_DATABASE_URL: db.url,
      HOOKLINE_CONFIG: policyPath,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_ALERT_CHANNEL: CHANNEL,
      M365_TENANT_ID: TENANT,
      M365_CLIENT_ID: CLIENT,
      M365_CLIENT_SECRET: 'graph-client-secret-value',
      M365_LOGIN_URL: graph.loginUrl,
      GRAPH_API_URL: graph.graphUrl,
      REPORT_MAILBOX: MAILBOX,
      REPORT_FOLDER: 'Inbox',
      MIMECAST_BASE_URL: mimecast.url,
      MIMECAST_CLIENT_ID: SIM_OAUTH.clientId,
      MIMECAST_CLIENT_SECRET: SIM_OAUTH.clientSecret,
      COFENSE_BASE_URL: cofense.url,
      COFENSE_CLIENT_ID: cofense.clientId,
      COFENSE_CLIENT_SECRET: cofense.clientSecret,
    },
  });
  let n = 0;

  const bed: Bed = {
    hook,
    graph,
    mimecast,
    cofense,
    slack,
    sleeps,
    policyPath,
    async ingest(p) {
      const imid = `<${randomUUID()}@mail.evil.example>`;
      const nmid = randomUUID();
      const { mime, sha256 } = buildPhish(p, imid, nmid);
      const from = p.from ?? 'helpdesk@evil.example';
      const everyone = [...p.to, ...(p.bcc ?? [])];
      for (const r of everyone) {
        if (!p.missingIn?.includes(r)) graph.mailbox.add('Inbox', mime, { mailbox: r });
        else graph.mailbox.addFolder('Inbox', r);
        graph.traces.add({ recipientAddress: r, messageId: imid, senderAddress: from, receivedDateTime: new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
      }
      cofense.addMessage({ internetMessageId: imid, subject: p.subject, from, to: everyone, textBody: 'phish' });
      mimecast.state.archive.push({ id: `arch-${randomUUID()}`, mimeMessageId: imid, from, to: everyone, subject: p.subject, received: new Date(Date.now() - 3_600_000), senderIP: '203.0.113.7', route: 'inbound', body: 'phish', attachments: [] });
      if (p.heldAtMimecast) {
        for (const r of p.to) {
          mimecast.state.held.push({ id: `eNoHeld${++n}${randomUUID().slice(0, 6)}`, reason: 'Spam Signature', reasonCode: 'spam_signature', from: { emailAddress: from }, fromHeader: { emailAddress: from }, to: { emailAddress: r }, subject: p.subject, route: 'INBOUND', dateReceived: `${new Date(Date.now() - 600_000).toISOString().slice(0, 19)}+0000` });
        }
      }
      graph.mailbox.add('Inbox', reportMime(mime));
      await hook.sources.graph!.poll();
      await hook.scheduler.tick('post-alerts');
      const row = await hook.store.db.selectFrom('reports').select('id').where('internet_message_id', 'in', [imid, imid.slice(1, -1)]).executeTakeFirstOrThrow();
      const reportId = row.id;
      const ts = (await waitFor(async () => (await hook.store.postsOf(reportId))[0]?.messageId, 'the posted card'));
      return { reportId, ts, imid, nmid, ...(sha256 ? { sha256 } : {}) };
    },
    click(user, actionId, value, ts) {
      return postSlack(hook.url, SECRET, buttonClickBody({ userId: user, actionId, value, channel: CHANNEL, messageTs: ts, responseUrl: `${slack.url}/response/${user}-${n++}` }));
    },
    submitJustification(user, privateMetadata, text) {
      const body = viewSubmissionBody({ userId: user, callbackId: 'decide:justify', privateMetadata, blockId: 'justification', actionId: 'text', value: text });
      const ts = Math.floor(Date.now() / 1000);
      return fetch(`${hook.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) },
        body,
      }).then(async (r) => ({ status: r.status, text: await r.text() }));
    },
    deps(now) {
      const { policy, policySource, config } = hook.loaded;
      return { store: hook.store, catalog: hook.catalog, vendors: hook.vendors, policy, policySource, publisher: hook.publisher, log: silentLogger(), dryRun: config.dryRun, notifier: chatNotifier(hook.publisher), ...(now ? { now } : {}) };
    },
    decision(reportId, pred, what) {
      return waitFor(async () => {
        const d = await hook.store.latestDecision(reportId);
        return d && pred(d) ? d : undefined;
      }, what);
    },
    updates: (ts) => slack.callsTo('chat.update').filter((u) => u.args.ts === ts),
    replies: (user) => slack.responses.filter((r) => r.id.startsWith(`${user}-`)).map((r) => String(r.body.text)),
    async close() {
      await hook.stop();
      await Promise.all([graph.close(), mimecast.close(), cofense.close(), slack.close()]);
      await db.drop();
    },
  };
  return bed;
}

/** The request waiting on the card once its preview is written. */
export const hasRequest = (d: DecisionRecord) => d.state === 'pending_second_approval' && Boolean((d.outcome as { request?: unknown } | undefined)?.request);
