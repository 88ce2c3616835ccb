// The response decoders on real Exchange answers: the 258 recorded Exchange Online responses in
// shared/corpus/ews/responses (every FindItem / GetItem / FindFolder / GetFolder / MoveItem /
// DeleteItem / UpdateItem / SyncFolderItems one decodes, fields spot-checked) and Microsoft's
// documented examples in shared/corpus/ews/examples (ResolveNames, ExpandDL, MarkAsJunk, and the
// examples that break the schema: `t:ItemID`, raw HTML inside t:Body, faults). Skips with a
// message when the corpus is absent.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  decodeExpandDL,
  decodeFindFolder,
  decodeFindItem,
  decodeGetFolder,
  decodeGetItem,
  decodeMarkAsJunk,
  decodeNewItemId,
  decodeResolveNames,
  decodeSyncFolderItems,
  decodeUpdateItem,
  responseMessages,
  type ResponseMessage,
} from '../../../src/vendors/ews/decode.ts';
import { EwsError } from '../../../src/vendors/ews/errors.ts';
import { readEnvelope } from '../../../src/vendors/ews/soap.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CORPUS = path.resolve(projectRoot, '..', 'shared', 'corpus', 'ews');
const present = existsSync(path.join(CORPUS, 'responses')) && existsSync(path.join(CORPUS, 'examples'));
if (!present) console.warn(`[skip] EWS corpus decoding skipped: ${CORPUS} is absent`);

const read = (sub: string, file: string) => readFileSync(path.join(CORPUS, sub, file), 'utf8');
const messagesOf = (sub: string, file: string, op: string): ResponseMessage[] => responseMessages(readEnvelope(read(sub, file)), op);
const only = (sub: string, file: string, op: string): ResponseMessage => {
  const [m] = messagesOf(sub, file, op);
  if (!m) throw new Error(`${file}: no message`);
  return m;
};

/** Operation -> what decoding a Success message means for it. */
const DECODERS: Record<string, (m: ResponseMessage) => unknown> = {
  FindItem: decodeFindItem,
  GetItem: decodeGetItem,
  FindFolder: decodeFindFolder,
  GetFolder: decodeGetFolder,
  MoveItem: decodeNewItemId,
  DeleteItem: () => undefined,
  UpdateItem: decodeUpdateItem,
  SyncFolderItems: decodeSyncFolderItems,
};

