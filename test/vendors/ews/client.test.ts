// The EWS client against the EWS simulator over TLS: real HTTP layer, real SOAP in both
// directions. Each seed 000 operation is exercised with the parameters the o365.* actions pass.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EwsError } from '../../../src/vendors/ews/errors.ts';
import { impersonationFor } from '../../../src/vendors/ews/params.ts';
import { ALICE, PASSWORD, REPORTS, USERNAME, mail, setupEws, type EwsSetup } from './setup.ts';

let t: EwsSetup;
afterEach(async () => {
  await t?.close();
});

describe('connectivity and authentication', () => {
  beforeEach(async () => {
    t = await setupEws();
  });

  it('reads the inbox with Basic credentials, RequestServerVersion Exchange2013 and a SOAPAction', async () => {
    const r = await t.client.testConnectivity();
    expect(r.folder.displayName).toBe('Inbox');
    expect(r.serverVersion?.majorVersion).toBe(15);
    const req = t.sim.requests.at(-1);
    expect(req?.auth).toBe('basic');
    expect(req?.username).toBe(USERNAME);
    expect(req?.serverVersion).toBe('Exchange2013');
    expect(req?.headers['content-type']).toMatch(/^text\/xml/);
    expect(req?.headers.soapaction).toContain('/messages/GetFolder');
    expect(req?.impersonate).toBeUndefined();
  });

  it('impersonates with ExchangeImpersonation and X-AnchorMailbox', async () => {
    await t.client.testConnectivity(undefined, { impersonate: REPORTS });
    const req = t.sim.requests.at(-1);
    expect(req?.impersonate).toBe(REPORTS);
    expect(req?.headers['x-anchormailbox']).toBe(REPORTS);
  });

  it('explains rejected credentials without echoing the password', async () => {
    const bad = await setupEws({}, { auth: { kind: 'basic', username: USERNAME, password: 'wrong-password-value-123' } });
    try {
      const err = await bad.client.testConnectivity().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EwsError);
      expect((err as EwsError).status).toBe(401);
      expect((err as EwsError).message).toMatch(/EWS_USERNAME and EWS_PASSWORD/);
      expect(JSON.stringify(err)).not.toContain('wrong-password-value-123');
      expect(bad.logs()).not.toContain('wrong-password-value-123');
      expect(bad.logs()).not.toContain(Buffer.from(`${USERNAME}:wrong-password-value-123`).toString('base64'));
    } finally {
      await bad.close();
    }
  });

  it('says when EWS_URL points nowhere', async () => {
    const wrong = await setupEws();
    try {
      const url = new URL(wrong.sim.url);
      url.pathname = '/owa/';
      const { EwsClient } = await import('../../../src/vendors/ews/client.ts');
      const { testDispatcher } = await import('../../helpers/tls.ts');
      const { silentLogger } = await import('../../../src/log/logger.ts');
      const c = new EwsClient({ url: url.href, auth: { kind: 'basic', username: USERNAME, password: PASSWORD }, log: silentLogger(), dispatcher: testDispatcher() });
      const err = (await c.testConnectivity().catch((e: unknown) => e)) as EwsError;
      expect(err.status).toBe(404);
      expect(err.message).toMatch(/\/EWS\/Exchange\.asmx/);
    } finally {
      await wrong.close();
    }
  });

  it('refuses Basic over plain http to another host', async () => {
    const { EwsClient } = await import('../../../src/vendors/ews/client.ts');
    const { silentLogger } = await import('../../../src/log/logger.ts');
    expect(() => new EwsClient({ url: 'http://mail.contoso.test/EWS/Exchange.asmx', auth: { kind: 'basic', username: USERNAME, password: PASSWORD }, log: silentLogger() })).toThrow(/must use https/);
  });

  it('sends an OAuth bearer token from the token provider and drops it after a 401', async () => {
    const oauth = await setupEws({ bearerToken: 'token-2' }, {});
    try {
      const scopes: string[] = [];
      const invalidated: string[] = [];
      let n = 0;
      const { EwsClient } = await import('../../../src/vendors/ews/client.ts');
      const { testDispatcher } = await import('../../helpers/tls.ts');
      const { silentLogger } = await import('../../../src/log/logger.ts');
      const c = new EwsClient({
        url: oauth.sim.url,
        auth: { kind: 'oauth', tokens: { getToken: async (s) => (scopes.push(s), `token-${++n}`), invalidate: (s) => void invalidated.push(s) } },
        log: silentLogger(),
        dispatcher: testDispatcher(),
      });
      const r = await c.testConnectivity(undefined, { impersonate: REPORTS });
      expect(r.folder.displayName).toBe('Inbox');
      const origin = new URL(oauth.sim.url).origin;
      expect(scopes).toEqual([`${origin}/.default`, `${origin}/.default`]);
      expect(invalidated).toEqual([`${origin}/.default`]);
      expect(oauth.sim.requests.map((r) => r.status)).toEqual([401, 200]);
      expect(oauth.sim.requests.at(-1)?.auth).toBe('bearer');
    } finally {
      await oauth.close();
    }
  });

  it('names the missing ApplicationImpersonation role when impersonation is refused', async () => {
    const denied = await setupEws({ impersonation: [ALICE] });
    try {
      const err = (await denied.client.testConnectivity(undefined, { impersonate: REPORTS }).catch((e: unknown) => e)) as EwsError;
      expect(err).toBeInstanceOf(EwsError);
      expect(err.responseCode).toBe('ErrorImpersonateUserDenied');
      expect(err.message).toContain('ApplicationImpersonation');
      expect(err.message).toContain(REPORTS);
      expect(err.retryable).toBe(false);
    } finally {
      await denied.close();
    }
  });
});

