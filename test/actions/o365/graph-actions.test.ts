// Every o365.* action on the Graph backend (Exchange Online), run the way a handler runs it, on the
// real GraphClient, HTTP layer and MSAL against the Graph simulator: the request Graph receives and
// the result. Store-backed parts (get-email ingest) run on SQLite and PostgreSQL.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import type { RecordData, TableData } from '../../../src/actions/types.ts';
import { o365Actions } from '../../../src/actions/o365/index.ts';
import { RULE_PREFIX } from '../../../src/actions/o365/block-sender.ts';
import { DYNAMIC_DL_HINT } from '../../../src/actions/o365/directory.ts';
import type { Vendors } from '../../../src/vendors/registry.ts';
import { dbTargets } from '../../helpers/databases.ts';
import { ALICE, BOB, REPORTS, eml, graphCalls, paramError, runAction, setupGraph, type GraphSetup } from './setup.ts';

const targets = await dbTargets();
const action = (name: string) => {
  const a = o365Actions.find((x) => x.id === `o365.${name}`);
  if (!a) throw new Error(`no action o365.${name}`);
  return a;
};

let s: GraphSetup;
let vendors: Vendors;
beforeEach(async () => {
  s = await setupGraph();
  vendors = { graph: s.graph, reportMailbox: REPORTS };
});
afterEach(async () => {
  // No bearer token or client secret ever reaches a log line.
  const text = s.logs.text();
  for (const r of s.sim.requests) if (r.bearerToken) expect(text).not.toContain(r.bearerToken);
  await s.close();
});

const rowsOf = (r: { data: unknown }) => (r.data as TableData).rows;

