// o365.get-email (seed 000 "get email"): an email from the server by id, with its headers, text
// body, recipients and attachment list, optionally ingested as a report (the same path as the
// mailbox poll, so a message already ingested is recognised, not stored twice); or a stored report
// by report_id (the seed's container_id; it wins when both are given, as in the seed).
import { z } from 'zod';
import type { ActionContext, ActionResult, RecordData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import { ingestRaw } from '../../ingest/pipeline.ts';
import { backendParam, ewsCall, formatAddress, graphMailbox, messageIdParam, o365Action, optionalEmailParam, pickBackend } from './common.ts';

/** Longest body kept in the result; cards cut further to their platform limits. */
export const MAX_BODY_CHARS = 20_000;

const params = z
  .object({
    id: messageIdParam('Message ID to get').optional().describe('Message ID to get'),
    email: optionalEmailParam('Email of the mailbox owner (Graph: the mailbox the id belongs to, default the reporting mailbox; EWS: used for impersonation)'),
    report_id: z.string().trim().uuid('report_id must be a Hookline report id (a UUID)').optional().describe('A stored report to show instead (the seed\'s container_id); wins over id'),
    ingest_email: z.boolean().default(false).describe('Also ingest the email as a report, as the mailbox poll would (default false)'),
    backend: backendParam(),
  })
  .superRefine((v, c) => {
    if (!v.id && !v.report_id) c.addIssue({ code: 'custom', message: 'give id (an email on the server) or report_id (a stored report)', path: ['id'] });
  });

function cut(text: string | undefined): { body?: string; body_truncated?: boolean } {
  if (text === undefined) return {};
  return text.length > MAX_BODY_CHARS ? { body: text.slice(0, MAX_BODY_CHARS), body_truncated: true } : { body: text };
}

export const getEmail = o365Action({
  name: 'get-email',
  title: 'Get email',
  summary: 'Gets an email from the server (headers, body, recipients, attachments), optionally ingesting it as a report; or shows a stored report',
  params,
  risk: 'read',
  // Full content of anyone's mail: investigators only.
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<RecordData>> {
    if (p.report_id) return storedReport(ctx, p.report_id);
    const id = p.id as string;
    const b = pickBackend(ctx, p.backend);
    let data: RecordData;
    let mime: (() => Promise<Buffer>) | undefined;
    let ref: { source: string; sourceRef: string; receivedAt?: string };
    if (b.kind === 'graph') {
      const mailbox = graphMailbox(ctx, p.email);
      const m = await b.graph.getMessage(mailbox, id);
      data = {
        backend: 'graph',
        email_id: m.id,
        mailbox,
        subject: m.subject ?? '',
        from: formatAddress(m.from),
        sender: formatAddress(m.sender),
        to: m.toRecipients.map(formatAddress),
        cc: m.ccRecipients.map(formatAddress),
        internet_message_id: m.internetMessageId ?? null,
        received: m.receivedDateTime ?? null,
        sent: m.sentDateTime ?? null,
        created: m.createdDateTime ?? null,
        categories: m.categories,
        has_attachments: m.hasAttachments ?? m.attachments.length > 0,
        attachments: m.attachments.map((a) => ({ name: a.name ?? '', content_type: a.contentType ?? '', size: a.size ?? null, kind: a.kind ?? '' })),
        headers: m.internetMessageHeaders,
        ...cut(m.body?.content),
      };
      mime = () => b.graph.getMessageMime(mailbox, id);
      ref = { source: 'graph', sourceRef: m.id, ...(m.receivedDateTime ? { receivedAt: m.receivedDateTime } : {}) };
    } else {
      const call = ewsCall(ctx, p);
      const item = await b.ews.getItem(id, { mime: p.ingest_email, body: 'Text', transportHeaders: true }, call);
      data = {
        backend: 'ews',
        email_id: item.itemId?.id ?? id,
        subject: item.subject ?? '',
        from: formatAddress(item.from),
        sender: formatAddress(item.sender),
        to: item.toRecipients.map(formatAddress),
        cc: item.ccRecipients.map(formatAddress),
        internet_message_id: item.internetMessageId ?? null,
        received: item.dateTimeReceived ?? null,
        sent: item.dateTimeSent ?? null,
        created: item.dateTimeCreated ?? null,
        categories: item.categories,
        has_attachments: item.hasAttachments ?? item.attachments.length > 0,
        attachments: item.attachments.map((a) => ({ name: a.name ?? '', content_type: a.contentType ?? '', size: a.size ?? null, kind: a.kind })),
        headers: item.internetMessageHeaders,
        ...(item.transportHeaders ? { transport_headers: item.transportHeaders } : {}),
        ...cut(item.body?.content),
      };
      const fetched = item.mime;
      mime = fetched ? async () => fetched : () => b.ews.getMime(id, call);
      ref = { source: 'ews', sourceRef: item.itemId?.id ?? id, ...(item.dateTimeReceived ? { receivedAt: item.dateTimeReceived } : {}) };
    }
    let ingested = '';
    if (p.ingest_email) {
      const { report, created } = await ingestRaw({ store: ctx.store, log: ctx.log }, { ...ref, raw: await mime() });
      data.report_id = report.id;
      data.report_created = created;
      ingested = created ? `; ingested as report ${report.id}` : `; already stored as report ${report.id}`;
    }
    return {
      summary: `Subject: ${String(data.subject) || '(no subject)'}; from ${String(data.from) || 'unknown sender'}; sent ${String(data.sent ?? 'at an unknown time')}${ingested}`,
      kind: 'record',
      data,
    };
  },
});

async function storedReport(ctx: ActionContext<Vendors>, reportId: string): Promise<ActionResult<RecordData>> {
  const r = await ctx.store.getReport(reportId);
  if (!r) throw new Error(`no stored report ${reportId}`);
  const o = r.original;
  return {
    summary: `Report ${r.id}: "${o.subject ?? '(no subject)'}" from ${o.from?.address ?? 'unknown sender'}, reported ${r.receivedAt}`,
    kind: 'record',
    data: {
      report_id: r.id,
      status: r.status,
      source: r.source,
      email_id: r.sourceRef,
      subject: o.subject ?? '',
      from: o.from?.address ?? null,
      internet_message_id: o.internetMessageId ?? null,
      network_message_id: o.networkMessageId ?? null,
      reported_by: r.reportedBy?.address ?? null,
      received: r.receivedAt,
      urls: r.indicators.urls.length,
      domains: r.indicators.domains.length,
      attachments: r.indicators.attachments?.length ?? 0,
      ...(r.parseError ? { parse_error: r.parseError } : {}),
    },
  };
}
