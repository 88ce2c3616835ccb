// Search and log actions: seed 001 Fetch Event, Fetch Related Events (archive search or message
// tracking, by the seed's "Search Archive" switch), Get TTP Attachment Log and Test Connection.
import { z } from 'zod';
import type { MimecastClient } from '../../vendors/mimecast/client.ts';
import { parseUserDate, toMimecastDate } from '../../vendors/mimecast/dates.ts';
import { ARCHIVE_CONDITION_KEYS, TRACKING_CONDITION_KEYS, buildArchiveQuery, parseSearchConditions } from '../../vendors/mimecast/query.ts';
import type { ArchiveConditions, TrackingConditions } from '../../vendors/mimecast/query.ts';
import { MAX_PAGE_SIZE } from '../../vendors/mimecast/client.ts';
import type { ActionContext, ActionResult, TableData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { address, dateParam, limitParam, mimecastAction, mimecastClient, moreSuffix, plural, table, toMc } from './common.ts';

const conditionsHelp =
  `key=value pairs separated by commas. With search_archive=true: ${ARCHIVE_CONDITION_KEYS.join(', ')} ` +
  `(e.g. view=INBOX, mailbox=user@example.com, from=sender@example.net). With search_archive=false (message tracking): ` +
  `${TRACKING_CONDITION_KEYS.join(', ')} (e.g. to=user@example.com, from=sender@example.net, subject=invoice, senderip=203.0.113.7)`;

const eventColumns: [string, string][] = [
  ['id', 'Event id'],
  ['received', 'Received'],
  ['sent', 'Sent'],
  ['from', 'Sender'],
  ['to', 'Recipient'],
  ['subject', 'Subject'],
  ['senderIP', 'Source IP'],
  ['status', 'Status'],
  ['attachments', 'Attachments'],
];

interface EventQuery {
  start: Date;
  end: Date;
  limit: number;
  archive: boolean;
  conditions: string;
  what: string;
}

/** One row per event with the seed's field mapping (subject, senderIP, to, fromEnv, received, id, sent). */
async function fetchEvents(ctx: ActionContext<Vendors>, client: MimecastClient, q: EventQuery): Promise<ActionResult<TableData>> {
  const parsed = parseSearchConditions(q.conditions, q.archive);
  if (!parsed.ok) throw new Error(parsed.message);
  const range = `${toMimecastDate(q.start)} to ${toMimecastDate(q.end)}`;
  if (parsed.archive) {
    const xml = buildArchiveQuery(parsed.conditions as ArchiveConditions, q.start, q.end, Math.min(q.limit, MAX_PAGE_SIZE));
    const res = await client.searchArchive(xml, q.limit);
    const rows = res.items.map((i) => ({ id: i.id, received: i.receiveddate, sent: null, from: i.displayfromaddress ?? i.displayfrom, to: i.displayto, subject: i.subject, senderIP: null, status: i.status, attachments: i.attachmentcount }));
    const summary = rows.length === 0 ? `No ${q.what} in the archive (${range})` : `${plural(rows.length, q.what.replace(/s$/, ''), q.what)} from the archive${moreSuffix(rows.length, res.truncated, res.total)}`;
    return { summary, kind: 'table', data: table(eventColumns, rows), ...(res.requestIds.length ? { vendorRequestIds: res.requestIds } : {}) };
  }
  const c = parsed.conditions as TrackingConditions;
  const advanced = { ...(c.from ? { from: c.from } : {}), ...(c.to ? { to: c.to } : {}), ...(c.subject ? { subject: c.subject } : {}), ...(c.senderip ? { senderIP: c.senderip } : {}) };
  const res = await client.searchMessageFinder({
    start: toMimecastDate(q.start),
    end: toMimecastDate(q.end),
    searchReason: `Hookline ${q.what} search by ${ctx.actor.name ?? ctx.actor.id}`,
    advanced,
  });
  const sorted = [...res.items].sort((a, b) => (parseUserDate(b.received ?? '')?.getTime() ?? 0) - (parseUserDate(a.received ?? '')?.getTime() ?? 0));
  const items = sorted.slice(0, q.limit);
  const rows = items.map((e) => ({
    id: e.id,
    received: e.received,
    sent: e.sent,
    from: address(e.fromEnv) || address(e.fromHdr),
    to: (e.to ?? []).map((t) => address(t)).join(', '),
    subject: e.subject,
    senderIP: e.senderIP,
    status: e.status,
    attachments: e.attachments,
  }));
  const more = sorted.length > items.length ? ` (showing the ${items.length} most recent of ${sorted.length})` : '';
  const summary = rows.length === 0 ? `No ${q.what} in message tracking (${range})` : `${plural(rows.length, q.what.replace(/s$/, ''), q.what)} from message tracking${more}`;
  return { summary, kind: 'table', data: table(eventColumns, rows), ...(res.requestId ? { vendorRequestIds: [res.requestId] } : {}) };
}

function conditionIssue(archive: boolean, text: string, path: string, ctx: z.RefinementCtx): void {
  const r = parseSearchConditions(text, archive);
  if (!r.ok) ctx.addIssue({ code: 'custom', path: [path], message: r.message });
}

export const fetchEvent = mimecastAction({
  name: 'fetch-event',
  title: 'Fetch events',
  summary: 'Search the archive or message tracking for messages in a time range',
  params: z
    .object({
      start_time: dateParam('The start of the time range to fetch events from (UTC)'),
      end_time: dateParam('The end of the time range (UTC)'),
      number_of_events: limitParam(25, 1000, 'events'),
      search_archive: z.boolean().default(false).describe('true: search the archive; false: search message tracking (default false). Changes which search_conditions keys apply'),
      search_conditions: z.string().trim().min(3).describe(`The search conditions: ${conditionsHelp}`),
      tolerance_scope: z.coerce.number().int().min(0).max(1440).default(0).describe('Minutes to extend the start of the range backwards, to avoid missing events (default 0)'),
    })
    .superRefine((p, ctx) => {
      conditionIssue(p.search_archive, p.search_conditions, 'search_conditions', ctx);
      const s = parseUserDate(p.start_time);
      const e = parseUserDate(p.end_time);
      if (s && e && s.getTime() > e.getTime()) ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'end_time is before start_time' });
    }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const now = new Date();
    const start = parseUserDate(p.start_time, now) as Date;
    const end = parseUserDate(p.end_time, now) as Date;
    return fetchEvents(ctx, mimecastClient(ctx), {
      start: new Date(start.getTime() - p.tolerance_scope * 60_000),
      end,
      limit: p.number_of_events,
      archive: p.search_archive,
      conditions: p.search_conditions,
      what: 'events',
    });
  },
});

