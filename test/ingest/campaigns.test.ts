// Dedupe and campaigns (issue #3 item 4, docs/decisions/0007): the cluster key as documented in
// src/ingest/campaigns.ts, "the same message reported again is the same report" through the real
// ingest pipeline and store, campaign counts under concurrency, and the publisher folding a
// campaign into one card (a recording ChatPort). Store-backed parts run on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { dbTargets } from '../helpers/databases.ts';
import { phishMime, reportMime } from '../helpers/mail-builder.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { Store } from '../../src/store/store.ts';
import { ingestRaw, sha256 } from '../../src/ingest/pipeline.ts';
import { parseReport } from '../../src/ingest/parse/report.ts';
import { clusterKey, clusterParts, normaliseSubject, originalKey, urlShape, type ClusterInput } from '../../src/ingest/campaigns.ts';
import { campaignOfReport, reportersOf, topCampaigns } from '../../src/store/campaigns.ts';
import { Publisher, campaignReplyText } from '../../src/chat/publisher.ts';
import type { ChatPort, MessageRef, ReportSnapshot } from '../../src/chat/port.ts';
import { emptyIndicators } from '../../src/ingest/types.ts';
import { reportCard } from '../../cards/slack/report-card.ts';
import { snapshot as makeSnapshot } from '../cards/factory.ts';

const targets = await dbTargets();

function input(p: { subject?: string; from?: string; urls?: string[]; sha256s?: string[]; imid?: string; attached?: boolean; status?: 'parsed' | 'unparseable' }): ClusterInput {
  const ind = emptyIndicators();
  ind.urls = (p.urls ?? []).map((url) => ({ url, host: new URL(url).hostname, source: 'text' as const }));
  ind.attachments = (p.sha256s ?? []).map((h) => ({ filename: 'a.bin', contentType: 'application/octet-stream', size: 1, md5: 'x', sha1: 'y', sha256: h }));
  return {
    status: p.status ?? 'parsed',
    originalAttached: p.attached ?? true,
    original: { subject: p.subject ?? '', to: [], cc: [], ...(p.from ? { from: { address: p.from } } : {}), ...(p.imid ? { internetMessageId: p.imid } : {}) },
    indicators: ind,
  };
}