describe('folders', () => {
  beforeEach(async () => {
    t = await setupEws();
  });

  it('resolves paths with escaped slashes, distinguished names and any case', async () => {
    const id = t.sim.addFolder(REPORTS, 'Inbox/test\\/exp/Deeper');
    const ref = await t.client.resolveFolder({ path: 'inbox/TEST\\/EXP/deeper', mailbox: REPORTS });
    expect(ref).toEqual({ id });
    const junk = await t.client.resolveFolder({ path: 'Junk Email', mailbox: REPORTS });
    expect(junk).toEqual({ distinguished: 'junkemail', mailbox: REPORTS });
    const top = t.sim.addFolder(REPORTS, 'Projects/Phish');
    expect(await t.client.resolveFolder({ path: 'Projects/Phish', mailbox: REPORTS })).toEqual({ id: top });
  });

  it('caches a resolved path per mailbox', async () => {
    t.sim.addFolder(REPORTS, 'Inbox/Phish');
    await t.client.resolveFolder({ path: 'Inbox/Phish', mailbox: REPORTS });
    const before = t.sim.requests.length;
    await t.client.resolveFolder({ path: 'Inbox/Phish', mailbox: REPORTS });
    expect(t.sim.requests.length).toBe(before);
    t.sim.addFolder(ALICE, 'Inbox/Phish');
    await t.client.resolveFolder({ path: 'Inbox/Phish', mailbox: ALICE });
    expect(t.sim.requests.length).toBeGreaterThan(before);
  });

  it('says which level of a path is missing and what is there instead', async () => {
    t.sim.addFolder(REPORTS, 'Inbox/Phish');
    t.sim.addFolder(REPORTS, 'Inbox/Spam');
    const err = (await t.client.resolveFolder({ path: 'Inbox/Phish/2026', mailbox: REPORTS }).catch((e: unknown) => e)) as EwsError;
    expect(err.responseCode).toBe('ErrorFolderNotFound');
    expect(err.message).toContain('no "2026" under "Inbox/Phish"');
    const err2 = (await t.client.resolveFolder({ path: 'Inbox/Fish', mailbox: REPORTS }).catch((e: unknown) => e)) as EwsError;
    expect(err2.message).toMatch(/there: (Phish, Spam|Spam, Phish)/);
  });

  it('walks the public folders root level by level', async () => {
    const id = t.sim.addPublicFolder('Security/Quarantine');
    expect(await t.client.resolveFolder({ path: 'Security/Quarantine', publicFolder: true })).toEqual({ id });
    const tree = await t.client.listFolderTree({ distinguished: 'publicfoldersroot' });
    expect(tree.folders.map((f) => f.path)).toEqual(['Security', 'Security/Quarantine']);
    // A deep traversal is never sent for public folders (Exchange refuses it).
    expect(t.sim.requests.filter((r) => r.operation === 'FindFolder').every((r) => r.xml.includes('Traversal="Shallow"'))).toBe(true);
  });

  it('lists a mailbox folder tree with paths', async () => {
    t.sim.addFolder(REPORTS, 'Inbox/a\\/b/c');
    const tree = await t.client.listFolderTree({ distinguished: 'msgfolderroot', mailbox: REPORTS });
    const paths = tree.folders.map((f) => f.path);
    expect(paths).toContain('Inbox/a\\/b/c');
    expect(paths).toContain('Junk Email');
  });
});

