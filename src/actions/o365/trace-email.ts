// o365.trace-email (seed 000 "trace email"): message trace through Microsoft Graph
// (admin/exchange/tracing/messageTraces). The seed's connector called reports.office365.com with
// Basic auth, which Microsoft retired; Exchange Server has no message trace in EWS (on-prem it is
// Get-MessageTrackingLog on the server), so this action is Graph-only and says so otherwise.
//
// Seed parameters: sender / recipient / status accept several comma-separated values. Graph
// filters one value per property (`or` is not honoured), so one value goes into $filter and
// several are matched on the rows Graph returns. Dates come in pairs (default: the previous two
// days); more than 10 days is split into 10-day windows, at most 90 days back.
import { isIP } from 'node:net';
import { z } from 'zod';
import { GUID } from '../../config/formats.ts';
import type { ActionResult, TableData } from '../types.ts';
import type { MessageTrace, MessageTraceFilter } from '../../vendors/graph/types.ts';
import { messageTraceFilter } from '../../vendors/graph/client.ts';
import { odataString } from '../../vendors/graph/folders.ts';
import { VENDOR_VARIABLES } from '../../vendors/registry.ts';
import { TIME_HELP, traceRange, traceTimeProblem, traceWindows } from '../message-trace/window.ts';
import { cell, o365Action, rangeOf, splitList, table } from './common.ts';

/** Seed status names -> Graph exchangeMessageTraceStatus values. */
export const TRACE_STATUSES: Readonly<Record<string, string>> = {
  gettingstatus: 'gettingStatus',
  pending: 'pending',
  failed: 'failed',
  delivered: 'delivered',
  expanded: 'expanded',
  quarantined: 'quarantined',
  filteredasspam: 'filteredAsSpam',
};

/** Rows gathered at most when no range is given (the seed fetches "all possible data"). */
export const MAX_TRACE_ROWS = 10_000;

function statusValue(s: string): string {
  const v = TRACE_STATUSES[s.trim().toLowerCase()];
  if (v) return v;
  if (s.trim().toLowerCase() === 'none') throw new Error('status None has no Microsoft Graph equivalent: Graph reports GettingStatus, Pending, Failed, Delivered, Expanded, Quarantined and FilteredAsSpam');
  throw new Error(`status ${JSON.stringify(s)} is not a message trace status (GettingStatus, Pending, Failed, Delivered, Expanded, Quarantined, FilteredAsSpam)`);
}

const emailList = (help: string) =>
  z
    .string()
    .superRefine((v, c) => {
      for (const a of splitList(v)) if (!/^[^\s@]+@[^\s@]+$/.test(a)) c.addIssue({ code: 'custom', message: `${JSON.stringify(a)} is not an email address` });
    })
    .optional()
    .describe(help);

const ipParam = (help: string) =>
  z
    .string()
    .trim()
    .refine((v) => isIP(v) !== 0, { message: 'expected an IPv4 or IPv6 address' })
    .optional()
    .describe(help);

const dateParam = (help: string) =>
  z
    .string()
    .trim()
    .superRefine((v, c) => {
      const p = traceTimeProblem(v, 'date');
      if (p) c.addIssue({ code: 'custom', message: p });
    })
    .optional()
    .describe(`${help}: ${TIME_HELP}`);

const params = z
  .object({
    sender_address: emailList('The SMTP address the message was purportedly from; several comma-separated'),
    recipient_address: emailList('The SMTP address the message was addressed to; several comma-separated'),
    status: z
      .string()
      .superRefine((v, c) => {
        for (const s of splitList(v)) {
          try {
            statusValue(s);
          } catch (err) {
            c.addIssue({ code: 'custom', message: (err as Error).message });
          }
        }
      })
      .optional()
      .describe('Delivery status: GettingStatus, Pending, Failed, Delivered, Expanded, Quarantined, FilteredAsSpam; several comma-separated'),
    message_trace_id: z.string().trim().regex(GUID, 'message_trace_id must be a GUID like 62a796a1-00df-43ca-3732-08d74da88f70').optional().describe('A message trace id, for one traced message'),
    start_date: dateParam('Start of the date range (give it with end_date; default: the previous two days)'),
    end_date: dateParam('End of the date range (give it with start_date)'),
    from_ip: ipParam('The IPv4 or IPv6 address that sent the message to Office 365'),
    to_ip: ipParam('The IPv4 or IPv6 address Office 365 sent the message to'),
    internet_message_id: z.string().trim().min(1).optional().describe('The Internet Message ID (Client ID) of the message'),
    widget_filter: z.boolean().default(false).describe('Remove the angle brackets from the Internet Message IDs shown (default false)'),
    range: z
      .string()
      .trim()
      .regex(/^\d+\s*-\s*\d+$/, 'range must look like min_offset-max_offset, e.g. 0-10')
      .optional()
      .describe('Rows to return, min_offset-max_offset (default: all)'),
  })
  .superRefine((v, c) => {
    if (Boolean(v.start_date) !== Boolean(v.end_date)) c.addIssue({ code: 'custom', message: 'give start_date and end_date together (or neither: the previous two days)', path: [v.start_date ? 'end_date' : 'start_date'] });
  });

