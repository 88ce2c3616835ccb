// Issue #8 item 4 (campaign part) and issue #3 item 4, end to end: a burst of 100 reports of one
// campaign arrives over POST /ingest (95 copies of the phish, and 5 more people reporting one of
// those copies) while the post-alerts job ticks. The whole bot runs in-process (real Bolt against
// the fake Slack Web API, the real outbox pacing); the test asserts on what reached Slack: one
// card, updates that end with the final count, and a few thread replies that add up to the rest.
// Runs on SQLite and on PostgreSQL.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/slack-api.ts';
import { dbTargets } from '../helpers/databases.ts';
import { phishMime, reportMime } from '../helpers/mail-builder.ts';
import { campaignOfReport } from '../../src/store/campaigns.ts';

const targets = await dbTargets();
const CHANNEL = 'C0BURST001';
const INGEST_TOKEN = 'ingest-token-burst-0123456789';
const SUBJECT = 'Action required: your mailbox 2291 will be closed';

const blocksText = (call: SlackCall) => JSON.stringify(call.args.blocks ?? []);

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`a burst of one campaign on ${t.name}`, () => {
    let slack: FakeSlack;
    let hook: Hookline;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      slack = await startFakeSlack();
      const db = await t.create();
      drop = db.drop;
      hook = await startHookline({
        cwd: mkdtempSync(path.join(os.tmpdir(), 'hookline-burst-')),
        log: silentLogger(),
        listen: { port: 0, host: '127.0.0.1' },
        schedule: false,
        slackRetries: 0,
        env: {
          HOOKLINE_DATABASE_URL: db.url,
          HOOKLINE_INGEST_TOKEN: INGEST_TOKEN,
          SLACK_BOT_TOKEN: 'xoxb-test-token',
          SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
          SLACK_API_URL: slack.apiUrl,
          SLACK_ALERT_CHANNEL: CHANNEL,
        },
      });
    });

    afterAll(async () => {
      await hook?.stop();
      await slack?.close();
      await drop?.();
    });

    async function post(mime: string): Promise<{ id: string; duplicate: boolean }> {
      const res = await fetch(`${hook.url}/ingest`, { method: 'POST', body: mime, headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'message/rfc822' } });
      expect([200, 202]).toContain(res.status);
      return (await res.json()) as { id: string; duplicate: boolean };
    }

    it('yields one card, updated to the final count, plus a few thread replies, not 100 posts', async () => {
      // Each recipient got their own copy (own Message-ID, own tracking token in the link); the
      // sender's local part and the number in the subject rotate, as campaigns do.
      const copy = (i: number) =>
        phishMime({
          subject: i % 2 ? `RE: ${SUBJECT.replace('2291', String(3000 + i))}` : SUBJECT,
          from: `it-desk-${i}@mailer.evil.example`,
          to: [`user${i}@contoso.test`],
          internetMessageId: `<copy-${i}@mailer.evil.example>`,
          body: `Your mailbox will be closed. Keep it: https://login.evil.example/keep/${(i * 7919).toString(16)}a${i}b9c2e4?u=user${i}`,
        });
      const reports = Array.from({ length: 95 }, (_, i) => reportMime(copy(i), `user${i}@contoso.test`));
      // Five colleagues who were cc'd report copy 50 as well: the same message, more reporters.
      const again = Array.from({ length: 5 }, (_, i) => reportMime(copy(50), `cc${i}@contoso.test`));

      const first = await Promise.all(reports.slice(0, 10).map(post));
      await hook.scheduler.tick('post-alerts');
      // The rest arrives while the job ticks.
      const rest = await Promise.all([...reports.slice(10).map(post), ...again.map(post), hook.scheduler.tick('post-alerts').then(() => undefined)]);
      await hook.scheduler.tick('post-alerts');
      await hook.scheduler.tick('post-alerts');
      await hook.slack!.outbox.drained();

      const answers = [...first, ...rest].filter((x): x is { id: string; duplicate: boolean } => x !== undefined);
      expect(answers).toHaveLength(100);
      expect(answers.filter((a) => a.duplicate)).toHaveLength(5);
      expect(await hook.store.countReports()).toBe(95);

      const posts = slack.callsTo('chat.postMessage');
      const cards = posts.filter((p) => p.args.thread_ts === undefined);
      expect(cards).toHaveLength(1);
      const card = cards[0]!;
      expect(card.args.channel).toBe(CHANNEL);
      // Any of the first ten concurrent reports may become the lead: ask the campaign which one did.
      const campaign = (await campaignOfReport(hook.store, first[0]!.id))!;
      const leadId = campaign.leadReportId;
      expect(first.map((f) => f.id)).toContain(leadId);
      const ref = (await hook.store.postsOf(leadId))[0]!;
      expect(ref.channel).toBe(CHANNEL);
      expect(campaign).toMatchObject({ leadReportId: leadId, reportCount: 100, reporterCount: 100 });

      const updates = slack.callsTo('chat.update').filter((u) => u.args.ts === ref.messageId);
      expect(updates.length).toBeGreaterThanOrEqual(1);
      expect(updates.length).toBeLessThanOrEqual(3);
      expect(blocksText(updates.at(-1)!)).toContain('*Campaign:* 100 reports from 100 reporters');

      const replies = posts.filter((p) => p.args.thread_ts !== undefined);
      expect(replies.length).toBeGreaterThanOrEqual(1);
      expect(replies.length).toBeLessThanOrEqual(3);
      for (const r of replies) expect(r.args.thread_ts).toBe(ref.messageId);
      // The card said how many it started with; the replies add up to the rest.
      const initial = Number(/Campaign:\* (\d+) reports/.exec(blocksText(card))?.[1] ?? '1');
      const added = replies.map((r) => Number(/^(\d+) more reports? of this campaign/.exec(String(r.args.text))?.[1]));
      expect(initial + added.reduce((a, b) => a + b, 0)).toBe(100);
      expect(String(replies.at(-1)!.args.text)).toContain('100 in all from 100 reporters');

      // A quiet tick sends nothing more.
      const before = slack.calls.length;
      await hook.scheduler.tick('post-alerts');
      await hook.slack!.outbox.drained();
      expect(slack.calls.length).toBe(before);
    });
  });
}