describe('run query (searchMailbox)', () => {
  beforeEach(async () => {
    t = await setupEws();
    for (let i = 0; i < 5; i++) t.sim.addItem(REPORTS, 'Inbox', mail({ subject: `Invoice ${i}` }), { received: `2026-11-0${i + 1}T10:00:00Z` });
    for (let i = 0; i < 3; i++) t.sim.addItem(REPORTS, 'Inbox/phishing', mail({ subject: `Phish invoice ${i}`, from: 'ceo@evil.example' }), { received: `2026-10-1${i}T10:00:00Z` });
    t.sim.addItem(REPORTS, 'Sent Items', mail({ subject: 'Lunch?', from: REPORTS }), { received: '2026-11-03T12:00:00Z' });
    t.sim.addItem(REPORTS, 'Calendar', mail({ subject: 'Invoice meeting' }), { received: '2026-11-03T12:00:00Z' });
  });

  it('searches the folder and its subfolders, the range applied per folder, newest first', async () => {
    const r = await t.client.searchMailbox({ mailbox: REPORTS, folder: 'Inbox', filter: { subject: 'invoice' }, range: '1-2' }, { impersonate: REPORTS });
    expect(r.folders.map((f) => f.path)).toEqual(['Inbox', 'Inbox/phishing']);
    const inbox = r.folders[0];
    expect(inbox?.items.map((i) => i.subject)).toEqual(['Invoice 3', 'Invoice 2']);
    expect(inbox?.totalItemsInView).toBe(5);
    expect(r.folders[1]?.items.map((i) => i.subject)).toEqual(['Phish invoice 1', 'Phish invoice 0']);
    expect(r.items).toHaveLength(4);
    expect(r.items[3]?.folderPath).toBe('Inbox/phishing');
    // Shallow FindItem per folder: Deep works only on search folders.
    expect(t.sim.requests.filter((q) => q.operation === 'FindItem').every((q) => q.xml.includes('Traversal="Shallow"'))).toBe(true);
  });

  it('ignores subfolders when asked', async () => {
    const r = await t.client.searchMailbox({ mailbox: REPORTS, folder: 'Inbox', ignoreSubfolders: true });
    expect(r.folders.map((f) => f.path)).toEqual(['Inbox']);
    expect(r.items).toHaveLength(5);
  });

  it('searches every mail folder (not the calendar) without a folder', async () => {
    const r = await t.client.searchMailbox({ mailbox: REPORTS, filter: { subject: 'invoice' }, range: '0-100' });
    const paths = r.folders.map((f) => f.path);
    expect(paths).toContain('Inbox');
    expect(paths).toContain('Inbox/phishing');
    expect(paths).toContain('Sent Items');
    expect(paths).not.toContain('Calendar');
    expect(r.items.map((i) => i.subject)).not.toContain('Invoice meeting');
    expect(r.items).toHaveLength(8);
  });

  it('ANDs sender, subject and message id; a message id without brackets still matches', async () => {
    const id = '<unique-77@mail.evil.example>';
    t.sim.addItem(REPORTS, 'Inbox', mail({ subject: 'Invoice special', from: 'ceo@evil.example', messageId: id }));
    const r = await t.client.searchMailbox({ mailbox: REPORTS, folder: 'Inbox', filter: { sender: 'CEO@evil.example', subject: 'special', internetMessageId: 'unique-77@mail.evil.example' } });
    expect(r.items.map((i) => i.internetMessageId)).toEqual([id]);
    const none = await t.client.searchMailbox({ mailbox: REPORTS, folder: 'Inbox', filter: { sender: 'someone@else.example', subject: 'special' } });
    expect(none.items).toHaveLength(0);
  });

  it('uses an AQS query instead of the filters, and says which filters it ignored', async () => {
    const r = await t.client.searchMailbox({ mailbox: REPORTS, folder: 'Inbox', query: 'subject:phish', filter: { body: 'x', subject: 'Invoice 1' } });
    expect(r.ignoredFilters.sort()).toEqual(['body', 'subject']);
    expect(r.items.map((i) => i.subject).sort()).toEqual(['Phish invoice 0', 'Phish invoice 1', 'Phish invoice 2']);
    const q = t.sim.requests.find((x) => x.operation === 'FindItem');
    expect(q?.xml).toContain('<m:QueryString>subject:phish</m:QueryString>');
    expect(q?.xml).not.toContain('Restriction');
  });

  it('rejects a malformed range before calling Exchange', async () => {
    const before = t.sim.requests.length;
    await expect(t.client.searchMailbox({ mailbox: REPORTS, range: '10-2' })).rejects.toThrow(/max_offset/);
    await expect(t.client.searchMailbox({ mailbox: REPORTS, range: 'latest' })).rejects.toThrow(/min_offset-max_offset/);
    expect(t.sim.requests.length).toBe(before);
  });
});

