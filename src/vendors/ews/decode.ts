// Decoders of EWS answers into ./types.ts. Lenient by design (issue 3: "real servers break the
// schema"): a missing optional element is simply absent, an unknown element is ignored, numbers
// and booleans that do not parse are dropped rather than thrown on. What is checked strictly is
// only what a caller cannot do without: the response element, its ResponseMessages, a class and
// a code per message, the ids of items.
import { EwsError, backOffFrom, describeCode } from './errors.ts';
import { messageXmlValues, type SoapAnswer } from './soap.ts';
import { attr, bool, child, childText, children, elements, int, path, rawText, text, type XmlNode } from './xml.ts';
import type {
  EwsAttachment,
  EwsBody,
  EwsExpansion,
  EwsFindItemsPage,
  EwsFolder,
  EwsItem,
  EwsItemId,
  EwsMailbox,
  EwsResolution,
  EwsSyncChange,
  EwsSyncResult,
} from './types.ts';

export type ResponseClass = 'Success' | 'Warning' | 'Error';

export interface ResponseMessage {
  /** FindItemResponseMessage, DeleteItemResponseMessage, ... */
  name: string;
  responseClass: ResponseClass;
  code: string;
  messageText?: string;
  /** MessageXml values by Name (BackOffMilliseconds for throttling). */
  messageXml: Record<string, string>;
  backOffMs?: number;
  node: XmlNode;
}

/** The ResponseMessages of an answer to `operation` (FindItem, ...). Throws EwsError on a fault or a foreign shape. */
export function responseMessages(answer: SoapAnswer, operation: string, mailbox?: string): ResponseMessage[] {
  if (answer.fault) {
    const f = answer.fault;
    const backOffMs = backOffFrom(f.messageXml);
    throw new EwsError({
      operation: `ews.${lowerFirst(operation)}`,
      kind: 'http',
      status: 200,
      attempts: 1,
      ...(f.responseCode ? { responseCode: f.responseCode } : { code: f.faultCode ?? 'SoapFault' }),
      ...(backOffMs !== undefined ? { backOffMs } : {}),
      message: f.responseCode ? describeCode(f.responseCode, f.message, mailbox) : (f.message ?? 'SOAP fault without a message'),
    });
  }
  const { name, node } = answer.body;
  if (!name.toLowerCase().endsWith('response')) throw decodeError(operation, `expected ${operation}Response, got ${name}`);
  const list = child(node, 'ResponseMessages');
  // Newer single-answer operations (FindPeople, GetAppManifests, ...) put ResponseClass and
  // ResponseCode on the response element itself: read it as the one message.
  const own = !list && (attr(node, 'ResponseClass') !== undefined || child(node, 'ResponseCode') !== undefined) ? [{ name, node }] : undefined;
  if (!list && !own) throw decodeError(operation, `${name} has no ResponseMessages`);
  return (own ?? elements(list)).map(({ name: n, node: m }) => {
    const code = childText(m, 'ResponseCode') ?? 'NoError';
    const declared = attr(m, 'ResponseClass');
    const responseClass: ResponseClass = declared === 'Success' || declared === 'Warning' || declared === 'Error' ? declared : code === 'NoError' ? 'Success' : 'Error';
    const messageXml = messageXmlValues(child(m, 'MessageXml'));
    const backOffMs = backOffFrom(messageXml);
    const messageText = childText(m, 'MessageText');
    return { name: n, responseClass, code, ...(messageText ? { messageText } : {}), messageXml, ...(backOffMs !== undefined ? { backOffMs } : {}), node: m };
  });
}

/** The one ResponseMessage of a single-target operation, or an EwsError when it reports an error. */
export function singleMessage(answer: SoapAnswer, operation: string, mailbox?: string): ResponseMessage {
  const [first] = responseMessages(answer, operation, mailbox);
  if (!first) throw decodeError(operation, 'ResponseMessages is empty');
  if (first.responseClass === 'Error') throw messageError(first, operation, mailbox);
  return first;
}

export function messageError(m: ResponseMessage, operation: string, mailbox?: string): EwsError {
  return new EwsError({
    operation: `ews.${lowerFirst(operation)}`,
    kind: 'http',
    status: 200,
    attempts: 1,
    responseCode: m.code,
    ...(m.backOffMs !== undefined ? { backOffMs: m.backOffMs } : {}),
    message: describeCode(m.code, m.messageText, mailbox),
  });
}

