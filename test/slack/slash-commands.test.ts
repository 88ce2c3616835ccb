// Slack end to end: signed requests over HTTP through Bolt's real receiver, the fake Slack Web API
// and response_url, the real store (SQLite and PostgreSQL). Covers the slash command (help,
// forms, results, paging, files, decisions, digest, errors), form submissions, the App Home,
// the scheduled digest and repeated deliveries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { ActionDef, ActionResult } from '../../src/actions/types.ts';
import type { Vendors } from '../../src/vendors/registry.ts';
import { validateMessage, SLACK_LIMITS } from '../../cards/slack/limits.ts';
import { blockIdOf, FIELD_ACTION_ID } from '../../cards/slack/modal.ts';
import { PAGE_ACTION_IDS } from '../../cards/slack/results.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-api.ts';
import { dbTargets } from '../helpers/databases.ts';
import { postSlack, slackSignature } from '../helpers/slack-sign.ts';
import { phishMime, reportMime } from '../helpers/mail-builder.ts';
import { waitFor } from '../helpers/wait.ts';

const targets = await dbTargets();
const SECRET = 'slash-signing-secret-0123456789';
const CHANNEL = 'C0ALERTS01';
const DIGEST_CHANNEL = 'C0DIGEST01';
const ANALYST = 'UANALYST1';
const RESPONDER = 'URESPOND1';
const STRANGER = 'USTRANGE1';
const INGEST = 'ingest-token-0123456789abcdef';

const json = (v: unknown) => JSON.stringify(v);
let seq = 0;

type Body = Record<string, unknown>;

/** A test action whose vendor answers only when the test says so. */
function deferred() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return { gate, release };
}