describe('items', () => {
  let id: string;
  beforeEach(async () => {
    t = await setupEws();
    id = t.sim.addItem(REPORTS, 'Inbox', mail({ subject: 'Reset your password', from: 'it@evil.example', messageId: '<pw-1@mail.evil.example>' }), { categories: ['Old'] });
  });

  it('gets an item with its MIME, body, headers and transport headers', async () => {
    const item = await t.client.getItem(id, {}, { impersonate: REPORTS });
    expect(item.subject).toBe('Reset your password');
    expect(item.mime?.toString('utf8')).toContain('Subject: Reset your password');
    expect(item.body?.type).toBe('Text');
    expect(item.body?.content).toContain('https://pay.evil.example/invoice');
    expect(item.internetMessageHeaders.find((h) => h.name === 'Message-ID')?.value).toBe('<pw-1@mail.evil.example>');
    expect(item.transportHeaders).toContain('From: "Sender" <it@evil.example>');
    expect(item.from?.email).toBe('it@evil.example');
    expect(item.toRecipients.map((m) => m.email)).toEqual([ALICE]);
    expect(item.categories).toEqual(['Old']);
    expect(t.sim.requests.at(-1)?.xml).toContain('PropertyTag="0x007D"');
  });

  it('answers each id of a batch on its own: a missing id is an outcome, not an exception', async () => {
    const out = await t.client.getItems([id, 'AAMkAGIdoesNotExist0000000000000000000000000000'], { mime: false });
    expect(out.map((o) => o.ok)).toEqual([true, false]);
    expect(out[1]?.code).toBe('ErrorItemNotFound');
    expect(out[1]?.message).toMatch(/moved/);
    await expect(t.client.getItem('AAMkAGIdoesNotExist0000000000000000000000000000')).rejects.toMatchObject({ responseCode: 'ErrorItemNotFound' });
  });

  it('deletes several ids in one call, to Deleted Items by default', async () => {
    const id2 = t.sim.addItem(REPORTS, 'Inbox', mail());
    const out = await t.client.deleteItems([id, ` ${id2} `, 'AAMkAGIgone0000000000000000000000000000000000'], undefined, { impersonate: REPORTS });
    expect(out.map((o) => [o.ok, o.code])).toEqual([
      [true, 'NoError'],
      [true, 'NoError'],
      [false, 'ErrorItemNotFound'],
    ]);
    expect(t.sim.requests.filter((r) => r.operation === 'DeleteItem')).toHaveLength(1);
    expect(t.sim.requests.at(-1)?.xml).toContain('DeleteType="MoveToDeletedItems"');
    expect(t.sim.items(REPORTS, 'Deleted Items')).toHaveLength(2);
    await t.client.deleteItems([t.sim.items(REPORTS, 'Deleted Items')[0]?.id as string], 'HardDelete');
    expect(t.sim.items(REPORTS, 'Deleted Items')).toHaveLength(1);
  });

  it('moves to a folder path and returns the new id; none across mailboxes', async () => {
    t.sim.addFolder(REPORTS, 'Inbox/test/exp');
    const [moved] = await t.client.moveItems([id], { path: 'Inbox/test/exp', mailbox: REPORTS }, { impersonate: REPORTS });
    expect(moved?.ok).toBe(true);
    expect(moved?.newItemId?.id).toBeTruthy();
    expect(moved?.newItemId?.id).not.toBe(id);
    expect(t.sim.item(moved?.newItemId?.id as string)?.folderId).toBe(t.sim.folderId(REPORTS, 'Inbox/test/exp'));

    t.sim.addFolder(ALICE, 'Inbox/Evidence');
    const [copied] = await t.client.copyItems([moved?.newItemId as { id: string }], { path: 'Inbox/Evidence', mailbox: ALICE }, { impersonate: impersonationFor({ email: ALICE, impersonateEmail: 'admin@contoso.test' }, true) });
    expect(copied?.ok).toBe(true);
    expect(copied?.newItemId).toBeUndefined();
    expect(t.sim.items(ALICE, 'Inbox/Evidence')).toHaveLength(1);
    expect(t.sim.requests.at(-1)?.impersonate).toBe('admin@contoso.test');
  });

  it('copies into a public folder (no new id there either)', async () => {
    t.sim.addPublicFolder('Security/Evidence');
    const [c] = await t.client.copyItems([id], { path: 'Security/Evidence', publicFolder: true });
    expect(c?.ok).toBe(true);
    expect(c?.newItemId).toBeUndefined();
  });

  it('blocks the sender (Blocked Senders + Junk) and unblocks it with the new id', async () => {
    const [blocked] = await t.client.markAsJunk([id], { isJunk: true, moveItem: true }, { impersonate: REPORTS });
    expect(blocked?.ok).toBe(true);
    expect(t.sim.blockedSenders(REPORTS)).toEqual(['it@evil.example']);
    const newId = blocked?.newItemId?.id as string;
    expect(t.sim.item(newId)?.folderId).toBe(t.sim.folderId(REPORTS, 'junkemail'));
    const [unblocked] = await t.client.markAsJunk([newId], { isJunk: false, moveItem: true }, { impersonate: REPORTS });
    expect(unblocked?.ok).toBe(true);
    expect(t.sim.blockedSenders(REPORTS)).toEqual([]);
    expect(t.sim.item(unblocked?.newItemId?.id as string)?.folderId).toBe(t.sim.folderId(REPORTS, 'Inbox'));
  });

  it('replaces categories (not adds) and sets the subject; [] clears them', async () => {
    const r = await t.client.updateItem(id, { subject: '[PHISH] Reset your password', categories: ['Phish-Confirmed', 'Triage:Malicious'] }, { impersonate: REPORTS });
    expect(r.itemId.id).toBe(id);
    expect(r.itemId.changeKey).toBeTruthy();
    expect(t.sim.item(id)?.categories).toEqual(['Phish-Confirmed', 'Triage:Malicious']);
    expect(t.sim.item(id)?.subject).toBe('[PHISH] Reset your password');
    await t.client.updateItem(id, { categories: [] });
    expect(t.sim.item(id)?.categories).toEqual([]);
    await expect(t.client.updateItem(id, {})).rejects.toThrow(/nothing to update/);
  });
});

