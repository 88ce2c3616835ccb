// Cofense Vision: message metadata, the message itself (zip) and attachments by hash.
import { z } from 'zod';
import type { FileData, RecordData } from '../types.ts';
import { isMd5, isSha256 } from '../../vendors/cofense/params.ts';
import { bracketed, cofense, cofenseAction, email, messageId, plainAddress, sizeOf } from './common.ts';

const metadataParams = z.object({
  internet_message_id: messageId(),
  recipient_address: email('Recipient address of the email (to, cc or bcc; not a shared mailbox or distribution list)'),
});

export const getMessageMetadata = cofenseAction({
  name: 'get-message-metadata',
  title: 'Get message metadata',
  summary: 'Retrieves the metadata of the message that matches the internet message ID and recipient address',
  params: metadataParams,
  risk: 'read',
  role: 'viewer',
  async run(ctx, p) {
    const m = await cofense(ctx).getMessageMetadata(bracketed(p.internet_message_id), p.recipient_address);
    const from = m.from?.map((a) => plainAddress(a.address)).join(', ') || 'unknown sender';
    const n = m.attachments?.length ?? 0;
    return {
      summary: `"${m.subject ?? '(no subject)'}" from ${from} to ${p.recipient_address}, received ${m.receivedOn ?? 'at an unknown time'}${n ? `, ${n} attachment${n === 1 ? '' : 's'}` : ''}`,
      kind: 'record',
      data: m as RecordData,
    };
  },
});

const messageParams = metadataParams.extend({
  password: z.string().min(1).optional().describe('Password to protect the zip file (keeps mail filters and antivirus from touching it)'),
});

export const getMessage = cofenseAction({
  name: 'get-message',
  title: 'Get message',
  summary: 'Fetches the full content of an email as a zip file (optionally password-protected)',
  params: messageParams,
  risk: 'read',
  // Full message content of any mailbox: investigators only, not every viewer.
  role: 'analyst',
  async run(ctx, p): Promise<{ summary: string; kind: 'file'; data: FileData }> {
    const imid = bracketed(p.internet_message_id);
    const file = await cofense(ctx).downloadMessage({ internetMessageId: imid, recipientAddress: p.recipient_address, ...(p.password ? { password: p.password } : {}) });
    const filename = file.filename ?? `message_${new Date().toISOString().replace(/[:.]/g, '-')}.zip`;
    return {
      summary: `Downloaded message ${imid} of ${p.recipient_address} (${sizeOf(file.bytes.length)} zip${p.password ? ', password-protected' : ''})`,
      kind: 'file',
      data: {
        filename,
        contentType: 'application/zip',
        bytes: file.bytes,
        comment: p.password ? 'Zip protected with the password given with the command' : 'Reported message (may be malicious: open with care)',
      },
    };
  },
});

const attachmentParams = z
  .object({
    md5: z
      .string()
      .trim()
      .refine(isMd5, { message: 'md5 must be 32 hex characters' })
      .optional()
      .describe("Hex-encoded MD5 hash of the attachment"),
    sha256: z
      .string()
      .trim()
      .refine(isSha256, { message: 'sha256 must be 64 hex characters' })
      .optional()
      .describe("Hex-encoded SHA256 hash of the attachment"),
    filename: z
      .string()
      .trim()
      .min(1, 'filename is required')
      .refine((v) => !/[\\/]/.test(v) && v !== '.' && v !== '..', { message: 'filename must be a file name, without folders' })
      .describe('File name including the extension to give to the file, e.g. invoice.pdf'),
    password: z
      .string()
      .min(1)
      .optional()
      .describe('Optional: have Vision return the attachment inside a zip protected with this password'),
  })
  .superRefine((v, ctx) => {
    if (!v.md5 && !v.sha256) ctx.addIssue({ code: 'custom', message: 'give md5 or sha256 (or both) to identify the attachment', path: ['md5'] });
  });

export const getMessageAttachment = cofenseAction({
  name: 'get-message-attachment',
  title: 'Get message attachment',
  summary: 'Fetches an attachment by its MD5 or SHA256 hash',
  params: attachmentParams,
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<{ summary: string; kind: 'file'; data: FileData }> {
    const file = await cofense(ctx).downloadAttachment({ ...(p.md5 ? { md5: p.md5 } : {}), ...(p.sha256 ? { sha256: p.sha256 } : {}), ...(p.password ? { password: p.password } : {}) });
    const zipped = Boolean(p.password);
    const filename = zipped ? `${p.filename}.zip` : p.filename;
    const hash = p.sha256 ? `sha256 ${p.sha256.toLowerCase()}` : `md5 ${(p.md5 as string).toLowerCase()}`;
    return {
      summary: `Downloaded attachment ${hash} as ${filename} (${sizeOf(file.bytes.length)})`,
      kind: 'file',
      data: {
        filename,
        contentType: zipped ? 'application/zip' : file.contentType,
        bytes: file.bytes,
        comment: zipped ? 'Zip protected with the password given with the command' : 'Attachment of a reported message: it may be malicious, do not open it on a workstation',
      },
    };
  },
});

export const messageActions = [getMessageMetadata, getMessage, getMessageAttachment];
