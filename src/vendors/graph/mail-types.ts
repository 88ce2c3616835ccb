// Result types and lenient response schemas of the Graph calls behind the o365.* catalog actions
// (search, read, copy, update, inbox rules, directory, message trace detail). Kept apart from
// ./types.ts (ingestion and remediation) so the two grow without touching each other. Every string
// here that came from a mail is attacker-controlled: cards/text.ts escapes it before display.
import { z } from 'zod';

export interface EmailAddressRef {
  name?: string;
  address?: string;
}

export interface MailFolderInfo {
  id: string;
  displayName: string;
  /** Slash-separated display path from the mailbox root (`Inbox/Phish\/Reports`, slashes in names escaped). */
  path: string;
  parentFolderId?: string;
  totalItemCount?: number;
  childFolderCount?: number;
}

export interface MessageSummary {
  id: string;
  subject?: string;
  from?: EmailAddressRef;
  sender?: EmailAddressRef;
  internetMessageId?: string;
  receivedDateTime?: string;
  sentDateTime?: string;
  parentFolderId?: string;
  hasAttachments?: boolean;
  isRead?: boolean;
  categories: string[];
}

export interface MessageAttachmentInfo {
  id?: string;
  name?: string;
  contentType?: string;
  size?: number;
  isInline?: boolean;
  /** fileAttachment, itemAttachment (an attached message) or referenceAttachment. */
  kind?: string;
}

export interface MessageDetail extends MessageSummary {
  toRecipients: EmailAddressRef[];
  ccRecipients: EmailAddressRef[];
  bccRecipients: EmailAddressRef[];
  replyTo: EmailAddressRef[];
  createdDateTime?: string;
  lastModifiedDateTime?: string;
  conversationId?: string;
  bodyPreview?: string;
  body?: { contentType: string; content: string };
  internetMessageHeaders: { name: string; value: string }[];
  attachments: MessageAttachmentInfo[];
  webLink?: string;
}

export interface MessageSearch {
  /** A folder id or well-known name; absent: the whole mailbox (every folder). */
  folderId?: string;
  /** An OData $filter (see messageSearchFilter); results newest first. */
  filter?: string;
  /** A KQL $search (AQS-like); Graph sorts these by sent date and cannot combine them with $filter. */
  search?: string;
  /** Skip this many matches (seed `range` min_offset). */
  offset: number;
  /** Return at most this many (seed `range` max - min + 1). */
  limit: number;
}

export interface MessageSearchResult {
  messages: MessageSummary[];
  /** More matches exist after the returned ones. */
  more: boolean;
  pages: number;
}

export interface MessageRule {
  id: string;
  displayName?: string;
  sequence?: number;
  isEnabled?: boolean;
  fromAddresses: string[];
  moveToFolder?: string;
  stopProcessingRules?: boolean;
}

export interface NewMessageRule {
  displayName: string;
  sequence: number;
  fromAddresses: string[];
  moveToFolder: string;
  stopProcessingRules: boolean;
}

export interface GraphGroup {
  id: string;
  displayName?: string;
  mail?: string;
  mailNickname?: string;
  groupTypes: string[];
  mailEnabled?: boolean;
  securityEnabled?: boolean;
}

export interface DirectoryMember {
  id: string;
  /** user, group, orgContact, device, servicePrincipal, ... (from @odata.type). */
  type: string;
  displayName?: string;
  mail?: string;
  userPrincipalName?: string;
}

export interface GraphUser {
  id: string;
  displayName?: string;
  mail?: string;
  userPrincipalName?: string;
  proxyAddresses: string[];
  jobTitle?: string;
  department?: string;
  officeLocation?: string;
  companyName?: string;
  givenName?: string;
  surname?: string;
}

export interface MessageTraceDetail {
  id?: string;
  messageId?: string;
  dateTime?: string;
  /** Receive, Deliver, Submit, Fail, Expand, Transfer, ... */
  event?: string;
  action?: string;
  description?: string;
  /** An XML fragment (`<root><MEP .../></root>`) with the event's details. */
  data?: string;
}

// ------------------------------------------------------------------ response schemas

const optString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const optNumber = z
  .number()
  .nullish()
  .transform((v) => v ?? undefined);
const optBool = z
  .boolean()
  .nullish()
  .transform((v) => v ?? undefined);