describe('directory', () => {
  beforeEach(async () => {
    t = await setupEws();
    t.sim.addDirectoryEntry({ email: 'dl-eng@contoso.test', name: 'Engineering', type: 'PublicDL', members: ['bob@contoso.test', 'dl-web@contoso.test', ALICE] });
    t.sim.addDirectoryEntry({ email: 'dl-web@contoso.test', name: 'Web team', type: 'PublicDL', members: ['carol@contoso.test', 'dl-eng@contoso.test', ALICE] });
    for (const [email, name] of [
      ['bob@contoso.test', 'Bob Stone'],
      ['carol@contoso.test', 'Carol King'],
      [ALICE, 'Alice Smith'],
      ['alicia@contoso.test', 'Alicia Keys'],
    ] as const) {
      t.sim.addDirectoryEntry({ email, name, type: 'Mailbox' });
    }
  });

  it('expands one level without recursing', async () => {
    const r = await t.client.expandDl('dl-eng@contoso.test');
    expect(r.members.map((m) => m.email)).toEqual(['bob@contoso.test', 'dl-web@contoso.test', ALICE]);
    expect(r.expanded).toEqual(['dl-eng@contoso.test']);
  });

  it('expands nested lists once each and reports the cycle instead of looping', async () => {
    const r = await t.client.expandDl('dl-eng@contoso.test', { recursive: true });
    expect(r.members.map((m) => m.email)).toEqual(['bob@contoso.test', 'dl-web@contoso.test', ALICE, 'carol@contoso.test', 'dl-eng@contoso.test']);
    expect(r.expanded).toEqual(['dl-eng@contoso.test', 'dl-web@contoso.test']);
    expect(r.cycles).toEqual(['dl-eng@contoso.test']);
    expect(t.sim.requests.filter((q) => q.operation === 'ExpandDL')).toHaveLength(2);
  });

  it('stops at the depth limit and says so', async () => {
    const r = await t.client.expandDl('dl-eng@contoso.test', { recursive: true, maxDepth: 0 });
    expect(r.truncated).toBe(true);
    expect(r.expanded).toEqual(['dl-eng@contoso.test']);
  });

  it('keeps the rest when a nested list cannot be expanded', async () => {
    t.sim.addDirectoryEntry({ email: 'dl-eng@contoso.test', name: 'Engineering', type: 'PublicDL', members: ['bob@contoso.test', 'dl-gone@contoso.test'] });
    t.sim.addDirectoryEntry({ email: 'dl-gone@contoso.test', name: 'Gone', type: 'PublicDL' });
    t.sim.failNext('ExpandDL', { responseCode: 'ErrorNameResolutionNoResults', message: 'No results were found.' }, 1);
    // The first ExpandDL (the root) gets the failure: the root failing is an error.
    await expect(t.client.expandDl('dl-eng@contoso.test', { recursive: true })).rejects.toMatchObject({ responseCode: 'ErrorNameResolutionNoResults' });
    const r = await t.client.expandDl('dl-eng@contoso.test', { recursive: true });
    expect(r.members.map((m) => m.email)).toEqual(['bob@contoso.test', 'dl-gone@contoso.test']);
    expect(r.failed).toEqual([]);
  });

  it('resolves names: one, several (a Warning, still answered), none (empty)', async () => {
    const one = await t.client.resolveNames('bob');
    expect(one.map((r) => r.mailbox.email)).toEqual(['bob@contoso.test']);
    expect(one[0]?.contact?.emailAddresses.EmailAddress1).toBe('SMTP:bob@contoso.test');
    const several = await t.client.resolveNames('Ali');
    expect(several.map((r) => r.mailbox.email).sort()).toEqual([ALICE, 'alicia@contoso.test']);
    expect(await t.client.resolveNames('nobody-here')).toEqual([]);
  });
});

