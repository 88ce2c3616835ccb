// Seed 004 (Microsoft Management Activity API) as catalog actions `management-activity.<name>`:
// start / stop / list subscriptions, list content (records of a content type in a window, with
// record-type, workload and operation filters and a per-request timeout), and an auth test.
import { z } from 'zod';
import type { ActionContext, ActionDef, ActionResult, RecordData, TableData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { VENDOR_VARIABLES, notConfigured } from '../../vendors/registry.ts';
import { CONTENT_TYPES, DEFAULT_CONTENT_TIMEOUT_MS, type AuditRecord, type ManagementActivityClient } from '../../vendors/management-activity/client.ts';
import { recordFilter, recordTypesProblem } from '../../vendors/management-activity/filter.ts';
import { recordTypeName } from '../../vendors/management-activity/record-types.ts';
import { checkContentWindow, parseApiTime } from '../../vendors/management-activity/time.ts';

export type ManagementActivityAction = ActionDef<any, any, Vendors>;

/** Records shown at most by list-content (the rest is counted). */
export const MAX_LISTED_RECORDS = 5000;

function maAction<S extends z.ZodType, T>(def: Omit<ActionDef<S, T, Vendors>, 'id' | 'vendor' | 'requires'>): ActionDef<S, T, Vendors> {
  return { ...def, id: `management-activity.${def.name}`, vendor: 'management-activity', requires: (v) => (v.managementActivity ? undefined : VENDOR_VARIABLES['management-activity']) };
}

function clientOf(ctx: ActionContext<Vendors>): ManagementActivityClient {
  if (!ctx.vendors.managementActivity) throw new Error(notConfigured('management-activity'));
  return ctx.vendors.managementActivity;
}

/** The API's content type names, accepted in any case (seed example: content_type=audit.general). */
const contentTypeParam = (help: string) =>
  z
    .string()
    .trim()
    .transform((v, c) => {
      const hit = CONTENT_TYPES.find((t) => t.toLowerCase() === v.toLowerCase());
      if (!hit) {
        c.addIssue({ code: 'custom', message: `content_type must be one of ${CONTENT_TYPES.join(', ')}` });
        return z.NEVER;
      }
      return hit;
    })
    .describe(`${help}: ${CONTENT_TYPES.join(', ')}`);

export const startSubscription = maAction({
  name: 'start-subscription',
  title: 'Start subscription',
  summary: 'Starts a subscription to a content type (content can take up to 12 hours to appear; the API wants 15 minutes between starts)',
  params: z.object({ content_type: contentTypeParam('The content type to subscribe to') }),
  risk: 'change',
  role: 'admin',
  async run(ctx, p): Promise<ActionResult<RecordData>> {
    const client = clientOf(ctx);
    if (ctx.dryRun) {
      return { summary: `Dry run: would start a subscription to ${p.content_type}; nothing was sent`, kind: 'record', data: { dryRun: true, method: 'POST', path: `/api/v1.0/${client.tenantId}/activity/feed/subscriptions/start`, contentType: p.content_type } };
    }
    const r = await client.startSubscription(p.content_type);
    return {
      summary: `Successfully started subscription to content type: ${p.content_type}${r.alreadyEnabled ? ' (it was already enabled)' : ''}`,
      kind: 'record',
      data: { ContentType: r.subscription.contentType, Enabled: r.subscription.status.toLowerCase() === 'enabled', ...(r.subscription.webhook ? { Webhook: r.subscription.webhook } : {}) },
    };
  },
});

export const stopSubscription = maAction({
  name: 'stop-subscription',
  title: 'Stop subscription',
  summary: 'Stops the subscription to a content type',
  params: z.object({ content_type: contentTypeParam('The content type to unsubscribe from') }),
  risk: 'change',
  role: 'admin',
  async run(ctx, p): Promise<ActionResult<RecordData>> {
    const client = clientOf(ctx);
    if (ctx.dryRun) {
      return { summary: `Dry run: would stop the subscription to ${p.content_type}; nothing was sent`, kind: 'record', data: { dryRun: true, method: 'POST', path: `/api/v1.0/${client.tenantId}/activity/feed/subscriptions/stop`, contentType: p.content_type } };
    }
    await client.stopSubscription(p.content_type);
    return { summary: `Successfully stopped subscription to content type: ${p.content_type}`, kind: 'record', data: { ContentType: p.content_type, Enabled: false } };
  },
});

export const listSubscriptions = maAction({
  name: 'list-subscriptions',
  title: 'List subscriptions',
  summary: 'Lists the content types the tenant is subscribed to',
  params: z.object({}),
  risk: 'read',
  role: 'viewer',
  async run(ctx): Promise<ActionResult<TableData>> {
    const subs = await clientOf(ctx).listSubscriptions();
    const enabled = subs.filter((s) => s.status.toLowerCase() === 'enabled');
    return {
      summary: enabled.length ? `Current subscriptions: ${enabled.map((s) => s.contentType).join(', ')}` : 'No enabled subscriptions',
      kind: 'table',
      data: {
        columns: [
          { key: 'ContentType', title: 'Content type' },
          { key: 'Enabled', title: 'Enabled' },
          { key: 'Webhook', title: 'Webhook' },
        ],
        rows: subs.map((s) => ({ ContentType: s.contentType, Enabled: s.status.toLowerCase() === 'enabled', Webhook: s.webhook?.address ?? null })),
      },
    };
  },
});

const timeParam = (help: string) =>
  z
    .string()
    .trim()
    .superRefine((v, c) => {
      try {
        parseApiTime(v, 'time');
      } catch (err) {
        c.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional()
    .describe(`${help}; UTC, YYYY-MM-DDTHH:MM:SS`);

const listFilter = (name: string, help: string, check?: (items: string[]) => string | undefined) =>
  z
    .string()
    .superRefine((v, c) => {
      const p = check?.(split(v));
      if (p) c.addIssue({ code: 'custom', message: `${name}: ${p}` });
    })
    .optional()
    .describe(help);

const split = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const listContentParams = z
  .object({
    content_type: contentTypeParam('The content type for which to receive content'),
    start_time: timeParam('The earliest time to get content from (with end_time; at most 7 days ago and within 24 hours of end_time; default 24 hours ago)'),
    end_time: timeParam('The latest time to get content from (with start_time; default now)'),
    record_types_filter: listFilter('record_types_filter', 'Record types to return, comma-separated, as numbers or names (e.g. 29 or MailSubmission); empty: all', recordTypesProblem),
    workloads_filter: listFilter('workloads_filter', 'Workloads to return, comma-separated (e.g. Exchange, MicrosoftTeams); empty: all'),
    operations_filter: listFilter('operations_filter', 'Operations to return, comma-separated (e.g. UserSubmission, MailItemsAccessed); empty: all'),
    timeout: z
      .number()
      .int('timeout must be whole seconds')
      .min(1, 'timeout must be at least 1 second')
      .max(600, 'timeout can be at most 600 seconds')
      .default(DEFAULT_CONTENT_TIMEOUT_MS / 1000)
      .describe(`The timeout (in seconds) of each content request (default ${DEFAULT_CONTENT_TIMEOUT_MS / 1000})`),
  })
  .superRefine((v, c) => {
    if (Boolean(v.start_time) !== Boolean(v.end_time)) c.addIssue({ code: 'custom', message: 'give start_time and end_time together (or neither: the last 24 hours)', path: [v.start_time ? 'end_time' : 'start_time'] });
  });

const RECORD_COLUMNS: [string, string][] = [
  ['ID', 'ID'],
  ['CreationTime', 'CreationTime'],
  ['Workload', 'Workload'],
  ['Operation', 'Operation'],
  ['RecordType', 'RecordType'],
  ['UserID', 'UserID'],
  ['ClientIP', 'ClientIP'],
  ['ResultStatus', 'ResultStatus'],
  ['ObjectID', 'ObjectID'],
];

function recordRow(r: AuditRecord): Record<string, string | number | boolean | null> {
  const s = (v: unknown) => (v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean));
  const type = Number(r.RecordType);
  return {
    ID: r.Id,
    CreationTime: r.CreationTime,
    Workload: s(r.Workload),
    Operation: s(r.Operation),
    RecordType: recordTypeName(type) ? `${type} (${recordTypeName(type)})` : type,
    UserID: s(r.UserId),
    ClientIP: s(r.ClientIP),
    ResultStatus: s(r.ResultStatus),
    ObjectID: s(r.ObjectId),
  };
}

export const listContent = maAction({
  name: 'list-content',
  title: 'List content',
  summary: 'Returns the audit records of a content type available in a window (at most 24 hours, 7 days back), filtered by record type, workload and operation',
  params: listContentParams,
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const client = clientOf(ctx);
    const now = new Date();
    const window = checkContentWindow(p.start_time ? parseApiTime(p.start_time, 'start_time') : undefined, p.end_time ? parseApiTime(p.end_time, 'end_time') : undefined, now);
    const keep = recordFilter({ recordTypes: split(p.record_types_filter), workloads: split(p.workloads_filter), operations: split(p.operations_filter) });
    const timeoutMs = p.timeout * 1000;
    const blobs = await client.listContent(p.content_type, window, { timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const records: AuditRecord[] = [];
    let total = 0;
    // Records can repeat across blobs (the API re-delivers): shown once.
    const seen = new Set<string>();
    for (const b of blobs) {
      for (const r of await client.fetchContent(b.contentUri, { timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
        total++;
        if (seen.has(r.Id) || !keep(r)) continue;
        seen.add(r.Id);
        records.push(r);
      }
    }
    records.sort((a, b) => String(b.CreationTime).localeCompare(String(a.CreationTime)));
    const shown = records.slice(0, MAX_LISTED_RECORDS);
    return {
      summary: `Content for content type ${p.content_type}: ${records.length} record${records.length === 1 ? '' : 's'} (of ${total} in ${blobs.length} blob${blobs.length === 1 ? '' : 's'})${records.length > shown.length ? `; showing the newest ${shown.length}` : ''}`,
      kind: 'table',
      data: { columns: RECORD_COLUMNS.map(([key, title]) => ({ key, title })), rows: shown.map(recordRow), total: records.length },
    };
  },
});

export const authTest = maAction({
  name: 'auth-test',
  title: 'Management Activity auth test',
  summary: 'Tests the connection to the Office 365 Management Activity API (token for its own resource, permission ActivityFeed.Read)',
  params: z.object({}),
  risk: 'read',
  role: 'viewer',
  async run(ctx): Promise<ActionResult<RecordData>> {
    const client = clientOf(ctx);
    const r = await client.authTest();
    return {
      summary: `Authentication was successful. ${r.subscriptions.filter((s) => s.status.toLowerCase() === 'enabled').length} enabled subscription(s).`,
      kind: 'record',
      data: { ok: true, api: client.baseUrl, tenant: client.tenantId, scope: client.scope, subscriptions: r.subscriptions.map((s) => `${s.contentType}: ${s.status}`) },
    };
  },
});

export const managementActivityActions: ManagementActivityAction[] = [startSubscription, stopSubscription, listSubscriptions, listContent, authTest];
