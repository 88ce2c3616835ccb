// One builder per EWS operation: pure functions from typed arguments to the request body element.
// EWS request types are XSD sequences, so element order here follows messages.xsd exactly (for
// FindItem: ItemShape, paging view, Restriction, SortOrder, ParentFolderIds, QueryString); every
// builder's output is validated against shared/corpus/ews/schema in test/vendors/ews.
import { folderIdElement, type EwsFolderRef } from './folders.ts';
import { operation } from './soap.ts';
import { el, textEl, type XmlElement } from './xml.ts';
import type { EwsItemId } from './types.ts';

/** The item fields a search result needs to be shown and acted on (FindItem cannot return bodies or recipients). */
export const SUMMARY_FIELDS = [
  'item:ItemClass',
  'item:Subject',
  'message:From',
  'message:Sender',
  'message:InternetMessageId',
  'item:DateTimeReceived',
  'item:DateTimeSent',
  'item:ParentFolderId',
  'item:Size',
  'item:HasAttachments',
  'message:IsRead',
  'item:Categories',
  'item:LastModifiedTime',
] as const;

/** Extra fields GetItem returns for "get email": recipients, headers, attachments list. */
export const DETAIL_FIELDS = [
  ...SUMMARY_FIELDS,
  'message:ToRecipients',
  'message:CcRecipients',
  'message:BccRecipients',
  'item:InternetMessageHeaders',
  'item:Attachments',
] as const;

export const FOLDER_FIELDS = ['folder:DisplayName', 'folder:FolderClass', 'folder:ParentFolderId', 'folder:ChildFolderCount', 'folder:TotalCount'] as const;

/** PR_TRANSPORT_MESSAGE_HEADERS: all headers as received (InternetMessageHeaders returns a subset). */
export const TRANSPORT_HEADERS_TAG = '0x007D';

export type FieldUri = string;
export type DeleteType = 'HardDelete' | 'SoftDelete' | 'MoveToDeletedItems';
export type Traversal = 'Shallow' | 'Deep';
export type SortDirection = 'Ascending' | 'Descending';
export type BodyType = 'Best' | 'HTML' | 'Text';

const fieldUri = (uri: FieldUri) => el('t:FieldURI', { FieldURI: uri });

function additionalProperties(fields: readonly FieldUri[], extended: XmlElement[] = []): XmlElement | undefined {
  if (fields.length === 0 && extended.length === 0) return undefined;
  return el('t:AdditionalProperties', undefined, ...fields.map(fieldUri), ...extended);
}

export function itemIdsElement(name: 'm:ItemIds', ids: readonly (string | EwsItemId)[]): XmlElement {
  if (ids.length === 0) throw new Error('at least one item id is required');
  return el(name, undefined, ...ids.map((i) => (typeof i === 'string' ? el('t:ItemId', { Id: i }) : el('t:ItemId', { Id: i.id, ChangeKey: i.changeKey }))));
}

function paging(name: 'm:IndexedPageItemView' | 'm:IndexedPageFolderView', offset: number, max: number): XmlElement {
  return el(name, { MaxEntriesReturned: max, Offset: offset, BasePoint: 'Beginning' });
}

// ------------------------------------------------------------------ folders

export interface FindFolderArgs {
  parent: EwsFolderRef;
  traversal: Traversal;
  offset?: number;
  max?: number;
  fields?: readonly FieldUri[];
}

export function findFolderRequest(a: FindFolderArgs): XmlElement {
  return operation(
    'FindFolder',
    { Traversal: a.traversal },
    el('m:FolderShape', undefined, textEl('t:BaseShape', 'IdOnly'), additionalProperties(a.fields ?? FOLDER_FIELDS)),
    paging('m:IndexedPageFolderView', a.offset ?? 0, a.max ?? 500),
    el('m:ParentFolderIds', undefined, folderIdElement(a.parent)),
  );
}

export function getFolderRequest(folders: readonly EwsFolderRef[], fields: readonly FieldUri[] = FOLDER_FIELDS): XmlElement {
  if (folders.length === 0) throw new Error('at least one folder is required');
  return operation(
    'GetFolder',
    undefined,
    el('m:FolderShape', undefined, textEl('t:BaseShape', 'IdOnly'), additionalProperties(fields)),
    el('m:FolderIds', undefined, ...folders.map(folderIdElement)),
  );
}