describe('sync', () => {
  beforeEach(async () => {
    t = await setupEws();
  });

  it('pages through a folder with MaxChangesReturned and then sees only what changed', async () => {
    const ids = [0, 1, 2, 3, 4].map((i) => t.sim.addItem(REPORTS, 'Inbox', mail({ subject: `m${i}` })));
    const call = { impersonate: REPORTS };
    const p1 = await t.client.syncFolderItems({ path: 'Inbox' }, { max: 3 }, call);
    expect(p1.includesLastItemInRange).toBe(false);
    expect(p1.changes.map((c) => c.type)).toEqual(['create', 'create', 'create']);
    const p2 = await t.client.syncFolderItems({ path: 'Inbox' }, { max: 3, syncState: p1.syncState }, call);
    expect(p2.includesLastItemInRange).toBe(true);
    const created = [...p1.changes, ...p2.changes].map((c) => (c.type === 'create' ? c.item.itemId?.id : undefined));
    expect(created).toEqual(ids);
    const none = await t.client.syncFolderItems({ path: 'Inbox' }, { syncState: p2.syncState }, call);
    expect(none.changes).toEqual([]);
    t.sim.addItem(REPORTS, 'Inbox', mail());
    const more = await t.client.syncFolderItems({ path: 'Inbox' }, { syncState: none.syncState }, call);
    expect(more.changes).toHaveLength(1);
  });

  it('reports a lost SyncState as ErrorInvalidSyncStateData', async () => {
    const p = await t.client.syncFolderItems({ path: 'Inbox' }, {}, { impersonate: REPORTS });
    t.sim.expireSyncStates();
    await expect(t.client.syncFolderItems({ path: 'Inbox' }, { syncState: p.syncState }, { impersonate: REPORTS })).rejects.toMatchObject({ responseCode: 'ErrorInvalidSyncStateData' });
  });
});

