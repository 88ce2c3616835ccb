// URL protection actions: seed 001 Create Managed URL, Get Managed URL, Decode URL, Get URL Logs.
import { z } from 'zod';
import { requests } from '../../vendors/mimecast/requests.ts';
import { startOfUtcDay, toMimecastDate } from '../../vendors/mimecast/dates.ts';
import type { MimecastManagedUrl } from '../../vendors/mimecast/types.ts';
import type { ActionResult, TableData } from '../types.ts';
import { optionalDateParam, describeFailures, dryRun, limitParam, mimecastAction, mimecastClient, moreSuffix, plural, requestIds, table, toMc } from './common.ts';

const managedUrlColumns: [string, string][] = [
  ['id', 'Id'],
  ['action', 'Action'],
  ['matchType', 'Match'],
  ['scheme', 'Scheme'],
  ['domain', 'Domain'],
  ['path', 'Path'],
  ['queryString', 'Query'],
  ['comment', 'Comment'],
  ['disableRewrite', 'No rewrite'],
  ['disableUserAwareness', 'No awareness'],
  ['disableLogClick', 'No click log'],
];

export function describeManagedUrl(u: MimecastManagedUrl): string {
  const path = u.path ?? '';
  const qs = u.queryString ? `?${u.queryString}` : '';
  return `${u.domain ?? '?'}${path}${qs}`;
}

export const createManagedUrl = mimecastAction({
  name: 'create-managed-url',
  title: 'Create managed URL',
  summary: 'Block or permit a URL (or its whole domain) in Mimecast URL Protection',
  params: z.object({
    url: z
      .string()
      .trim()
      .min(4)
      .max(2048)
      .refine((u) => !u.includes('#'), { message: 'Mimecast managed URLs cannot contain a #fragment' })
      .describe('The URL to block or permit, e.g. https://evil.example.org/login'),
    action: z.enum(['block', 'permit']).describe('block: users cannot open it; permit: it is always allowed'),
    match_type: z.enum(['explicit', 'domain']).default('explicit').describe('explicit: only this URL; domain: every URL on its domain (default explicit)'),
    comment: z.string().trim().max(500).optional().describe('A note stored with the entry (e.g. the case number)'),
    disable_rewrite: z.boolean().default(false).describe('Permit only: do not rewrite this URL in delivered mail (default false)'),
    disable_user_awareness: z.boolean().default(false).describe('Permit only: skip the user-awareness challenge for this URL (default false)'),
    disable_log_click: z.boolean().default(false).describe('Do not log clicks on this URL (default false)'),
  }),
  risk: 'change',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult> {
    const client = mimecastClient(ctx);
    const input = {
      url: p.url,
      action: p.action,
      matchType: p.match_type,
      ...(p.comment ? { comment: p.comment } : {}),
      disableRewrite: p.disable_rewrite,
      disableUserAwareness: p.disable_user_awareness,
      disableLogClick: p.disable_log_click,
    };
    const dry = dryRun(ctx, client, requests.createManagedUrl(input), `${p.action} ${p.match_type === 'domain' ? 'the domain of ' : ''}${p.url}`);
    if (dry) return dry;
    const u = await client.createManagedUrl(input);
    const what = u.matchType === 'domain' ? `domain ${u.domain ?? p.url}` : describeManagedUrl(u);
    return { summary: `${u.action === 'permit' ? 'Permitted' : 'Blocked'} ${what} (managed URL ${u.id})`, kind: 'record', data: u };
  },
});

export const getManagedUrl = mimecastAction({
  name: 'get-managed-url',
  title: 'Get managed URL',
  summary: 'List managed URL entries, optionally those matching URLs/domains or one action',
  params: z.object({
    url: z.array(z.string().trim().min(1)).max(50).optional().describe('The domains or URLs to filter by (one or more); omit to list every entry'),
    action: z.enum(['block', 'permit']).optional().describe('Only entries with this action: block or permit'),
    exact_match: z.boolean().default(false).describe('Match the URL exactly instead of as a substring (default false)'),
    limit: limitParam(100, 1000, 'entries'),
  }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const res = await mimecastClient(ctx).getManagedUrls({ ...(p.url?.length ? { domainOrUrl: p.url } : {}), exactMatch: p.exact_match }, p.limit);
    // Mimecast's filter has no action field; the action filter is applied here.
    const items = p.action ? res.items.filter((u) => u.action === p.action) : res.items;
    const what = p.action ? `${p.action === 'block' ? 'blocked' : 'permitted'} ` : '';
    const summary = items.length === 0 ? `No ${what}managed URLs found` : `${plural(items.length, `${what}managed URL`)}${moreSuffix(items.length, res.truncated, p.action ? undefined : res.total)}`;
    return { summary, kind: 'table', data: table(managedUrlColumns, items), ...(res.requestIds.length ? { vendorRequestIds: res.requestIds } : {}) };
  },
});

