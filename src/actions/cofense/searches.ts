// Cofense Vision message searches: list, get, create (every seed filter, max 3 values per list)
// and the matching messages.
import { z } from 'zod';
import type { RecordData } from '../types.ts';
import { limitedList, parseAttachmentHashes, parseHeaderCriteria, parseSort, problemOf, toVisionDate } from '../../vendors/cofense/params.ts';
import { MATCH_CRITERIA, MAX_SEARCH_VALUES, SORT_FIELDS, type MessageMetadata, type MessageSearch, type SearchCriteria } from '../../vendors/cofense/types.ts';
import { bracketed, cell, cofense, cofenseAction, id, optionalDate, page, pageNote, plainAddress, plural, size, sort, table } from './common.ts';

/** A short text of what a search looks for ("senders=a@example.net; subjects=Invoice"). */
export function criteriaText(s: Partial<MessageSearch>): string {
  const parts: string[] = [];
  const list = (label: string, v: readonly string[] | undefined | null) => {
    if (v && v.length) parts.push(`${label}=${v.join(', ')}`);
  };
  list('subjects', s.subjects);
  list('senders', s.senders);
  if (s.recipient) parts.push(`recipient=${s.recipient}`);
  if (s.url) parts.push(`url=${s.url}`);
  if (s.internetMessageId) parts.push(`message id=${s.internetMessageId}`);
  list('attachment names', s.attachmentNames);
  const hashes = s.attachmentHashCriteria?.attachmentHashes ?? [];
  if (hashes.length) parts.push(`attachment hashes (${s.attachmentHashCriteria?.type ?? 'ANY'})=${hashes.map((h) => `${h.hashType.toLowerCase()}:${h.hashString}`).join(', ')}`);
  list('attachment types', s.attachmentMimeTypes);
  list('excluded attachment types', s.attachmentExcludeMimeTypes);
  const domains = s.domainCriteria?.domains ?? [];
  if (domains.length) parts.push(`domains (${s.domainCriteria?.type ?? 'ANY'})=${domains.join(', ')}`);
  for (const h of s.headers ?? []) parts.push(`${h.key}=${h.values.join(' | ')}`);
  if (s.receivedAfterDate) parts.push(`received after ${s.receivedAfterDate}`);
  if (s.receivedBeforeDate) parts.push(`received before ${s.receivedBeforeDate}`);
  if (s.partialIngest) parts.push('including partially ingested');
  return parts.join('; ') || 'no filters';
}

const SEARCH_COLUMNS: [string, string][] = [
  ['id', 'ID'],
  ['createdBy', 'Created by'],
  ['createdDate', 'Created'],
  ['criteria', 'Looks for'],
];

const searchRow = (s: MessageSearch) => ({ id: s.id, createdBy: cell(s.createdBy), createdDate: cell(s.createdDate), criteria: criteriaText(s) });

export const listMessageSearches = cofenseAction({
  name: 'list-message-searches',
  title: 'List message searches',
  summary: 'Retrieves the list of message searches',
  params: z.object({ page: page(), size: size(), sort: sort('searches', SORT_FIELDS.searches, 'createdDate:desc,id:asc') }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p) {
    const res = await cofense(ctx).listMessageSearches({ page: p.page, size: p.size, sort: parseSort(p.sort, 'searches') });
    return { summary: `${plural(res.items.length, 'message search', 'message searches')}${pageNote(res)}`, kind: 'table', data: table(SEARCH_COLUMNS, res.items.map(searchRow), res) };
  },
});

export const getMessageSearch = cofenseAction({
  name: 'get-message-search',
  title: 'Get message search',
  summary: 'Retrieves the message search identified by its ID',
  params: z.object({ id: id('message search') }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p) {
    const s = await cofense(ctx).getMessageSearch(p.id);
    return { summary: `Search ${s.id}${s.createdBy ? ` by ${s.createdBy}` : ''}: ${criteriaText(s)}`, kind: 'record', data: s as RecordData };
  },
});

