// Seed 002 (O365 Message Trace) as catalog actions `message-trace.<name>`, on Microsoft Graph's
// admin/exchange/tracing/messageTraces through GraphClient, whose client-side quota keeps every
// caller (these actions, o365.trace-email, the quarantine playbook, the scheduled fetch) within
// the API's 100 requests per 5 minutes.
import { z } from 'zod';
import { GUID } from '../../config/formats.ts';
import type { ActionContext, ActionDef, ActionResult, TableData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { VENDOR_VARIABLES, notConfigured } from '../../vendors/registry.ts';
import type { GraphClient } from '../../vendors/graph/client.ts';
import type { MessageTrace } from '../../vendors/graph/types.ts';
import { isVendorError } from '../../vendors/http/errors.ts';
import { insertTraceEvents } from '../../store/trace-events.ts';
import { TIME_HELP, traceRange, traceTimeProblem, traceWindows } from './window.ts';

export type MessageTraceAction = ActionDef<any, any, Vendors>;

/** The Microsoft app whose service principal the tenant must provision (seed 002). */
export const TRACE_APP_ID = '8bd644d1-64a1-4d4b-ae52-2e0cbf64e373';
/** Seed 002: "The maximum number of events to return. Default is 50." */
export const DEFAULT_EVENT_LIMIT = 50;
export const MAX_EVENT_LIMIT = 5000;

function traceAction<S extends z.ZodType, T>(def: Omit<ActionDef<S, T, Vendors>, 'id' | 'vendor' | 'requires'>): ActionDef<S, T, Vendors> {
  return { ...def, id: `message-trace.${def.name}`, vendor: 'message-trace', requires: (v) => (v.graph ? undefined : VENDOR_VARIABLES['message-trace']) };
}

function graphOf(ctx: ActionContext<Vendors>): GraphClient {
  if (!ctx.vendors.graph) throw new Error(notConfigured('message-trace'));
  return ctx.vendors.graph;
}

/**
 * A 401 mentioning the service principal means the tenant has not provisioned (or not finished
 * provisioning) Microsoft's trace app: say what to do, the raw text does not.
 */
export function explainTraceError(err: unknown): unknown {
  if (isVendorError(err) && err.status === 401 && /service principal/i.test(err.message)) {
    return new Error(
      `${err.message}. Provision the service principal of app ${TRACE_APP_ID} in the tenant (New-MgServicePrincipal -AppId ${TRACE_APP_ID}); it can take up to 24 hours before message trace answers`,
    );
  }
  return err;
}

const timeParam = (help: string) =>
  z
    .string()
    .trim()
    .superRefine((v, c) => {
      const p = traceTimeProblem(v, 'time');
      if (p) c.addIssue({ code: 'custom', message: p });
    })
    .optional()
    .describe(`${help}: ${TIME_HELP}`);

const EVENT_COLUMNS: [string, string][] = [
  ['id', 'Id'],
  ['receivedDateTime', 'Received Date Time'],
  ['senderAddress', 'Sender Address'],
  ['recipientAddress', 'Recipient Address'],
  ['subject', 'Subject'],
  ['status', 'Status'],
];

function eventTable(rows: MessageTrace[]): TableData {
  return {
    columns: EVENT_COLUMNS.map(([key, title]) => ({ key, title })),
    rows: rows.map((r) => ({
      id: r.id ?? null,
      receivedDateTime: r.receivedDateTime ?? null,
      senderAddress: r.senderAddress ?? null,
      recipientAddress: r.recipientAddress ?? null,
      subject: r.subject ?? null,
      status: r.status ?? null,
    })),
  };
}

const getEventsParams = z.object({
  limit: z.number().int('limit must be a whole number').min(1, 'limit must be at least 1').max(MAX_EVENT_LIMIT, `limit can be at most ${MAX_EVENT_LIMIT}`).default(DEFAULT_EVENT_LIMIT).describe(`The maximum number of events to return (default ${DEFAULT_EVENT_LIMIT})`),
  start_time: timeParam('Events received at or after this time (default: 48 hours before the end)'),
  end_time: timeParam('Events received at or before this time (default: now)'),
  should_push_events: z.boolean().default(false).describe('Also store the events in Hookline, deduplicated, as the scheduled fetch does (default false)'),
});

export const getEvents = traceAction({
  name: 'get-events',
  title: 'Get message trace events',
  summary: 'Retrieves Exchange Online message trace events (ISO 8601 or relative times, e.g. "10 minutes ago"); 10-day windows, 90 days back at most',
  params: getEventsParams,
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const graph = graphOf(ctx);
    const range = traceRange(p.start_time, p.end_time, new Date());
    const rows: MessageTrace[] = [];
    try {
      // Oldest window first and the rows of each sorted by time: "the first `limit` events".
      for (const w of traceWindows(range, 'oldest-first')) {
        const got = await graph.listMessageTraces({ ...w }, {});
        got.sort((a, b) => (a.receivedDateTime ?? '').localeCompare(b.receivedDateTime ?? ''));
        rows.push(...got);
        if (rows.length >= p.limit) break;
      }
    } catch (err) {
      throw explainTraceError(err);
    }
    const events = rows.slice(0, p.limit);
    let stored = '';
    if (p.should_push_events) {
      const r = await insertTraceEvents(ctx.store, events);
      stored = `; stored ${r.inserted} new (${r.skipped} already stored)`;
    }
    return {
      summary: `O365 Message Trace Events: ${events.length}${rows.length > p.limit ? ` (limit ${p.limit} reached)` : ''} between ${range.start.toISOString()} and ${range.end.toISOString()}${stored}`,
      kind: 'table',
      data: eventTable(events),
    };
  },
});

