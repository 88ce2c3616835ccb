// o365.delete-email, o365.copy-email, o365.move-email (seed 000). Deleted mail goes to Deleted
// Items (recoverable), as the seed documents. Copy and move return the new item's id where the
// server gives one.
//
// Graph copies and moves only inside one mailbox. For another mailbox (seed: "copied from one
// mailbox's folder to a different mailbox") the documented alternative is used and said: the
// message's MIME is read from the source mailbox and created in the destination folder (a move
// then puts the original in the source's Deleted Items). Public folders are not in Graph v1.0.
import { z } from 'zod';
import type { ActionContext, ActionResult, RecordData, TableData } from '../types.ts';
import type { Vendors } from '../../vendors/registry.ts';
import type { EwsFolderTarget } from '../../vendors/ews/folders.ts';
import { impersonationFor } from '../../vendors/ews/params.ts';
import { isVendorError } from '../../vendors/http/errors.ts';
import {
  backendParam,
  cell,
  dontImpersonateParam,
  dryRun,
  emailParam,
  folderParam,
  graphMailbox,
  impersonateParam,
  messageIdParam,
  o365Action,
  optionalEmailParam,
  pickBackend,
  plural,
  splitList,
  table,
  ewsCall,
} from './common.ts';

/** Ids per delete call (the seed takes a comma-separated list "in a single call"). */
export const MAX_DELETE_IDS = 100;

const deleteParams = z.object({
  id: z
    .string()
    .trim()
    .superRefine((v, c) => {
      const ids = splitList(v);
      if (ids.length === 0) c.addIssue({ code: 'custom', message: 'id must name at least one message id' });
      if (ids.length > MAX_DELETE_IDS) c.addIssue({ code: 'custom', message: `at most ${MAX_DELETE_IDS} ids per call, got ${ids.length}` });
      if (ids.some((i) => /\s/.test(i))) c.addIssue({ code: 'custom', message: 'message ids contain no spaces: separate several with commas' });
    })
    .describe('Message IDs to delete (comma-separated values supported)'),
  email: optionalEmailParam('Email of the mailbox owner (Graph: the mailbox the ids belong to, default the reporting mailbox; EWS: used for impersonation)'),
  backend: backendParam(),
});

interface Outcome {
  id: string;
  ok: boolean;
  detail: string;
}

const OUTCOME_COLUMNS: [string, string][] = [
  ['id', 'Email ID'],
  ['result', 'Result'],
];

function outcomeTable(outcomes: Outcome[]): TableData {
  return table(
    OUTCOME_COLUMNS,
    outcomes.map((o) => ({ id: cell(o.id), result: cell(o.ok ? o.detail : `failed: ${o.detail}`) })),
  );
}

export const deleteEmail = o365Action({
  name: 'delete-email',
  title: 'Delete email',
  summary: 'Deletes emails by id (moved to Deleted Items); several ids comma-separated',
  params: deleteParams,
  risk: 'destructive',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult<TableData | Record<string, unknown>>> {
    const ids = splitList(p.id);
    const b = pickBackend(ctx, p.backend);
    const outcomes: Outcome[] = [];
    if (b.kind === 'graph') {
      const mailbox = graphMailbox(ctx, p.email);
      const dry = dryRun(ctx, 'graph', `move ${plural(ids.length, 'message')} of ${mailbox} to Deleted Items`, {
        operation: 'graph.moveMessage',
        requests: ids.map((id) => ({ method: 'POST', path: `/v1.0/users/${mailbox}/messages/${id}/move`, body: { destinationId: 'deleteditems' } })),
      });
      if (dry) return dry;
      for (const id of ids) {
        try {
          await b.graph.moveMessage(mailbox, id, 'deleteditems');
          outcomes.push({ id, ok: true, detail: 'moved to Deleted Items' });
        } catch (err) {
          if (!isVendorError(err)) throw err;
          outcomes.push({ id, ok: false, detail: err.message });
        }
      }
    } else {
      const call = ewsCall(ctx, p);
      const dry = dryRun(ctx, 'ews', `delete ${plural(ids.length, 'message')} (DeleteType MoveToDeletedItems)`, { operation: 'ews.DeleteItem', ids, deleteType: 'MoveToDeletedItems', impersonate: call.impersonate ?? null });
      if (dry) return dry;
      for (const o of await b.ews.deleteItems(ids, 'MoveToDeletedItems', call)) outcomes.push({ id: o.id, ok: o.ok, detail: o.ok ? 'moved to Deleted Items' : (o.message ?? o.code) });
    }
    const ok = outcomes.filter((o) => o.ok).length;
    if (ok === 0) throw new Error(`Delete email failed for every id: ${outcomes.map((o) => `${o.id}: ${o.detail}`).join('; ')}`);
    return {
      summary: ok === ids.length ? `Successfully deleted ${plural(ok, 'email')} (moved to Deleted Items)` : `Deleted ${ok} of ${ids.length} emails; ${ids.length - ok} failed`,
      kind: 'table',
      data: outcomeTable(outcomes),
      ...(ok < ids.length ? { partial: true } : {}),
    };
  },
});

