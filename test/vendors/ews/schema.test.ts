// Every EWS request the client builds validates against the EWS schema (issue 5 "Tests"): the
// schema files of shared/corpus/ews/schema, checked with xmllint (Debian libxml2-utils, installed
// by .ci/run). Two sources of bodies: every builder with each option that changes its output, and
// what the real client actually sent to the simulator while running every operation. The schema
// has no SOAP envelope, so each Body child and each SOAP header element is validated on its own.
// Skips, saying why, when xmllint or the corpus is missing.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope, headerElements } from '../../../src/vendors/ews/soap.ts';
import {
  deleteItemRequest,
  expandDlRequest,
  findFolderRequest,
  findItemRequest,
  getFolderRequest,
  getItemRequest,
  markAsJunkRequest,
  moveCopyRequest,
  resolveNamesRequest,
  syncFolderItemsRequest,
  updateItemRequest,
} from '../../../src/vendors/ews/requests.ts';
import { filterRestriction } from '../../../src/vendors/ews/restrictions.ts';
import { buildXml, el, type XmlElement } from '../../../src/vendors/ews/xml.ts';
import { ALICE, REPORTS, mail, setupEws } from './setup.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCHEMA_DIR = path.resolve(projectRoot, '..', 'shared', 'corpus', 'ews', 'schema');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const hasSchema = existsSync(path.join(SCHEMA_DIR, 'messages.xsd'));
const skipReason = !hasSchema ? `EWS schema not found at ${SCHEMA_DIR}` : !hasXmllint ? 'xmllint is not installed (apt-get install libxml2-utils; .ci/run does it)' : undefined;
if (skipReason) console.warn(`[skip] EWS request schema validation skipped: ${skipReason}`);

let dir = '';

/** A temp copy of the schema; types.xsd's xml-namespace import gets its schemaLocation (corpus README). */
function prepareSchema(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'hookline-ews-xsd-'));
  for (const f of ['messages.xsd', 'types.xsd', 'xml.xsd']) copyFileSync(path.join(SCHEMA_DIR, f), path.join(d, f));
  const types = path.join(d, 'types.xsd');
  const text = readFileSync(types, 'utf8');
  const fixed = text.replace(/<xs:import\s+namespace="http:\/\/www\.w3\.org\/XML\/1998\/namespace"\s*\/>/, '<xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="xml.xsd"/>');
  if (fixed !== text) writeFileSync(types, fixed);
  return d;
}