export function decodeError(operation: string, why: string): EwsError {
  return new EwsError({ operation: `ews.${lowerFirst(operation)}`, kind: 'decode', attempts: 1, message: `unexpected EWS answer: ${why}` });
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

// ------------------------------------------------------------------ building blocks

export function decodeItemId(n: XmlNode | undefined): EwsItemId | undefined {
  const id = attr(n, 'Id');
  if (!id) return undefined;
  const changeKey = attr(n, 'ChangeKey');
  return { id, ...(changeKey ? { changeKey } : {}) };
}

export function decodeMailbox(n: XmlNode | undefined): EwsMailbox | undefined {
  if (!n) return undefined;
  const out: EwsMailbox = {};
  const name = childText(n, 'Name');
  const email = childText(n, 'EmailAddress');
  const routingType = childText(n, 'RoutingType');
  const mailboxType = childText(n, 'MailboxType');
  const itemId = decodeItemId(child(n, 'ItemId'));
  if (name) out.name = name;
  if (email) out.email = email;
  if (routingType) out.routingType = routingType;
  if (mailboxType) out.mailboxType = mailboxType;
  if (itemId) out.itemId = itemId;
  return Object.keys(out).length ? out : undefined;
}

function mailboxes(container: XmlNode | undefined): EwsMailbox[] {
  return children(container, 'Mailbox')
    .map(decodeMailbox)
    .filter((m): m is EwsMailbox => m !== undefined);
}

function decodeBody(n: XmlNode | undefined): EwsBody | undefined {
  if (!n) return undefined;
  const content = rawText(n) ?? text(n);
  if (content === undefined) return undefined;
  const truncated = bool(attr(n, 'IsTruncated'));
  return { type: attr(n, 'BodyType')?.toLowerCase() === 'text' ? 'Text' : 'HTML', content, ...(truncated !== undefined ? { truncated } : {}) };
}

function decodeAttachments(n: XmlNode | undefined): EwsAttachment[] {
  const out: EwsAttachment[] = [];
  for (const { name, node } of elements(n)) {
    const kind = name === 'FileAttachment' ? 'file' : name === 'ItemAttachment' ? 'item' : name === 'ReferenceAttachment' ? 'reference' : undefined;
    if (!kind) continue;
    const a: EwsAttachment = { kind };
    const id = attr(child(node, 'AttachmentId'), 'Id');
    const nm = childText(node, 'Name');
    const ct = childText(node, 'ContentType');
    const size = int(childText(node, 'Size'));
    const inline = bool(childText(node, 'IsInline'));
    if (id) a.attachmentId = id;
    if (nm) a.name = nm;
    if (ct) a.contentType = ct;
    if (size !== undefined) a.size = size;
    if (inline !== undefined) a.isInline = inline;
    out.push(a);
  }
  return out;
}

/** PR_TRANSPORT_MESSAGE_HEADERS: tag 0x007D, written `0x7D` by servers. */
function transportHeaders(item: XmlNode): string | undefined {
  for (const p of children(item, 'ExtendedProperty')) {
    const tag = attr(child(p, 'ExtendedFieldURI'), 'PropertyTag');
    if (tag && Number.parseInt(tag, tag.toLowerCase().startsWith('0x') ? 16 : 10) === 0x7d) return rawOrText(child(p, 'Value'));
  }
  return undefined;
}

function rawOrText(n: XmlNode | undefined): string | undefined {
  return rawText(n) ?? text(n);
}

function decodeMime(n: XmlNode | undefined): Buffer | undefined {
  const b64 = rawOrText(n);
  if (b64 === undefined) return undefined;
  return Buffer.from(b64.replace(/\s+/g, ''), 'base64');
}

export function decodeItem(kind: string, n: XmlNode): EwsItem {
  const item: EwsItem = { kind, toRecipients: [], ccRecipients: [], bccRecipients: [], categories: [], internetMessageHeaders: [], attachments: [] };
  const itemId = decodeItemId(child(n, 'ItemId'));
  const parentFolderId = decodeItemId(child(n, 'ParentFolderId'));
  if (itemId) item.itemId = itemId;
  if (parentFolderId) item.parentFolderId = parentFolderId;
  const str = (k: 'itemClass' | 'subject' | 'internetMessageId' | 'dateTimeReceived' | 'dateTimeSent' | 'dateTimeCreated' | 'lastModifiedTime', el: string) => {
    const v = childText(n, el);
    if (v !== undefined) item[k] = v;
  };
  str('itemClass', 'ItemClass');
  str('subject', 'Subject');
  str('internetMessageId', 'InternetMessageId');
  str('dateTimeReceived', 'DateTimeReceived');
  str('dateTimeSent', 'DateTimeSent');
  str('dateTimeCreated', 'DateTimeCreated');
  str('lastModifiedTime', 'LastModifiedTime');
  const from = decodeMailbox(child(child(n, 'From'), 'Mailbox'));
  const sender = decodeMailbox(child(child(n, 'Sender'), 'Mailbox'));
  if (from) item.from = from;
  if (sender) item.sender = sender;
  item.toRecipients = mailboxes(child(n, 'ToRecipients'));
  item.ccRecipients = mailboxes(child(n, 'CcRecipients'));
  item.bccRecipients = mailboxes(child(n, 'BccRecipients'));
  const size = int(childText(n, 'Size'));
  const hasAttachments = bool(childText(n, 'HasAttachments'));
  const isRead = bool(childText(n, 'IsRead'));
  if (size !== undefined) item.size = size;
  if (hasAttachments !== undefined) item.hasAttachments = hasAttachments;
  if (isRead !== undefined) item.isRead = isRead;
  item.categories = children(child(n, 'Categories'), 'String')
    .map(text)
    .filter((s): s is string => s !== undefined);
  const body = decodeBody(child(n, 'Body'));
  if (body) item.body = body;
  const mime = decodeMime(child(n, 'MimeContent'));
  if (mime) item.mime = mime;
  for (const h of children(child(n, 'InternetMessageHeaders'), 'InternetMessageHeader')) {
    const name = attr(h, 'HeaderName');
    if (name) item.internetMessageHeaders.push({ name, value: text(h) ?? '' });
  }
  const th = transportHeaders(n);
  if (th !== undefined) item.transportHeaders = th;
  item.attachments = decodeAttachments(child(n, 'Attachments'));
  return item;
}

/** The items of an `Items` container, in document order (mixed kinds stay interleaved). */
export function decodeItems(container: XmlNode | undefined): EwsItem[] {
  return elements(container).map(({ name, node }) => decodeItem(name, node));
}

export function decodeFolder(kind: string, n: XmlNode): EwsFolder | undefined {
  const folderId = decodeItemId(child(n, 'FolderId'));
  if (!folderId) return undefined;
  const f: EwsFolder = { kind, folderId };
  const parent = decodeItemId(child(n, 'ParentFolderId'));
  const displayName = childText(n, 'DisplayName');
  const folderClass = childText(n, 'FolderClass');
  const total = int(childText(n, 'TotalCount'));
  const childCount = int(childText(n, 'ChildFolderCount'));
  const unread = int(childText(n, 'UnreadCount'));
  if (parent) f.parentFolderId = parent;
  if (displayName !== undefined) f.displayName = displayName;
  if (folderClass !== undefined) f.folderClass = folderClass;
  if (total !== undefined) f.totalCount = total;
  if (childCount !== undefined) f.childFolderCount = childCount;
  if (unread !== undefined) f.unreadCount = unread;
  return f;
}

function decodeFolders(container: XmlNode | undefined): EwsFolder[] {
  return elements(container)
    .map(({ name, node }) => decodeFolder(name, node))
    .filter((f): f is EwsFolder => f !== undefined);
}

// ------------------------------------------------------------------ per operation

export function decodeFindItem(m: ResponseMessage): EwsFindItemsPage {
  const root = child(m.node, 'RootFolder');
  // Grouped views put items under Groups/GroupedItems/Items.
  const items = child(root, 'Items') ? decodeItems(child(root, 'Items')) : children(child(root, 'Groups'), 'GroupedItems').flatMap((g) => decodeItems(child(g, 'Items')));
  const total = int(attr(root, 'TotalItemsInView'));
  const next = int(attr(root, 'IndexedPagingOffset'));
  return {
    items,
    ...(total !== undefined ? { totalItemsInView: total } : {}),
    // Absent means the server did not say there is more: treat the page as the last one.
    includesLastItemInRange: bool(attr(root, 'IncludesLastItemInRange')) ?? true,
    ...(next !== undefined ? { nextOffset: next } : {}),
  };
}

export function decodeFindFolder(m: ResponseMessage): { folders: EwsFolder[]; totalItemsInView?: number; includesLastItemInRange: boolean; nextOffset?: number } {
  const root = child(m.node, 'RootFolder');
  const total = int(attr(root, 'TotalItemsInView'));
  const next = int(attr(root, 'IndexedPagingOffset'));
  return {
    folders: decodeFolders(child(root, 'Folders')),
    ...(total !== undefined ? { totalItemsInView: total } : {}),
    includesLastItemInRange: bool(attr(root, 'IncludesLastItemInRange')) ?? true,
    ...(next !== undefined ? { nextOffset: next } : {}),
  };
}

export function decodeGetFolder(m: ResponseMessage): EwsFolder[] {
  return decodeFolders(child(m.node, 'Folders'));
}

export function decodeGetItem(m: ResponseMessage): EwsItem[] {
  return decodeItems(child(m.node, 'Items'));
}

/** MoveItem / CopyItem / UpdateItem: the item's id after the call, where the server returns one. */
export function decodeNewItemId(m: ResponseMessage): EwsItemId | undefined {
  const first = elements(child(m.node, 'Items'))[0];
  return first ? decodeItemId(child(first.node, 'ItemId')) : undefined;
}

export function decodeMarkAsJunk(m: ResponseMessage): EwsItemId | undefined {
  return decodeItemId(child(m.node, 'MovedItemId'));
}

export function decodeUpdateItem(m: ResponseMessage): { itemId?: EwsItemId; conflicts: number } {
  const itemId = decodeNewItemId(m);
  return { ...(itemId ? { itemId } : {}), conflicts: int(childText(child(m.node, 'ConflictResults'), 'Count')) ?? 0 };
}

export function decodeSyncFolderItems(m: ResponseMessage): EwsSyncResult {
  const syncState = childText(m.node, 'SyncState');
  if (!syncState) throw decodeError('SyncFolderItems', 'no SyncState in a successful answer');
  const changes: EwsSyncChange[] = [];
  for (const { name, node } of elements(child(m.node, 'Changes'))) {
    const type = name.toLowerCase();
    if (type === 'create' || type === 'update') {
      const inner = elements(node)[0];
      if (inner) changes.push({ type, item: decodeItem(inner.name, inner.node) });
    } else if (type === 'delete' || type === 'readflagchange') {
      const itemId = decodeItemId(child(node, 'ItemId'));
      if (!itemId) continue;
      if (type === 'delete') changes.push({ type: 'delete', itemId });
      else {
        const isRead = bool(childText(node, 'IsRead'));
        changes.push({ type: 'readFlagChange', itemId, ...(isRead !== undefined ? { isRead } : {}) });
      }
    }
  }
  return { syncState, includesLastItemInRange: bool(childText(m.node, 'IncludesLastItemInRange')) ?? true, changes };
}

export function decodeExpandDL(m: ResponseMessage): { members: EwsMailbox[]; includesLastItemInRange: boolean } {
  const exp = child(m.node, 'DLExpansion');
  return { members: mailboxes(exp), includesLastItemInRange: bool(attr(exp, 'IncludesLastItemInRange')) ?? true };
}

export function decodeResolveNames(m: ResponseMessage): EwsResolution[] {
  const out: EwsResolution[] = [];
  for (const r of children(path(m.node, 'ResolutionSet'), 'Resolution')) {
    const mailbox = decodeMailbox(child(r, 'Mailbox')) ?? {};
    const c = child(r, 'Contact');
    out.push({ mailbox, ...(c ? { contact: decodeContact(c) } : {}) });
  }
  return out;
}

function decodeContact(c: XmlNode): NonNullable<EwsResolution['contact']> {
  const contact: NonNullable<EwsResolution['contact']> = { emailAddresses: {} };
  for (const { name, node } of elements(c)) {
    if (name === 'EmailAddresses' || name === 'PhoneNumbers' || name === 'ImAddresses') {
      const map: Record<string, string> = {};
      for (const e of children(node, 'Entry')) {
        const key = attr(e, 'Key');
        const v = text(e);
        if (key && v !== undefined) map[key] = v;
      }
      if (name === 'EmailAddresses') contact.emailAddresses = map;
      else contact[lowerFirst(name)] = map;
    } else if (name === 'DisplayName') {
      const v = text(node);
      if (v !== undefined) contact.displayName = v;
    } else if (name === 'ContactSource') {
      const v = text(node);
      if (v !== undefined) contact.contactSource = v;
    } else if (elements(node).length === 0) {
      const v = text(node);
      if (v !== undefined) contact[lowerFirst(name)] = v;
    }
  }
  return contact;
}

/** One level of ExpandDL result merged into a running expansion (used by the client's recursion). */
export function emptyExpansion(): EwsExpansion {
  return { members: [], expanded: [], cycles: [], failed: [], truncated: false, complete: true };
}