function testActions(slow: { gate: Promise<void>; calls: number }): ActionDef<any, any, Vendors>[] {
  const base = { vendor: 'test', risk: 'read' as const, role: 'analyst' as const };
  const rows = (page: number) => Array.from({ length: 40 }, (_, i) => ({ id: `${page}-${i}`, sender: `s${i}@evil.example`, subject: `Subject <!channel> ${page}-${i} ${'x'.repeat(120)}` }));
  return [
    {
      ...base,
      id: 'test.rows',
      name: 'rows',
      title: 'Rows',
      summary: 'A long table, three vendor pages',
      params: z.object({ page: z.number().int().min(0).default(0).describe('Vendor page'), filter: z.string().optional() }),
      async run(_ctx, p): Promise<ActionResult> {
        return {
          summary: `page ${p.page}`,
          kind: 'table',
          data: { columns: [{ key: 'id', title: 'Id' }, { key: 'sender', title: 'Sender' }, { key: 'subject', title: 'Subject' }], rows: rows(p.page), total: 120, ...(p.page < 2 ? { nextPageToken: String(p.page + 1) } : {}) },
        };
      },
    },
    {
      ...base,
      id: 'test.file',
      name: 'file',
      title: 'Get file',
      summary: 'A zip',
      params: z.object({}),
      async run(): Promise<ActionResult> {
        return { summary: 'Downloaded the message', kind: 'file', data: { filename: '../evil\u202Efdp.zip', contentType: 'application/zip', bytes: Buffer.from('PK\u0003\u0004 zip bytes'), comment: 'open with care <!here>' } };
      },
    },
    {
      ...base,
      id: 'test.slow',
      name: 'slow',
      title: 'Slow vendor',
      summary: 'Waits for the test',
      params: z.object({}),
      async run(): Promise<ActionResult> {
        slow.calls++;
        await slow.gate;
        return { summary: 'finally answered', kind: 'text', data: 'slow result' };
      },
    },
    { ...base, id: 'test.needs', name: 'needs', title: 'Needs a vendor', summary: 'Unconfigured', params: z.object({}), requires: () => ['TEST_VENDOR_URL', 'TEST_VENDOR_KEY'], run: async () => ({ summary: 'never', kind: 'text', data: '' }) },
    {
      ...base,
      id: 'test.form',
      name: 'form',
      title: 'Search by sender',
      summary: 'Required parameters',
      params: z.object({ sender: z.string().email('sender must be an email address').describe('Sender address'), days: z.number().int().min(1).max(30).default(7), mode: z.enum(['ANY', 'ALL']).default('ANY') }),
      async run(_ctx, p): Promise<ActionResult> {
        return { summary: `searched ${p.sender} over ${p.days} days (${p.mode})`, kind: 'record', data: { sender: p.sender, days: p.days, mode: p.mode } };
      },
    },
  ];
}

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`Slack commands on ${t.name}`, () => {
    let slack: FakeSlack;
    let hook: Hookline;
    let drop: () => Promise<void>;
    const slow = { ...deferred(), calls: 0 };

    beforeAll(async () => {
      slack = await startFakeSlack();
      const db = await t.create();
      drop = db.drop;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-slash-'));
      writeFileSync(
        path.join(dir, 'policy.yaml'),
        [
          'roles:',
          '  analyst:',
          `    slack: { users: [${ANALYST}] }`,
          '  responder:',
          `    slack: { users: [${RESPONDER}] }`,
          'fourEyes:',
          '  risks: []',
          'digest:',
          `  slackChannel: ${DIGEST_CHANNEL}`,
          '',
        ].join('\n'),
      );
      hook = await startHookline({
        cwd: dir,
        log: silentLogger(),
        listen: { port: 0, host: '127.0.0.1' },
        schedule: false,
        slackRetries: 0,
        env: {
          HOOKLINE_DATABASE_URL: db.url,
          HOOKLINE_CONFIG: path.join(dir, 'policy.yaml'),
          HOOKLINE_INGEST_TOKEN: INGEST,
          SLACK_BOT_TOKEN: 'xoxb-slash-test',
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_API_URL: slack.apiUrl,
          SLACK_ALERT_CHANNEL: CHANNEL,
        },
      });
      hook.catalog.register(...testActions(slow));
    });

    afterAll(async () => {
      slow.release();
      await hook?.stop();
      await slack?.close();
      await drop?.();
    });

    /** Sends `/phish <text>` as `user`; returns the response id its response_url reports under. */
    async function command(user: string, text: string, opts: { expired?: boolean } = {}) {
      const rid = `cmd-${++seq}-${user}`;
      if (opts.expired) slack.expiredResponses.add(rid);
      const body = new URLSearchParams({
        token: 'legacy',
        team_id: 'T1',
        team_domain: 'test',
        channel_id: CHANNEL,
        channel_name: 'phish-alerts',
        user_id: user,
        user_name: user.toLowerCase(),
        command: '/phish',
        text,
        api_app_id: 'A1',
        response_url: `${slack.url}/response/${rid}`,
        trigger_id: `trig.${seq}.${user}`,
      }).toString();
      const res = await postSlack(hook.url, SECRET, body);
      return { rid, res, trigger: `trig.${seq}.${user}` };
    }

    const responsesTo = (rid: string) => slack.responses.filter((r) => r.id === rid).map((r) => r.body);
    const firstResponse = (rid: string, what: string, pred: (b: Body) => boolean = () => true) => waitFor(() => responsesTo(rid).find(pred), what);
    const isValid = (b: Body) => expect(validateMessage({ text: String(b.text ?? ''), blocks: (b.blocks as unknown[]) ?? [] })).toEqual([]);

    function interaction(payload: Body, headers: Record<string, string> = {}) {
      return postSlack(hook.url, SECRET, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), { headers });
    }

    function click(user: string, actionId: string, value: string, trigger: string, messageTs = '1700000000.000100') {
      const rid = `click-${++seq}`;
      const payload = {
        type: 'block_actions',
        team: { id: 'T1', domain: 'test' },
        user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T1' },
        api_app_id: 'A1',
        container: { type: 'message', message_ts: messageTs, channel_id: CHANNEL, is_ephemeral: false },
        trigger_id: trigger,
        channel: { id: CHANNEL, name: 'phish-alerts' },
        message: { ts: messageTs, type: 'message', text: 'result' },
        response_url: `${slack.url}/response/${rid}`,
        actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: String(seq) }],
      };
      return { rid, send: () => interaction(payload) };
    }

    it('answers /phish help privately with every vendor of the catalog, inside the limits', async () => {
      const { rid, res } = await command(ANALYST, 'help');
      expect(res.status).toBe(200);
      const reply = await firstResponse(rid, 'the help');
      expect(reply.response_type).toBe('ephemeral');
      isValid(reply);
      for (const v of hook.catalog.vendors()) expect(json(reply.blocks)).toContain(`*${v}*`);
    });

    it('explains one action, and suggests the right word for a typo', async () => {
      const one = await command(ANALYST, 'help test form');
      const help = await firstResponse(one.rid, 'the action help');
      expect(json(help.blocks)).toContain('/phish test form sender=&lt;text&gt;');
      isValid(help);
      const typo = await command(ANALYST, 'tset rows');
      expect(String((await firstResponse(typo.rid, 'the typo answer')).text)).toMatch(/did you mean test\?/);
    });

    it('opens a loading modal with the trigger id, then swaps in the form for its parameters', async () => {
      const { trigger } = await command(ANALYST, 'test form');
      const opened = await waitFor(() => slack.views.find((v) => v.method === 'views.open' && v.args.trigger_id === trigger), 'views.open');
      expect(json(opened.args.view)).toContain('Loading');
      const openIndex = slack.views.indexOf(opened);
      const update = await waitFor(() => slack.views.slice(openIndex + 1).find((v) => v.method === 'views.update'), 'views.update with the form');
      const view = update.args.view as { blocks: { block_id?: string; type: string }[]; private_metadata: string; callback_id: string };
      expect(update.args.view_id).toMatch(/^V\d+/);
      expect(view.callback_id).toBe('cmd:run');
      expect(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual([blockIdOf('sender'), blockIdOf('days'), blockIdOf('mode')]);
      expect(JSON.parse(view.private_metadata)).toEqual({ a: 'test.form', c: CHANNEL });
    });

    it('shows a form with the problems when values are wrong, and no form to someone without the role', async () => {
      const { trigger } = await command(ANALYST, 'test form sender=not-an-address days=99');
      const opened = await waitFor(() => slack.views.find((v) => v.method === 'views.open' && v.args.trigger_id === trigger), 'views.open');
      const update = await waitFor(() => slack.views.slice(slack.views.indexOf(opened) + 1).find((v) => v.method === 'views.update'), 'the form');
      expect(json(update.args.view)).toMatch(/Please fix.*sender must be an email address/);
      expect(json(update.args.view)).toContain('"initial_value":"not-an-address"');

      const denied = await command(STRANGER, 'test form');
      const o2 = await waitFor(() => slack.views.find((v) => v.method === 'views.open' && v.args.trigger_id === denied.trigger), 'views.open');
      const u2 = await waitFor(() => slack.views.slice(slack.views.indexOf(o2) + 1).find((v) => v.method === 'views.update'), 'the refusal');
      // Ids in messages are defanged like any text that may carry a domain (test.form -> test[.]form).
      expect(json(u2.args.view)).toMatch(/not allowed to run test\[\.\]form/);
      expect(json(u2.args.view)).not.toContain('"type":"input"');
    });

    function submission(user: string, values: Record<string, unknown>) {
      return {
        type: 'view_submission',
        team: { id: 'T1', domain: 'test' },
        user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T1' },
        api_app_id: 'A1',
        trigger_id: `sub.${++seq}`,
        view: {
          id: `VSUB${seq}`,
          hash: `hash${seq}`,
          type: 'modal',
          callback_id: 'cmd:run',
          private_metadata: JSON.stringify({ a: 'test.form', c: CHANNEL }),
          state: { values: Object.fromEntries(Object.entries(values).map(([k, v]) => [blockIdOf(k), { [FIELD_ACTION_ID]: v }])) },
        },
      };
    }

    it('answers an invalid submission in the ack with errors next to the inputs, and runs a valid one', async () => {
      const bad = await interaction(submission(ANALYST, { sender: { type: 'plain_text_input', value: 'nope' }, days: { type: 'number_input', value: '3' } }));
      expect(bad.status).toBe(200);
      expect(JSON.parse(bad.text)).toEqual({ response_action: 'errors', errors: { [blockIdOf('sender')]: 'sender must be an email address' } });

      const before = slack.callsTo('chat.postMessage').length;
      const good = await interaction(submission(ANALYST, { sender: { type: 'plain_text_input', value: 'ceo@evil.example' }, days: { type: 'number_input', value: '3' }, mode: { type: 'static_select', selected_option: { value: 'ALL' } } }));
      expect(good.status).toBe(200);
      const post = await waitFor(() => slack.callsTo('chat.postMessage').slice(before).find((c) => json(c.args.blocks).includes('Search by sender')), 'the result in the channel');
      expect(post.args.channel).toBe(CHANNEL);
      expect(json(post.args.blocks)).toContain('ceo[@]evil[.]example over 3 days (ALL)');
      const audit = (await hook.store.listAudit({ order: 'desc', limit: 5 })).find((a) => a.action === 'test.form');
      expect(audit).toMatchObject({ result: 'ok', actor: { id: ANALYST }, params: { sender: 'ceo@evil.example', days: 3, mode: 'ALL' } });
    });

    it('posts a long table in the channel with paging, pages with Next, and asks the vendor for its next page', async () => {
      const { rid } = await command(ANALYST, 'test rows');
      const result = await firstResponse(rid, 'the table', (b) => b.response_type === 'in_channel');
      isValid(result);
      expect(json(result.blocks)).not.toContain('<!channel>');
      const buttons = (result.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
      const next = buttons.find((b) => b.action_id === PAGE_ACTION_IDS.next)!;
      expect(next.value).toMatch(/^[0-9a-f-]{36}:\d+$/);

      const page2 = click(STRANGER, PAGE_ACTION_IDS.next, next.value, `trig.next.${seq}`);
      expect((await page2.send()).status).toBe(200);
      const replaced = await firstResponse(page2.rid, 'page 2');
      expect(replaced.replace_original).toBe(true);
      isValid(replaced);
      const offset = Number(next.value.split(':')[1]);
      expect(json(replaced.blocks)).toContain(`Rows ${offset + 1}–`);

      // Walk to the last local page, where the vendor's next page is offered.
      let page = replaced;
      for (let i = 0; i < 20; i++) {
        const more = (page.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
        const vendor = more.find((b) => b.action_id === PAGE_ACTION_IDS.vendor);
        if (vendor) {
          const v = click(ANALYST, PAGE_ACTION_IDS.vendor, vendor.value, `trig.vendor.${seq}`);
          await v.send();
          const fresh = await firstResponse(v.rid, 'the vendor page', (b) => b.response_type === 'in_channel');
          expect(json(fresh.blocks)).toContain('page 1');
          expect(json(fresh.blocks)).toContain('1-0');
          const audits = (await hook.store.listAudit({ order: 'desc', limit: 10 })).filter((a) => a.action === 'test.rows');
          expect(audits[0]).toMatchObject({ result: 'ok', params: { page: 1 } });
          return;
        }
        const n = more.find((b) => b.action_id === PAGE_ACTION_IDS.next)!;
        const c = click(ANALYST, PAGE_ACTION_IDS.next, n.value, `trig.walk.${seq}`);
        await c.send();
        page = await firstResponse(c.rid, 'the next page');
      }
      throw new Error('never reached the vendor page button');
    });

    it('uploads a file result to the channel with files.uploadV2', async () => {
      const before = slack.uploads.size;
      await command(ANALYST, 'test file');
      const complete = await waitFor(() => slack.callsTo('files.completeUploadExternal').at(-1), 'files.completeUploadExternal');
      expect(complete.args.channel_id).toBe(CHANNEL);
      expect(String(complete.args.initial_comment)).toContain('Downloaded the message');
      expect(String(complete.args.initial_comment)).not.toContain('<!here>');
      expect(slack.uploads.size).toBe(before + 1);
      const uploaded = [...slack.uploads.values()].at(-1)!;
      expect(uploaded.bytes.toString()).toBe('PK\u0003\u0004 zip bytes');
      expect(uploaded.filename).toBe('evil_fdp.zip');
    });

    it('acknowledges at once while the vendor is still working, and falls back to a new message when the response_url expired', async () => {
      const { res, rid } = await command(ANALYST, 'test slow', { expired: true });
      expect(res.status).toBe(200);
      await waitFor(() => slow.calls > 0, 'the vendor call');
      // The command was acknowledged while the vendor has not answered yet.
      expect(slack.callsTo('chat.postMessage').some((c) => json(c.args.blocks).includes('finally answered'))).toBe(false);
      slow.release();
      const post = await waitFor(() => slack.callsTo('chat.postMessage').find((c) => json(c.args.blocks).includes('finally answered')), 'the fallback message');
      expect(post.args.channel).toBe(CHANNEL);
      expect(responsesTo(rid)).toEqual([]);
    });

    it('answers "not configured" and refusals privately, and audits the refusal', async () => {
      const n = await command(ANALYST, 'test needs');
      const nc = await firstResponse(n.rid, 'not configured', (b) => /not configured/.test(String(b.text)));
      expect(String(nc.text)).toMatch(/Set TEST_VENDOR_URL, TEST_VENDOR_KEY/);
      expect(nc.response_type).toBe('ephemeral');
      const d = await command(STRANGER, 'test rows');
      const denied = await firstResponse(d.rid, 'the refusal', (b) => /not allowed/.test(String(b.text)));
      expect(denied.response_type).toBe('ephemeral');
      expect(String(denied.text)).toMatch(/analyst role/);
      const audit = (await hook.store.listAudit({ order: 'desc', limit: 5 })).find((a) => a.action === 'test.rows' && a.result === 'denied');
      expect(audit?.actor.id).toBe(STRANGER);
    });

    it('runs a report decision from the command through the decision state machine and updates the card', async () => {
      const res = await fetch(`${hook.url}/ingest`, { method: 'POST', body: reportMime(phishMime({ subject: 'Command decision' })), headers: { authorization: `Bearer ${INGEST}` } });
      const { id } = (await res.json()) as { id: string };
      await hook.scheduler.tick('post-alerts');
      const ts = (await hook.store.postsOf(id))[0]!.messageId;
      const { rid } = await command(RESPONDER, `report approve ${id}`);
      const note = await firstResponse(rid, 'the decision note', (b) => /approved/.test(String(b.text)));
      expect(note.response_type).toBe('ephemeral');
      expect(await hook.store.latestDecision(id)).toMatchObject({ state: 'done', action: 'approve', requestedBy: { id: RESPONDER } });
      await waitFor(() => slack.callsTo('chat.update').find((u) => u.args.ts === ts && !json(u.args.blocks).includes('decide:')), 'the card update');
    });

    it('answers /phish digest with the digest card, and the scheduled digest posts to the digest channel', async () => {
      const { rid } = await command(ANALYST, 'digest hours=48');
      const d = await firstResponse(rid, 'the digest', (b) => b.response_type === 'in_channel');
      isValid(d);
      expect(json(d.blocks)).toContain('Last 48 h');
      expect(json(d.blocks)).toContain('waiting for a decision');

      expect(await hook.scheduler.tick('digest')).toBe(true);
      const post = await waitFor(() => slack.callsTo('chat.postMessage').find((c) => c.args.channel === DIGEST_CHANNEL), 'the scheduled digest');
      expect(json(post.args.blocks)).toContain('Phishing triage digest');
      expect(validateMessage({ text: String(post.args.text), blocks: post.args.blocks as unknown[] })).toEqual([]);
    });

    it('publishes the App Home once per event, even when Slack retries the delivery', async () => {
      const event = { token: 'legacy', team_id: 'T1', api_app_id: 'A1', type: 'event_callback', event_id: `Ev${++seq}`, event_time: 1, event: { type: 'app_home_opened', user: RESPONDER, channel: 'D0HOME0001', tab: 'home', event_ts: '1.1' } };
      const body = JSON.stringify(event);
      const before = slack.views.filter((v) => v.method === 'views.publish').length;
      expect((await postSlack(hook.url, SECRET, body, { contentType: 'application/json' })).status).toBe(200);
      const retry = await postSlack(hook.url, SECRET, body, { contentType: 'application/json', headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
      expect(retry.status).toBe(200);
      const publish = await waitFor(() => slack.views.filter((v) => v.method === 'views.publish').slice(before)[0], 'views.publish');
      await hook.slack!.background.idle();
      expect(slack.views.filter((v) => v.method === 'views.publish').slice(before)).toHaveLength(1);
      expect(publish.args.user_id).toBe(RESPONDER);
      const view = publish.args.view as { type: string; blocks: unknown[] };
      expect(view.type).toBe('home');
      expect(view.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerView);
      const text = json(view.blocks);
      for (const s of ['My pending approvals', 'Waiting for a decision', 'Recent decisions', 'Configuration', 'responder']) expect(text).toContain(s);
    });

    it('handles a redelivered interaction once', async () => {
      const { rid } = await command(ANALYST, 'test rows');
      const result = await firstResponse(rid, 'the table', (b) => b.response_type === 'in_channel');
      const next = (result.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []).find((b) => b.action_id === PAGE_ACTION_IDS.next)!;
      const c = click(ANALYST, PAGE_ACTION_IDS.next, next.value, `trig.dup.${seq}`);
      await c.send();
      await c.send();
      await firstResponse(c.rid, 'the page');
      await hook.slack!.background.idle();
      expect(responsesTo(c.rid)).toHaveLength(1);
    });

    it('rejects an unsigned command and runs nothing', async () => {
      const before = slack.responses.length;
      const body = new URLSearchParams({ command: '/phish', text: 'help', user_id: ANALYST, channel_id: CHANNEL, response_url: `${slack.url}/response/unsigned`, trigger_id: 't' }).toString();
      const ts = Math.floor(Date.now() / 1000);
      expect((await postSlack(hook.url, 'wrong-secret', body)).status).toBe(401);
      expect((await postSlack(hook.url, SECRET, body, { timestamp: ts - 600, signature: slackSignature(SECRET, ts - 600, body) })).status).toBe(401);
      expect(slack.responses.length).toBe(before);
    });
  });
}