describe.skipIf(!present)('recorded Exchange responses (corpus/ews/responses)', () => {
  const files = present ? readdirSync(path.join(CORPUS, 'responses')).sort() : [];

  it('every recorded answer is read as a SOAP envelope with a server version', () => {
    expect(files.length).toBeGreaterThanOrEqual(250);
    for (const f of files) {
      const a = readEnvelope(read('responses', f));
      expect(a.body.name, f).toMatch(/Response$/);
      expect(a.serverVersion?.majorVersion, f).toBe(15);
    }
  });

  for (const [op, decode] of Object.entries(DECODERS)) {
    it(`every ${op} answer decodes, each message with a class and a code`, () => {
      const mine = files.filter((f) => f.startsWith(`${op}Response__`));
      expect(mine.length).toBeGreaterThan(0);
      for (const f of mine) {
        for (const m of messagesOf('responses', f, op)) {
          expect(['Success', 'Warning', 'Error'], f).toContain(m.responseClass);
          expect(m.code, f).toMatch(/^(NoError|Error\w+)$/);
          if (m.responseClass === 'Success') expect(() => decode(m), f).not.toThrow();
        }
      }
    });
  }

  it('the GetServerTimeZones answer that violates the XSD is still read', () => {
    const [m] = messagesOf('responses', 'GetServerTimeZonesResponse__APITest.testGetServerTimezones_0.xml', 'GetServerTimeZones');
    expect(m?.code).toBe('NoError');
  });

  it('FindItem: items in order, ids, entity-decoded message ids, flags, paging', () => {
    const page = decodeFindItem(only('responses', 'FindItemResponse__MailAPITest.testGetUnreadMailItems_17.xml', 'FindItem'));
    expect(page.totalItemsInView).toBe(2);
    expect(page.includesLastItemInRange).toBe(true);
    expect(page.items.map((i) => i.kind)).toEqual(['Message', 'Message']);
    const [first, second] = page.items;
    expect(first?.itemId?.id).toMatch(/^AQMkADllMTlh.*kgAAAA==$/);
    expect(first?.itemId?.changeKey).toBe('CQAAABYAAAC30utV9Qm1Tp6i563HuBDKAAER7BqW');
    expect(first?.internetMessageId).toBe('<LO2P123MB16946D16C3D8E75D9E57A3E6DC270@LO2P123MB1694.GBRP123.PROD.OUTLOOK.COM>');
    expect(first?.dateTimeReceived).toBe('2020-09-10T14:15:27Z');
    expect([first?.isRead, second?.isRead]).toEqual([false, true]);
    expect(first?.size).toBe(1793);
  });

  it('GetItem: an HTML body with character references decoded', () => {
    const [item] = decodeGetItem(only('responses', 'GetItemResponse__MailAPITest.testGetSingleMailItem_9.xml', 'GetItem'));
    expect(item?.subject).toBe('Test Message');
    expect(item?.body?.type).toBe('HTML');
    expect(item?.body?.content).toContain('<html><head>\r\n<meta http-equiv="Content-Type"');
    expect(item?.body?.content).toContain('Test Draft Body');
    expect(item?.parentFolderId?.id).toBeTruthy();
  });

  it('GetItem: calendar items with an empty self-closing body', () => {
    const items = decodeGetItem(only('responses', 'GetItemResponse__APITest.testGetItems_1.xml', 'GetItem'));
    expect(items[0]?.kind).toBe('CalendarItem');
    expect(items[0]?.body).toBeUndefined();
  });

  it('FindFolder and GetFolder: names, counts, parent ids', () => {
    const ff = decodeFindFolder(only('responses', 'FindFolderResponse__MailAPITest.testGetFolderId_0.xml', 'FindFolder'));
    expect(ff.folders.map((f) => [f.displayName, f.folderClass, f.totalCount, f.childFolderCount])).toEqual([['Test', 'IPF.Note', 0, 0]]);
    expect(ff.folders[0]?.parentFolderId?.id).toBeTruthy();
    const [inbox] = decodeGetFolder(only('responses', 'GetFolderResponse__MailAPITest.testGetFolderId_3.xml', 'GetFolder'));
    expect([inbox?.displayName, inbox?.totalCount, inbox?.unreadCount, inbox?.childFolderCount]).toEqual(['Inbox', 182, 182, 1]);
  });

  it('SyncFolderItems: the SyncState, a created calendar item, and an empty change set', () => {
    const s = decodeSyncFolderItems(only('responses', 'SyncFolderItemsResponse__APITest.testListItemChanges_2.xml', 'SyncFolderItems'));
    expect(s.syncState).toMatch(/^H4sIAAAAAAAEAGNg/);
    expect(s.includesLastItemInRange).toBe(true);
    expect(s.changes).toHaveLength(1);
    expect(s.changes[0]?.type).toBe('create');
    expect(s.changes[0]?.type === 'create' ? s.changes[0].item.kind : '').toBe('CalendarItem');
    const empty = decodeSyncFolderItems(only('responses', 'SyncFolderItemsResponse__APITest.testListItemChanges_3.xml', 'SyncFolderItems'));
    expect(empty.changes).toEqual([]);
  });

  it('MoveItem and UpdateItem: the new id and change key', () => {
    expect(decodeNewItemId(only('responses', 'MoveItemResponse__MailAPITest.testGetMailItems_8.xml', 'MoveItem'))?.changeKey).toBe('CQAAABYAAAC30utV9Qm1Tp6i563HuBDKAAER7BqC');
    const u = decodeUpdateItem(only('responses', 'UpdateItemResponse__MailAPITest.testMarkMailAsRead_9.xml', 'UpdateItem'));
    expect(u.itemId?.changeKey).toBe('CQAAAA==');
    expect(u.conflicts).toBe(0);
  });

  it('DeleteItem: a failed delete is an Error message with its code', () => {
    const m = only('responses', 'DeleteItemResponse__APITest.testDeleteItemsFail_2.xml', 'DeleteItem');
    expect([m.responseClass, m.code]).toEqual(['Error', 'ErrorItemNotFound']);
    expect(m.messageText).toContain('not found in the store');
  });
});