// ------------------------------------------------------------------ items

export interface FindItemArgs {
  parents: readonly EwsFolderRef[];
  /** Shallow: the folder's items; Deep works only on search folders (EWS rule), so subfolders are searched one by one. */
  traversal?: Traversal;
  offset?: number;
  max: number;
  restriction?: XmlElement;
  /** AQS (Advanced Query Syntax): `subject:invoice AND from:x`. Matches at word starts only. */
  queryString?: string;
  sortBy?: FieldUri;
  sort?: SortDirection;
  fields?: readonly FieldUri[];
}

export function findItemRequest(a: FindItemArgs): XmlElement {
  if (a.parents.length === 0) throw new Error('at least one folder to search is required');
  return operation(
    'FindItem',
    { Traversal: a.traversal ?? 'Shallow' },
    el('m:ItemShape', undefined, textEl('t:BaseShape', 'IdOnly'), additionalProperties(a.fields ?? SUMMARY_FIELDS)),
    paging('m:IndexedPageItemView', a.offset ?? 0, a.max),
    a.restriction ? el('m:Restriction', undefined, a.restriction) : undefined,
    el('m:SortOrder', undefined, el('t:FieldOrder', { Order: a.sort ?? 'Descending' }, fieldUri(a.sortBy ?? 'item:DateTimeReceived'))),
    el('m:ParentFolderIds', undefined, ...a.parents.map(folderIdElement)),
    a.queryString !== undefined ? textEl('m:QueryString', a.queryString) : undefined,
  );
}

export interface GetItemArgs {
  ids: readonly (string | EwsItemId)[];
  /** Include the raw RFC 822 message (MimeContent). */
  mime?: boolean;
  /** Body format; omitted: no body requested beyond the base shape's. */
  bodyType?: BodyType;
  /** Ask for PR_TRANSPORT_MESSAGE_HEADERS (every header as received). */
  transportHeaders?: boolean;
  /** Longest body (bytes) the server should return; longer ones come back truncated. */
  maxBodySize?: number;
  fields?: readonly FieldUri[];
  /** IdOnly plus fields (default), or Default (the server's usual set). */
  baseShape?: 'IdOnly' | 'Default';
}

export function getItemRequest(a: GetItemArgs): XmlElement {
  const extended = a.transportHeaders ? [el('t:ExtendedFieldURI', { PropertyTag: TRANSPORT_HEADERS_TAG, PropertyType: 'String' })] : [];
  const fields = [...(a.fields ?? DETAIL_FIELDS), ...(a.bodyType ? ['item:Body'] : [])];
  return operation(
    'GetItem',
    undefined,
    el(
      'm:ItemShape',
      undefined,
      textEl('t:BaseShape', a.baseShape ?? 'IdOnly'),
      a.mime ? textEl('t:IncludeMimeContent', 'true') : undefined,
      a.bodyType ? textEl('t:BodyType', a.bodyType) : undefined,
      a.maxBodySize !== undefined ? textEl('t:MaximumBodySize', a.maxBodySize) : undefined,
      additionalProperties(fields, extended),
    ),
    itemIdsElement('m:ItemIds', a.ids),
  );
}

export function deleteItemRequest(ids: readonly (string | EwsItemId)[], deleteType: DeleteType): XmlElement {
  // SendMeetingCancellations / AffectedTaskOccurrences are required by the server for calendar
  // items and tasks; harmless for messages, and a reported "meeting invite" is a calendar item.
  return operation('DeleteItem', { DeleteType: deleteType, SendMeetingCancellations: 'SendToNone', AffectedTaskOccurrences: 'AllOccurrences' }, itemIdsElement('m:ItemIds', ids));
}

export function moveCopyRequest(op: 'MoveItem' | 'CopyItem', ids: readonly (string | EwsItemId)[], to: EwsFolderRef): XmlElement {
  return operation(op, undefined, el('m:ToFolderId', undefined, folderIdElement(to)), itemIdsElement('m:ItemIds', ids));
}

export function markAsJunkRequest(ids: readonly (string | EwsItemId)[], isJunk: boolean, moveItem: boolean): XmlElement {
  return operation('MarkAsJunk', { IsJunk: isJunk, MoveItem: moveItem }, itemIdsElement('m:ItemIds', ids));
}