/** A comma-separated search list limited to 3 values; the limit message names the field. */
const limited = (field: string, help: string, parse: (v: string) => unknown = (v) => limitedList(field, v)) =>
  z
    .string()
    .superRefine((v, ctx) => {
      const p = problemOf(() => parse(v));
      if (p) ctx.addIssue({ code: 'custom', message: p });
    })
    .optional()
    .describe(`${help}; comma-separated, max ${MAX_SEARCH_VALUES} values`);

const FILTERS = [
  'subjects',
  'senders',
  'attachment_names',
  'attachment_hashes',
  'attachment_mime_types',
  'attachment_exclude_mime_types',
  'domains',
  'headers',
  'internet_message_id',
  'received_after_date',
  'received_before_date',
  'recipient',
  'url',
] as const;

const createParams = z
  .object({
    subjects: limited('subjects', "Subjects to search for in an email's subject"),
    senders: limited('senders', 'Sender addresses to search for'),
    attachment_names: limited('attachment_names', 'Attachment file names to search for'),
    attachment_hash_match_criteria: z.enum(MATCH_CRITERIA).default('ANY').describe('How the attachment_hashes must match: ANY or ALL (default ANY)'),
    attachment_hashes: limited('attachment_hashes', 'Attachment hashes as hashtype:hashvalue, e.g. md5:938c2cc0dcc05f2b68c4287040cfcf71 (md5 or sha256)', (v) => parseAttachmentHashes(v)),
    attachment_mime_types: limited('attachment_mime_types', 'Attachment MIME types to search for, e.g. image/png'),
    attachment_exclude_mime_types: limited('attachment_exclude_mime_types', 'Attachment MIME types to exclude, e.g. image'),
    domain_match_criteria: z.enum(MATCH_CRITERIA).default('ANY').describe('How the domains must match: ANY or ALL (default ANY)'),
    domains: limited('domains', "Domains to search for in an email's body or attachments"),
    headers: limited('headers', 'Header criteria as Header-Name:value (see list-searchable-headers), e.g. X-Originating-IP:192.0.2.10', (v) => parseHeaderCriteria(v)),
    internet_message_id: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('The unique identifier of the email, enclosed in angle brackets (case-sensitive)'),
    partial_ingest: z.boolean().optional().describe('Whether to search partially ingested emails too (true) or not (false)'),
    received_after_date: optionalDate('received_after_date', 'Emails received on or after this UTC date and time'),
    received_before_date: optionalDate('received_before_date', 'Emails received on or before this UTC date and time'),
    recipient: z.string().trim().min(1).optional().describe('Recipient address; * wildcards allowed anywhere (e.g. *@example.com)'),
    url: z.string().trim().min(1).optional().describe('URL in the email; * wildcards allowed anywhere (e.g. https://*.example.net/*)'),
  })
  .superRefine((v, ctx) => {
    if (!FILTERS.some((f) => v[f] !== undefined && v[f] !== '')) {
      ctx.addIssue({ code: 'custom', message: `give at least one filter: ${FILTERS.join(', ')}` });
    }
    if (v.received_after_date && v.received_before_date) {
      const a = problemOf(() => toVisionDate(v.received_after_date as string, 'received_after_date')) ? undefined : toVisionDate(v.received_after_date, 'received_after_date');
      const b = problemOf(() => toVisionDate(v.received_before_date as string, 'received_before_date')) ? undefined : toVisionDate(v.received_before_date, 'received_before_date');
      if (a && b && a > b) ctx.addIssue({ code: 'custom', message: 'received_after_date must be before received_before_date', path: ['received_after_date'] });
    }
  });

