// Archive actions: seed 001 Get Message List, Get Message Detail, Get Files and Get Message
// Attachment. Files leave Mimecast only inside a password-protected zip (password "infected"):
// they come from suspected phishing and must not be one click from being opened in chat.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { MimecastClient } from '../../vendors/mimecast/client.ts';
import type { MimecastFile, MimecastMessageDetail } from '../../vendors/mimecast/types.ts';
import { DEFAULT_ZIP_PASSWORD, createZip } from '../../util/zip.ts';
import type { ActionResult, FileData, TableData } from '../types.ts';
import { address, optionalDateParam, emailParam, mimecastAction, mimecastClient, moreSuffix, plural, table, toMc } from './common.ts';

const messageId = z.string().trim().min(1);

export interface FetchedFile {
  id: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
  md5: string;
  sha1: string;
  sha256: string;
}

export async function fetchFiles(client: MimecastClient, refs: readonly { id: string; filename?: string }[]): Promise<{ files: FetchedFile[]; requestIds: string[] }> {
  const files: FetchedFile[] = [];
  const requestIds: string[] = [];
  for (const ref of refs) {
    const f: MimecastFile = await client.getFile(ref.id);
    if (f.requestId) requestIds.push(f.requestId);
    const hash = (alg: string) => createHash(alg).update(f.bytes).digest('hex');
    files.push({ id: ref.id, filename: ref.filename ?? f.filename ?? `${ref.id.slice(0, 24)}.bin`, contentType: f.contentType, bytes: f.bytes, md5: hash('md5'), sha1: hash('sha1'), sha256: hash('sha256') });
  }
  return { files, requestIds };
}

/** The files as one `infected`-password zip, with their hashes in the comment. */
export function zipResult(files: FetchedFile[], baseName: string, requestIds: string[], what: string): ActionResult<FileData> {
  const bytes = createZip(
    files.map((f) => ({ name: f.filename, data: f.bytes })),
    { password: DEFAULT_ZIP_PASSWORD },
  );
  const lines = files.map((f) => `${f.filename} (${f.bytes.length} bytes) sha256 ${f.sha256} sha1 ${f.sha1} md5 ${f.md5}`);
  const names = files.map((f) => f.filename).join(', ');
  return {
    summary: `${what}: ${plural(files.length, 'file')} (${names}) in a zip, password ${DEFAULT_ZIP_PASSWORD}`,
    kind: 'file',
    data: {
      filename: files.length === 1 ? `${files[0]?.filename ?? baseName}.zip` : `${baseName}.zip`,
      contentType: 'application/zip',
      bytes,
      comment: [`zip password: ${DEFAULT_ZIP_PASSWORD}`, ...lines].join('\n'),
    },
    ...(requestIds.length ? { vendorRequestIds: requestIds } : {}),
  };
}

export const getMessageList = mimecastAction({
  name: 'get-message-list',
  title: 'Get message list',
  summary: "List the archived messages of a user's inbox or sent items",
  params: z.object({
    view: z.enum(['INBOX', 'SENT']).describe('The message list type: INBOX or SENT'),
    mailbox: emailParam.describe('The mailbox whose messages to list'),
    start_time: optionalDateParam('The start date of the messages to return (UTC)'),
    end_time: optionalDateParam('The end date of the messages to return (UTC)'),
    limit: z.coerce.number().int().max(1000).default(25).describe('How many messages to return (default 25, at most 1000; 0 or negative means the default)'),
  }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const now = new Date();
    const start = toMc(p.start_time, now);
    const end = toMc(p.end_time, now);
    const limit = p.limit > 0 ? p.limit : 25;
    const res = await mimecastClient(ctx).getMessageList({ view: p.view, mailbox: p.mailbox, ...(start ? { start } : {}), ...(end ? { end } : {}) }, limit);
    const rows = res.items.map((m) => ({ id: m.id, received: m.received, from: address(m.from), to: (m.to ?? []).map((t) => address(t)).join(', '), subject: m.subject, attachmentCount: m.attachmentCount, size: m.size, status: m.status }));
    const summary = res.items.length === 0 ? `No messages in ${p.mailbox} ${p.view}` : `${plural(res.items.length, 'message')} in ${p.mailbox} ${p.view}${moreSuffix(res.items.length, res.truncated, res.total)}`;
    return {
      summary,
      kind: 'table',
      data: table(
        [
          ['id', 'Message id'],
          ['received', 'Received'],
          ['from', 'From'],
          ['to', 'To'],
          ['subject', 'Subject'],
          ['attachmentCount', 'Attachments'],
          ['size', 'Size'],
          ['status', 'Status'],
        ],
        rows,
        res.total !== undefined ? { total: res.total } : {},
      ),
      ...(res.requestIds.length ? { vendorRequestIds: res.requestIds } : {}),
    };
  },
});