export interface ItemUpdate {
  subject?: string;
  /** The new categories, REPLACING the existing ones; [] clears them. */
  categories?: readonly string[];
}

/** The item element SetItemField writes into (Message for mail; MeetingRequest etc. for those kinds). */
export type UpdatableKind = 'Item' | 'Message' | 'MeetingRequest' | 'MeetingResponse' | 'MeetingCancellation' | 'PostItem';

export function updateItemRequest(id: string | EwsItemId, update: ItemUpdate, kind: UpdatableKind = 'Message'): XmlElement {
  const changes: XmlElement[] = [];
  const set = (uri: FieldUri, value: XmlElement) => el('t:SetItemField', undefined, fieldUri(uri), el(`t:${kind}`, undefined, value));
  if (update.subject !== undefined) changes.push(set('item:Subject', textEl('t:Subject', update.subject)));
  if (update.categories !== undefined) {
    const cats = update.categories.map((c) => c.trim()).filter((c) => c !== '');
    // Setting an empty list is a schema error: clearing is DeleteItemField.
    changes.push(cats.length ? set('item:Categories', el('t:Categories', undefined, ...cats.map((c) => textEl('t:String', c)))) : el('t:DeleteItemField', undefined, fieldUri('item:Categories')));
  }
  if (changes.length === 0) throw new Error('nothing to update: give a subject or categories');
  const itemId = typeof id === 'string' ? el('t:ItemId', { Id: id }) : el('t:ItemId', { Id: id.id, ChangeKey: id.changeKey });
  // AlwaysOverwrite: the seed's "update email" replaces what is there, whatever changed meanwhile.
  return operation(
    'UpdateItem',
    { MessageDisposition: 'SaveOnly', ConflictResolution: 'AlwaysOverwrite' },
    el('m:ItemChanges', undefined, el('t:ItemChange', undefined, itemId, el('t:Updates', undefined, ...changes))),
  );
}

// ------------------------------------------------------------------ directory

/** A distribution list by address (or name), or a private (contacts-folder) list by item id. */
export type DlTarget = { email: string } | { itemId: EwsItemId };

export function expandDlRequest(target: DlTarget): XmlElement {
  // ExpandDL's Mailbox is in the messages namespace (the reference examples' t:Mailbox fails validation).
  const mailbox =
    'email' in target
      ? el('m:Mailbox', undefined, textEl('t:EmailAddress', target.email))
      : el('m:Mailbox', undefined, el('t:ItemId', { Id: target.itemId.id, ChangeKey: target.itemId.changeKey }));
  return operation('ExpandDL', undefined, mailbox);
}

export type ResolveScope = 'ActiveDirectory' | 'ActiveDirectoryContacts' | 'Contacts' | 'ContactsActiveDirectory';

export function resolveNamesRequest(entry: string, opts: { fullContactData?: boolean; scope?: ResolveScope } = {}): XmlElement {
  if (entry.trim() === '') throw new Error('a name or address to resolve is required');
  return operation('ResolveNames', { ReturnFullContactData: opts.fullContactData ?? true, SearchScope: opts.scope }, textEl('m:UnresolvedEntry', entry.trim()));
}

// ------------------------------------------------------------------ sync

export interface SyncFolderItemsArgs {
  folder: EwsFolderRef;
  syncState?: string;
  /** 1..512 changes per call (EWS limit). */
  max: number;
  fields?: readonly FieldUri[];
}

export const MAX_SYNC_CHANGES = 512;

export function syncFolderItemsRequest(a: SyncFolderItemsArgs): XmlElement {
  const max = Math.min(MAX_SYNC_CHANGES, Math.max(1, Math.floor(a.max)));
  return operation(
    'SyncFolderItems',
    undefined,
    el('m:ItemShape', undefined, textEl('t:BaseShape', 'IdOnly'), additionalProperties(a.fields ?? ['item:ItemClass', 'item:DateTimeReceived', 'message:InternetMessageId'])),
    el('m:SyncFolderId', undefined, folderIdElement(a.folder)),
    a.syncState ? textEl('m:SyncState', a.syncState) : undefined,
    textEl('m:MaxChangesReturned', max),
    textEl('m:SyncScope', 'NormalItems'),
  );
}