export const fetchRelatedEvents = mimecastAction({
  name: 'fetch-related-events',
  title: 'Fetch related events',
  summary: 'The most recent messages matching search conditions over the last hours',
  params: z
    .object({
      last_hours: z.coerce.number().int().min(1).max(8760).default(24).describe('How many hours back from now to search (default 24, at most 8760)'),
      top_recent_event_number: limitParam(10, 1000, 'of the most recent events'),
      search_archive: z.boolean().default(false).describe('true: search the archive; false: search message tracking (default false). Changes which search_condition keys apply'),
      search_condition: z.string().trim().min(3).describe(`The search condition: ${conditionsHelp}`),
    })
    .superRefine((p, ctx) => conditionIssue(p.search_archive, p.search_condition, 'search_condition', ctx)),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const end = new Date();
    return fetchEvents(ctx, mimecastClient(ctx), {
      start: new Date(end.getTime() - p.last_hours * 3_600_000),
      end,
      limit: p.top_recent_event_number,
      archive: p.search_archive,
      conditions: p.search_condition,
      what: 'related events',
    });
  },
});

export const getTtpAttachmentLog = mimecastAction({
  name: 'get-ttp-attachment-log',
  title: 'Get TTP attachment logs',
  summary: 'Attachment Protection scan logs for a time range',
  params: z.object({
    start_time: dateParam('The start of the time range (UTC)'),
    end_time: dateParam('The end of the time range (UTC)'),
    route: z.enum(['all', 'inbound', 'outbound', 'internal']).default('all').describe('Mail route: all, inbound, outbound or internal (default all)'),
    result: z.enum(['all', 'safe', 'malicious', 'unsafe', 'timeout', 'error']).default('all').describe('Only entries with this scan result (default all)'),
    limit: limitParam(100, 1000, 'log entries'),
  }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const now = new Date();
    const res = await mimecastClient(ctx).getAttachmentLogs({ from: toMc(p.start_time, now) as string, to: toMc(p.end_time, now) as string, route: p.route, result: p.result }, p.limit);
    const malicious = res.items.filter((l) => l.result === 'malicious').length;
    const summary = res.items.length === 0 ? 'No attachment scans in that range' : `${plural(res.items.length, 'attachment scan')} (${malicious} malicious)${moreSuffix(res.items.length, res.truncated, res.total)}`;
    return {
      summary,
      kind: 'table',
      data: table(
        [
          ['date', 'Date'],
          ['result', 'Result'],
          ['fileName', 'File'],
          ['fileType', 'Type'],
          ['senderAddress', 'Sender'],
          ['recipientAddress', 'Recipient'],
          ['actionTriggered', 'Action'],
          ['route', 'Route'],
          ['details', 'Details'],
        ],
        res.items,
        res.total !== undefined ? { total: res.total } : {},
      ),
      ...(res.requestIds.length ? { vendorRequestIds: res.requestIds } : {}),
    };
  },
});

export const testConnection = mimecastAction({
  name: 'test-connection',
  title: 'Test connection',
  summary: 'Check that Mimecast answers with the configured credentials',
  params: z.object({}),
  risk: 'read',
  role: 'viewer',
  async run(ctx): Promise<ActionResult> {
    const check = await mimecastClient(ctx).testConnection();
    const quota = check.rateLimit?.remaining !== undefined && check.rateLimit.limit !== undefined ? `; ${check.rateLimit.remaining} of ${check.rateLimit.limit} calls left in the quota` : '';
    return { summary: `Mimecast connection OK (${check.api}, ${check.baseUrl})${quota}`, kind: 'record', data: { ...check }, ...(check.requestId ? { vendorRequestIds: [check.requestId] } : {}) };
  },
});

export const eventActions = [fetchEvent, fetchRelatedEvents, getTtpAttachmentLog, testConnection];
