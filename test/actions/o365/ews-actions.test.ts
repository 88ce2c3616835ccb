// Every o365.* action on the EWS backend (Exchange Server on-prem), on the real EwsClient and HTTP
// layer against the EWS simulator over TLS: the SOAP operation Exchange receives (and whom it
// impersonates) and the result. Also: backend=ews/graph choice when both are configured.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordData, TableData } from '../../../src/actions/types.ts';
import { o365Actions } from '../../../src/actions/o365/index.ts';
import type { Vendors } from '../../../src/vendors/registry.ts';
import { setupEws, USERNAME, PASSWORD, type EwsSetup } from '../../vendors/ews/setup.ts';
import { ALICE, BOB, REPORTS, eml, runAction, setupGraph, type GraphSetup } from './setup.ts';

const action = (name: string) => {
  const a = o365Actions.find((x) => x.id === `o365.${name}`);
  if (!a) throw new Error(`no action o365.${name}`);
  return a;
};

let e: EwsSetup;
let vendors: Vendors;
beforeEach(async () => {
  e = await setupEws();
  vendors = { ews: e.client, reportMailbox: REPORTS, ewsImpersonation: true };
});
afterEach(async () => {
  // The service account's password never reaches a log line.
  expect(e.logs()).not.toContain(PASSWORD);
  await e.close();
});

const ops = (name: string) => e.sim.requests.filter((r) => r.operation === name);
const rowsOf = (r: { data: unknown }) => (r.data as TableData).rows;

describe('o365.test-connectivity (ews)', () => {
  it('reads the reporting mailbox Inbox impersonating it', async () => {
    const r = await runAction(action('test-connectivity'), vendors);
    expect(r.summary).toMatch(/^Connectivity test passed: EWS: Inbox of phish-reports@contoso.test readable/);
    expect(ops('GetFolder')[0]).toMatchObject({ impersonate: REPORTS, auth: 'basic', username: USERNAME });
  });
});

describe('o365.run-query (ews)', () => {
  it('searches folder by folder with a Restriction, range per folder, impersonating the mailbox', async () => {
    e.sim.addItem(ALICE, 'Inbox', eml({ subject: 'Invoice 1', date: 'Mon, 2 Nov 2026 09:00:00 +0000' }));
    e.sim.addItem(ALICE, 'Inbox', eml({ subject: 'Invoice 2', date: 'Tue, 3 Nov 2026 09:00:00 +0000' }));
    e.sim.addItem(ALICE, 'Inbox/phishing', eml({ subject: 'Invoice 3', date: 'Wed, 4 Nov 2026 09:00:00 +0000' }));
    const r = await runAction<TableData>(action('run-query'), vendors, { email: ALICE, folder: 'Inbox', subject: 'voice', range: '0-0' });
    expect(rowsOf(r).map((x) => [x.folder, x.subject])).toEqual([
      ['Inbox', 'Invoice 2'],
      ['Inbox/phishing', 'Invoice 3'],
    ]);
    const find = ops('FindItem');
    expect(find).toHaveLength(2);
    expect(find[0]!.impersonate).toBe(ALICE);
    expect(find[0]!.xml).toContain('ContainmentMode="Substring"');
    expect(find[0]!.xml).toContain('MaxEntriesReturned="1"');
  });

  it('uses the AQS QueryString when query is given', async () => {
    e.sim.addItem(ALICE, 'Inbox', eml({ subject: 'project plan' }));
    const r = await runAction<TableData>(action('run-query'), vendors, { email: ALICE, folder: 'Inbox', query: 'subject:project', ignore_subfolders: true });
    expect(rowsOf(r).map((x) => x.subject)).toEqual(['project plan']);
    expect(ops('FindItem')[0]!.xml).toMatch(/<m:QueryString>subject:project<\/m:QueryString>/);
  });
});