describe('throttling (ErrorServerBusy, BackOffMilliseconds)', () => {
  beforeEach(async () => {
    t = await setupEws();
  });

  it('resends only the ids that came back busy, after the back-off Exchange asked for', async () => {
    const ids = [0, 1, 2, 3].map(() => t.sim.addItem(REPORTS, 'Inbox', mail()));
    t.sim.failNext('DeleteItem', { responseCode: 'ErrorServerBusy', backOffMs: 1234, items: 2 });
    const out = await t.client.deleteItems(ids);
    expect(out.every((o) => o.ok)).toBe(true);
    expect(t.sleeps).toEqual([1234]);
    const calls = t.sim.requests.filter((r) => r.operation === 'DeleteItem');
    expect(calls).toHaveLength(2);
    expect((calls[1]?.xml.match(/<t:ItemId /g) ?? []).length).toBe(2);
    expect(t.sim.items(REPORTS, 'Inbox')).toHaveLength(0);
  });

  it('resends a write Exchange refused whole with a busy fault (HTTP 500)', async () => {
    const id = t.sim.addItem(REPORTS, 'Inbox', mail());
    t.sim.failNext('MoveItem', { fault: { responseCode: 'ErrorServerBusy', message: 'The server cannot service this request right now. Try again later.', backOffMs: 2500 } });
    const [r] = await t.client.moveItems([id], { distinguished: 'junkemail' });
    expect(r?.ok).toBe(true);
    expect(t.sim.requests.filter((q) => q.operation === 'MoveItem').map((q) => q.status)).toEqual([500, 200]);
    // The fault's BackOffMilliseconds is read from the whole body (describeError), so the resend
    // waits as long as Exchange asked, not the HTTP layer's own backoff.
    expect(t.sleeps).toEqual([2500]);
  });

  it('fails with retryAfterMs when the back-off is longer than a call may wait', async () => {
    t.sim.failNext('SyncFolderItems', { responseCode: 'ErrorServerBusy', backOffMs: 297_749 });
    const err = (await t.client.syncFolderItems({ distinguished: 'inbox' }).catch((e: unknown) => e)) as EwsError;
    expect(err.responseCode).toBe('ErrorServerBusy');
    expect(err.retryAfterMs).toBe(297_749);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/throttling/);
    expect(t.sleeps).toEqual([]);
  });

  it('gives up after busyRetries and says the item is still busy', async () => {
    const id = t.sim.addItem(REPORTS, 'Inbox', mail());
    t.sim.failNext('DeleteItem', { responseCode: 'ErrorServerBusy', backOffMs: 10 }, 5);
    const [r] = await t.client.deleteItems([id]);
    expect(r).toMatchObject({ ok: false, code: 'ErrorServerBusy' });
    expect(t.sleeps).toEqual([10, 10]);
  });

  it('lets the HTTP layer retry a 503 on a read (IIS queue full)', async () => {
    t.sim.failNext('GetFolder', { status: 503, body: 'Service Unavailable', headers: { 'retry-after': '2' } });
    const r = await t.client.testConnectivity();
    expect(r.folder.displayName).toBe('Inbox');
    expect(t.sleeps).toEqual([2000]);
  });

  it('does not resend a change after a bare 503, and says it was not done', async () => {
    const id = t.sim.addItem(REPORTS, 'Inbox', mail());
    t.sim.failNext('DeleteItem', { status: 503, body: 'Service Unavailable' });
    const err = (await t.client.deleteItems([id]).catch((e: unknown) => e)) as EwsError;
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
    expect(t.sim.requests.filter((r) => r.operation === 'DeleteItem')).toHaveLength(1);
    expect(t.sim.items(REPORTS, 'Inbox')).toHaveLength(1);
  });
});