describe.skipIf(!present)("Microsoft's documented examples (corpus/ews/examples)", () => {
  it('ResolveNames: a resolution with its contact, and "no results"', () => {
    const [r] = decodeResolveNames(only('examples', 'resolvenames-operation__2.xml', 'ResolveNames'));
    expect(r?.mailbox).toEqual({ name: 'User2', email: 'User2@example.com', routingType: 'SMTP', mailboxType: 'Mailbox' });
    expect(r?.contact?.emailAddresses).toEqual({ EmailAddress1: 'SMTP:User2@example.com' });
    expect(r?.contact?.contactSource).toBe('ActiveDirectory');
    const none = only('examples', 'resolvenames-operation__3.xml', 'ResolveNames');
    expect([none.responseClass, none.code]).toEqual(['Error', 'ErrorNameResolutionNoResults']);
  });

  it('ExpandDL: the members, and the error of an unknown list', () => {
    const d = decodeExpandDL(only('examples', 'expanddl-operation__3.xml', 'ExpandDL'));
    expect(d.members.map((m) => m.email)).toEqual(['dpark@exampledomain.com', 'jprice@exampledomain.com', 'tplate@exampledomain.com']);
    expect(d.members.every((m) => m.mailboxType === 'Mailbox')).toBe(true);
    expect(d.includesLastItemInRange).toBe(true);
    expect(only('examples', 'expanddl-operation__4.xml', 'ExpandDL').code).toBe('ErrorNameResolutionNoResults');
  });

  it('MarkAsJunk: the moved item id (s:/h: prefixes), and ErrorItemNotFound', () => {
    expect(decodeMarkAsJunk(only('examples', 'markasjunk-operation__2.xml', 'MarkAsJunk'))).toEqual({ id: 'AAMkAD=', changeKey: 'CQAAABYu' });
    expect(only('examples', 'markasjunk-operation__4.xml', 'MarkAsJunk').code).toBe('ErrorItemNotFound');
  });

  it('CopyItem and MoveItem examples write t:ItemID (wrong case): still read', () => {
    expect(decodeNewItemId(only('examples', 'copyitem-operation__2.xml', 'CopyItem'))).toEqual({ id: 'AAMkAd', changeKey: 'FwAAABY' });
    expect(decodeNewItemId(only('examples', 'moveitem-operation__2.xml', 'MoveItem'))).toEqual({ id: 'AAMkAd', changeKey: 'FwAAABY' });
    expect(only('examples', 'copyitem-operation__3.xml', 'CopyItem').code).toBe('ErrorInvalidIdMalformed');
  });

  it('GetItem example with raw, unescaped HTML inside t:Body keeps the HTML as the body', () => {
    const [item] = decodeGetItem(only('examples', 'getitem-operation-email-message__2.xml', 'GetItem'));
    expect(item?.body?.content).toContain('<html dir="ltr">');
    expect(item?.body?.content).toContain('&nbsp;');
    expect(item?.mime?.toString('latin1')).toBe('Recei');
    expect(item?.from?.email).toBe('User2@example.com');
    expect(item?.toRecipients.map((m) => m.email)).toEqual(['User1@example.com']);
    expect(item?.subject).toBeUndefined();
  });

  it('SyncFolderItems example: a MeetingRequest create (a phishing invite is one)', () => {
    const s = decodeSyncFolderItems(only('examples', 'syncfolderitems-operation__2.xml', 'SyncFolderItems'));
    expect(s.changes.map((c) => (c.type === 'create' ? c.item.kind : c.type))).toEqual(['MeetingRequest']);
  });

  it('SOAP faults become EwsErrors with the response code, or the fault string', () => {
    const schema = (() => {
      try {
        responseMessages(readEnvelope(read('examples', 'updateitem-operation-contact__4.xml')), 'UpdateItem');
      } catch (e) {
        return e;
      }
    })() as EwsError;
    expect(schema).toBeInstanceOf(EwsError);
    expect(schema.responseCode).toBe('ErrorSchemaValidation');
    expect(schema.message).toContain('EmailAddressKeyType');
    const denied = (() => {
      try {
        responseMessages(readEnvelope(read('examples', 'getuseroofsettings-operation__3.xml')), 'GetUserOofSettings');
      } catch (e) {
        return e;
      }
    })() as EwsError;
    expect(denied.responseCode).toBeUndefined();
    expect(denied.code).toBe('soap:Client');
    expect(denied.message).toContain('User is not mailbox owner');
  });

  it('every documented response of the operations the client uses decodes or fails with an EwsError', () => {
    const ours = /^(finditem|getitem|findfolder|getfolder|moveitem|copyitem|deleteitem|updateitem|markasjunk|expanddl|resolvenames|syncfolderitems)/;
    let responses = 0;
    for (const f of readdirSync(path.join(CORPUS, 'examples')).filter((x) => ours.test(x))) {
      const a = readEnvelope(read('examples', f));
      if (!a.body.name.endsWith('Response') && !a.fault) continue;
      responses++;
      try {
        for (const m of responseMessages(a, a.body.name.replace(/Response$/, ''))) expect(m.code, f).toBeTruthy();
      } catch (e) {
        expect(e, f).toBeInstanceOf(EwsError);
      }
    }
    expect(responses).toBeGreaterThanOrEqual(15);
  });
});
