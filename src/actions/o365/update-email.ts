// o365.update-email (seed 000 "update email"): sets the subject and/or the categories of an email.
// Categories REPLACE the existing ones (seed: "the existing categories of the email will be
// replaced"); several are given comma-separated. Graph PATCH and EWS UpdateItem both replace.
import { z } from 'zod';
import type { ActionResult, RecordData } from '../types.ts';
import { backendParam, dryRun, ewsCall, graphMailbox, messageIdParam, o365Action, optionalEmailParam, pickBackend, splitList } from './common.ts';

const params = z
  .object({
    id: messageIdParam('Message ID to update'),
    email: optionalEmailParam('Email of the mailbox owner (Graph: the mailbox the id belongs to, default the reporting mailbox; EWS: used for impersonation)'),
    subject: z.string().max(255, 'subject can be at most 255 characters').optional().describe('Subject to set'),
    category: z.string().optional().describe('Categories to set, comma-separated (replace the existing ones), e.g. Triage:Malicious, Red'),
  })
  .extend({ backend: backendParam() })
  .superRefine((v, c) => {
    if (v.subject === undefined && v.category === undefined) c.addIssue({ code: 'custom', message: 'give subject and/or category to update', path: ['subject'] });
  });

export const updateEmail = o365Action({
  name: 'update-email',
  title: 'Update email',
  summary: 'Updates the subject and/or the categories of an email (categories replace the existing ones)',
  params,
  risk: 'change',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult<RecordData>> {
    const categories = p.category === undefined ? undefined : splitList(p.category);
    const b = pickBackend(ctx, p.backend);
    const change = { ...(p.subject !== undefined ? { subject: p.subject } : {}), ...(categories ? { categories } : {}) };
    if (b.kind === 'graph') {
      const mailbox = graphMailbox(ctx, p.email);
      const dry = dryRun(ctx, 'graph', `update message ${p.id} of ${mailbox}`, { operation: 'graph.updateMessage', method: 'PATCH', path: `/v1.0/users/${mailbox}/messages/${p.id}`, body: change });
      if (dry) return dry;
      const m = await b.graph.updateMessage(mailbox, p.id, change);
      return {
        summary: `Updated email: subject "${m.subject ?? ''}"; categories ${m.categories.length ? m.categories.join(', ') : '(none)'}${m.sentDateTime ? `; sent ${m.sentDateTime}` : ''}`,
        kind: 'record',
        data: { backend: 'graph', email_id: m.id, subject: m.subject ?? '', categories: m.categories, created: m.createdDateTime ?? null, sent: m.sentDateTime ?? null },
      };
    }
    const call = ewsCall(ctx, p);
    const dry = dryRun(ctx, 'ews', `update item ${p.id}`, { operation: 'ews.UpdateItem', id: p.id, ...change, impersonate: call.impersonate ?? null });
    if (dry) return dry;
    const r = await b.ews.updateItem(p.id, change, call);
    // Read it back: the card shows what the mailbox now holds, not what was asked.
    const item = await b.ews.getItem(r.itemId, { mime: false, body: false, transportHeaders: false }, call);
    return {
      summary: `Updated email: subject "${item.subject ?? ''}"; categories ${item.categories.length ? item.categories.join(', ') : '(none)'}${item.dateTimeSent ? `; sent ${item.dateTimeSent}` : ''}`,
      kind: 'record',
      data: { backend: 'ews', email_id: r.itemId.id, change_key: r.itemId.changeKey ?? null, subject: item.subject ?? '', categories: item.categories, created: item.dateTimeCreated ?? null, sent: item.dateTimeSent ?? null },
    };
  },
});