function detailRecord(d: MimecastMessageDetail): Record<string, unknown> {
  return {
    id: d.id,
    subject: d.subject,
    from: address(d.from),
    envelopeFrom: address(d.envelopeFrom),
    replyTo: address(d.replyTo),
    to: (d.to ?? []).map((a) => address(a)),
    cc: (d.cc ?? []).map((a) => address(a)),
    mimeMessageId: d.mimeMessageId,
    headerDate: d.headerDate,
    processed: d.processed,
    size: d.size,
    status: d.status,
    attachments: (d.attachments ?? []).map((a) => ({ id: a.id, filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256 })),
    headers: d.headers,
  };
}

export const getMessageDetail = mimecastAction({
  name: 'get-message-detail',
  title: 'Get message detail',
  summary: 'Headers, recipients and attachments of an archived message',
  params: z.object({
    message_id: messageId.describe('The Mimecast id of the message (from mimecast get-message-list)'),
  }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult> {
    const d = await mimecastClient(ctx).getMessageDetail(p.message_id);
    const n = d.attachments?.length ?? 0;
    return { summary: `"${d.subject ?? '(no subject)'}" from ${address(d.from) || 'unknown sender'}, ${plural(n, 'attachment')}`, kind: 'record', data: detailRecord(d) };
  },
});

export const getFiles = mimecastAction({
  name: 'get-files',
  title: 'Get files',
  summary: 'Download attachments of stored messages (as a zip with password "infected")',
  params: z.object({
    attachment_ids: z.array(z.string().trim().min(1)).min(1).max(20, 'at most 20 files per call').describe('The attachment ids (from mimecast get-message-detail: attachments[].id)'),
  }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<FileData>> {
    const { files, requestIds } = await fetchFiles(
      mimecastClient(ctx),
      p.attachment_ids.map((id) => ({ id })),
    );
    return zipResult(files, 'mimecast-files', requestIds, 'Downloaded');
  },
});

export const getMessageAttachment = mimecastAction({
  name: 'get-message-attachment',
  title: 'Get message attachments',
  summary: 'Download every attachment of an archived message (as a zip with password "infected")',
  params: z.object({
    message_id: messageId.describe('The Mimecast id of the message (from mimecast get-message-list)'),
  }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<FileData | Record<string, unknown>>> {
    const client = mimecastClient(ctx);
    const d = await client.getMessageDetail(p.message_id);
    const refs = (d.attachments ?? []).filter((a) => a.id).map((a) => ({ id: a.id, ...(a.filename ? { filename: a.filename } : {}) }));
    if (refs.length === 0) {
      return { summary: `Message "${d.subject ?? p.message_id}" has no attachments`, kind: 'record', data: { id: d.id, subject: d.subject, attachments: [] } };
    }
    const { files, requestIds } = await fetchFiles(client, refs);
    return zipResult(files, `mimecast-attachments-${p.message_id.slice(0, 16).replace(/[^\w-]/g, '')}`, requestIds, `Attachments of "${d.subject ?? p.message_id}"`);
  },
});

export const archiveActions = [getMessageList, getMessageDetail, getFiles, getMessageAttachment];