const copyMoveParams = z.object({
  id: messageIdParam('Message ID to copy or move'),
  email: emailParam('Destination mailbox (email)'),
  folder: folderParam('Destination mail folder name or path'),
  source_email: optionalEmailParam('Graph only: the mailbox the message is in now (Graph message ids belong to one mailbox); default: the destination mailbox'),
  impersonate_email: impersonateParam(),
  dont_impersonate: dontImpersonateParam(),
  is_public_folder: z.boolean().default(false).describe('The destination folder is a public folder (EWS only; default false)'),
  backend: backendParam(),
});
type CopyMoveParams = z.output<typeof copyMoveParams>;

function copyOrMove(op: 'copy' | 'move') {
  const Verb = op === 'copy' ? 'Copy' : 'Move';
  return o365Action({
    name: `${op}-email`,
    title: `${Verb} email`,
    summary: `${Verb}s an email to a folder (paths with /; \\/ for a slash in a name), returning the new email id where the server gives one`,
    params: copyMoveParams,
    risk: 'change',
    role: 'responder',
    async run(ctx, p): Promise<ActionResult<RecordData>> {
      const b = pickBackend(ctx, p.backend);
      return b.kind === 'graph' ? graphCopyMove(ctx, b.graph, op, p) : ewsCopyMove(ctx, b.ews, op, p);
    },
  });
}