describe('o365.delete-email (ews)', () => {
  it('deletes several ids in one DeleteItem (MoveToDeletedItems) and reports the missing one', async () => {
    const a = e.sim.addItem(ALICE, 'Inbox', eml());
    const b = e.sim.addItem(ALICE, 'Inbox', eml());
    const r = await runAction<TableData>(action('delete-email'), vendors, { id: `${a},${b},AAMkAGInope000000000000000000000000000000000000`, email: ALICE });
    expect(r.partial).toBe(true);
    expect(rowsOf(r).filter((x) => String(x.result).startsWith('failed'))).toHaveLength(1);
    expect(ops('DeleteItem')).toHaveLength(1);
    expect(ops('DeleteItem')[0]!.xml).toContain('DeleteType="MoveToDeletedItems"');
    expect(e.sim.items(ALICE, 'Deleted Items')).toHaveLength(2);
  });
});

describe('o365.copy-email / o365.move-email (ews)', () => {
  it('copies within the mailbox and returns the new id; impersonates email by default', async () => {
    const id = e.sim.addItem(ALICE, 'Inbox', eml({ subject: 'Copy me' }));
    e.sim.addFolder(ALICE, 'Inbox/test\\/exp');
    const r = await runAction<RecordData>(action('copy-email'), vendors, { id, email: ALICE, folder: 'Inbox/test\\/exp' });
    const copy = e.sim.items(ALICE, 'Inbox/test\\/exp')[0]!;
    expect(r.data).toMatchObject({ backend: 'ews', new_email_id: copy.id, impersonated: ALICE });
    expect(ops('CopyItem')[0]!.impersonate).toBe(ALICE);
  });

  it('moves across mailboxes with impersonate_email, saying Exchange returns no new id then', async () => {
    const id = e.sim.addItem(ALICE, 'Inbox', eml());
    e.sim.addFolder(BOB, 'Inbox/evidence');
    const r = await runAction<RecordData>(action('move-email'), { ...vendors, ewsImpersonation: false }, { id, email: BOB, folder: 'Inbox/evidence', impersonate_email: 'admin@contoso.test' });
    expect(r.summary).toMatch(/Exchange returns no new id for a cross-mailbox or public-folder move: run o365 run-query/);
    expect(r.data.new_email_id).toBeUndefined();
    expect(ops('MoveItem')[0]!.impersonate).toBe('admin@contoso.test');
    expect(e.sim.items(BOB, 'Inbox/evidence')).toHaveLength(1);
  });

  it('copies into a public folder, and dont_impersonate turns impersonation off', async () => {
    const id = e.sim.addItem(USERNAME, 'Inbox', eml());
    e.sim.addPublicFolder('Projects/Phish');
    const r = await runAction<RecordData>(action('copy-email'), vendors, { id, email: USERNAME, folder: 'Projects/Phish', is_public_folder: true, dont_impersonate: true });
    expect(r.data.new_email_id).toBeUndefined();
    expect(ops('CopyItem')[0]!.impersonate).toBeUndefined();
  });
});

describe('o365.block-sender / o365.unblock-sender (ews)', () => {
  it("MarkAsJunk adds the sender to the mailbox's blocked senders, moves it and returns the new id; unblock reverses", async () => {
    const id = e.sim.addItem(ALICE, 'Inbox', eml({ from: 'billing@evil.example' }));
    const r = await runAction<RecordData>(action('block-sender'), vendors, { id, email: ALICE, move_to_junk_folder: true });
    expect(r.summary).toMatch(/^Sender blocked\. Message moved to Junk Folder; new email id /);
    expect(e.sim.blockedSenders(ALICE)).toEqual(['billing@evil.example']);
    const moved = r.data.new_email_id as string;
    expect(e.sim.item(moved)!.folderId).toBe(e.sim.folderId(ALICE, 'Junk Email'));
    expect(ops('MarkAsJunk')[0]!.xml).toMatch(/IsJunk="true" MoveItem="true"/);
    const un = await runAction<RecordData>(action('unblock-sender'), vendors, { id: moved, email: ALICE, move_from_junk_folder: true });
    expect(un.summary).toMatch(/^Sender Unblocked\. Message moved out of Junk Folder/);
    expect(e.sim.blockedSenders(ALICE)).toEqual([]);
  });
});

