// Held-queue actions: seed 001 Get Hold Message List and Release Message, plus Reject Held Message
// (hold-reject, the Quarantine playbook's call for a message still held at the gateway).
import { z } from 'zod';
import { requests } from '../../vendors/mimecast/requests.ts';
import type { MimecastHeldMessage, MimecastRejectReason } from '../../vendors/mimecast/types.ts';
import type { ActionResult, TableData } from '../types.ts';
import { address, optionalDateParam, describeFailures, dryRun, limitParam, mimecastAction, mimecastClient, moreSuffix, plural, requestIds, table, toMc } from './common.ts';

const heldId = z.string().trim().min(1);

export const REJECT_REASONS = [
  'MESSAGE CONTAINS UNDESIRABLE CONTENT',
  'MESSAGE CONTAINS CONFIDENTIAL INFORMATION',
  'REVIEWER DISAPPROVES OF CONTENT',
  'INAPPROPRIATE COMMUNICATION',
  'MESSAGE GOES AGAINST EMAIL POLICIES',
] as const satisfies readonly MimecastRejectReason[];

function heldRow(h: MimecastHeldMessage): Record<string, unknown> {
  return {
    id: h.id,
    dateReceived: h.dateReceived,
    from: address(h.from) || address(h.fromHeader),
    to: address(h.to),
    subject: h.subject,
    reason: h.reason,
    reasonCode: h.reasonCode,
    policyInfo: h.policyInfo,
    route: h.route,
    hasAttachments: h.hasAttachments,
    size: h.size,
  };
}

export const getHoldMessageList = mimecastAction({
  name: 'get-hold-message-list',
  title: 'Get held messages',
  summary: 'List messages held at the Mimecast gateway, optionally filtered',
  params: z.object({
    start_time: optionalDateParam('The start of the range the messages were received in (UTC)'),
    end_time: optionalDateParam('The end of the range (UTC)'),
    field_name: z
      .enum(['all', 'subject', 'sender', 'recipient', 'reason_code', 'reasonCode'])
      .optional()
      .describe('The field to filter on: all, subject, sender, recipient or reason_code (reasonCode is accepted too)'),
    field_value: z.string().trim().min(1).optional().describe('The value the field must contain (needs field_name; all searches every field)'),
    admin: z.boolean().default(true).describe('true: held messages for all recipients (default); false: only those of the API user'),
    limit: limitParam(100, 1000, 'held messages'),
  }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const now = new Date();
    // Mimecast documents `reason_code`; the seed names it reasonCode [which one the server accepts is UNVERIFIED].
    const fieldName = p.field_value ? (p.field_name === 'reasonCode' ? 'reason_code' : (p.field_name ?? 'all')) : undefined;
    const start = toMc(p.start_time, now);
    const end = toMc(p.end_time, now);
    const res = await mimecastClient(ctx).getHoldMessageList(
      { admin: p.admin, ...(start ? { start } : {}), ...(end ? { end } : {}), ...(fieldName && p.field_value ? { fieldName, value: p.field_value } : {}) },
      p.limit,
    );
    const summary = res.items.length === 0 ? 'No held messages match' : `${plural(res.items.length, 'held message')}${moreSuffix(res.items.length, res.truncated, res.total)}`;
    return {
      summary,
      kind: 'table',
      data: table(
        [
          ['id', 'Held id'],
          ['dateReceived', 'Received'],
          ['from', 'From'],
          ['to', 'To'],
          ['subject', 'Subject'],
          ['reason', 'Reason'],
          ['reasonCode', 'Reason code'],
          ['policyInfo', 'Policy'],
          ['route', 'Route'],
          ['hasAttachments', 'Attachments'],
          ['size', 'Size'],
        ],
        res.items.map(heldRow),
        res.total !== undefined ? { total: res.total } : {},
      ),
      ...(res.requestIds.length ? { vendorRequestIds: res.requestIds } : {}),
    };
  },
});

export const releaseMessage = mimecastAction({
  name: 'release-message',
  title: 'Release held message',
  summary: 'Release a message held at the Mimecast gateway to its recipient',
  params: z.object({
    message_id: heldId.describe('The id of the held message (from mimecast get-hold-message-list)'),
  }),
  risk: 'change',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult> {
    const client = mimecastClient(ctx);
    const dry = dryRun(ctx, client, requests.releaseHeldMessage(p.message_id), `release held message ${p.message_id}`);
    if (dry) return dry;
    const res = await client.releaseHeldMessage(p.message_id);
    const ids = requestIds(res.requestId);
    return { summary: `Released held message ${res.id ?? p.message_id}`, kind: 'record', data: { id: res.id ?? p.message_id, release: res.release }, ...(ids ? { vendorRequestIds: ids } : {}) };
  },
});

export const rejectHeldMessage = mimecastAction({
  name: 'reject-held-message',
  title: 'Reject held message',
  summary: 'Reject messages held at the Mimecast gateway so they are never delivered',
  params: z.object({
    message_ids: z.array(heldId).min(1).max(100, 'at most 100 held messages per call').describe('The ids of the held messages to reject (from mimecast get-hold-message-list)'),
    reason_type: z.enum(REJECT_REASONS).default('MESSAGE CONTAINS UNDESIRABLE CONTENT').describe('The rejection reason recorded (default MESSAGE CONTAINS UNDESIRABLE CONTENT)'),
    message: z.string().trim().max(1000).optional().describe('A note sent to the sender when notify is true'),
    notify: z.boolean().default(false).describe('Tell the sender the message was rejected (default false)'),
  }),
  risk: 'destructive',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult<TableData | Record<string, unknown>>> {
    const client = mimecastClient(ctx);
    const input = { ids: p.message_ids, reasonType: p.reason_type, ...(p.message ? { message: p.message } : {}), notify: p.notify };
    const dry = dryRun(ctx, client, requests.rejectHeldMessages(input), `reject ${plural(p.message_ids.length, 'held message')}`);
    if (dry) return dry;
    const res = await client.rejectHeldMessages(input);
    const rejected = new Set(res.data.filter((d) => d.reject === true).map((d) => d.id));
    const rows = p.message_ids.map((hid) => {
      const f = res.failures.find((x) => (x.key as { id?: string } | undefined)?.id === hid);
      return { id: hid, rejected: rejected.has(hid), error: rejected.has(hid) ? null : (f?.message ?? 'not confirmed by Mimecast') };
    });
    const okCount = rows.filter((r) => r.rejected).length;
    const partial = okCount < p.message_ids.length;
    const summary = partial ? `Partially successful: rejected ${okCount} of ${p.message_ids.length} held messages; failed: ${describeFailures(res.failures)}` : `Rejected ${plural(okCount, 'held message')} (${p.reason_type.toLowerCase()})`;
    const ids = requestIds(res.requestId);
    return {
      summary,
      kind: 'table',
      data: table(
        [
          ['id', 'Held id'],
          ['rejected', 'Rejected'],
          ['error', 'Error'],
        ],
        rows,
      ),
      ...(partial ? { partial: true } : {}),
      ...(ids ? { vendorRequestIds: ids } : {}),
    };
  },
});

export const heldActions = [getHoldMessageList, releaseMessage, rejectHeldMessage];
