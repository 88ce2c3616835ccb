// A local Exchange Web Services server (Exchange Server on-prem as Hookline sees it): SOAP over
// HTTP(S) at /EWS/Exchange.asmx, answering with the shapes of the recorded Exchange responses in
// shared/corpus/ews/responses (s:Envelope, h:ServerVersionInfo, m:/t: prefixes). Used by the
// tests (over TLS with the test CA, so the real client and HTTP layer run unchanged) and by the
// product's sandbox. State lives in memory.
//
// Auth: Basic (the configured user and password) or a Bearer token (when `bearerToken` is set);
// 401 otherwise. Headers: RequestServerVersion required; ExchangeImpersonation switches the acting
// mailbox (refused with ErrorImpersonateUserDenied unless allowed).
// Operations: GetFolder, FindFolder (Shallow/Deep, paged; public folders Shallow only), FindItem
// (Shallow only, as Exchange for non-search folders; Restriction on subject / from / sender /
// body / message id / received time with And, Or, Not; a simple AQS; sort; paging), GetItem
// (MimeContent, body, headers, 0x007D transport headers), DeleteItem, MoveItem and CopyItem (the
// id changes on a move, and no new id is returned across mailboxes or into public folders, as in
// Exchange), MarkAsJunk (blocked senders list + move), UpdateItem (subject, categories replaced),
// ExpandDL, ResolveNames, SyncFolderItems (opaque SyncState, MaxChangesReturned paging).
// failNext() injects HTTP errors, SOAP faults (ErrorServerBusy with BackOffMilliseconds) and
// per-item error answers, to exercise throttling and partial failures.
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { distinguishedFolderName, parseFolderPath } from '../vendors/ews/folders.ts';
import { NS, attr, buildXml, child, childText, children, el, elements, parseXml, text, textEl, type XmlChild, type XmlElement, type XmlNode } from '../vendors/ews/xml.ts';

export interface EwsSimulatorOptions {
  /** Serve HTTPS with this key/cert (tests: test/fixtures/tls); plain HTTP otherwise. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  host?: string;
  port?: number;
  /** Basic credentials accepted (default: svc-hookline@contoso.test / any non-empty password). */
  username?: string;
  password?: string;
  /** When set, `Authorization: Bearer <this>` is accepted too (OAuth). */
  bearerToken?: string;
  /** The service account's own mailbox (default: the username when it is an address). */
  ownMailbox?: string;
  /** Mailboxes the account may impersonate: 'all' (default), 'none', or a list. */
  impersonation?: 'all' | 'none' | string[];
  now?: () => Date;
}

export interface EwsRecordedRequest {
  /** The operation (body element local name), or '' when the body could not be read. */
  operation: string;
  /** The request body as sent. */
  xml: string;
  /** Lower-case headers without authorization. */
  headers: Record<string, string>;
  auth: 'basic' | 'bearer' | 'none';
  username?: string;
  impersonate?: string;
  serverVersion?: string;
  status: number;
  /** The answer's body as sent (SOAP and error pages alike). */
  response?: string;
}

export interface SimItemMeta {
  id?: string;
  subject?: string;
  from?: string;
  internetMessageId?: string;
  /** ISO time; default the Date header, else now. */
  received?: string;
  categories?: string[];
  /** Message (default), MeetingRequest, ... */
  kind?: string;
  isRead?: boolean;
}

export interface SimItem {
  id: string;
  changeKey: string;
  mailbox: string;
  folderId: string;
  kind: string;
  itemClass: string;
  mime: Buffer;
  subject: string;
  from?: string;
  to: string[];
  cc: string[];
  internetMessageId?: string;
  received: string;
  lastModified: string;
  categories: string[];
  isRead: boolean;
  headers: { name: string; value: string }[];
  headerBlock: string;
  body: string;
}

export interface DirectoryEntry {
  email: string;
  name: string;
  /** Mailbox (user) or PublicDL (distribution list). */
  type: 'Mailbox' | 'PublicDL';
  /** For lists: member addresses (users or lists). */
  members?: string[];
}

export type EwsFailure =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { fault: { responseCode: string; message?: string; backOffMs?: number } }
  | { responseCode: string; message?: string; backOffMs?: number; /** Only the first N ids of a batched call fail (default all). */ items?: number };

export interface EwsSimulator {
  /** EWS_URL for this simulator. */
  url: string;
  /** The service account's own mailbox. */
  ownMailbox: string;
  requests: EwsRecordedRequest[];
  /** Adds a message to a mailbox folder (folders are created as needed). Returns its id. */
  addItem(mailbox: string, folderPath: string, mime: Buffer | string, meta?: SimItemMeta): string;
  addFolder(mailbox: string, folderPath: string): string;
  addPublicFolder(folderPath: string): string;
  folderId(mailbox: string, folderPath: string): string | undefined;
  items(mailbox: string, folderPath?: string): SimItem[];
  item(id: string): SimItem | undefined;
  /** Senders MarkAsJunk added to a mailbox's Blocked Senders list. */
  blockedSenders(mailbox: string): string[];
  addDirectoryEntry(entry: DirectoryEntry): void;
  /** The next `times` (default 1) requests of `operation` (or any) get `failure` instead. */
  failNext(operation: string | undefined, failure: EwsFailure, times?: number): void;
  /** Forgets every SyncState (their next use answers ErrorInvalidSyncStateData). */
  expireSyncStates(): void;
  close(): Promise<void>;
}

interface Folder {
  id: string;
  mailbox: string;
  displayName: string;
  parentId: string;
  folderClass: string;
  distinguished?: string;
}