const COLUMNS: [string, string][] = [
  ['received', 'Received'],
  ['sender', 'Sender'],
  ['recipient', 'Recipient'],
  ['subject', 'Subject'],
  ['status', 'Status'],
  ['message_id', 'Message ID'],
  ['message_trace_id', 'Message trace ID'],
  ['from_ip', 'From IP'],
  ['to_ip', 'To IP'],
  ['size', 'Size'],
];

export const traceEmail = o365Action(
  {
    name: 'trace-email',
    title: 'Trace email',
    summary: 'Message trace of Exchange Online (Microsoft Graph): delivery status per recipient, by sender, recipient, status, ids, IPs and dates',
    params,
    risk: 'read',
    role: 'viewer',
    async run(ctx, p): Promise<ActionResult<TableData>> {
      const graph = ctx.vendors.graph;
      if (!graph) {
        throw new Error(
          `trace email needs Exchange Online through Microsoft Graph (set ${(VENDOR_VARIABLES.graph ?? []).join(', ')}). Exchange Server has no message trace in EWS: use Get-MessageTrackingLog on the server`,
        );
      }
      const now = new Date();
      const range = traceRange(p.start_date, p.end_date, now, { pairs: true });
      const senders = splitList(p.sender_address).map((s) => s.toLowerCase());
      const recipients = splitList(p.recipient_address).map((s) => s.toLowerCase());
      const statuses = splitList(p.status).map(statusValue);
      const base: Omit<MessageTraceFilter, 'start' | 'end'> = {
        ...(senders.length === 1 ? { senderAddress: senders[0] as string } : {}),
        ...(recipients.length === 1 ? { recipientAddress: recipients[0] as string } : {}),
        ...(statuses.length === 1 ? { status: statuses[0] as string } : {}),
        ...(p.internet_message_id ? { messageId: p.internet_message_id } : {}),
        ...(p.from_ip ? { fromIP: p.from_ip } : {}),
        ...(p.to_ip ? { toIP: p.to_ip } : {}),
      };
      const wanted = p.range ? rangeOf(p.range) : { offset: 0, limit: MAX_TRACE_ROWS };
      const need = wanted.offset + wanted.limit;
      const rows: MessageTrace[] = [];
      const keep = (r: MessageTrace) =>
        (senders.length <= 1 || senders.includes((r.senderAddress ?? '').toLowerCase())) &&
        (recipients.length <= 1 || recipients.includes((r.recipientAddress ?? '').toLowerCase())) &&
        (statuses.length <= 1 || statuses.some((s) => s.toLowerCase() === (r.status ?? '').toLowerCase())) &&
        (!p.message_trace_id || (r.id ?? '').toLowerCase() === p.message_trace_id.toLowerCase());
      const clientSide = senders.length > 1 || recipients.length > 1 || statuses.length > 1;
      let truncated = false;
      for (const w of traceWindows(range)) {
        // The trace id is a row property too: filtered server-side with `id eq`.
        const filter = p.message_trace_id ? `id eq ${odataString(p.message_trace_id)} and ${messageTraceFilter({ ...base, ...w })}` : { ...base, ...w };
        // Rows matched here (several values of a property) cannot bound the server's page count.
        const got = await graph.listMessageTraces(filter, clientSide ? {} : { limit: need - rows.length + 1 });
        rows.push(...got.filter(keep));
        if (rows.length > need) {
          truncated = true;
          break;
        }
      }
      const page = rows.slice(wanted.offset, need);
      const out = page.map((r) => ({
        received: cell(r.receivedDateTime),
        sender: cell(r.senderAddress),
        recipient: cell(r.recipientAddress),
        subject: cell(r.subject),
        status: cell(r.status),
        message_id: cell(p.widget_filter ? (r.messageId ?? '').replace(/^<|>$/g, '') : r.messageId),
        message_trace_id: cell(r.id),
        from_ip: cell(r.fromIP),
        to_ip: cell(r.toIP),
        size: cell(r.size),
      }));
      const span = `${range.start.toISOString()} to ${range.end.toISOString()}`;
      return {
        summary: `Emails found: ${out.length}${truncated && !p.range ? ` (stopped at ${MAX_TRACE_ROWS}; narrow the search)` : ''} between ${span}`,
        kind: 'table',
        data: table(COLUMNS, out),
      };
    },
  },
  'graph',
);