describe('cluster key (documented in src/ingest/campaigns.ts)', () => {
  it('normalises the subject: prefixes, tags, hidden characters, case, long digit runs, whitespace', () => {
    const base = normaliseSubject('Invoice 4711 overdue');
    expect(base).toBe('invoice # overdue');
    expect(normaliseSubject('RE: Fw: [EXT] Invoice 4712   OVERDUE')).toBe(base);
    expect(normaliseSubject('AW:WG: *EXTERNAL*: In\u200Bvoice 99999 overdue')).toBe(base);
    expect(normaliseSubject('Re[2]: Invoice 100 overdue')).toBe(base);
    // short numbers are kept: they usually mean something ("Q3", "2 new messages")
    expect(normaliseSubject('Phish 1')).not.toBe(normaliseSubject('Phish 2'));
    expect(normaliseSubject('Invoice overdue')).not.toBe(base);
  });

  it('shapes URLs as registrable domain + path, without query, and with token segments wildcarded', () => {
    expect(urlShape('https://login.evil.example/reset?u=alice#x')).toBe('evil.example/reset');
    expect(urlShape('https://a.evil.example/t/8f3a9c2e7b1d/login')).toBe('evil.example/t/*/login');
    expect(urlShape('https://evil.example/page123')).toBe('evil.example/page#');
    expect(urlShape('not a url')).toBeUndefined();
  });

  it('puts copies of one phish in one cluster and different phish in different ones', () => {
    const a = input({ subject: 'Your mailbox is full', from: 'noreply-1@mail.evil.example', urls: ['https://login.evil.example/reset?u=alice'] });
    const b = input({ subject: 'RE: your mailbox is FULL', from: 'noreply-2@evil.example', urls: ['https://www.evil.example/reset?u=bob'] });
    expect(clusterKey(a)).toBe(clusterKey(b));
    expect(clusterParts(a)).toEqual({ sender: 'evil.example', subject: 'your mailbox is full', content: ['urls', 'evil.example/reset'] });
    // another landing domain, another sender domain, another subject: another campaign each
    expect(clusterKey(input({ subject: 'Your mailbox is full', from: 'x@evil.example', urls: ['https://other.example/reset'] }))).not.toBe(clusterKey(a));
    expect(clusterKey(input({ subject: 'Your mailbox is full', from: 'x@bad.example', urls: ['https://login.evil.example/reset'] }))).not.toBe(clusterKey(a));
    expect(clusterKey(input({ subject: 'Payroll update', from: 'x@evil.example', urls: ['https://login.evil.example/reset'] }))).not.toBe(clusterKey(a));
  });

  it('uses attachment hashes without URLs, and the exact sender when there is no content at all', () => {
    const h = 'ab'.repeat(32);
    expect(clusterParts(input({ subject: 'Scan', from: 'a@evil.example', sha256s: [h.toUpperCase()] }))?.content).toEqual(['attachments', h]);
    expect(clusterKey(input({ subject: 'Scan', from: 'a@evil.example', sha256s: [h] }))).not.toBe(clusterKey(input({ subject: 'Scan', from: 'a@evil.example', sha256s: ['cd'.repeat(32)] })));
    // "Are you at your desk?" from two gmail.com senders is not one campaign
    const bec = (from: string) => clusterKey(input({ subject: 'Are you at your desk?', from }));
    expect(bec('ceo.lookalike@gmail.example')).not.toBe(bec('someone.else@gmail.example'));
    expect(bec('ceo.lookalike@gmail.example')).toBe(bec('CEO.Lookalike@gmail.example'));
  });

  it('gives an unparseable report no keys, and keys the original by Message-ID, else by content only when attached', () => {
    expect(clusterKey(input({ status: 'unparseable', subject: 'x' }))).toBeUndefined();
    expect(originalKey(input({ status: 'unparseable', imid: '<a@b>' }))).toBeUndefined();
    expect(originalKey(input({ imid: ' <ABC@Mail.Evil.Example> ' }))).toBe('imid:abc@mail.evil.example');
    expect(originalKey(input({ subject: 's', from: 'a@evil.example' }))).toMatch(/^content:[0-9a-f]{64}$/);
    expect(originalKey(input({ subject: 's', from: 'a@evil.example', attached: false }))).toBeUndefined();
    // nothing but a Message-ID: still one cluster per original, so its reporters are counted
    expect(clusterKey(input({ imid: '<only@evil.example>' }))).toMatch(/^v1:original:/);
  });

  it('computes the same key from a parsed mail as from its stored form', async () => {
    const parsed = await parseReport(Buffer.from(reportMime(phishMime({ subject: 'Verify your account 123' }))));
    expect(parsed.status).toBe('parsed');
    expect(clusterParts(parsed)).toMatchObject({ sender: 'evil.example', subject: 'verify your account #', content: ['urls', 'evil.example/reset'] });
    expect(clusterKey(JSON.parse(JSON.stringify(parsed)) as ClusterInput)).toBe(clusterKey(parsed));
  });
});