interface MailboxState {
  address: string;
  rootId: string;
  distinguished: Map<string, string>;
  blocked: string[];
}

interface SyncStateRecord {
  folderId: string;
  seq: number;
  known: Set<string>;
}

const PUBLIC = '(public folders)';

const WELL_KNOWN: [string, string, string][] = [
  ['inbox', 'Inbox', 'IPF.Note'],
  ['drafts', 'Drafts', 'IPF.Note'],
  ['sentitems', 'Sent Items', 'IPF.Note'],
  ['deleteditems', 'Deleted Items', 'IPF.Note'],
  ['junkemail', 'Junk Email', 'IPF.Note'],
  ['outbox', 'Outbox', 'IPF.Note'],
  ['calendar', 'Calendar', 'IPF.Appointment'],
  ['contacts', 'Contacts', 'IPF.Contact'],
  ['tasks', 'Tasks', 'IPF.Task'],
];

const TYPES_ATTRS = { 'xmlns:m': NS.messages, 'xmlns:t': NS.types };

export async function startEwsSimulator(opts: EwsSimulatorOptions = {}): Promise<EwsSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? (() => new Date());
  const username = opts.username ?? 'svc-hookline@contoso.test';
  const ownMailbox = (opts.ownMailbox ?? (username.includes('@') ? username : 'svc-hookline@contoso.test')).toLowerCase();
  const requests: EwsRecordedRequest[] = [];
  const folders = new Map<string, Folder>();
  const mailboxes = new Map<string, MailboxState>();
  const items = new Map<string, SimItem>();
  const changes: { seq: number; folderId: string; itemId: string }[] = [];
  const syncStates = new Map<string, SyncStateRecord>();
  const directory = new Map<string, DirectoryEntry>();
  const failures: { operation: string | undefined; failure: EwsFailure; remaining: number }[] = [];
  let seq = 0;

  const newId = (prefix = 'AAMkAGI') => `${prefix}${randomBytes(33).toString('base64')}`;
  const newChangeKey = () => `CQAAABYA${randomBytes(12).toString('base64')}`;
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

  // ------------------------------------------------------------------ model

  function mailboxFor(address: string): MailboxState {
    const key = address.toLowerCase();
    let mb = mailboxes.get(key);
    if (!mb) {
      const rootId = newId('AQMkRoot');
      folders.set(rootId, { id: rootId, mailbox: key, displayName: 'Top of Information Store', parentId: '', folderClass: 'IPF.Note', distinguished: 'msgfolderroot' });
      mb = { address: key, rootId, distinguished: new Map([['msgfolderroot', rootId]]), blocked: [] };
      for (const [wk, name, cls] of WELL_KNOWN) {
        const id = newId('AQMkF');
        folders.set(id, { id, mailbox: key, displayName: name, parentId: rootId, folderClass: cls, distinguished: wk });
        mb.distinguished.set(wk, id);
      }
      mailboxes.set(key, mb);
      if (!directory.has(key)) directory.set(key, { email: key, name: key.split('@')[0] ?? key, type: 'Mailbox' });
    }
    return mb;
  }
  mailboxFor(ownMailbox);
  const publicRoot = newId('AQEuPub');
  folders.set(publicRoot, { id: publicRoot, mailbox: PUBLIC, displayName: 'IPM_SUBTREE', parentId: '', folderClass: 'IPF.Note', distinguished: 'publicfoldersroot' });

  const childFolders = (parentId: string) => [...folders.values()].filter((f) => f.parentId === parentId);

  function walk(startId: string, mailbox: string, segments: string[], create: boolean): Folder | undefined {
    let cur = folders.get(startId) as Folder;
    for (const name of segments) {
      let next = childFolders(cur.id).find((f) => f.displayName.toLowerCase() === name.toLowerCase());
      if (!next) {
        if (!create) return undefined;
        const id = newId('AQMkF');
        next = { id, mailbox, displayName: name, parentId: cur.id, folderClass: 'IPF.Note' };
        folders.set(id, next);
      }
      cur = next;
    }
    return cur;
  }

  function folderByPath(mailbox: string, path: string, create: boolean): Folder | undefined {
    const mb = mailboxFor(mailbox);
    const segs = parseFolderPath(path);
    const wk = segs[0] !== undefined ? distinguishedFolderName(segs[0]) : undefined;
    const startId = wk ? mb.distinguished.get(wk) : undefined;
    return startId ? walk(startId, mb.address, segs.slice(1), create) : walk(mb.rootId, mb.address, segs, create);
  }

  function logChange(folderId: string, itemId: string): void {
    changes.push({ seq: ++seq, folderId, itemId });
  }

  function parseMime(buf: Buffer): { headers: { name: string; value: string }[]; block: string; body: string } {
    const textAll = buf.toString('utf8');
    const split = textAll.search(/\r?\n\r?\n/);
    const block = split < 0 ? textAll : textAll.slice(0, split);
    const body = split < 0 ? '' : textAll.slice(split).replace(/^\r?\n\r?\n/, '');
    const headers: { name: string; value: string }[] = [];
    for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i > 0) headers.push({ name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() });
    }
    return { headers, block, body };
  }

  function addItem(mailbox: string, folderPath: string, mime: Buffer | string, meta: SimItemMeta = {}): string {
    const folder = folderByPath(mailbox, folderPath, true) as Folder;
    const buf = Buffer.isBuffer(mime) ? mime : Buffer.from(mime);
    const parsed = parseMime(buf);
    const h = (n: string) => parsed.headers.find((x) => x.name.toLowerCase() === n)?.value;
    const date = h('date') ? new Date(h('date') as string) : undefined;
    const received = meta.received ?? iso(date && !Number.isNaN(date.getTime()) ? date : now());
    const addresses = (v: string | undefined) => (v ? [...v.matchAll(/[^\s<>,"]+@[^\s<>,"]+/g)].map((m) => m[0].toLowerCase()) : []);
    const id = meta.id ?? newId();
    const kind = meta.kind ?? 'Message';
    const fromAddr = meta.from ?? addresses(h('from'))[0];
    const imid = meta.internetMessageId ?? h('message-id');
    const item: SimItem = {
      id,
      changeKey: newChangeKey(),
      mailbox: folder.mailbox,
      folderId: folder.id,
      kind,
      itemClass: kind === 'MeetingRequest' ? 'IPM.Schedule.Meeting.Request' : 'IPM.Note',
      mime: buf,
      subject: meta.subject ?? h('subject') ?? '',
      ...(fromAddr ? { from: fromAddr } : {}),
      to: addresses(h('to')),
      cc: addresses(h('cc')),
      ...(imid ? { internetMessageId: imid } : {}),
      received,
      lastModified: iso(now()),
      categories: meta.categories ?? [],
      isRead: meta.isRead ?? false,
      headers: parsed.headers,
      headerBlock: parsed.block,
      body: parsed.body,
    };
    items.set(id, item);
    logChange(folder.id, id);
    return id;
  }

  /** Moves an item (new id, as Exchange gives a moved item a new id). */
  function moveItem(item: SimItem, to: Folder): SimItem {
    items.delete(item.id);
    logChange(item.folderId, item.id);
    const moved: SimItem = { ...item, id: newId(), changeKey: newChangeKey(), folderId: to.id, mailbox: to.mailbox, lastModified: iso(now()) };
    items.set(moved.id, moved);
    logChange(to.id, moved.id);
    return moved;
  }

  function copyItem(item: SimItem, to: Folder): SimItem {
    const copy: SimItem = { ...item, id: newId(), changeKey: newChangeKey(), folderId: to.id, mailbox: to.mailbox, categories: [...item.categories], lastModified: iso(now()) };
    items.set(copy.id, copy);
    logChange(to.id, copy.id);
    return copy;
  }

  function removeItem(item: SimItem): void {
    items.delete(item.id);
    logChange(item.folderId, item.id);
  }

  // ------------------------------------------------------------------ HTTP

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        sendXml(res, 500, faultXml('ErrorInternalServerError', `simulator error: ${(err as Error).message}`));
      }
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  function sendXml(res: ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', ...headers });
    res.end(xml);
  }

  function envelope(body: XmlElement): string {
    const header = el('s:Header', undefined, el('h:ServerVersionInfo', { MajorVersion: 15, MinorVersion: 2, MajorBuildNumber: 1544, MinorBuildNumber: 4, Version: 'V2017_07_11', 'xmlns:h': NS.types }));
    return `<?xml version="1.0" encoding="utf-8"?>${buildXml(el('s:Envelope', { 'xmlns:s': NS.soap }, header, el('s:Body', undefined, body)))}`;
  }

  function faultXml(code: string, message: string, backOffMs?: number): string {
    const detail = el(
      'detail',
      undefined,
      textEl('e:ResponseCode', code, { 'xmlns:e': NS.errors }),
      textEl('e:Message', message, { 'xmlns:e': NS.errors }),
      backOffMs !== undefined ? el('t:MessageXml', { 'xmlns:t': NS.types }, textEl('t:Value', backOffMs, { Name: 'BackOffMilliseconds' })) : undefined,
    );
    const fault = el('s:Fault', undefined, textEl('faultcode', `a:${code}`, { 'xmlns:a': NS.types }), textEl('faultstring', message, { 'xml:lang': 'en-US' }), detail);
    return `<?xml version="1.0" encoding="utf-8"?>${buildXml(el('s:Envelope', { 'xmlns:s': NS.soap }, el('s:Body', undefined, fault)))}`;
  }

  type Msg = { cls: 'Success' | 'Warning' | 'Error'; code: string; text?: string; backOffMs?: number; content?: XmlChild[] };
  const ok = (...content: XmlChild[]): Msg => ({ cls: 'Success', code: 'NoError', content });
  const err = (code: string, textMsg: string): Msg => ({ cls: 'Error', code, text: textMsg });

  function answer(op: string, messages: Msg[]): string {
    const rms = messages.map((m) =>
      el(
        `m:${op}ResponseMessage`,
        { ResponseClass: m.cls },
        m.text ? textEl('m:MessageText', m.text) : undefined,
        textEl('m:ResponseCode', m.code),
        m.cls === 'Error' ? textEl('m:DescriptiveLinkKey', 0) : undefined,
        m.backOffMs !== undefined ? el('m:MessageXml', undefined, textEl('t:Value', m.backOffMs, { Name: 'BackOffMilliseconds' })) : undefined,
        ...(m.content ?? []),
      ),
    );
    return envelope(el(`m:${op}Response`, TYPES_ATTRS, el('m:ResponseMessages', undefined, ...rms)));
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const headers: Record<string, string> = {};
    let authz = '';
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      if (k === 'authorization') authz = Array.isArray(v) ? (v[0] ?? '') : v;
      else headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const rec: EwsRecordedRequest = { operation: '', xml: raw, headers, auth: 'none', status: 0 };
    requests.push(rec);
    const reply = (status: number, xml: string, extra: Record<string, string> = {}) => {
      rec.status = status;
      rec.response = xml;
      sendXml(res, status, xml, extra);
    };

    const url = new URL(req.url ?? '/', origin);
    if (url.pathname.toLowerCase() !== '/ews/exchange.asmx') {
      rec.status = 404;
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>404 - File or directory not found.</body></html>');
      return;
    }
    // Auth.
    const basic = /^Basic\s+(.+)$/i.exec(authz);
    const bearer = /^Bearer\s+(.+)$/i.exec(authz);
    let authed = false;
    if (basic) {
      rec.auth = 'basic';
      const [u, ...rest] = Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':');
      const p = rest.join(':');
      rec.username = u;
      authed = u === username && (opts.password === undefined ? p !== '' : p === opts.password);
    } else if (bearer) {
      rec.auth = 'bearer';
      authed = opts.bearerToken !== undefined && bearer[1] === opts.bearerToken;
    }
    if (!authed) {
      rec.status = 401;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="mail.contoso.test"', 'content-type': 'text/html' });
      res.end('<html><body>401 - Unauthorized: Access is denied due to invalid credentials.</body></html>');
      return;
    }
    if (req.method !== 'POST') return reply(405, faultXml('ErrorInvalidRequest', 'EWS takes SOAP POSTs'));

    let doc: XmlNode;
    try {
      doc = parseXml(raw);
    } catch (e) {
      return reply(500, faultXml('ErrorSchemaValidation', `The request failed schema validation: ${(e as Error).message}`));
    }
    const env = child(doc, 'Envelope');
    const hdr = child(env, 'Header');
    const bodyEl = elements(child(env, 'Body'))[0];
    if (!bodyEl) return reply(500, faultXml('ErrorSchemaValidation', 'The request failed schema validation: no body element'));
    rec.operation = bodyEl.name;
    const version = attr(child(hdr, 'RequestServerVersion'), 'Version');
    if (version) rec.serverVersion = version;
    const imp = childText(child(child(hdr, 'ExchangeImpersonation'), 'ConnectingSID'), 'SmtpAddress') ?? childText(child(child(hdr, 'ExchangeImpersonation'), 'ConnectingSID'), 'PrimarySmtpAddress');
    if (imp) rec.impersonate = imp;

    const failure = takeFailure(bodyEl.name);
    if (failure && 'status' in failure) return reply(failure.status, failure.body ?? '', failure.headers ?? {});
    if (failure && 'fault' in failure) return reply(500, faultXml(failure.fault.responseCode, failure.fault.message ?? failure.fault.responseCode, failure.fault.backOffMs));

    if (!version || !/^(Exchange20(07|10|13|16)(_SP\d)?|V20\d\d_\d\d_\d\d)$/.test(version)) {
      return reply(500, faultXml('ErrorInvalidServerVersion', 'The specified server version is invalid.'));
    }
    let acting = ownMailbox;
    if (imp) {
      const allowed = opts.impersonation ?? 'all';
      if (allowed === 'none' || (Array.isArray(allowed) && !allowed.map((a) => a.toLowerCase()).includes(imp.toLowerCase()))) {
        return reply(500, faultXml('ErrorImpersonateUserDenied', 'The account does not have permission to impersonate the requested user.'));
      }
      acting = imp.toLowerCase();
      mailboxFor(acting);
    }
    const ctx: Ctx = { acting, failure: failure && 'responseCode' in failure ? failure : undefined };
    const handlerFn = OPS[bodyEl.name];
    if (!handlerFn) return reply(500, faultXml('ErrorInvalidRequest', `The request is invalid: the simulator does not serve ${bodyEl.name}.`));
    const result = handlerFn(bodyEl.node, ctx);
    reply(200, answer(bodyEl.name, result));
  }

  function takeFailure(op: string): EwsFailure | undefined {
    const i = failures.findIndex((f) => f.remaining > 0 && (f.operation === undefined || f.operation === op));
    if (i < 0) return undefined;
    const f = failures[i] as (typeof failures)[number];
    f.remaining--;
    if (f.remaining === 0) failures.splice(i, 1);
    return f.failure;
  }

  // ------------------------------------------------------------------ operations

  interface Ctx {
    acting: string;
    failure: Extract<EwsFailure, { responseCode: string }> | undefined;
  }

  /** Per-id answers; an injected per-item failure replaces the first N. */
  function perItem(ctx: Ctx, ids: string[], fn: (id: string, index: number) => Msg): Msg[] {
    return ids.map((id, i) => {
      const f = ctx.failure;
      if (f && i < (f.items ?? ids.length)) return { cls: 'Error', code: f.responseCode, text: f.message ?? f.responseCode, ...(f.backOffMs !== undefined ? { backOffMs: f.backOffMs } : {}) };
      return fn(id, i);
    });
  }

  function single(ctx: Ctx, fn: () => Msg): Msg[] {
    const f = ctx.failure;
    if (f) return [{ cls: 'Error', code: f.responseCode, text: f.message ?? f.responseCode, ...(f.backOffMs !== undefined ? { backOffMs: f.backOffMs } : {}) }];
    return [fn()];
  }

  /** A FolderId / DistinguishedFolderId element -> folder (or an error message). */
  function folderRef(n: XmlNode | undefined, name: string, ctx: Ctx): Folder | Msg {
    if (!n) return err('ErrorInvalidRequest', 'no folder id');
    if (name === 'FolderId') {
      const f = folders.get(attr(n, 'Id') ?? '');
      return f ?? err('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
    }
    const id = attr(n, 'Id') ?? '';
    if (id === 'publicfoldersroot') return folders.get(publicRoot) as Folder;
    const mbx = childText(child(n, 'Mailbox'), 'EmailAddress')?.toLowerCase() ?? ctx.acting;
    const mb = mailboxFor(mbx);
    const fid = mb.distinguished.get(id);
    return fid ? (folders.get(fid) as Folder) : err('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
  }

  const isMsg = (v: Folder | Msg): v is Msg => 'cls' in v;

  function folderXml(f: Folder): XmlElement {
    const total = [...items.values()].filter((i) => i.folderId === f.id).length;
    return el(
      't:Folder',
      undefined,
      el('t:FolderId', { Id: f.id, ChangeKey: 'AQAAABYAAAC30utV' }),
      f.parentId ? el('t:ParentFolderId', { Id: f.parentId, ChangeKey: 'AQAAAA==' }) : undefined,
      textEl('t:FolderClass', f.folderClass),
      textEl('t:DisplayName', f.displayName),
      textEl('t:TotalCount', total),
      textEl('t:ChildFolderCount', childFolders(f.id).length),
      textEl('t:UnreadCount', [...items.values()].filter((i) => i.folderId === f.id && !i.isRead).length),
    );
  }

  const mailboxXml = (name: string, address: string | undefined, type?: string) =>
    el('t:Mailbox', undefined, textEl('t:Name', name), address ? textEl('t:EmailAddress', address) : undefined, textEl('t:RoutingType', 'SMTP'), type ? textEl('t:MailboxType', type) : undefined);

  /** An item in the schema's element order (ItemType, then MessageType), as Exchange writes it. */
  function itemXml(it: SimItem, shape: { mime: boolean; body: string | undefined; transport: boolean; full: boolean }): XmlElement {
    const kind = `t:${it.kind}`;
    const isMessage = it.kind !== 'CalendarItem';
    return el(
      kind,
      undefined,
      shape.mime ? textEl('t:MimeContent', it.mime.toString('base64'), { CharacterSet: 'UTF-8' }) : undefined,
      el('t:ItemId', { Id: it.id, ChangeKey: it.changeKey }),
      el('t:ParentFolderId', { Id: it.folderId, ChangeKey: 'AQAAAA==' }),
      textEl('t:ItemClass', it.itemClass),
      textEl('t:Subject', it.subject),
      shape.body ? textEl('t:Body', it.body, { BodyType: shape.body === 'HTML' ? 'HTML' : 'Text', IsTruncated: false }) : undefined,
      textEl('t:DateTimeReceived', it.received),
      textEl('t:Size', it.mime.length),
      it.categories.length ? el('t:Categories', undefined, ...it.categories.map((c) => textEl('t:String', c))) : undefined,
      shape.full ? el('t:InternetMessageHeaders', undefined, ...it.headers.map((h) => textEl('t:InternetMessageHeader', h.value, { HeaderName: h.name }))) : undefined,
      textEl('t:DateTimeSent', it.received),
      textEl('t:HasAttachments', /multipart\/mixed/i.test(it.headerBlock)),
      shape.transport ? el('t:ExtendedProperty', undefined, el('t:ExtendedFieldURI', { PropertyTag: '0x7d', PropertyType: 'String' }), textEl('t:Value', `${it.headerBlock}\r\n`)) : undefined,
      textEl('t:LastModifiedTime', it.lastModified),
      isMessage && it.from ? el('t:Sender', undefined, mailboxXml(it.from, it.from, 'OneOff')) : undefined,
      isMessage && shape.full && it.to.length ? el('t:ToRecipients', undefined, ...it.to.map((a) => mailboxXml(a, a, 'Mailbox'))) : undefined,
      isMessage && shape.full && it.cc.length ? el('t:CcRecipients', undefined, ...it.cc.map((a) => mailboxXml(a, a, 'Mailbox'))) : undefined,
      isMessage && it.from ? el('t:From', undefined, mailboxXml(it.from, it.from, 'OneOff')) : undefined,
      isMessage && it.internetMessageId ? textEl('t:InternetMessageId', it.internetMessageId) : undefined,
      isMessage ? textEl('t:IsRead', it.isRead) : undefined,
    );
  }

  function idList(n: XmlNode | undefined): string[] {
    return children(n, 'ItemId').map((i) => attr(i, 'Id') ?? '');
  }

  function findItemOrError(id: string, ctx: Ctx): SimItem | Msg {
    if (!/^[A-Za-z0-9+/=_-]{8,}$/.test(id)) return err('ErrorInvalidIdMalformed', 'Id is malformed.');
    const it = items.get(id);
    if (!it) return err('ErrorItemNotFound', 'The specified object was not found in the store.');
    if (it.mailbox !== ctx.acting && it.mailbox !== PUBLIC && !delegateOk(ctx, it.mailbox)) return err('ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    return it;
  }
  // The service account has full access everywhere unless impersonation limits it: delegate
  // access to another mailbox is allowed (what an on-prem service account with Full Access has).
  const delegateOk = (_ctx: Ctx, _mailbox: string) => true;
  const isItemMsg = (v: SimItem | Msg): v is Msg => 'cls' in v;

  // ---- the restriction evaluator (the subset the client sends)
  function fieldValue(it: SimItem, uri: string): string | undefined {
    switch (uri) {
      case 'item:Subject':
        return it.subject;
      case 'message:From':
      case 'message:Sender':
        return it.from;
      case 'message:InternetMessageId':
        return it.internetMessageId;
      case 'item:Body':
        return it.body;
      case 'item:DateTimeReceived':
        return it.received;
      case 'item:LastModifiedTime':
        return it.lastModified;
      default:
        return undefined;
    }
  }

  function evaluate(it: SimItem, expr: { name: string; node: XmlNode }): boolean {
    const uri = attr(child(expr.node, 'FieldURI'), 'FieldURI') ?? '';
    const constant = attr(child(expr.node, 'Constant'), 'Value') ?? attr(child(child(expr.node, 'FieldURIOrConstant'), 'Constant'), 'Value') ?? '';
    const v = fieldValue(it, uri);
    switch (expr.name) {
      case 'And':
        return elements(expr.node).every((e) => evaluate(it, e));
      case 'Or':
        return elements(expr.node).some((e) => evaluate(it, e));
      case 'Not': {
        const inner = elements(expr.node)[0];
        return inner ? !evaluate(it, inner) : true;
      }
      case 'Contains':
        return v !== undefined && v.toLowerCase().includes(constant.toLowerCase());
      case 'IsEqualTo':
        return v !== undefined && v.toLowerCase() === constant.toLowerCase();
      case 'IsNotEqualTo':
        return v === undefined || v.toLowerCase() !== constant.toLowerCase();
      case 'IsGreaterThanOrEqualTo':
        return v !== undefined && v >= constant;
      case 'IsGreaterThan':
        return v !== undefined && v > constant;
      case 'IsLessThan':
        return v !== undefined && v < constant;
      case 'IsLessThanOrEqualTo':
        return v !== undefined && v <= constant;
      default:
        return true;
    }
  }

  /** AQS, simplified: `key:value` or bare terms (quoted phrases allowed), ANDed, matched at word starts. */
  function aqsMatch(it: SimItem, q: string): boolean {
    const terms = [...q.matchAll(/(\w+):"([^"]*)"|(\w+):(\S+)|"([^"]*)"|(\S+)/g)];
    const words = (s: string | undefined) => (s ?? '').toLowerCase().split(/[^\p{L}\p{N}@.]+/u);
    const startsWord = (s: string | undefined, t: string) => {
      const needle = t.toLowerCase();
      return (s ?? '').toLowerCase().startsWith(needle) || words(s).some((w) => w.startsWith(needle)) || (needle.includes(' ') && (s ?? '').toLowerCase().includes(needle));
    };
    return terms.every((m) => {
      const key = (m[1] ?? m[3])?.toLowerCase();
      const value = m[2] ?? m[4] ?? m[5] ?? m[6] ?? '';
      if (!key && /^(and|or)$/i.test(value)) return true;
      switch (key) {
        case 'subject':
          return startsWord(it.subject, value);
        case 'from':
          return startsWord(it.from, value);
        case 'body':
          return startsWord(it.body, value);
        case undefined:
          return startsWord(it.subject, value) || startsWord(it.body, value) || startsWord(it.from, value);
        default:
          return true;
      }
    });
  }

  const OPS: Record<string, (n: XmlNode, ctx: Ctx) => Msg[]> = {
    GetFolder(n, ctx) {
      return elements(child(n, 'FolderIds')).map((e) => {
        if (ctx.failure) return { cls: 'Error', code: ctx.failure.responseCode, text: ctx.failure.message ?? ctx.failure.responseCode, ...(ctx.failure.backOffMs !== undefined ? { backOffMs: ctx.failure.backOffMs } : {}) } as Msg;
        const f = folderRef(e.node, e.name, ctx);
        return isMsg(f) ? f : ok(el('m:Folders', undefined, folderXml(f)));
      });
    },

    FindFolder(n, ctx) {
      return single(ctx, () => {
        const parentEl = elements(child(n, 'ParentFolderIds'))[0];
        const parent = parentEl ? folderRef(parentEl.node, parentEl.name, ctx) : err('ErrorInvalidRequest', 'no parent folder');
        if (isMsg(parent)) return parent;
        const deep = attr(n, 'Traversal') === 'Deep';
        if (deep && parent.mailbox === PUBLIC) return err('ErrorInvalidOperation', 'Deep traversal is not allowed on public folders.');
        const all: Folder[] = [];
        const collect = (id: string) => {
          for (const f of childFolders(id)) {
            all.push(f);
            if (deep) collect(f.id);
          }
        };
        collect(parent.id);
        const view = child(n, 'IndexedPageFolderView');
        const offset = Number(attr(view, 'Offset') ?? 0);
        const max = Number(attr(view, 'MaxEntriesReturned') ?? all.length);
        const page = all.slice(offset, offset + max);
        const last = offset + page.length >= all.length;
        return ok(
          el(
            'm:RootFolder',
            { IndexedPagingOffset: last ? undefined : offset + page.length, TotalItemsInView: all.length, IncludesLastItemInRange: last },
            el('t:Folders', undefined, ...page.map(folderXml)),
          ),
        );
      });
    },

    FindItem(n, ctx) {
      return single(ctx, () => {
        if (attr(n, 'Traversal') === 'Deep') return err('ErrorInvalidOperation', 'Deep traversal is only supported on search folders.');
        const parents = elements(child(n, 'ParentFolderIds')).map((e) => folderRef(e.node, e.name, ctx));
        const bad = parents.find(isMsg);
        if (bad) return bad;
        const folderIds = new Set((parents as Folder[]).map((f) => f.id));
        const restriction = elements(child(n, 'Restriction'))[0];
        const q = childText(n, 'QueryString');
        let found = [...items.values()].filter((it) => folderIds.has(it.folderId));
        if (restriction) found = found.filter((it) => evaluate(it, restriction));
        if (q) found = found.filter((it) => aqsMatch(it, q));
        const order = attr(child(child(n, 'SortOrder'), 'FieldOrder'), 'Order') ?? 'Descending';
        found.sort((a, b) => (order === 'Ascending' ? a.received.localeCompare(b.received) : b.received.localeCompare(a.received)));
        const view = child(n, 'IndexedPageItemView');
        const offset = Number(attr(view, 'Offset') ?? 0);
        const max = Number(attr(view, 'MaxEntriesReturned') ?? found.length);
        const page = found.slice(offset, offset + max);
        const last = offset + page.length >= found.length;
        return ok(
          el(
            'm:RootFolder',
            { IndexedPagingOffset: last ? undefined : offset + page.length, TotalItemsInView: found.length, IncludesLastItemInRange: last },
            el('t:Items', undefined, ...page.map((it) => itemXml(it, { mime: false, body: undefined, transport: false, full: false }))),
          ),
        );
      });
    },

    GetItem(n, ctx) {
      const shape = child(n, 'ItemShape');
      const props = child(shape, 'AdditionalProperties');
      const wantsBody = children(props, 'FieldURI').some((f) => attr(f, 'FieldURI') === 'item:Body') || childText(shape, 'BaseShape') === 'Default';
      const s = {
        mime: childText(shape, 'IncludeMimeContent') === 'true',
        body: wantsBody ? (childText(shape, 'BodyType') ?? 'HTML') : undefined,
        transport: children(props, 'ExtendedFieldURI').some((e) => Number.parseInt(attr(e, 'PropertyTag') ?? '', 16) === 0x7d),
        full: true,
      };
      return perItem(ctx, idList(child(n, 'ItemIds')), (id) => {
        const it = findItemOrError(id, ctx);
        return isItemMsg(it) ? it : ok(el('m:Items', undefined, itemXml(it, s)));
      });
    },

    DeleteItem(n, ctx) {
      const type = attr(n, 'DeleteType');
      return perItem(ctx, idList(child(n, 'ItemIds')), (id) => {
        const it = findItemOrError(id, ctx);
        if (isItemMsg(it)) return it;
        const mb = mailboxFor(it.mailbox);
        const trash = folders.get(mb.distinguished.get('deleteditems') as string) as Folder;
        if (type === 'MoveToDeletedItems' && it.folderId !== trash.id) moveItem(it, trash);
        else removeItem(it);
        return ok();
      });
    },

    MoveItem: (n, ctx) => moveOrCopy(n, ctx, 'MoveItem'),
    CopyItem: (n, ctx) => moveOrCopy(n, ctx, 'CopyItem'),

    MarkAsJunk(n, ctx) {
      const isJunk = attr(n, 'IsJunk') === 'true';
      const move = attr(n, 'MoveItem') === 'true';
      return perItem(ctx, idList(child(n, 'ItemIds')), (id) => {
        const it = findItemOrError(id, ctx);
        if (isItemMsg(it)) return it;
        const mb = mailboxFor(it.mailbox);
        if (it.from) {
          const i = mb.blocked.indexOf(it.from);
          if (isJunk && i < 0) mb.blocked.push(it.from);
          if (!isJunk && i >= 0) mb.blocked.splice(i, 1);
        }
        if (!move) return ok();
        const to = folders.get(mb.distinguished.get(isJunk ? 'junkemail' : 'inbox') as string) as Folder;
        const moved = it.folderId === to.id ? it : moveItem(it, to);
        return ok(el('m:MovedItemId', { Id: moved.id, ChangeKey: moved.changeKey }));
      });
    },

    UpdateItem(n, ctx) {
      const changesEl = children(child(n, 'ItemChanges'), 'ItemChange');
      return perItem(
        ctx,
        changesEl.map((c) => attr(child(c, 'ItemId'), 'Id') ?? ''),
        (id, i) => {
          const it = findItemOrError(id, ctx);
          if (isItemMsg(it)) return it;
          for (const u of elements(child(changesEl[i], 'Updates'))) {
            const uri = attr(child(u.node, 'FieldURI'), 'FieldURI');
            const target = elements(u.node).find((e) => e.name !== 'FieldURI')?.node;
            if (u.name === 'SetItemField' && uri === 'item:Subject') it.subject = childText(target, 'Subject') ?? '';
            else if (u.name === 'SetItemField' && uri === 'item:Categories') it.categories = children(child(target, 'Categories'), 'String').map((s) => text(s) ?? '');
            else if (u.name === 'DeleteItemField' && uri === 'item:Categories') it.categories = [];
            else return err('ErrorInvalidPropertySet', `the simulator cannot update ${uri}`);
          }
          it.changeKey = newChangeKey();
          it.lastModified = iso(now());
          logChange(it.folderId, it.id);
          return ok(el('m:Items', undefined, el(`t:${it.kind}`, undefined, el('t:ItemId', { Id: it.id, ChangeKey: it.changeKey }))), el('m:ConflictResults', undefined, textEl('t:Count', 0)));
        },
      );
    },

    ExpandDL(n, ctx) {
      return single(ctx, () => {
        const address = childText(child(n, 'Mailbox'), 'EmailAddress')?.toLowerCase();
        const entry = address ? (directory.get(address) ?? [...directory.values()].find((d) => d.name.toLowerCase() === address)) : undefined;
        if (!entry || entry.type !== 'PublicDL') return err('ErrorNameResolutionNoResults', 'No results were found.');
        const members = (entry.members ?? []).map((m) => directory.get(m.toLowerCase()) ?? { email: m, name: m, type: 'Mailbox' as const });
        return ok(el('m:DLExpansion', { TotalItemsInView: members.length, IncludesLastItemInRange: true }, ...members.map((m) => mailboxXml(m.name, m.email, m.type))));
      });
    },

    ResolveNames(n, ctx) {
      return single(ctx, () => {
        const q = (childText(n, 'UnresolvedEntry') ?? '').toLowerCase().replace(/^smtp:/, '');
        const matches = [...directory.values()].filter((d) => d.email === q || d.name.toLowerCase().startsWith(q) || d.email.split('@')[0] === q);
        if (matches.length === 0) return err('ErrorNameResolutionNoResults', 'No results were found.');
        const full = attr(n, 'ReturnFullContactData') === 'true';
        const set = el(
          'm:ResolutionSet',
          { TotalItemsInView: matches.length, IncludesLastItemInRange: true },
          ...matches.map((d) =>
            el(
              't:Resolution',
              undefined,
              mailboxXml(d.name, d.email, d.type),
              full
                ? el(
                    't:Contact',
                    undefined,
                    textEl('t:DisplayName', d.name),
                    el('t:EmailAddresses', undefined, textEl('t:Entry', `SMTP:${d.email}`, { Key: 'EmailAddress1' })),
                    textEl('t:ContactSource', 'ActiveDirectory'),
                  )
                : undefined,
            ),
          ),
        );
        return matches.length > 1 ? { cls: 'Warning', code: 'ErrorNameResolutionMultipleResults', text: 'Multiple results were found.', content: [set] } : ok(set);
      });
    },

    SyncFolderItems(n, ctx) {
      return single(ctx, () => {
        const fEl = elements(child(n, 'SyncFolderId'))[0];
        const folder = fEl ? folderRef(fEl.node, fEl.name, ctx) : err('ErrorInvalidRequest', 'no folder');
        if (isMsg(folder)) return folder;
        const token = childText(n, 'SyncState');
        let state: SyncStateRecord = { folderId: folder.id, seq: 0, known: new Set() };
        if (token) {
          const s = syncStates.get(token);
          if (!s || s.folderId !== folder.id) return err('ErrorInvalidSyncStateData', 'Synchronization state data is corrupt or otherwise invalid.');
          state = s;
        }
        const max = Number(childText(n, 'MaxChangesReturned') ?? 512);
        // Latest change per item in this folder since the state, oldest first.
        const latest = new Map<string, number>();
        for (const c of changes) if (c.seq > state.seq && c.folderId === folder.id) latest.set(c.itemId, c.seq);
        const pending = [...latest.entries()].sort((a, b) => a[1] - b[1]);
        const out: XmlElement[] = [];
        const known = new Set(state.known);
        let lastSeq = state.seq;
        let taken = 0;
        for (const [itemId, s] of pending) {
          if (taken >= max) break;
          const it = items.get(itemId);
          const present = it !== undefined && it.folderId === folder.id;
          lastSeq = s;
          if (present) {
            const kind = known.has(itemId) ? 't:Update' : 't:Create';
            known.add(itemId);
            out.push(el(kind, undefined, el(`t:${it.kind}`, undefined, el('t:ItemId', { Id: it.id, ChangeKey: it.changeKey }), textEl('t:ItemClass', it.itemClass), textEl('t:DateTimeReceived', it.received), it.internetMessageId ? textEl('t:InternetMessageId', it.internetMessageId) : undefined)));
            taken++;
          } else if (known.has(itemId)) {
            known.delete(itemId);
            out.push(el('t:Delete', undefined, el('t:ItemId', { Id: itemId, ChangeKey: 'AAAA' })));
            taken++;
          }
        }
        const more = pending.some(([, s]) => s > lastSeq);
        const newToken = `H4sIAAAAAAAEA${randomBytes(24).toString('base64')}`;
        syncStates.set(newToken, { folderId: folder.id, seq: more ? lastSeq : Math.max(lastSeq, seq), known });
        return ok(textEl('m:SyncState', newToken), textEl('m:IncludesLastItemInRange', !more), el('m:Changes', undefined, ...out));
      });
    },
  };

  function moveOrCopy(n: XmlNode, ctx: Ctx, op: 'MoveItem' | 'CopyItem'): Msg[] {
    const toEl = elements(child(n, 'ToFolderId'))[0];
    const to = toEl ? folderRef(toEl.node, toEl.name, ctx) : err('ErrorInvalidRequest', 'no target folder');
    return perItem(ctx, idList(child(n, 'ItemIds')), (id) => {
      if (isMsg(to)) return to;
      const it = findItemOrError(id, ctx);
      if (isItemMsg(it)) return it;
      const result = op === 'MoveItem' ? moveItem(it, to) : copyItem(it, to);
      // Exchange returns no id for cross-mailbox or mailbox-to-public-folder moves and copies.
      const sameMailbox = it.mailbox === to.mailbox && to.mailbox !== PUBLIC;
      return ok(el('m:Items', undefined, sameMailbox ? el(`t:${it.kind}`, undefined, el('t:ItemId', { Id: result.id, ChangeKey: result.changeKey })) : undefined));
    });
  }

  return {
    url: `${origin}/EWS/Exchange.asmx`,
    ownMailbox,
    requests,
    addItem,
    addFolder: (mailbox, path) => (folderByPath(mailbox, path, true) as Folder).id,
    addPublicFolder: (path) => (walk(publicRoot, PUBLIC, parseFolderPath(path), true) as Folder).id,
    folderId: (mailbox, path) => folderByPath(mailbox, path, false)?.id,
    items(mailbox, folderPath) {
      const folder = folderPath === undefined ? undefined : folderByPath(mailbox, folderPath, false);
      if (folderPath !== undefined && !folder) return [];
      return [...items.values()].filter((i) => i.mailbox === mailbox.toLowerCase() && (!folder || i.folderId === folder.id));
    },
    item: (id) => items.get(id),
    blockedSenders: (mailbox) => [...mailboxFor(mailbox).blocked],
    addDirectoryEntry(entry) {
      directory.set(entry.email.toLowerCase(), { ...entry, email: entry.email.toLowerCase() });
    },
    failNext(operation, failure, times = 1) {
      failures.push({ operation, failure, remaining: times });
    },
    expireSyncStates() {
      syncStates.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