describe('errors', () => {
  beforeEach(async () => {
    t = await setupEws();
  });

  it('turns a malformed id into a per-id outcome with words', async () => {
    const [r] = await t.client.deleteItems(['not an id!']);
    expect(r).toMatchObject({ ok: false, code: 'ErrorInvalidIdMalformed' });
    expect(r?.message).toMatch(/not a valid EWS item id/);
  });

  it('refuses an empty id list without calling Exchange', async () => {
    await expect(t.client.deleteItems([' ', ''])).rejects.toThrow(/no item id/);
    expect(t.sim.requests).toHaveLength(0);
  });

  it('decodes a schema-validation fault into a clear, non-retryable error', async () => {
    // A write is not retried by the HTTP layer: the first fault is the answer.
    const id = t.sim.addItem(REPORTS, 'Inbox', mail());
    t.sim.failNext('DeleteItem', { fault: { responseCode: 'ErrorSchemaValidation', message: 'The request failed schema validation.' } });
    const err = (await t.client.deleteItems([id]).catch((e: unknown) => e)) as EwsError;
    expect(err.responseCode).toBe('ErrorSchemaValidation');
    expect(err.message).toMatch(/Hookline bug/);
    expect(err.retryable).toBe(false);
    expect(err.attempts).toBe(1);
  });

  it('does not retry a permanent SOAP fault, and explains it', async () => {
    // describeError reads the fault: ErrorNonExistentMailbox will not go away by asking again.
    t.sim.failNext('GetFolder', { fault: { responseCode: 'ErrorNonExistentMailbox', message: 'No mailbox with such guid.' } }, 10);
    const err = (await t.client.testConnectivity('ghost@contoso.test').catch((e: unknown) => e)) as EwsError;
    expect(err.responseCode).toBe('ErrorNonExistentMailbox');
    expect(err.message).toContain('does not exist');
    expect(err.attempts).toBe(1);
    expect(t.sleeps).toHaveLength(0);
  });

  it('reports an answer that is not SOAP as a decode error', async () => {
    t.sim.failNext('GetFolder', { status: 200, body: '<html><body>Outlook Web App</body></html>', headers: { 'content-type': 'text/html' } });
    const err = (await t.client.testConnectivity().catch((e: unknown) => e)) as EwsError;
    expect(err.kind).toBe('decode');
    expect(err.message).toMatch(/not a SOAP envelope \(root element html\)/);
  });
});