describe('o365.test-connectivity (graph)', () => {
  it('reads the reporting mailbox Inbox with an app token and says so', async () => {
    const r = await runAction(action('test-connectivity'), vendors);
    expect(r.summary).toMatch(/^Connectivity test passed: Microsoft Graph: token and mailbox phish-reports@contoso.test readable/);
    const call = graphCalls(s.sim, '/mailFolders/inbox', 'GET')[0]!;
    expect(call.path).toBe(`/v1.0/users/${REPORTS}/mailFolders/inbox`);
    expect(call.hasBearer).toBe(true);
    expect(s.sim.tokenRequests()[0]!.tokenRequest?.scope).toBe(`${s.sim.graphUrl}/.default`);
  });

  it('fails with the vendor reason when Graph refuses the token', async () => {
    s.sim.failNext({ pathIncludes: '/mailFolders/inbox' }, { status: 403, body: { error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' } } });
    await expect(runAction(action('test-connectivity'), vendors)).rejects.toThrow(/Connectivity test failed: Microsoft Graph: .*HTTP 403.*ErrorAccessDenied/);
  });
});

describe('o365.run-query (graph)', () => {
  beforeEach(() => {
    s.sim.mailbox.add('Inbox', eml({ subject: 'Invoice 1 overdue', messageId: '<inv-1@mail.evil.example>', date: 'Mon, 2 Nov 2026 09:00:00 +0000' }), { mailbox: ALICE });
    s.sim.mailbox.add('Inbox', eml({ subject: 'Invoice 2 overdue', messageId: '<inv-2@mail.evil.example>', date: 'Tue, 3 Nov 2026 09:00:00 +0000' }), { mailbox: ALICE });
    s.sim.mailbox.add('Inbox/phishing', eml({ subject: 'Invoice 3 overdue', messageId: '<inv-3@mail.evil.example>', date: 'Wed, 4 Nov 2026 09:00:00 +0000' }), { mailbox: ALICE });
    s.sim.mailbox.add('Inbox/test\\/exp', eml({ subject: 'Lunch', from: 'carol@contoso.test', date: 'Thu, 5 Nov 2026 09:00:00 +0000', body: 'see you at the canteen' }), { mailbox: ALICE });
    s.sim.mailbox.add('Archive', eml({ subject: 'Old invoice', date: 'Sun, 1 Nov 2026 09:00:00 +0000' }), { mailbox: ALICE });
  });

  it('searches the folder and its subfolders with a substring $filter, newest first, the range per folder', async () => {
    const r = await runAction<TableData>(action('run-query'), vendors, { email: ALICE, folder: 'Inbox', subject: 'invoice', range: '0-0' });
    // One per folder (range 0-0): Inbox's newest, and the one in Inbox/phishing.
    expect(rowsOf(r).map((x) => [x.folder, x.subject])).toEqual([
      ['Inbox', 'Invoice 2 overdue'],
      ['Inbox/phishing', 'Invoice 3 overdue'],
    ]);
    expect(r.summary).toMatch(/^Emails matched: 2 in 3 folders of alice@contoso.test \(range 0-0 per folder\)/);
    const searches = graphCalls(s.sim, '/messages', 'GET').filter((c) => c.path.includes('/mailFolders/'));
    expect(searches).toHaveLength(3);
    // The ordered property comes first in $filter (Graph refuses $orderby otherwise: InefficientFilter).
    expect(searches[0]!.query).toMatchObject({ $filter: "receivedDateTime ge 1900-01-01T00:00:00Z and contains(subject,'invoice')", $orderby: 'receivedDateTime desc', $top: '1' });
    expect(searches[0]!.headers.prefer).toContain('IdType="ImmutableId"');
  });

  it('applies min_offset per folder and escapes slashes in folder names', async () => {
    const r = await runAction<TableData>(action('run-query'), vendors, { email: ALICE, folder: 'Inbox', subject: 'invoice', range: '1-5', ignore_subfolders: true });
    expect(rowsOf(r).map((x) => x.subject)).toEqual(['Invoice 1 overdue']);
    const lunch = await runAction<TableData>(action('run-query'), vendors, { email: ALICE, folder: 'Inbox/test\\/exp' });
    expect(rowsOf(lunch).map((x) => [x.folder, x.subject])).toEqual([['Inbox/test\\/exp', 'Lunch']]);
    expect(graphCalls(s.sim, '/childFolders').some((c) => c.query.$filter === "displayName eq 'test/exp'")).toBe(true);
  });

  it('searches every mail folder when no folder is given, matching sender and Internet Message-ID exactly', async () => {
    const bySender = await runAction<TableData>(action('run-query'), vendors, { email: ALICE, sender: 'carol@contoso.test' });
    expect(rowsOf(bySender).map((x) => x.subject)).toEqual(['Lunch']);
    const byId = await runAction<TableData>(action('run-query'), vendors, { email: ALICE, internet_message_id: 'inv-3@mail.evil.example' });
    expect(rowsOf(byId).map((x) => [x.folder, x.internet_message_id])).toEqual([['Inbox/phishing', '<inv-3@mail.evil.example>']]);
    const q = graphCalls(s.sim, '/messages', 'GET').map((c) => c.query.$filter);
    expect(q).toContain("receivedDateTime ge 1900-01-01T00:00:00Z and internetMessageId eq '<inv-3@mail.evil.example>'");
    expect(q).toContain("receivedDateTime ge 1900-01-01T00:00:00Z and from/emailAddress/address eq 'carol@contoso.test'");
  });

  it('runs an AQS query and body searches as KQL $search (no $filter, no $orderby) and says it matches word starts', async () => {
    const r = await runAction<TableData>(action('run-query'), vendors, { email: ALICE, query: 'subject:invoice AND from:billing', subject: 'ignored' });
    expect(rowsOf(r).map((x) => x.subject).sort()).toEqual(['Invoice 1 overdue', 'Invoice 2 overdue', 'Invoice 3 overdue', 'Old invoice']);
    expect(r.summary).toContain('subject, body and internet_message_id were ignored because query was given');
    expect(r.summary).toContain('KQL');
    const search = graphCalls(s.sim, '/messages', 'GET').find((c) => c.query.$search)!;
    expect(search.query.$search).toBe('"subject:invoice AND from:billing"');
    expect(search.query.$filter).toBeUndefined();
    expect(search.query.$orderby).toBeUndefined();
    const body = await runAction<TableData>(action('run-query'), vendors, { email: ALICE, body: 'canteen' });
    expect(rowsOf(body).map((x) => x.subject)).toEqual(['Lunch']);
  });

  it('rejects a malformed range and a missing mailbox before calling Graph', async () => {
    expect(paramError(action('run-query'), { email: ALICE, range: '5-2' })).toMatch(/max_offset must not be below min_offset/);
    expect(paramError(action('run-query'), { email: 'not-an-address' })).toMatch(/expected an e-mail address/);
    expect(paramError(action('run-query'), { email: ALICE, backend: 'imap' })).toMatch(/backend must be graph/);
  });

  it('names the folder that does not exist', async () => {
    await expect(runAction(action('run-query'), vendors, { email: ALICE, folder: 'Inbox/nope' })).rejects.toThrow(/no folder named "nope" under Inbox in alice@contoso.test/);
  });
});

describe('o365.delete-email (graph)', () => {
  it('moves each id to Deleted Items and reports the ones that failed (partial)', async () => {
    const a = s.sim.mailbox.add('Inbox', eml(), { mailbox: ALICE });
    const b = s.sim.mailbox.add('Inbox', eml(), { mailbox: ALICE });
    const r = await runAction<TableData>(action('delete-email'), vendors, { id: `${a}, ${b},AAMkmissing`, email: ALICE });
    expect(r.partial).toBe(true);
    expect(r.summary).toBe('Deleted 2 of 3 emails; 1 failed');
    expect(rowsOf(r)[2]).toMatchObject({ id: 'AAMkmissing', result: expect.stringMatching(/^failed: .*404/) });
    expect(s.sim.mailbox.list('Deleted Items', ALICE).map((m) => m.id).sort()).toEqual([a, b].sort());
    for (const call of graphCalls(s.sim, '/move', 'POST')) expect(call.json).toEqual({ destinationId: 'deleteditems' });
  });

  it('defaults to the reporting mailbox, and in dry run sends nothing', async () => {
    const id = s.sim.mailbox.add('Inbox', eml());
    const dry = await runAction<RecordData>(action('delete-email'), vendors, { id }, { dryRun: true });
    expect(dry.summary).toMatch(/^Dry run: would move 1 message of phish-reports@contoso.test to Deleted Items/);
    expect(graphCalls(s.sim, '/move')).toHaveLength(0);
    const r = await runAction(action('delete-email'), vendors, { id });
    expect(r.summary).toBe('Successfully deleted 1 email (moved to Deleted Items)');
    expect(s.sim.mailbox.get(id)!.folderId).toBe(s.sim.mailbox.folderId('Deleted Items'));
  });

  it('fails plainly when every id fails, and refuses more than 100 ids', async () => {
    await expect(runAction(action('delete-email'), vendors, { id: 'AAMkx1,AAMkx2', email: ALICE })).rejects.toThrow(/Delete email failed for every id/);
    expect(paramError(action('delete-email'), { id: Array.from({ length: 101 }, (_, i) => `id${i}`).join(',') })).toMatch(/at most 100 ids/);
  });
});

describe('o365.copy-email / o365.move-email (graph)', () => {
  it('copies within a mailbox to a nested folder and returns the new id', async () => {
    const id = s.sim.mailbox.add('Inbox', eml({ subject: 'Copy me' }), { mailbox: ALICE });
    const target = s.sim.mailbox.addFolder('Inbox/test\\/exp', ALICE);
    const r = await runAction<RecordData>(action('copy-email'), vendors, { id, email: ALICE, folder: 'Inbox/test\\/exp' });
    const copy = s.sim.mailbox.list('Inbox/test\\/exp', ALICE)[0]!;
    expect(r.data).toMatchObject({ backend: 'graph', new_email_id: copy.id });
    expect(copy.id).not.toBe(id);
    expect(s.sim.mailbox.get(id)!.folderId).not.toBe(target);
    expect(graphCalls(s.sim, '/copy', 'POST')[0]!.json).toEqual({ destinationId: target });
  });

  it('moves within a mailbox', async () => {
    const id = s.sim.mailbox.add('Inbox', eml(), { mailbox: ALICE });
    const r = await runAction<RecordData>(action('move-email'), vendors, { id, email: ALICE, folder: 'Archive' });
    expect(r.summary).toMatch(/^Successfully moved email to Archive in alice@contoso.test; new email id/);
    expect(s.sim.mailbox.get(id)!.folderId).toBe(s.sim.mailbox.folderId('Archive', ALICE));
  });

  it('across mailboxes says Graph cannot and uses the MIME alternative (move: original to Deleted Items)', async () => {
    const mime = eml({ subject: 'Evidence' });
    const id = s.sim.mailbox.add('Inbox', mime, { mailbox: ALICE });
    s.sim.mailbox.addFolder('Inbox/evidence', BOB);
    const r = await runAction<RecordData>(action('move-email'), vendors, { id, email: BOB, folder: 'Inbox/evidence', source_email: ALICE });
    expect(r.summary).toContain('Microsoft Graph cannot move across mailboxes');
    const created = s.sim.mailbox.list('Inbox/evidence', BOB)[0]!;
    expect(created.mime.toString()).toBe(mime);
    expect(r.data).toMatchObject({ new_email_id: created.id, cross_mailbox: true, source_mailbox: ALICE });
    const post = graphCalls(s.sim, '/mailFolders/', 'POST').find((c) => c.path.endsWith('/messages'))!;
    expect(post.headers['content-type']).toBe('text/plain');
    expect(s.sim.mailbox.get(id)!.folderId).toBe(s.sim.mailbox.folderId('Deleted Items', ALICE));
  });

  it('refuses public folders on Graph with the reason', async () => {
    await expect(runAction(action('copy-email'), vendors, { id: 'AAMkx', email: ALICE, folder: 'Projects', is_public_folder: true })).rejects.toThrow(/Public folders cannot be reached through Microsoft Graph/);
  });
});

describe('o365.block-sender / o365.unblock-sender (graph)', () => {
  it('says Graph has no blocked senders list and creates the Junk inbox rule instead; unblock deletes it', async () => {
    const id = s.sim.mailbox.add('Inbox', eml({ from: 'Billing@Evil.example' }), { mailbox: ALICE });
    const r = await runAction<RecordData>(action('block-sender'), vendors, { id, email: ALICE, move_to_junk_folder: true });
    expect(r.summary).toContain('Microsoft Graph has no per-user Blocked Senders list');
    expect(r.summary).toContain('Message moved to Junk Folder');
    const rule = s.sim.mail.rules(ALICE)[0]!;
    expect(rule.body).toMatchObject({
      displayName: `${RULE_PREFIX}billing@evil.example`,
      isEnabled: true,
      conditions: { fromAddresses: [{ emailAddress: { address: 'billing@evil.example' } }] },
      actions: { moveToFolder: s.sim.mailbox.folderId('Junk Email', ALICE), stopProcessingRules: true },
    });
    expect(s.sim.mailbox.get(id)!.folderId).toBe(s.sim.mailbox.folderId('Junk Email', ALICE));
    // A second block reuses the rule.
    const again = await runAction<RecordData>(action('block-sender'), vendors, { id, email: ALICE });
    expect(again.data).toMatchObject({ rule_existed: true });
    expect(s.sim.mail.rules(ALICE)).toHaveLength(1);

    const un = await runAction<RecordData>(action('unblock-sender'), vendors, { id, email: ALICE, move_from_junk_folder: true });
    expect(un.summary).toMatch(/^Sender billing@evil.example unblocked in alice@contoso.test/);
    expect(s.sim.mail.rules(ALICE)).toHaveLength(0);
    expect(s.sim.mailbox.get(id)!.folderId).toBe(s.sim.mailbox.folderId('Inbox', ALICE));
    expect(graphCalls(s.sim, '/messageRules/', 'DELETE')).toHaveLength(1);
  });

  it('unblock without a Hookline rule changes nothing and says why', async () => {
    const id = s.sim.mailbox.add('Inbox', eml(), { mailbox: ALICE });
    const r = await runAction(action('unblock-sender'), vendors, { id, email: ALICE });
    expect(r.summary).toMatch(/No Hookline block rule for billing@evil.example/);
    expect(graphCalls(s.sim, '/messageRules', 'DELETE')).toHaveLength(0);
  });

  it('dry run creates no rule', async () => {
    const id = s.sim.mailbox.add('Inbox', eml(), { mailbox: ALICE });
    const r = await runAction(action('block-sender'), vendors, { id, email: ALICE }, { dryRun: true });
    expect(r.summary).toMatch(/^Dry run: would create inbox rule/);
    expect(graphCalls(s.sim, '/messageRules', 'POST')).toHaveLength(0);
  });
});

describe('o365.get-email (graph)', () => {
  it('returns headers, text body, recipients and attachments', async () => {
    const id = s.sim.mailbox.add('Inbox', eml({ subject: 'Hello', to: `${ALICE}, "Bob" <${BOB}>`, body: 'Line one' }), { mailbox: ALICE });
    const r = await runAction<RecordData>(action('get-email'), vendors, { id, email: ALICE });
    expect(r.data).toMatchObject({ backend: 'graph', email_id: id, subject: 'Hello', from: 'Billing Team <billing@evil.example>', to: [ALICE, `Bob <${BOB}>`], body: 'Line one' });
    expect((r.data.headers as { name: string }[]).map((h) => h.name)).toContain('Message-ID');
    const call = graphCalls(s.sim, `/messages/${id}`, 'GET')[0]!;
    expect(call.query.$select).toContain('internetMessageHeaders');
    expect(call.headers.prefer).toContain('outlook.body-content-type="text"');
    expect(r.summary).toMatch(/^Subject: Hello; from Billing Team <billing@evil.example>; sent 2026-11-02T09:00:00Z$/);
  });

  it('needs id or report_id', () => {
    expect(paramError(action('get-email'), {})).toMatch(/give id .* or report_id/);
  });
});

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`o365.get-email ingest on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const db = await t.create();
      drop = db.drop;
      store = await Store.open(db.url, silentLogger());
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('ingests the email as a report once (source graph, immutable id), and shows a stored report by report_id', async () => {
      const id = s.sim.mailbox.add('Inbox', eml({ subject: 'Report me', messageId: '<rm-1@mail.evil.example>' }));
      const first = await runAction<RecordData>(action('get-email'), vendors, { id, ingest_email: true }, { store });
      expect(first.data.report_created).toBe(true);
      expect(first.summary).toMatch(/ingested as report [0-9a-f-]{36}$/);
      const again = await runAction<RecordData>(action('get-email'), vendors, { id, ingest_email: true }, { store });
      expect(again.data).toMatchObject({ report_created: false, report_id: first.data.report_id });
      const report = await store.getReport(first.data.report_id as string);
      expect(report).toMatchObject({ source: 'graph', sourceRef: id });
      expect(graphCalls(s.sim, '/$value', 'GET')).toHaveLength(2);

      const shown = await runAction<RecordData>(action('get-email'), vendors, { report_id: report!.id, id: 'ignored-when-report-given' }, { store });
      expect(shown.data).toMatchObject({ report_id: report!.id, subject: 'Report me', internet_message_id: '<rm-1@mail.evil.example>' });
      await expect(runAction(action('get-email'), vendors, { report_id: '00000000-0000-4000-8000-000000000000' }, { store })).rejects.toThrow(/no stored report/);
    });
  });
}

describe('o365.list-addresses (graph)', () => {
  beforeEach(() => {
    const d = s.sim.mail.directory;
    d.addUser({ mail: ALICE, displayName: 'Alice' });
    d.addUser({ mail: BOB, displayName: 'Bob' });
    d.addUser({ mail: 'carol@contoso.test', displayName: 'Carol' });
    d.addGroup({ displayName: 'Engineering', mail: 'dl-eng@contoso.test', mailNickname: 'dleng', members: [ALICE, 'dl-ops@contoso.test'] });
    // dl-ops contains dl-eng again: a cycle.
    d.addGroup({ displayName: 'Operations', mail: 'dl-ops@contoso.test', members: [BOB, 'carol@contoso.test', 'dl-eng@contoso.test'] });
    d.addGroup({ displayName: 'All Berlin', mail: 'berlin@contoso.test', dynamic: true, members: [ALICE] });
  });

  it('lists direct members, and every level with recursive (Graph transitiveMembers, cycle listed once)', async () => {
    const direct = await runAction<TableData>(action('list-addresses'), vendors, { group: 'dl-eng@contoso.test' });
    expect(rowsOf(direct).map((x) => [x.email, x.type])).toEqual([
      [ALICE, 'user'],
      ['dl-ops@contoso.test', 'group'],
    ]);
    expect(graphCalls(s.sim, '/members')[0]!.path).toMatch(/\/v1\.0\/groups\/[0-9a-f-]+\/members$/);
    const all = await runAction<TableData>(action('list-addresses'), vendors, { group: 'dleng', recursive: true });
    expect(rowsOf(all).map((x) => x.email).sort()).toEqual([ALICE, BOB, 'carol@contoso.test', 'dl-ops@contoso.test'].sort());
    expect(all.summary).toMatch(/^Total entries: 4 in Engineering \(nested groups expanded by Graph/);
    const find = graphCalls(s.sim, '/groups', 'GET').filter((c) => c.path === '/v1.0/groups');
    expect(find[0]!.query.$filter).toBe("mail eq 'dl-eng@contoso.test' or proxyAddresses/any(p:p eq 'smtp:dl-eng@contoso.test')");
    expect(find[0]!.headers.consistencylevel).toBe('eventual');
    expect(find[1]!.query.$filter).toBe("displayName eq 'dleng' or mailNickname eq 'dleng'");
  });

  it('says plainly that a dynamic distribution group cannot be read through Graph', async () => {
    const r = await runAction<TableData>(action('list-addresses'), vendors, { group: 'berlin@contoso.test' });
    expect(rowsOf(r)).toEqual([]);
    expect(r.summary).toContain(DYNAMIC_DL_HINT);
  });
});

describe('o365.lookup-email (graph)', () => {
  it('resolves an address (mail, UPN or alias) and a name', async () => {
    s.sim.mail.directory.addUser({ mail: ALICE, displayName: 'Alice Example', proxyAddresses: [`SMTP:${ALICE}`, 'smtp:al@contoso.test'], jobTitle: 'Analyst' });
    s.sim.mail.directory.addGroup({ displayName: 'Engineering', mail: 'dl-eng@contoso.test' });
    const byAlias = await runAction<TableData>(action('lookup-email'), vendors, { email: 'al@contoso.test' });
    expect(rowsOf(byAlias)).toEqual([expect.objectContaining({ name: 'Alice Example', email: ALICE, type: 'Mailbox', aliases: `${ALICE}, al@contoso.test`, title: 'Analyst' })]);
    const users = graphCalls(s.sim, '/users', 'GET').filter((c) => c.path === '/v1.0/users');
    expect(users[0]!.query.$filter).toBe("mail eq 'al@contoso.test' or userPrincipalName eq 'al@contoso.test' or proxyAddresses/any(p:p eq 'smtp:al@contoso.test')");
    const byName = await runAction<TableData>(action('lookup-email'), vendors, { email: 'alice' });
    expect(rowsOf(byName).map((x) => x.email)).toEqual([ALICE]);
    expect(graphCalls(s.sim, '/users', 'GET').at(-1)!.query.$search).toBe('"displayName:alice" OR "mail:alice"');
    const group = await runAction<TableData>(action('lookup-email'), vendors, { email: 'dl-eng@contoso.test' });
    expect(rowsOf(group)).toEqual([expect.objectContaining({ email: 'dl-eng@contoso.test', type: 'PublicDL' })]);
  });
});

describe('o365.update-email (graph)', () => {
  it('replaces the categories and sets the subject', async () => {
    const id = s.sim.mailbox.add('Inbox', eml(), { mailbox: ALICE });
    await runAction(action('update-email'), vendors, { id, email: ALICE, category: 'Old' });
    const r = await runAction<RecordData>(action('update-email'), vendors, { id, email: ALICE, subject: '[PHISH] Invoice', category: 'Triage:Malicious, Red' });
    expect(s.sim.mail.categories(id)).toEqual(['Triage:Malicious', 'Red']);
    expect(r.data).toMatchObject({ subject: '[PHISH] Invoice', categories: ['Triage:Malicious', 'Red'] });
    expect(graphCalls(s.sim, `/messages/${id}`, 'PATCH').at(-1)!.json).toEqual({ subject: '[PHISH] Invoice', categories: ['Triage:Malicious', 'Red'] });
    expect(paramError(action('update-email'), { id })).toMatch(/give subject and\/or category/);
  });
});

describe('backend choice', () => {
  it('answers "not configured" naming both ways when neither is set, and refuses an absent backend', async () => {
    const def = action('run-query');
    expect(def.requires!({})).toEqual(expect.arrayContaining(['M365_TENANT_ID', 'EWS_URL']));
    expect(def.requires!(vendors)).toBeUndefined();
    await expect(runAction(def, {}, { email: ALICE })).rejects.toThrow(/o365 is not configured: set M365_TENANT_ID.*\(Exchange Online, through Microsoft Graph\) or EWS_URL/);
    await expect(runAction(def, vendors, { email: ALICE, backend: 'ews' })).rejects.toThrow(/backend=ews: Exchange Server through EWS is not configured: set EWS_URL/);
  });
});
