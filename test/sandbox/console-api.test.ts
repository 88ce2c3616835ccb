// The sandbox console's HTTP API against the whole bot started in sandbox mode (no platform, no
// vendor configured): seeded cards in both renderings, the four-eyes Quarantine flow between the
// two console users, commands, uploads through ingestion, the audit log, and bad input. While it
// runs, undici's global dispatcher refuses every connection that is not to loopback, so a call to a
// real vendor would fail the flow.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockAgent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { dbTargets } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait.ts';
import { SEED_PHISH } from '../../src/sandbox/seed-reports.ts';
import { SANDBOX_BANNER } from '../../src/sandbox/boot.ts';
import type { ConsoleMessage } from '../../adapters/console/console-port.ts';

const targets = await dbTargets();

type Json = Record<string, unknown>;

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`sandbox console API on ${t.name}`, () => {
    let hook: Hookline;
    let drop: () => Promise<void>;
    let previous: Dispatcher;
    const refused: string[] = [];

    beforeAll(async () => {
      previous = getGlobalDispatcher();
      const agent = new MockAgent();
      agent.disableNetConnect();
      agent.enableNetConnect((host) => {
        const ok = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host);
        if (!ok) refused.push(host);
        return ok;
      });
      setGlobalDispatcher(agent);
      const db = await t.create();
      drop = db.drop;
      hook = await startHookline({
        cwd: mkdtempSync(path.join(os.tmpdir(), 'hookline-sandbox-')),
        log: silentLogger(),
        listen: { port: 0, host: '127.0.0.1' },
        schedule: false,
      sandbox: true,
        env: { HOOKLINE_DATABASE_URL: db.url },
      });
      await hook.sources.graph!.poll();
      await hook.publisher.postNew();
    });

    afterAll(async () => {
      await hook?.stop();
      await drop?.();
      setGlobalDispatcher(previous);
    });

    const get = async (p: string) => {
      const res = await fetch(`${hook.url}${p}`);
      return { status: res.status, body: (await res.json()) as Json };
    };
    const post = async (p: string, body: unknown, raw = false) => {
      const res = await fetch(`${hook.url}${p}`, { method: 'POST', body: raw ? (body as string) : JSON.stringify(body), headers: { 'content-type': raw ? 'application/octet-stream' : 'application/json' } });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const messages = async () => (await get('/console/api/messages')).body.messages as ConsoleMessage[];
    const card = async (reportId: string) => (await messages()).find((m): m is Extract<ConsoleMessage, { kind: 'report' }> => m.kind === 'report' && m.reportId === reportId)!;
    const buttonsOf = (m: Extract<ConsoleMessage, { kind: 'report' }>) =>
      m.slack.blocks.flatMap((b) => (b.type === 'actions' ? (b.elements as { action_id?: string; value?: string }[]) : [])).map((e) => ({ id: e.action_id ?? '', value: e.value ?? '' }));

    it('runs in sandbox mode against loopback simulators only, with the console as the platform', () => {
      expect(hook.loaded.config.sandbox).toBe(true);
      expect(hook.sandbox).toBeDefined();
      expect(hook.publisher.platforms()).toEqual(['console']);
      for (const url of [hook.sandbox!.graph.url, hook.sandbox!.mimecast.url, hook.sandbox!.cofense.url]) expect(new URL(url).hostname).toBe('127.0.0.1');
    });

    it('serves the page with the sandbox banner and the Adaptive Cards renderer', async () => {
      const page = await fetch(`${hook.url}/`);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html).toContain(SANDBOX_BANNER);
      expect(html).toContain('/console/static/adaptivecards.js');
      const ac = await fetch(`${hook.url}/console/static/adaptivecards.js`);
      expect(ac.status).toBe(200);
      expect(await ac.text()).toMatch(/AdaptiveCard/);
    });

    it('shows every seeded report as a card in both renderings, labelled as the sandbox', async () => {
      const reports = (await messages()).filter((m) => m.kind === 'report');
      expect(reports).toHaveLength(SEED_PHISH.length);
      for (const m of reports) {
        if (m.kind !== 'report') continue;
        expect(JSON.stringify(m.slack.blocks)).toContain(SANDBOX_BANNER);
        expect(m.teams.type).toBe('AdaptiveCard');
        expect(JSON.stringify(m.teams)).toContain('Action.Execute');
        expect(buttonsOf(m).map((b) => b.id)).toContain('decide:quarantine');
      }
      // The mismatched link of the first seed is flagged on its card, defanged.
      expect(JSON.stringify(reports.map((r) => (r.kind === 'report' ? r.slack.blocks : [])))).toContain('link text shows');
    });

    it('quarantines with four eyes: Sam requests with a justification, Sam cannot approve, Alex approves and the simulators record it', async () => {
      const first = (await messages()).find((m) => m.kind === 'report' && m.slack.text.includes('98% full'));
      expect(first?.kind).toBe('report');
      const reportId = (first as Extract<ConsoleMessage, { kind: 'report' }>).reportId;

      const ask = await post('/console/api/click', { user: 'sam', button: 'quarantine', value: reportId });
      expect(ask.body.kind).toBe('needs-justification');
      const requested = await post('/console/api/click', { user: 'sam', button: 'quarantine', value: reportId, justification: 'Credential phish sent to three people' });
      expect(requested.body.kind).toBe('pending');
      const confirm = await waitFor(async () => buttonsOf(await card(reportId)).find((b) => b.id === 'decide:confirm'), 'the Approve request button');

      const self = await post('/console/api/click', { user: 'sam', button: 'confirm', value: confirm.value });
      expect(self.body.kind).toBe('denied');
      expect(hook.sandbox!.graph.remediations).toHaveLength(0);

      const approved = await post('/console/api/click', { user: 'alex', button: 'confirm', value: confirm.value });
      expect(approved.body.kind).toBe('executed');
      const done = await card(reportId);
      expect(JSON.stringify(done.slack.blocks)).toContain('Quarantined');
      expect(buttonsOf(done).map((b) => b.id)).not.toContain('decide:confirm');
      const nmid = SEED_PHISH[0]!.networkMessageId;
      expect(hook.sandbox!.graph.remediations.at(-1)?.body).toMatchObject({ action: 'softDelete' });
      expect(JSON.stringify(hook.sandbox!.graph.remediations.at(-1))).toContain(nmid);
      expect(hook.sandbox!.cofense.requests.some((r) => r.path.includes('quarantine'))).toBe(true);
      expect(hook.sandbox!.mimecast.apiRequests().length).toBeGreaterThan(0);

      const audit = (await get('/console/api/audit')).body.entries as { actor: string; action: string; result: string }[];
      expect(audit.some((e) => e.actor === 'Alex Approver' && e.action === 'report.quarantine')).toBe(true);
      expect(audit.some((e) => e.actor === 'Sam Responder' && e.result === 'denied')).toBe(true);
      expect(refused).toEqual([]);
    });

    it('runs /phish commands as the chosen user: digest posts a digest card, help answers in the channel', async () => {
      await post('/console/api/command', { user: 'sam', text: '/phish digest' });
      const digest = (await messages()).filter((m) => m.kind === 'digest');
      expect(digest).toHaveLength(1);
      expect(digest[0]!.kind === 'digest' && digest[0]!.teams.type).toBe('AdaptiveCard');
      const help = await post('/console/api/command', { user: 'alex', text: '/phish help' });
      expect(String(help.body.message)).toMatch(/report: .*quarantine/);
      const bad = await post('/console/api/command', { user: 'sam', text: '/phish nosuchvendor frob' });
      expect(String(bad.body.message)).not.toBe('');
    });

    it('takes a reported .eml through ingestion and posts its card', async () => {
      const phish = ['From: "Bank" <alerts@bank-verify.test>', 'To: kim@contoso.example.com', 'Subject: Verify your account now', 'Message-ID: <upload-1@bank-verify.test>', 'Date: Sun, 22 Nov 2026 08:00:00 +0000', '', 'Verify at https://bank-verify.test/login', ''].join('\r\n');
      const res = await post('/console/api/upload?user=sam&name=verify.eml', phish, true);
      expect(res.status).toBe(202);
      const id = String(res.body.id);
      expect(await hook.store.getReport(id)).toBeDefined();
      expect((await card(id)).slack.text).toContain('Verify your account now');
      const again = await post('/console/api/upload?user=sam&name=verify.eml', phish, true);
      expect(again.body).toMatchObject({ id, duplicate: true });
    });

    it('refuses bad input with a clear 400 and changes nothing', async () => {
      const before = (await messages()).length;
      expect((await post('/console/api/click', { user: 'mallory', button: 'quarantine', value: 'x' })).body.error).toMatch(/unknown console user/);
      expect((await post('/console/api/click', { user: 'sam', button: 'explode', value: 'x' })).body.error).toMatch(/unknown button/);
      const notJson = await post('/console/api/click', 'not json', true);
      expect(notJson.status).toBe(400);
      const empty = await post('/console/api/upload?user=sam', '', true);
      expect(empty.status).toBe(400);
      expect(empty.body.error).toMatch(/empty upload/);
      expect((await messages()).length).toBe(before);
    });
  });
}