export const decodeUrl = mimecastAction({
  name: 'decode-url',
  title: 'Decode URL',
  summary: 'Decode Mimecast-rewritten (protect-*.mimecast.com) URLs back to the original',
  params: z.object({
    url: z.array(z.string().trim().min(8).max(4096)).min(1).max(50, 'at most 50 URLs per call').describe('The rewritten URLs to decode (one or more), e.g. https://protect-eu.mimecast.com/s/...'),
  }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const res = await mimecastClient(ctx).decodeUrls(p.url);
    // Successes come back in request order without the original; pair them with the inputs that did not fail.
    const failedInputs = new Set(res.failures.map((f) => (f.key as { url?: string } | undefined)?.url).filter(Boolean));
    const okInputs = p.url.filter((u) => !failedInputs.has(u));
    const rows = p.url.map((u) => {
      const i = okInputs.indexOf(u);
      const d = i >= 0 ? res.data[i] : undefined;
      const f = res.failures.find((x) => (x.key as { url?: string } | undefined)?.url === u);
      return { url: u, decoded: d?.url ?? null, success: d ? d.success !== false : false, error: f ? f.message : null };
    });
    const partial = res.failures.length > 0;
    const one = rows.length === 1 && rows[0]?.decoded ? `: ${rows[0].decoded}` : '';
    const summary = partial ? `Partially successful: decoded ${res.data.length} of ${p.url.length} URLs; failed: ${describeFailures(res.failures)}` : `Decoded ${plural(res.data.length, 'URL')}${one}`;
    const ids = requestIds(res.requestId);
    return {
      summary,
      kind: 'table',
      data: table(
        [
          ['url', 'Rewritten URL'],
          ['decoded', 'Original URL'],
          ['success', 'Decoded'],
          ['error', 'Error'],
        ],
        rows,
      ),
      ...(partial ? { partial: true } : {}),
      ...(ids ? { vendorRequestIds: ids } : {}),
    };
  },
});

export const getUrlLogs = mimecastAction({
  name: 'get-url-logs',
  title: 'Get URL logs',
  summary: 'URL Protection click logs for a time range',
  params: z.object({
    from_date: optionalDateParam('The start of the range (default: the start of today, UTC)'),
    to_date: optionalDateParam('The end of the range (default: now)'),
    route: z.enum(['all', 'inbound', 'outbound', 'internal']).default('all').describe('Mail route: all, inbound, outbound or internal (default all)'),
    scan_result: z.enum(['all', 'clean', 'malicious']).default('all').describe('Only clicks with this scan result: all, clean or malicious (default all)'),
    limit: limitParam(100, 1000, 'log entries'),
  }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const now = new Date();
    const from = toMc(p.from_date, now) ?? toMimecastDate(startOfUtcDay(now));
    const to = toMc(p.to_date, now) ?? toMimecastDate(now);
    const res = await mimecastClient(ctx).getUrlLogs({ from, to, route: p.route, scanResult: p.scan_result }, p.limit);
    const malicious = res.items.filter((l) => l.scanResult === 'malicious').length;
    const summary = res.items.length === 0 ? 'No URL clicks in that range' : `${plural(res.items.length, 'URL click')} (${malicious} malicious)${moreSuffix(res.items.length, res.truncated, res.total)}`;
    return {
      summary,
      kind: 'table',
      data: table(
        [
          ['date', 'Date'],
          ['userEmailAddress', 'User'],
          ['url', 'URL'],
          ['scanResult', 'Scan result'],
          ['action', 'Action'],
          ['category', 'Category'],
          ['route', 'Route'],
          ['userOverride', 'User override'],
          ['adminOverride', 'Admin override'],
        ],
        res.items,
        res.total !== undefined ? { total: res.total } : {},
      ),
      ...(res.requestIds.length ? { vendorRequestIds: res.requestIds } : {}),
    };
  },
});

export const urlActions = [createManagedUrl, getManagedUrl, decodeUrl, getUrlLogs];