async function graphCopyMove(ctx: ActionContext<Vendors>, graph: NonNullable<Vendors['graph']>, op: 'copy' | 'move', p: CopyMoveParams): Promise<ActionResult<RecordData>> {
  if (p.is_public_folder) {
    throw new Error('Public folders cannot be reached through Microsoft Graph (v1.0 has no public folder API): use backend=ews for Exchange Server, or a shared mailbox on Exchange Online');
  }
  const source = p.source_email ?? p.email;
  const cross = source.toLowerCase() !== p.email.toLowerCase();
  const notes: string[] = [];
  if (p.impersonate_email || p.dont_impersonate) notes.push('impersonate_email / dont_impersonate apply to EWS only (Graph app-only access needs no impersonation)');
  const folderId = await graph.resolveFolderId(p.email, p.folder);
  if (!cross) {
    const dry = dryRun(ctx, 'graph', `${op} message ${p.id} to ${p.email}/${p.folder}`, { operation: `graph.${op}Message`, method: 'POST', path: `/v1.0/users/${p.email}/messages/${p.id}/${op}`, body: { destinationId: folderId } });
    if (dry) return dry;
    const r = op === 'copy' ? await graph.copyMessage(p.email, p.id, folderId) : await graph.moveMessage(p.email, p.id, folderId);
    return {
      summary: `Successfully ${op === 'copy' ? 'copied' : 'moved'} email to ${p.folder} in ${p.email}; new email id ${r.id}${notes.length ? `. ${notes.join('; ')}` : ''}`,
      kind: 'record',
      data: { backend: 'graph', new_email_id: r.id, mailbox: p.email, folder: p.folder },
    };
  }
  // Graph has no cross-mailbox copy/move: the documented alternative, said plainly.
  notes.unshift(`Microsoft Graph cannot ${op} across mailboxes; instead the message's MIME was read from ${source} and created as a new item in ${p.email}${op === 'move' ? `, and the original was moved to Deleted Items in ${source}` : ''} (Graph may show the new item as a draft)`);
  const dry = dryRun(ctx, 'graph', `${op} message ${p.id} from ${source} to ${p.email}/${p.folder} through its MIME`, {
    operation: 'graph.createMessageFromMime',
    requests: [
      { method: 'GET', path: `/v1.0/users/${source}/messages/${p.id}/$value` },
      { method: 'POST', path: `/v1.0/users/${p.email}/mailFolders/${folderId}/messages`, contentType: 'text/plain (base64 MIME)' },
      ...(op === 'move' ? [{ method: 'POST', path: `/v1.0/users/${source}/messages/${p.id}/move`, body: { destinationId: 'deleteditems' } }] : []),
    ],
  });
  if (dry) return dry;
  const mime = await graph.getMessageMime(source, p.id);
  const created = await graph.createMessageFromMime(p.email, folderId, mime);
  if (op === 'move') await graph.moveMessage(source, p.id, 'deleteditems');
  return {
    summary: `Successfully ${op === 'copy' ? 'copied' : 'moved'} email to ${p.folder} in ${p.email}; new email id ${created.id}. ${notes.join('; ')}`,
    kind: 'record',
    data: { backend: 'graph', new_email_id: created.id, mailbox: p.email, folder: p.folder, source_mailbox: source, cross_mailbox: true, note: notes[0] },
  };
}

async function ewsCopyMove(ctx: ActionContext<Vendors>, ews: NonNullable<Vendors['ews']>, op: 'copy' | 'move', p: CopyMoveParams): Promise<ActionResult<RecordData>> {
  // Seed: copy and move impersonate the `email` user by default, whatever the deployment setting
  // ("the only action that overrides use_impersonation"), unless dont_impersonate.
  const who = impersonationFor({ email: p.email, ...(p.impersonate_email ? { impersonateEmail: p.impersonate_email } : {}), dontImpersonate: p.dont_impersonate }, true);
  const call = { ...(who ? { impersonate: who } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  const target: EwsFolderTarget = p.is_public_folder ? { path: p.folder, publicFolder: true } : { path: p.folder, mailbox: p.email };
  const dry = dryRun(ctx, 'ews', `${op} item ${p.id} to ${p.is_public_folder ? 'public folder ' : `${p.email}/`}${p.folder}`, { operation: op === 'copy' ? 'ews.CopyItem' : 'ews.MoveItem', id: p.id, folder: p.folder, publicFolder: p.is_public_folder, impersonate: who ?? null });
  if (dry) return dry;
  const [o] = op === 'copy' ? await ews.copyItems([p.id], target, call) : await ews.moveItems([p.id], target, call);
  if (!o?.ok) throw new Error(`${op === 'copy' ? 'Copy' : 'Move'} email failed: ${o?.message ?? o?.code ?? 'no answer for the id'}`);
  const newId = o.newItemId?.id;
  return {
    summary: newId
      ? `Successfully ${op === 'copy' ? 'copied' : 'moved'} email to ${p.folder}; new email id ${newId}`
      : `Successfully ${op === 'copy' ? 'copied' : 'moved'} email to ${p.folder}. Exchange returns no new id for a cross-mailbox or public-folder ${op}: run o365 run-query on the destination with internet_message_id to find it`,
    kind: 'record',
    data: { backend: 'ews', ...(newId ? { new_email_id: newId } : {}), mailbox: p.is_public_folder ? null : p.email, folder: p.folder, impersonated: who ?? null },
  };
}

export const copyEmail = copyOrMove('copy');
export const moveEmail = copyOrMove('move');
