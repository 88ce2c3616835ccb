// o365.block-sender / o365.unblock-sender (seed 000): the sender of a message in a mailbox is added
// to / removed from that mailbox's Blocked Senders list, optionally moving the message to / out of
// Junk Email. The message id changes when it moves: the new id is returned (an undo needs it).
//
// EWS (Exchange Server): MarkAsJunk, exactly the seed's action.
// Graph has NO per-user Blocked Senders list (message markAsJunk was beta-only and is retired;
// mailboxSettings has no blocked senders). The result says so and uses the documented
// alternative: an inbox rule in that mailbox moving mail from the sender to Junk Email, named
// "Hookline: block <address>" so unblock finds and deletes exactly the rules Hookline made. For
// an organisation-wide block use the Tenant Allow/Block List (Exchange Online PowerShell).
import { z } from 'zod';
import type { ActionContext, ActionResult, RecordData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import type { GraphClient } from '../../vendors/graph/client.ts';
import { backendParam, dryRun, ewsCall, graphMailbox, messageIdParam, o365Action, optionalEmailParam, pickBackend } from './common.ts';

export const RULE_PREFIX = 'Hookline: block ';
const GRAPH_GAP =
  'Microsoft Graph has no per-user Blocked Senders list; used instead: an inbox rule moving mail from the sender to Junk Email (for an organisation-wide block, use the Tenant Allow/Block List in Exchange Online)';

const blockParams = z.object({
  id: messageIdParam('Message ID to pick the sender of'),
  move_to_junk_folder: z.boolean().default(false).describe('Also move the email to the Junk Email folder (default false)'),
  email: optionalEmailParam('Email of the mailbox owner (Graph: the mailbox the id belongs to, default the reporting mailbox; EWS: used for impersonation)'),
  backend: backendParam(),
});

const unblockParams = z.object({
  id: messageIdParam('Message ID to pick the sender of'),
  move_from_junk_folder: z.boolean().default(false).describe('Also move the email out of Junk Email back to the Inbox (default false)'),
  email: optionalEmailParam('Email of the mailbox owner (Graph: the mailbox the id belongs to, default the reporting mailbox; EWS: used for impersonation)'),
  backend: backendParam(),
});

async function senderOf(graph: GraphClient, mailbox: string, id: string): Promise<string> {
  const m = await graph.getMessage(mailbox, id);
  const address = (m.from?.address ?? m.sender?.address)?.trim().toLowerCase();
  if (!address) throw new Error(`message ${id} in ${mailbox} has no sender address to block`);
  return address;
}

export const blockSender = o365Action({
  name: 'block-sender',
  title: 'Block sender',
  summary: "Adds the sender of an email to the mailbox's blocked senders (EWS), or an equivalent Junk inbox rule (Graph); optionally moves the email to Junk",
  params: blockParams,
  risk: 'change',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult<RecordData>> {
    const b = pickBackend(ctx, p.backend);
    if (b.kind === 'ews') {
      const call = ewsCall(ctx, p);
      const dry = dryRun(ctx, 'ews', `mark ${p.id} as junk (IsJunk=true, MoveItem=${p.move_to_junk_folder})`, { operation: 'ews.MarkAsJunk', id: p.id, isJunk: true, moveItem: p.move_to_junk_folder, impersonate: call.impersonate ?? null });
      if (dry) return dry;
      const [o] = await b.ews.markAsJunk([p.id], { isJunk: true, moveItem: p.move_to_junk_folder }, call);
      if (!o?.ok) throw new Error(`Block sender failed: ${o?.message ?? o?.code ?? 'no answer for the id'}`);
      const newId = o.newItemId?.id;
      return {
        summary: `Sender blocked.${p.move_to_junk_folder ? ' Message moved to Junk Folder' : ''}${newId ? `; new email id ${newId}` : ''}`,
        kind: 'record',
        data: { backend: 'ews', ...(newId ? { new_email_id: newId } : {}), moved_to_junk: p.move_to_junk_folder },
      };
    }
    return graphBlock(ctx, b.graph, p);
  },
});

async function graphBlock(ctx: ActionContext<Vendors>, graph: GraphClient, p: z.output<typeof blockParams>): Promise<ActionResult<RecordData>> {
  const mailbox = graphMailbox(ctx, p.email);
  const sender = await senderOf(graph, mailbox, p.id);
  const displayName = `${RULE_PREFIX}${sender}`;
  const dry = dryRun(ctx, 'graph', `create inbox rule "${displayName}" in ${mailbox}${p.move_to_junk_folder ? ' and move the email to Junk Email' : ''}`, {
    operation: 'graph.createMessageRule',
    requests: [
      { method: 'POST', path: `/v1.0/users/${mailbox}/mailFolders/inbox/messageRules`, body: { displayName, conditions: { fromAddresses: [{ emailAddress: { address: sender } }] }, actions: { moveToFolder: '<Junk Email id>', stopProcessingRules: true } } },
      ...(p.move_to_junk_folder ? [{ method: 'POST', path: `/v1.0/users/${mailbox}/messages/${p.id}/move`, body: { destinationId: 'junkemail' } }] : []),
    ],
    note: GRAPH_GAP,
  });
  if (dry) return dry;
  const existing = (await graph.listMessageRules(mailbox)).find((r) => r.displayName === displayName || (r.displayName?.startsWith(RULE_PREFIX) && r.fromAddresses.some((a) => a.toLowerCase() === sender)));
  let ruleId = existing?.id;
  if (!existing) {
    const junk = await graph.getFolder(mailbox, 'junkemail');
    const rule = await graph.createMessageRule(mailbox, { displayName, sequence: 1, fromAddresses: [sender], moveToFolder: junk.id, stopProcessingRules: true });
    ruleId = rule.id;
  }
  const moved = p.move_to_junk_folder ? await graph.moveMessage(mailbox, p.id, 'junkemail') : undefined;
  return {
    summary: `Sender ${sender} blocked in ${mailbox}${existing ? ' (the rule already existed)' : ''}.${moved ? ` Message moved to Junk Folder; new email id ${moved.id}.` : ''} ${GRAPH_GAP}`,
    kind: 'record',
    data: { backend: 'graph', sender, mailbox, rule_id: ruleId ?? null, rule_name: displayName, rule_existed: Boolean(existing), ...(moved ? { new_email_id: moved.id } : {}), moved_to_junk: Boolean(moved), note: GRAPH_GAP },
  };
}

export const unblockSender = o365Action({
  name: 'unblock-sender',
  title: 'Unblock sender',
  summary: "Removes the sender of an email from the mailbox's blocked senders (EWS), or deletes Hookline's Junk inbox rule for it (Graph); optionally moves the email out of Junk",
  params: unblockParams,
  risk: 'change',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult<RecordData>> {
    const b = pickBackend(ctx, p.backend);
    if (b.kind === 'ews') {
      const call = ewsCall(ctx, p);
      const dry = dryRun(ctx, 'ews', `mark ${p.id} as not junk (IsJunk=false, MoveItem=${p.move_from_junk_folder})`, { operation: 'ews.MarkAsJunk', id: p.id, isJunk: false, moveItem: p.move_from_junk_folder, impersonate: call.impersonate ?? null });
      if (dry) return dry;
      const [o] = await b.ews.markAsJunk([p.id], { isJunk: false, moveItem: p.move_from_junk_folder }, call);
      if (!o?.ok) throw new Error(`Unblock sender failed: ${o?.message ?? o?.code ?? 'no answer for the id'}`);
      const newId = o.newItemId?.id;
      return {
        summary: `Sender Unblocked.${p.move_from_junk_folder ? ' Message moved out of Junk Folder' : ''}${newId ? `; new email id ${newId}` : ''}`,
        kind: 'record',
        data: { backend: 'ews', ...(newId ? { new_email_id: newId } : {}), moved_from_junk: p.move_from_junk_folder },
      };
    }
    const graph = b.graph;
    const mailbox = graphMailbox(ctx, p.email);
    const sender = await senderOf(graph, mailbox, p.id);
    const rules = (await graph.listMessageRules(mailbox)).filter((r) => r.displayName?.startsWith(RULE_PREFIX) && (r.displayName === `${RULE_PREFIX}${sender}` || r.fromAddresses.some((a) => a.toLowerCase() === sender)));
    const dry = dryRun(ctx, 'graph', `delete ${rules.length} Hookline block rule(s) for ${sender} in ${mailbox}${p.move_from_junk_folder ? ' and move the email to the Inbox' : ''}`, {
      operation: 'graph.deleteMessageRule',
      requests: [
        ...rules.map((r) => ({ method: 'DELETE', path: `/v1.0/users/${mailbox}/mailFolders/inbox/messageRules/${r.id}` })),
        ...(p.move_from_junk_folder ? [{ method: 'POST', path: `/v1.0/users/${mailbox}/messages/${p.id}/move`, body: { destinationId: 'inbox' } }] : []),
      ],
      note: GRAPH_GAP,
    });
    if (dry) return dry;
    for (const r of rules) await graph.deleteMessageRule(mailbox, r.id);
    const moved = p.move_from_junk_folder ? await graph.moveMessage(mailbox, p.id, 'inbox') : undefined;
    const what = rules.length
      ? `Sender ${sender} unblocked in ${mailbox} (${rules.length === 1 ? 'its Junk inbox rule was' : `${rules.length} Junk inbox rules were`} deleted)`
      : `No Hookline block rule for ${sender} in ${mailbox}: nothing to remove (a sender blocked in Outlook's own Blocked Senders list cannot be changed through Graph)`;
    return {
      summary: `${what}.${moved ? ` Message moved out of Junk Folder; new email id ${moved.id}.` : ''}`,
      kind: 'record',
      data: { backend: 'graph', sender, mailbox, rules_deleted: rules.map((r) => r.id), ...(moved ? { new_email_id: moved.id } : {}), moved_from_junk: Boolean(moved), note: GRAPH_GAP },
    };
  },
});