describe('campaign line and thread reply text', () => {
  it('shows "Campaign: N reports from M reporters" on the Slack card only when there is more than one report', () => {
    const base = makeSnapshot();
    const campaign = { id: 'c1', leadReportId: base.report.id, reportCount: 37, reporterCount: 29, firstSeen: '2026-11-02T09:00:00.000Z', lastSeen: '2026-11-02T09:41:00.000Z' };
    const text = JSON.stringify(reportCard({ ...base, campaign }).blocks);
    expect(text).toContain('*Campaign:* 37 reports from 29 reporters, first seen 2026-11-02 09:00 UTC, last seen 2026-11-02 09:41 UTC');
    expect(JSON.stringify(reportCard({ ...base, campaign: { ...campaign, reportCount: 1, reporterCount: 1 } }).blocks)).not.toContain('Campaign:');
    expect(JSON.stringify(reportCard(base).blocks)).not.toContain('Campaign:');
  });

  it('summarises what a tick added', () => {
    const c = { id: 'c', leadReportId: 'r', reportCount: 40, reporterCount: 31, firstSeen: '2026-11-02T09:00:00Z', lastSeen: '2026-11-02T09:41:00Z' };
    expect(campaignReplyText(12, c, false)).toBe('12 more reports of this campaign: 40 in all from 31 reporters, last at 09:41 UTC.');
    expect(campaignReplyText(1, { ...c, reporterCount: 0 }, true)).toBe('1 more report of this campaign: 40 in all, last at 09:41 UTC. They are not covered by the decision on this card.');
  });
});

