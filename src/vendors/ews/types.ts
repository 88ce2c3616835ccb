// What the EWS client returns: plain, typed objects decoded from SOAP answers. Every string in an
// item (subject, names, headers, body) is mail content, i.e. attacker-controlled: it goes through
// cards/text.ts before it reaches a card, and is never logged.

export interface EwsItemId {
  id: string;
  changeKey?: string;
}

export interface EwsMailbox {
  name?: string;
  email?: string;
  routingType?: string;
  /** Mailbox, PublicDL, PrivateDL, Contact, PublicFolder, GroupMailbox, OneOff, Unknown. */
  mailboxType?: string;
  /** Set for private distribution lists and contacts (ExpandDL on a private DL takes this id). */
  itemId?: EwsItemId;
}

export interface EwsFolder {
  /** Folder, CalendarFolder, ContactsFolder, SearchFolder, TasksFolder. */
  kind: string;
  folderId: EwsItemId;
  parentFolderId?: EwsItemId;
  displayName?: string;
  folderClass?: string;
  totalCount?: number;
  childFolderCount?: number;
  unreadCount?: number;
}

export interface EwsAttachment {
  kind: 'file' | 'item' | 'reference';
  attachmentId?: string;
  name?: string;
  contentType?: string;
  size?: number;
  isInline?: boolean;
}

export interface EwsBody {
  type: 'HTML' | 'Text';
  content: string;
  truncated?: boolean;
}

export interface EwsItem {
  /** The element name: Message, MeetingRequest, MeetingCancellation, CalendarItem, Contact, Item, ... */
  kind: string;
  itemId?: EwsItemId;
  parentFolderId?: EwsItemId;
  itemClass?: string;
  subject?: string;
  from?: EwsMailbox;
  sender?: EwsMailbox;
  toRecipients: EwsMailbox[];
  ccRecipients: EwsMailbox[];
  bccRecipients: EwsMailbox[];
  internetMessageId?: string;
  dateTimeReceived?: string;
  dateTimeSent?: string;
  dateTimeCreated?: string;
  lastModifiedTime?: string;
  size?: number;
  hasAttachments?: boolean;
  isRead?: boolean;
  categories: string[];
  body?: EwsBody;
  /** The raw RFC 822 message (MimeContent, base64 on the wire). */
  mime?: Buffer;
  /** item:InternetMessageHeaders (Exchange returns a subset of the headers). */
  internetMessageHeaders: { name: string; value: string }[];
  /** PR_TRANSPORT_MESSAGE_HEADERS (0x007D): every header as received, when requested. */
  transportHeaders?: string;
  attachments: EwsAttachment[];
}

/** The result of one id in a batched call (DeleteItem, MoveItem, CopyItem, MarkAsJunk, GetItem). */
export interface EwsItemOutcome {
  /** The id as given. */
  id: string;
  ok: boolean;
  /** The EWS response code (NoError, ErrorItemNotFound, ...). */
  code: string;
  /** What went wrong, in words (absent on success). */
  message?: string;
  /** Move/copy/MarkAsJunk: the item's new id, where the server gives one (not cross-mailbox, not to a public folder). */
  newItemId?: EwsItemId;
}

export interface EwsFindItemsPage {
  items: EwsItem[];
  totalItemsInView?: number;
  includesLastItemInRange: boolean;
  /** The offset of the next page (IndexedPagingOffset), when the server says. */
  nextOffset?: number;
}

export type EwsSyncChange =
  | { type: 'create' | 'update'; item: EwsItem }
  | { type: 'delete'; itemId: EwsItemId }
  | { type: 'readFlagChange'; itemId: EwsItemId; isRead?: boolean };

export interface EwsSyncResult {
  /** The cursor to pass next time. */
  syncState: string;
  includesLastItemInRange: boolean;
  changes: EwsSyncChange[];
}

export interface EwsResolution {
  mailbox: EwsMailbox;
  contact?: {
    displayName?: string;
    /** EmailAddresses/Entry by Key: { EmailAddress1: 'SMTP:x@y' }. */
    emailAddresses: Record<string, string>;
    contactSource?: string;
    [field: string]: unknown;
  };
}

export interface EwsExpansion {
  /** Every member found, groups included (marked by mailboxType), without duplicates. */
  members: EwsMailbox[];
  /** The distribution lists expanded, in order (the first is the one asked for). */
  expanded: string[];
  /** Lists reached again from inside themselves (a cycle), not expanded twice. */
  cycles: string[];
  /** Nested lists that could not be expanded, with the reason (the rest of the expansion still counts). */
  failed: { list: string; message: string }[];
  /** True when a limit (depth, number of lists, members) stopped the expansion early. */
  truncated: boolean;
  /** False when the server said a level was not returned whole (IncludesLastItemInRange=false). */
  complete: boolean;
}