describe('o365.get-email / o365.update-email (ews)', () => {
  it('gets headers, text body and transport headers; updates subject and replaces categories', async () => {
    const id = e.sim.addItem(ALICE, 'Inbox', eml({ subject: 'Hello', body: 'Body text here' }), { categories: ['Old'] });
    const got = await runAction<RecordData>(action('get-email'), vendors, { id, email: ALICE });
    expect(got.data).toMatchObject({ backend: 'ews', subject: 'Hello', body: expect.stringContaining('Body text here'), categories: ['Old'] });
    expect(String(got.data.transport_headers)).toContain('Message-ID:');
    expect(ops('GetItem')[0]!.xml).toContain('PropertyTag="0x007D"');

    const up = await runAction<RecordData>(action('update-email'), vendors, { id, email: ALICE, subject: '[PHISH] Hello', category: 'Triage:Malicious,Red' });
    expect(e.sim.item(id)).toMatchObject({ subject: '[PHISH] Hello', categories: ['Triage:Malicious', 'Red'] });
    expect(up.data).toMatchObject({ backend: 'ews', subject: '[PHISH] Hello', categories: ['Triage:Malicious', 'Red'] });
    expect(ops('UpdateItem')[0]!.xml).toContain('ConflictResolution="AlwaysOverwrite"');
  });
});

describe('o365.list-addresses / o365.lookup-email (ews)', () => {
  beforeEach(() => {
    e.sim.addDirectoryEntry({ email: 'dl-eng@contoso.test', name: 'dleng', type: 'PublicDL', members: [ALICE, 'dl-ops@contoso.test'] });
    e.sim.addDirectoryEntry({ email: 'dl-ops@contoso.test', name: 'dlops', type: 'PublicDL', members: [BOB, 'dl-eng@contoso.test'] });
    e.sim.addDirectoryEntry({ email: ALICE, name: 'Alice Example', type: 'Mailbox' });
    e.sim.addDirectoryEntry({ email: BOB, name: 'Bob Example', type: 'Mailbox' });
  });

  it('expands a list recursively, each list once, and reports the cycle', async () => {
    const r = await runAction<TableData>(action('list-addresses'), vendors, { group: 'dl-eng@contoso.test', recursive: true });
    expect(rowsOf(r).map((x) => x.email)).toEqual([ALICE, 'dl-ops@contoso.test', BOB, 'dl-eng@contoso.test']);
    expect(r.summary).toMatch(/^Total entries: 4 \(2 lists expanded\)\. cycle: /);
    expect(ops('ExpandDL')).toHaveLength(2);
  });

  it('resolves names', async () => {
    const r = await runAction<TableData>(action('lookup-email'), vendors, { email: 'alice' });
    expect(rowsOf(r)).toEqual([expect.objectContaining({ name: 'Alice Example', email: ALICE, type: 'Mailbox', aliases: `SMTP:${ALICE}` })]);
    expect(ops('ResolveNames')[0]!.xml).toContain('ReturnFullContactData="true"');
  });
});

describe('o365.trace-email with only EWS', () => {
  it('says message trace needs Graph and what to use on Exchange Server', async () => {
    const def = action('trace-email');
    expect(def.requires!(vendors)).toEqual(expect.arrayContaining(['M365_TENANT_ID']));
    await expect(runAction(def, vendors, {})).rejects.toThrow(/trace email needs Exchange Online through Microsoft Graph.*Get-MessageTrackingLog/);
  });
});

describe('both backends configured', () => {
  let g: GraphSetup;
  beforeEach(async () => {
    g = await setupGraph();
  });
  afterEach(async () => {
    await g.close();
  });

  it('uses Graph by default and EWS when backend=ews', async () => {
    const both: Vendors = { ...vendors, graph: g.graph };
    g.sim.mailbox.add('Inbox', eml({ subject: 'in exchange online' }), { mailbox: ALICE });
    e.sim.addItem(ALICE, 'Inbox', eml({ subject: 'on premises' }));
    const online = await runAction<TableData>(action('run-query'), both, { email: ALICE, folder: 'Inbox' });
    expect(rowsOf(online).map((x) => x.subject)).toEqual(['in exchange online']);
    const onPrem = await runAction<TableData>(action('run-query'), both, { email: ALICE, folder: 'Inbox', backend: 'ews' });
    expect(rowsOf(onPrem).map((x) => x.subject)).toEqual(['on premises']);
    const conn = await runAction(action('test-connectivity'), both);
    expect(conn.summary).toMatch(/Microsoft Graph: .*; EWS: /);
  });
});
