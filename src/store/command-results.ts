// Command results kept for a while so a chat "more" button can show the next rows of a long result,
// or ask the vendor for its next page, on any replica (the click may reach another process than
// the one that ran the command). Rows expire; expired ones are pruned on the next save.
import { randomUUID } from 'node:crypto';
import type { Store } from './store.ts';
import type { ActionResult } from '../actions/types.ts';
import type { Actor } from './types.ts';

export interface SavedResult {
  id: string;
  actionId: string;
  actor: Actor;
  /** Parameters to re-run with for the vendor's next page; undefined when they held a secret. */
  params?: Record<string, unknown>;
  result: ActionResult;
  createdAt: string;
  expiresAt: string;
}

/** Long enough for a shift's paging, short enough that old results do not pile up. */
export const RESULT_TTL_MS = 24 * 60 * 60_000;

export async function saveResult(
  store: Store,
  r: { actionId: string; actor: Actor; params?: Record<string, unknown>; result: ActionResult },
  opts: { ttlMs?: number; now?: Date } = {},
): Promise<SavedResult> {
  const now = opts.now ?? new Date();
  const createdAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + (opts.ttlMs ?? RESULT_TTL_MS)).toISOString();
  // Files are uploaded, never paged: their bytes stay out of the database.
  const result: ActionResult = r.result.kind === 'file' ? { ...r.result, data: null } : r.result;
  const id = randomUUID();
  await store.db.deleteFrom('command_results').where('expires_at', '<', createdAt).execute();
  await store.db
    .insertInto('command_results')
    .values({
      id,
      action_id: r.actionId,
      actor: JSON.stringify(r.actor),
      params: r.params ? JSON.stringify(r.params) : null,
      result: JSON.stringify(result),
      created_at: createdAt,
      expires_at: expiresAt,
    })
    .execute();
  return { id, actionId: r.actionId, actor: r.actor, ...(r.params ? { params: r.params } : {}), result, createdAt, expiresAt };
}

/** The saved result, or undefined when it never existed or has expired. */
export async function loadResult(store: Store, id: string, now: Date = new Date()): Promise<SavedResult | undefined> {
  const row = await store.db.selectFrom('command_results').selectAll().where('id', '=', id).where('expires_at', '>=', now.toISOString()).executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    actionId: row.action_id,
    actor: JSON.parse(row.actor) as Actor,
    ...(row.params ? { params: JSON.parse(row.params) as Record<string, unknown> } : {}),
    result: JSON.parse(row.result) as ActionResult,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