/** Validates documents with one xmllint run; returns the names that failed, with xmllint's words. */
function validate(docs: Record<string, string>): { failed: Record<string, string>; checked: number } {
  const files = Object.entries(docs).map(([name, xml], i) => {
    const f = path.join(dir, `${String(i).padStart(3, '0')}-${name.replace(/[^\w.-]+/g, '_')}.xml`);
    writeFileSync(f, xml);
    return { name, f };
  });
  const r = spawnSync('xmllint', ['--noout', '--schema', path.join(dir, 'messages.xsd'), ...files.map((x) => x.f)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const out = `${r.stdout}\n${r.stderr}`;
  const failed: Record<string, string> = {};
  for (const { name, f } of files) {
    if (out.includes(`${f} validates`)) continue;
    failed[name] = out
      .split('\n')
      .filter((l) => l.includes(f))
      .join('\n');
  }
  return { failed, checked: files.length };
}

/** The Body child and the header elements of an envelope the client sent. */
function partsOf(envelope: string): string[] {
  const body = /<soap:Body>([\s\S]*)<\/soap:Body>/.exec(envelope)?.[1];
  const headers = [...envelope.matchAll(/<t:RequestServerVersion [^>]*\/>|<t:ExchangeImpersonation [\s\S]*?<\/t:ExchangeImpersonation>/g)].map((m) => m[0]);
  return [...(body ? [body] : []), ...headers];
}

const restriction = filterRestriction({ subject: 'invoice', sender: 'x@evil.example', body: 'pay', internetMessageId: 'a@b', receivedAfter: '2026-11-01', receivedBefore: '2026-11-02T00:00:00Z' }) as XmlElement;
const junk = { distinguished: 'junkemail' as const, mailbox: REPORTS };

const BUILT: Record<string, XmlElement> = {
  'FindFolder shallow': findFolderRequest({ parent: { distinguished: 'msgfolderroot', mailbox: REPORTS }, traversal: 'Shallow' }),
  'FindFolder deep paged': findFolderRequest({ parent: { id: 'AAMkFolder' }, traversal: 'Deep', offset: 500, max: 500 }),
  'FindFolder public root': findFolderRequest({ parent: { distinguished: 'publicfoldersroot' }, traversal: 'Shallow' }),
  'GetFolder several': getFolderRequest([{ distinguished: 'inbox' }, { id: 'AAMkF', changeKey: 'AQAAAA==' }, junk]),
  'FindItem restriction': findItemRequest({ parents: [{ id: 'AAMkF' }], max: 11, offset: 2, restriction }),
  'FindItem single criterion': findItemRequest({ parents: [{ distinguished: 'inbox', mailbox: REPORTS }], max: 10, restriction: filterRestriction({ subject: 'x' }) as XmlElement }),
  'FindItem AQS ascending': findItemRequest({ parents: [{ id: 'AAMkF' }], max: 1000, queryString: 'subject:"project plan" AND from:x', sort: 'Ascending', sortBy: 'item:LastModifiedTime' }),
  'FindItem several folders': findItemRequest({ parents: [{ id: 'A' }, { id: 'B' }], max: 1, fields: ['item:Subject'] }),
  'GetItem full': getItemRequest({ ids: ['AAMk1', { id: 'AAMk2', changeKey: 'CQAA' }], mime: true, bodyType: 'Text', transportHeaders: true, maxBodySize: 65536 }),
  'GetItem ids only': getItemRequest({ ids: ['AAMk1'], fields: ['item:ItemClass'] }),
  'GetItem default shape html': getItemRequest({ ids: ['AAMk1'], baseShape: 'Default', bodyType: 'HTML' }),
  'DeleteItem MoveToDeletedItems': deleteItemRequest(['AAMk1', 'AAMk2'], 'MoveToDeletedItems'),
  'DeleteItem HardDelete': deleteItemRequest([{ id: 'AAMk1', changeKey: 'CQ' }], 'HardDelete'),
  'DeleteItem SoftDelete': deleteItemRequest(['AAMk1'], 'SoftDelete'),
  'MoveItem to folder id': moveCopyRequest('MoveItem', ['AAMk1'], { id: 'AAMkF' }),
  'MoveItem to distinguished in mailbox': moveCopyRequest('MoveItem', ['AAMk1', 'AAMk2'], junk),
  'CopyItem to public folder': moveCopyRequest('CopyItem', ['AAMk1'], { id: 'AQEuPub' }),
  'MarkAsJunk block': markAsJunkRequest(['AAMk1'], true, true),
  'MarkAsJunk unblock no move': markAsJunkRequest([{ id: 'AAMk1', changeKey: 'CQ' }], false, false),
  'UpdateItem subject and categories': updateItemRequest({ id: 'AAMk1', changeKey: 'CQ' }, { subject: '[PHISH] x', categories: ['Phish-Confirmed', 'Triage:Malicious'] }),
  'UpdateItem clear categories': updateItemRequest('AAMk1', { categories: [] }),
  'UpdateItem meeting request': updateItemRequest('AAMk1', { subject: 'x' }, 'MeetingRequest'),
  'ExpandDL by address': expandDlRequest({ email: 'dl-eng@contoso.com' }),
  'ExpandDL private list': expandDlRequest({ itemId: { id: 'AAMkDL', changeKey: 'EgAA' } }),
  'ResolveNames full': resolveNamesRequest('jsmith'),
  'ResolveNames scoped': resolveNamesRequest('j@contoso.com', { fullContactData: false, scope: 'ActiveDirectory' }),
  'SyncFolderItems first': syncFolderItemsRequest({ folder: { id: 'AAMkF' }, max: 512 }),
  'SyncFolderItems with state': syncFolderItemsRequest({ folder: { distinguished: 'inbox', mailbox: REPORTS }, syncState: 'H4sIAAAA', max: 1000 }),
};

describe.skipIf(Boolean(skipReason))('EWS requests validate against messages.xsd', () => {
  beforeAll(() => {
    dir = prepareSchema();
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the validator rejects what the schema forbids (the check can fail)', () => {
    // FindItem with ParentFolderIds before ItemShape (a sequence violation), and a bad enum value.
    const wrongOrder = el('m:FindItem', { 'xmlns:m': 'http://schemas.microsoft.com/exchange/services/2006/messages', 'xmlns:t': 'http://schemas.microsoft.com/exchange/services/2006/types', Traversal: 'Shallow' }, el('m:ParentFolderIds', undefined, el('t:DistinguishedFolderId', { Id: 'inbox' })), el('m:ItemShape', undefined));
    const badEnum = buildXml(deleteItemRequest(['AAMk1'], 'MoveToDeletedItems')).replace('MoveToDeletedItems', 'Shred');
    const r = validate({ 'wrong order': buildXml(wrongOrder), 'bad enum': badEnum, 'ok control': buildXml(deleteItemRequest(['AAMk1'], 'HardDelete')) });
    expect(Object.keys(r.failed).sort()).toEqual(['bad enum', 'wrong order']);
  });

  it('every builder output validates', () => {
    const docs = Object.fromEntries(Object.entries(BUILT).map(([k, v]) => [k, buildXml(v)]));
    docs['header RequestServerVersion'] = buildXml(headerElements({ serverVersion: 'Exchange2013' })[0] as XmlElement);
    docs['header ExchangeImpersonation'] = buildXml(headerElements({ serverVersion: 'Exchange2016', impersonate: REPORTS })[1] as XmlElement);
    const r = validate(docs);
    expect(r.failed).toEqual({});
    expect(r.checked).toBe(Object.keys(BUILT).length + 2);
  });

  it('an envelope built for the wire carries a valid body and valid headers', () => {
    const env = buildEnvelope(BUILT['FindItem restriction'] as XmlElement, { serverVersion: 'Exchange2013', impersonate: REPORTS });
    const parts = partsOf(env);
    expect(parts).toHaveLength(3);
    expect(validate(Object.fromEntries(parts.map((p, i) => [`part ${i}`, p]))).failed).toEqual({});
  });

  it('every request the client sent while running every operation validates', async () => {
    const t = await setupEws();
    try {
      const call = { impersonate: REPORTS };
      const c = t.client;
      const id = t.sim.addItem(REPORTS, 'Inbox', mail({ subject: 'Invoice <overdue> & "urgent"' }));
      const id2 = t.sim.addItem(REPORTS, 'Inbox/test\\/exp', mail());
      t.sim.addPublicFolder('Security');
      t.sim.addFolder(ALICE, 'Inbox/Evidence');
      t.sim.addDirectoryEntry({ email: 'dl@contoso.test', name: 'DL', type: 'PublicDL', members: [ALICE] });
      await c.testConnectivity(REPORTS);
      await c.searchMailbox({ mailbox: REPORTS, folder: 'Inbox', filter: { subject: 'in<v>oice & co', sender: 'a@b.example', body: 'x', internetMessageId: 'm@x' }, range: '0-9' }, call);
      await c.searchMailbox({ mailbox: REPORTS, query: 'subject:"a b" AND from:x', ignoreSubfolders: true }, call);
      await c.searchMailbox({ folder: 'Security', publicFolder: true });
      await c.getItems([id], {}, call);
      await c.getMime(id2, call);
      const [copied] = await c.copyItems([id], { path: 'Inbox/Evidence', mailbox: ALICE }, call);
      expect(copied?.ok).toBe(true);
      const [moved] = await c.moveItems([id2], { path: 'Junk Email' }, call);
      await c.markAsJunk([moved?.newItemId?.id as string], { isJunk: false, moveItem: true }, call);
      await c.updateItem(id, { subject: 'x', categories: ['A', 'B'] }, call);
      await c.updateItem(id, { categories: [] }, call);
      await c.deleteItems([id], 'SoftDelete', call);
      await c.expandDl('dl@contoso.test', { recursive: true }, call);
      await c.resolveNames('alice', {}, call);
      const s = await c.syncFolderItems({ path: 'Inbox' }, { max: 1 }, call);
      await c.syncFolderItems({ path: 'Inbox' }, { syncState: s.syncState, max: 600 }, call);

      const ops = new Set(t.sim.requests.map((r) => r.operation));
      for (const op of ['GetFolder', 'FindFolder', 'FindItem', 'GetItem', 'CopyItem', 'MoveItem', 'MarkAsJunk', 'UpdateItem', 'DeleteItem', 'ExpandDL', 'ResolveNames', 'SyncFolderItems']) expect(ops).toContain(op);
      const docs: Record<string, string> = {};
      t.sim.requests.forEach((r, i) => partsOf(r.xml).forEach((p, j) => (docs[`${i}-${r.operation}-${j}`] = p)));
      const r = validate(docs);
      expect(r.failed).toEqual({});
      expect(r.checked).toBeGreaterThan(t.sim.requests.length);

      // The simulator's answers are in the schema's shapes too, so the client is tested on
      // realistic responses (the recorded ones are covered by decode-corpus.test.ts).
      const answers: Record<string, string> = {};
      t.sim.requests.forEach((q, i) => {
        const body = /<s:Body>([\s\S]*)<\/s:Body>/.exec(q.response ?? '')?.[1];
        if (body && q.status === 200) answers[`${i}-${q.operation}Response`] = body;
      });
      expect(Object.keys(answers).length).toBe(t.sim.requests.length);
      expect(validate(answers).failed).toEqual({});
    } finally {
      await t.close();
    }
  });
});