export const authTest = traceAction({
  name: 'auth-test',
  title: 'Message trace auth test',
  summary: 'Tests the connection to the Graph message trace API (token, permission ExchangeMessageTrace.Read.All, service principal)',
  params: z.object({}),
  risk: 'read',
  role: 'viewer',
  async run(ctx): Promise<ActionResult<Record<string, unknown>>> {
    const graph = graphOf(ctx);
    const now = new Date();
    try {
      // The cheapest real query: the last five minutes, one row.
      await graph.listMessageTraces({ start: new Date(now.getTime() - 5 * 60_000), end: new Date(now.getTime() - 1000), top: 1 }, { limit: 1 });
    } catch (err) {
      throw explainTraceError(err);
    }
    return { summary: 'Authentication was successful.', kind: 'record', data: { ok: true, api: `${graph.baseUrl}/v1.0/admin/exchange/tracing/messageTraces`, scope: graph.scope } };
  },
});

const detailParams = z.object({
  message_trace_id: z.string().trim().regex(GUID, 'message_trace_id must be a GUID like 4451a062-48cb-e80d-e8c0-196330437ae6').describe('The message trace id (the Id column of get-events)'),
  recipient_address: z.string().trim().email('recipient_address must be an email address').describe('The recipient whose delivery events to show'),
});

export const getEventDetail = traceAction({
  name: 'get-event-detail',
  title: 'Get message trace detail',
  summary: 'The per-recipient delivery events of one traced message (receive, deliver, fail, ...)',
  params: detailParams,
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const graph = graphOf(ctx);
    let details;
    try {
      details = await graph.messageTraceDetails(p.message_trace_id, p.recipient_address);
    } catch (err) {
      throw explainTraceError(err);
    }
    return {
      summary: `${details.length} event${details.length === 1 ? '' : 's'} for ${p.recipient_address}${details.length ? `: ${details.map((d) => d.event ?? '?').join(' → ')}` : ''}`,
      kind: 'table',
      data: {
        columns: [
          { key: 'dateTime', title: 'Date' },
          { key: 'event', title: 'Event' },
          { key: 'action', title: 'Action' },
          { key: 'description', title: 'Description' },
          { key: 'data', title: 'Data' },
        ],
        rows: details.map((d) => ({ dateTime: d.dateTime ?? null, event: d.event ?? null, action: d.action ?? null, description: d.description ?? null, data: d.data ?? null })),
      },
    };
  },
});

export const messageTraceActions: MessageTraceAction[] = [getEvents, authTest, getEventDetail];