const stringList = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);

export const recipientSchema = z.looseObject({ emailAddress: z.looseObject({ name: optString, address: optString }).nullish() });
const recipients = z
  .array(recipientSchema)
  .nullish()
  .transform((v) => v ?? []);

export const mailFolderSchema = z.looseObject({
  id: z.string(),
  displayName: optString,
  parentFolderId: optString,
  totalItemCount: optNumber,
  childFolderCount: optNumber,
});
export const mailFolderPageSchema = z.looseObject({ value: z.array(mailFolderSchema), '@odata.nextLink': z.string().optional() });

export const messageItemSchema = z.looseObject({
  id: z.string(),
  subject: optString,
  from: recipientSchema.nullish(),
  sender: recipientSchema.nullish(),
  internetMessageId: optString,
  receivedDateTime: optString,
  sentDateTime: optString,
  parentFolderId: optString,
  hasAttachments: optBool,
  isRead: optBool,
  categories: stringList,
  toRecipients: recipients,
  ccRecipients: recipients,
  bccRecipients: recipients,
  replyTo: recipients,
  createdDateTime: optString,
  lastModifiedDateTime: optString,
  conversationId: optString,
  bodyPreview: optString,
  webLink: optString,
  body: z.looseObject({ contentType: optString, content: optString }).nullish(),
  internetMessageHeaders: z
    .array(z.looseObject({ name: z.string(), value: optString }))
    .nullish()
    .transform((v) => v ?? []),
  attachments: z
    .array(
      z.looseObject({
        '@odata.type': optString,
        id: optString,
        name: optString,
        contentType: optString,
        size: optNumber,
        isInline: optBool,
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
});
export const messagePageSchema = z.looseObject({ value: z.array(messageItemSchema), '@odata.nextLink': z.string().optional() });

export const messageRuleSchema = z.looseObject({
  id: z.string(),
  displayName: optString,
  sequence: optNumber,
  isEnabled: optBool,
  conditions: z.looseObject({ fromAddresses: recipients }).nullish(),
  actions: z.looseObject({ moveToFolder: optString, stopProcessingRules: optBool }).nullish(),
});
export const messageRulePageSchema = z.looseObject({ value: z.array(messageRuleSchema), '@odata.nextLink': z.string().optional() });

export const groupSchema = z.looseObject({
  id: z.string(),
  displayName: optString,
  mail: optString,
  mailNickname: optString,
  groupTypes: stringList,
  mailEnabled: optBool,
  securityEnabled: optBool,
});
export const groupPageSchema = z.looseObject({ value: z.array(groupSchema), '@odata.nextLink': z.string().optional() });

export const directoryObjectPageSchema = z.looseObject({
  value: z.array(
    z.looseObject({
      '@odata.type': optString,
      id: z.string(),
      displayName: optString,
      mail: optString,
      userPrincipalName: optString,
    }),
  ),
  '@odata.nextLink': z.string().optional(),
});

export const userSchema = z.looseObject({
  id: z.string(),
  displayName: optString,
  mail: optString,
  userPrincipalName: optString,
  proxyAddresses: stringList,
  jobTitle: optString,
  department: optString,
  officeLocation: optString,
  companyName: optString,
  givenName: optString,
  surname: optString,
});
export const userPageSchema = z.looseObject({ value: z.array(userSchema), '@odata.nextLink': z.string().optional() });

export const traceDetailPageSchema = z.looseObject({
  value: z.array(
    z.looseObject({
      id: optString,
      messageId: optString,
      dateTime: optString,
      event: optString,
      action: optString,
      description: optString,
      data: optString,
    }),
  ),
  '@odata.nextLink': z.string().optional(),
});

// ------------------------------------------------------------------ converters

export function addressOf(r: z.output<typeof recipientSchema> | null | undefined): EmailAddressRef | undefined {
  const e = r?.emailAddress;
  if (!e || (!e.address && !e.name)) return undefined;
  return { ...(e.name ? { name: e.name } : {}), ...(e.address ? { address: e.address } : {}) };
}

function addressList(rs: z.output<typeof recipientSchema>[]): EmailAddressRef[] {
  return rs.map(addressOf).filter((a): a is EmailAddressRef => a !== undefined);
}

export function toMessageSummary(m: z.output<typeof messageItemSchema>): MessageSummary {
  const from = addressOf(m.from);
  const sender = addressOf(m.sender);
  return {
    id: m.id,
    ...(m.subject !== undefined ? { subject: m.subject } : {}),
    ...(from ? { from } : {}),
    ...(sender ? { sender } : {}),
    ...(m.internetMessageId ? { internetMessageId: m.internetMessageId } : {}),
    ...(m.receivedDateTime ? { receivedDateTime: m.receivedDateTime } : {}),
    ...(m.sentDateTime ? { sentDateTime: m.sentDateTime } : {}),
    ...(m.parentFolderId ? { parentFolderId: m.parentFolderId } : {}),
    ...(m.hasAttachments !== undefined ? { hasAttachments: m.hasAttachments } : {}),
    ...(m.isRead !== undefined ? { isRead: m.isRead } : {}),
    categories: m.categories,
  };
}

export function toMessageDetail(m: z.output<typeof messageItemSchema>): MessageDetail {
  return {
    ...toMessageSummary(m),
    toRecipients: addressList(m.toRecipients),
    ccRecipients: addressList(m.ccRecipients),
    bccRecipients: addressList(m.bccRecipients),
    replyTo: addressList(m.replyTo),
    ...(m.createdDateTime ? { createdDateTime: m.createdDateTime } : {}),
    ...(m.lastModifiedDateTime ? { lastModifiedDateTime: m.lastModifiedDateTime } : {}),
    ...(m.conversationId ? { conversationId: m.conversationId } : {}),
    ...(m.bodyPreview !== undefined ? { bodyPreview: m.bodyPreview } : {}),
    ...(m.webLink ? { webLink: m.webLink } : {}),
    ...(m.body ? { body: { contentType: (m.body.contentType ?? 'text').toLowerCase(), content: m.body.content ?? '' } } : {}),
    internetMessageHeaders: m.internetMessageHeaders.map((h) => ({ name: h.name, value: h.value ?? '' })),
    attachments: m.attachments.map((a) => ({
      ...(a.id ? { id: a.id } : {}),
      ...(a.name ? { name: a.name } : {}),
      ...(a.contentType ? { contentType: a.contentType } : {}),
      ...(a.size !== undefined ? { size: a.size } : {}),
      ...(a.isInline !== undefined ? { isInline: a.isInline } : {}),
      ...(a['@odata.type'] ? { kind: a['@odata.type'].replace(/^#microsoft\.graph\./i, '') } : {}),
    })),
  };
}

export function toMessageRule(r: z.output<typeof messageRuleSchema>): MessageRule {
  return {
    id: r.id,
    ...(r.displayName !== undefined ? { displayName: r.displayName } : {}),
    ...(r.sequence !== undefined ? { sequence: r.sequence } : {}),
    ...(r.isEnabled !== undefined ? { isEnabled: r.isEnabled } : {}),
    fromAddresses: (r.conditions?.fromAddresses ?? []).map((a) => a.emailAddress?.address ?? '').filter((a) => a !== ''),
    ...(r.actions?.moveToFolder ? { moveToFolder: r.actions.moveToFolder } : {}),
    ...(r.actions?.stopProcessingRules !== undefined ? { stopProcessingRules: r.actions.stopProcessingRules } : {}),
  };
}

export function toGroup(g: z.output<typeof groupSchema>): GraphGroup {
  return {
    id: g.id,
    ...(g.displayName ? { displayName: g.displayName } : {}),
    ...(g.mail ? { mail: g.mail } : {}),
    ...(g.mailNickname ? { mailNickname: g.mailNickname } : {}),
    groupTypes: g.groupTypes,
    ...(g.mailEnabled !== undefined ? { mailEnabled: g.mailEnabled } : {}),
    ...(g.securityEnabled !== undefined ? { securityEnabled: g.securityEnabled } : {}),
  };
}

export function toUser(u: z.output<typeof userSchema>): GraphUser {
  const out: GraphUser = { id: u.id, proxyAddresses: u.proxyAddresses };
  for (const k of ['displayName', 'mail', 'userPrincipalName', 'jobTitle', 'department', 'officeLocation', 'companyName', 'givenName', 'surname'] as const) {
    const v = u[k];
    if (v) out[k] = v;
  }
  return out;
}