/** A ChatPort that records what it was asked to do (the Slack one is covered in test/e2e/campaign-burst.test.ts). */
class RecordingPort implements ChatPort {
  readonly platform: string;
  posts: ReportSnapshot[] = [];
  updates: { ref: MessageRef; snap: ReportSnapshot }[] = [];
  replies: { ref: MessageRef; text: string }[] = [];
  postThreadReply?: (ref: MessageRef, text: string) => Promise<void>;
  constructor(platform: string, threads: boolean) {
    this.platform = platform;
    if (threads) this.postThreadReply = async (ref, text) => void this.replies.push({ ref, text });
  }
  async postReport(s: ReportSnapshot): Promise<MessageRef> {
    this.posts.push(s);
    return { platform: this.platform, channel: 'C1', messageId: `m${this.posts.length}` };
  }
  async updateReport(ref: MessageRef, snap: ReportSnapshot): Promise<void> {
    this.updates.push({ ref, snap });
  }
}

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`dedupe and campaigns on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    const log = silentLogger();
    const ingest = (mime: string) => ingestRaw({ store, log }, { source: 'http', sourceRef: sha256(Buffer.from(mime)), raw: Buffer.from(mime) });

    beforeAll(async () => {
      const db = await t.create();
      drop = db.drop;
      store = await Store.open(db.url, log);
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('counts the same message reported by three people as one report with three reporters', async () => {
      const phish = phishMime({ subject: `Same message ${randomUUID()}` });
      const first = await ingest(reportMime(phish, 'ann@contoso.test'));
      expect(first.created).toBe(true);
      const before = await store.countReports();
      const second = await ingest(reportMime(phish, 'ben@contoso.test'));
      const third = await ingest(reportMime(phish, 'cat@contoso.test'));
      expect([second.created, third.created]).toEqual([false, false]);
      expect(second.report.id).toBe(first.report.id);
      expect(third.report.id).toBe(first.report.id);
      expect(await store.countReports()).toBe(before);
      expect((await reportersOf(store, first.report.id)).map((r) => r.reporter)).toEqual(['ann@contoso.test', 'ben@contoso.test', 'cat@contoso.test']);
      expect(await campaignOfReport(store, first.report.id)).toMatchObject({ leadReportId: first.report.id, reportCount: 3, reporterCount: 3 });
    });

    it('counts a re-sent report once, and the same person reporting it again as a report but not a reporter', async () => {
      const phish = phishMime({ subject: `Resent ${randomUUID()}` });
      const mime = reportMime(phish, 'dan@contoso.test');
      const { report } = await ingest(mime);
      await ingest(mime); // the same source message again: nothing changes
      expect(await campaignOfReport(store, report.id)).toMatchObject({ reportCount: 1, reporterCount: 1 });
      await ingest(reportMime(phish, 'DAN@contoso.test')); // a second report mail by the same person
      expect(await campaignOfReport(store, report.id)).toMatchObject({ reportCount: 2, reporterCount: 1 });
    });

    it('puts different copies of one phish in one campaign led by the first report, and other phish elsewhere', async () => {
      const subject = `Password expires ${randomUUID()}`;
      const a = await ingest(reportMime(phishMime({ subject, from: 'it-1@evil.example', to: ['a@contoso.test'] }), 'a@contoso.test'));
      const b = await ingest(reportMime(phishMime({ subject: `RE: ${subject}`, from: 'it-2@evil.example', to: ['b@contoso.test'] }), 'b@contoso.test'));
      const other = await ingest(reportMime(phishMime({ subject: `Other ${randomUUID()}` }), 'a@contoso.test'));
      expect(b.created).toBe(true);
      expect(b.report.id).not.toBe(a.report.id);
      const ca = await campaignOfReport(store, a.report.id);
      expect(await campaignOfReport(store, b.report.id)).toEqual(ca);
      expect(ca).toMatchObject({ leadReportId: a.report.id, reportCount: 2, reporterCount: 2 });
      expect((await campaignOfReport(store, other.report.id))?.id).not.toBe(ca?.id);
    });

    it('keeps exact counts when many reports of one campaign and of one message arrive at once', async () => {
      const subject = `Burst ${randomUUID()}`;
      const copies = Array.from({ length: 12 }, (_, i) => reportMime(phishMime({ subject, to: [`u${i}@contoso.test`] }), `u${i}@contoso.test`));
      const shared = phishMime({ subject });
      const sameMessage = Array.from({ length: 8 }, (_, i) => reportMime(shared, `v${i}@contoso.test`));
      const results = await Promise.all([...copies, ...sameMessage].map(ingest));
      const campaigns = new Set(await Promise.all(results.map(async (r) => (await campaignOfReport(store, r.report.id))?.id)));
      expect(campaigns.size).toBe(1);
      const c = (await campaignOfReport(store, results[0]!.report.id))!;
      expect(c).toMatchObject({ reportCount: 20, reporterCount: 20 });
      // the eight reporters of one message share one report (in this process they are serialised)
      expect(new Set(results.slice(12).map((r) => r.report.id)).size).toBe(1);
      expect(await reportersOf(store, results[12]!.report.id)).toHaveLength(8);
    });

    it('lists the top campaigns for the digest, most reports first, named by the lead subject', async () => {
      const top = await topCampaigns(store, new Date(Date.now() - 3_600_000), 2);
      expect(top).toHaveLength(2);
      expect(top[0]).toMatchObject({ reports: 20, name: expect.stringMatching(/^Burst /) });
      expect(top[1]!.reports).toBeLessThanOrEqual(20);
      expect(await topCampaigns(store, new Date(Date.now() + 3_600_000), 5)).toEqual([]);
    });

    it('gives an unparseable report no campaign and still stores it', async () => {
      const raw = Buffer.alloc(0);
      const r = await ingestRaw({ store, log }, { source: 'http', sourceRef: randomUUID(), raw });
      expect(r.report.status).toBe('unparseable');
      expect(await campaignOfReport(store, r.report.id)).toBeUndefined();
      expect(await reportersOf(store, r.report.id)).toHaveLength(1);
    });
  });

  describe.skipIf(Boolean(t.skip))(`publisher folds a campaign into one card on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    const log = silentLogger();
    const ingest = (mime: string) => ingestRaw({ store, log }, { source: 'http', sourceRef: sha256(Buffer.from(mime)), raw: Buffer.from(mime) });

    beforeAll(async () => {
      const db = await t.create();
      drop = db.drop;
      store = await Store.open(db.url, log);
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('posts the lead once, merges the rest, and updates the card with one reply per tick', async () => {
      const slack = new RecordingPort('slack', true);
      const teams = new RecordingPort('teams', false);
      const publisher = new Publisher(store, log);
      publisher.addPort(slack);
      publisher.addPort(teams);
      const subject = `Mailbox full ${randomUUID()}`;
      const copy = (i: number) => reportMime(phishMime({ subject, to: [`p${i}@contoso.test`] }), `p${i}@contoso.test`);
      for (let i = 0; i < 3; i++) await ingest(copy(i));
      const lone = await ingest(reportMime(phishMime({ subject: `Unrelated ${randomUUID()}` })));

      const t1 = await publisher.postNew(2);
      // two cards (the campaign's lead and the unrelated report) per platform; two members merged per platform
      expect(t1).toMatchObject({ posted: 4, merged: 4, failed: 0, announced: 0 });
      expect(slack.posts.map((s) => s.report.original.subject).sort()).toEqual([subject, lone.report.original.subject].sort());
      const leadPost = slack.posts.find((s) => s.report.original.subject === subject)!;
      expect(leadPost.campaign).toMatchObject({ reportCount: 3, reporterCount: 3 });
      expect(slack.updates).toHaveLength(0);
      expect(slack.replies).toHaveLength(0);

      for (let i = 3; i < 30; i++) await ingest(copy(i));
      const t2 = await publisher.postNew(2);
      expect(t2).toMatchObject({ posted: 0, merged: 54, announced: 2 });
      expect(slack.posts).toHaveLength(2);
      expect(slack.updates).toHaveLength(1);
      expect(slack.updates[0]!.snap.report.id).toBe(leadPost.report.id);
      expect(slack.updates[0]!.snap.campaign).toMatchObject({ reportCount: 30, reporterCount: 30 });
      expect(slack.replies).toEqual([{ ref: slack.updates[0]!.ref, text: expect.stringMatching(/^27 more reports of this campaign: 30 in all from 30 reporters/) }]);
      // Teams has no thread replies here: its card is only updated
      expect(teams.updates).toHaveLength(1);
      expect(teams.replies).toHaveLength(0);

      // nothing new: nothing sent
      expect(await publisher.postNew(2)).toMatchObject({ posted: 0, merged: 0, announced: 0 });
      // another reporter of an already merged message counts too, and is announced
      const again = reportMime(phishMime({ subject, to: ['late@contoso.test'], internetMessageId: leadPost.report.original.internetMessageId! }), 'late@contoso.test');
      expect((await ingest(again)).created).toBe(false);
      expect(await publisher.postNew(2)).toMatchObject({ posted: 0, announced: 2 });
      expect(slack.replies.at(-1)!.text).toMatch(/^1 more report of this campaign: 31 in all from 31 reporters/);
      expect(slack.posts).toHaveLength(2);
    });

    it('waits with members until the lead card is up, and retries the announcement after a failed update', async () => {
      const port = new RecordingPort('slack', true);
      const publisher = new Publisher(store, log);
      publisher.addPort(port);
      // drain what the earlier test left
      await publisher.postNew(50);
      port.posts = [];
      port.updates = [];
      port.replies = [];
      const subject = `Retry ${randomUUID()}`;
      const copy = (i: number) => reportMime(phishMime({ subject, to: [`q${i}@contoso.test`] }), `q${i}@contoso.test`);
      for (let i = 0; i < 2; i++) await ingest(copy(i));
      const realPost = port.postReport.bind(port);
      port.postReport = async () => {
        throw new Error('slack is down');
      };
      expect(await publisher.postNew(5)).toMatchObject({ posted: 0, failed: 1, merged: 0 });
      port.postReport = realPost;
      expect(await publisher.postNew(5)).toMatchObject({ posted: 1, merged: 1 });

      await ingest(copy(2));
      const realUpdate = port.updateReport.bind(port);
      port.updateReport = async () => {
        throw new Error('chat.update failed');
      };
      expect(await publisher.postNew(5)).toMatchObject({ merged: 1, announced: 0 });
      port.updateReport = realUpdate;
      await ingest(copy(3));
      expect(await publisher.postNew(5)).toMatchObject({ merged: 1, announced: 1 });
      expect(port.replies.map((r) => r.text)).toEqual([expect.stringMatching(/^2 more reports of this campaign: 4 in all/)]);
      expect(port.posts).toHaveLength(1);
    });
  });
}