/** The POST /api/v4/searches body for the seed's parameters. */
export function searchCriteria(p: z.infer<typeof createParams>): SearchCriteria {
  const c: SearchCriteria = {};
  const lists: [keyof typeof p, 'subjects' | 'senders' | 'attachmentNames' | 'attachmentMimeTypes' | 'attachmentExcludeMimeTypes'][] = [
    ['subjects', 'subjects'],
    ['senders', 'senders'],
    ['attachment_names', 'attachmentNames'],
    ['attachment_mime_types', 'attachmentMimeTypes'],
    ['attachment_exclude_mime_types', 'attachmentExcludeMimeTypes'],
  ];
  for (const [param, key] of lists) {
    const items = limitedList(param, p[param] as string | undefined);
    if (items.length) c[key] = items;
  }
  const hashes = parseAttachmentHashes(p.attachment_hashes);
  if (hashes.length) c.attachmentHashCriteria = { type: p.attachment_hash_match_criteria, attachmentHashes: hashes };
  const domains = limitedList('domains', p.domains);
  if (domains.length) c.domainCriteria = { type: p.domain_match_criteria, domains, whiteListUrls: [] };
  const headers = parseHeaderCriteria(p.headers);
  if (headers.length) c.headers = headers;
  if (p.internet_message_id) c.internetMessageId = bracketed(p.internet_message_id);
  if (p.partial_ingest !== undefined) c.partialIngest = p.partial_ingest;
  if (p.received_after_date) c.receivedAfterDate = toVisionDate(p.received_after_date, 'received_after_date');
  if (p.received_before_date) c.receivedBeforeDate = toVisionDate(p.received_before_date, 'received_before_date');
  if (p.recipient) c.recipient = p.recipient;
  if (p.url) c.url = p.url;
  return c;
}

export const createMessageSearch = cofenseAction({
  name: 'create-message-search',
  title: 'Create message search',
  summary: 'Creates a message search from the given filters (read its matches with get-message-search-results)',
  params: createParams,
  // Creates a search record in Vision but changes no mailbox or policy.
  risk: 'read',
  role: 'analyst',
  async run(ctx, p) {
    const s = await cofense(ctx).createMessageSearch(searchCriteria(p));
    return {
      summary: `Created message search ${s.id} (${criteriaText(s)}); see the matches with get-message-search-results id=${s.id}`,
      kind: 'record',
      data: s as RecordData,
    };
  },
});

const RESULT_COLUMNS: [string, string][] = [
  ['id', 'ID'],
  ['receivedOn', 'Received'],
  ['from', 'From'],
  ['subject', 'Subject'],
  ['recipients', 'Recipients'],
  ['internetMessageId', 'Message ID'],
  ['attachments', 'Attachments'],
];

export function messageRow(m: MessageMetadata) {
  return {
    id: m.id,
    receivedOn: cell(m.receivedOn),
    from: (m.from ?? []).map((a) => plainAddress(a.address)).join(', ') || null,
    subject: cell(m.subject),
    recipients: (m.recipients ?? []).map((a) => plainAddress(a.address)).join(', ') || null,
    internetMessageId: cell(m.internetMessageId),
    attachments: (m.attachments ?? []).map((a) => a.filename ?? a.md5 ?? '').filter(Boolean).join(', ') || null,
  };
}

export const getMessageSearchResults = cofenseAction({
  name: 'get-message-search-results',
  title: 'Get message search results',
  summary: 'Retrieves the messages that match the message search identified by its ID',
  params: z.object({ id: id('message search'), page: page(), size: size(), sort: sort('searchResults', SORT_FIELDS.searchResults, 'sentOn:desc') }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p) {
    const res = await cofense(ctx).getMessageSearchResults(p.id, { page: p.page, size: p.size, sort: parseSort(p.sort, 'searchResults') });
    const recipients = new Set(res.page.items.flatMap((m) => (m.recipients ?? []).map((r) => plainAddress(r.address).toLowerCase())));
    return {
      summary: `${plural(res.page.items.length, 'message')} match search ${p.id}${res.page.items.length ? ` (${plural(recipients.size, 'recipient')})` : ''}${pageNote(res.page)}`,
      kind: 'table',
      data: table(RESULT_COLUMNS, res.page.items.map(messageRow), res.page),
    };
  },
});

export const searchActions = [listMessageSearches, getMessageSearch, createMessageSearch, getMessageSearchResults];
