// Short-lived download links for file results (a message zip, an attachment, logs) on platforms
// where the bot cannot upload into the conversation (Teams channels). The link carries a random
// 256-bit token; only its SHA-256 is stored, so a database reader cannot rebuild links. Links
// expire (default one hour) and expired rows are pruned.
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from './store.ts';
import type { Actor } from './types.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Files larger than this are not offered as downloads (they would bloat the database). */
export const MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024;

export async function saveDownload(
  store: Store,
  file: { filename: string; contentType: string; bytes: Buffer },
  by: Actor,
  ttlMs = 60 * 60_000,
): Promise<{ token: string; expiresAt: string }> {
  if (file.bytes.length > MAX_DOWNLOAD_BYTES) throw new Error(`the file is ${file.bytes.length} bytes; downloads are limited to ${MAX_DOWNLOAD_BYTES}`);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs).toISOString();
  await store.db
    .insertInto('file_downloads')
    .values({
      token_hash: hash(token),
      filename: file.filename,
      content_type: file.contentType,
      data: file.bytes.toString('base64'),
      size: file.bytes.length,
      created_by: `${by.platform}:${by.id}`,
      expires_at: expiresAt,
    })
    .execute();
  return { token, expiresAt };
}

export async function findDownload(store: Store, token: string): Promise<{ filename: string; contentType: string; bytes: Buffer } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const row = await store.db
    .selectFrom('file_downloads')
    .select(['filename', 'content_type', 'data', 'expires_at'])
    .where('token_hash', '=', hash(token))
    .where('expires_at', '>', new Date().toISOString())
    .executeTakeFirst();
  return row ? { filename: row.filename, contentType: row.content_type, bytes: Buffer.from(row.data, 'base64') } : undefined;
}

export async function pruneDownloads(store: Store): Promise<void> {
  await store.db.deleteFrom('file_downloads').where('expires_at', '<=', new Date().toISOString()).execute();
}
