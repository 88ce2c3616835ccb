// The Teams installation registry: every conversation the bot is in (a team channel, a group chat,
// a personal chat), with what a proactive send needs later, outside any turn: the conversation id
// and the serviceUrl Teams gave for it (replies must go to that URL, not to a global default).
//
// Rows are written from authenticated inbound activities only (install events and any message or
// invoke), so a serviceUrl here was vouched for by a Bot Framework token. A conversation where
// Teams answers 403 BotNotInConversationRoster (the bot was removed) is marked `gone`: exactly
// one caller wins that transition (conditional UPDATE), so admins are told once across replicas.
// "set alerts here" marks one conversation as the alert destination (`alerts` = 1).
import type { Store } from './store.ts';
import type { TeamsInstallationsTable } from './schema.ts';

export type TeamsScope = 'personal' | 'groupChat' | 'channel';

/** What an inbound activity tells about its conversation. */
export interface TeamsConversationRef {
  conversationId: string;
  serviceUrl: string;
  scope: TeamsScope;
  tenantId?: string;
  /** The bot's id in the conversation (`28:<app id>`). */
  botId?: string;
  teamId?: string;
  name?: string;
  /** Personal scope: the user's Entra object id and Teams MRI (29:…). */
  userAadId?: string;
  userMri?: string;
}

export interface TeamsInstallation extends TeamsConversationRef {
  status: 'active' | 'gone';
  alerts: boolean;
  goneReason?: string;
  installedAt: string;
  updatedAt: string;
}

const SCOPES: readonly TeamsScope[] = ['personal', 'groupChat', 'channel'];

function toInstallation(r: TeamsInstallationsTable): TeamsInstallation {
  return {
    conversationId: r.conversation_id,
    serviceUrl: r.service_url,
    scope: (SCOPES as readonly string[]).includes(r.scope) ? (r.scope as TeamsScope) : 'channel',
    ...(r.tenant_id ? { tenantId: r.tenant_id } : {}),
    ...(r.bot_id ? { botId: r.bot_id } : {}),
    ...(r.team_id ? { teamId: r.team_id } : {}),
    ...(r.name ? { name: r.name } : {}),
    ...(r.user_aad_id ? { userAadId: r.user_aad_id } : {}),
    ...(r.user_mri ? { userMri: r.user_mri } : {}),
    status: r.status === 'gone' ? 'gone' : 'active',
    alerts: Number(r.alerts) === 1,
    ...(r.gone_reason ? { goneReason: r.gone_reason } : {}),
    installedAt: r.installed_at,
    updatedAt: r.updated_at,
  };
}

/** Entra object ids compare case-insensitively (the policy stores them lower-case). */
const aad = (id: string | undefined): string | null => (id ? id.toLowerCase() : null);

/**
 * Records (or refreshes) a conversation from an authenticated activity. A `gone` conversation
 * becomes active again (the bot was added back). Writes only when something changed, so calling
 * this on every activity costs one read in the common case.
 */
export async function rememberConversation(store: Store, ref: TeamsConversationRef, now = new Date()): Promise<{ installation: TeamsInstallation; created: boolean; reactivated: boolean }> {
  const at = now.toISOString();
  const row: TeamsInstallationsTable = {
    conversation_id: ref.conversationId,
    service_url: ref.serviceUrl,
    tenant_id: ref.tenantId ?? null,
    bot_id: ref.botId ?? null,
    scope: ref.scope,
    team_id: ref.teamId ?? null,
    name: ref.name ?? null,
    user_aad_id: aad(ref.userAadId),
    user_mri: ref.userMri ?? null,
    status: 'active',
    alerts: 0,
    gone_reason: null,
    installed_at: at,
    updated_at: at,
  };
  const inserted = await store.db
    .insertInto('teams_installations')
    .values(row)
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { installation: toInstallation(inserted), created: true, reactivated: false };

  const existing = await store.db.selectFrom('teams_installations').selectAll().where('conversation_id', '=', ref.conversationId).executeTakeFirstOrThrow();
  const changed =
    existing.status !== 'active' ||
    existing.service_url !== ref.serviceUrl ||
    (ref.name !== undefined && existing.name !== ref.name) ||
    (ref.tenantId !== undefined && existing.tenant_id !== ref.tenantId) ||
    (ref.botId !== undefined && existing.bot_id !== ref.botId) ||
    (ref.teamId !== undefined && existing.team_id !== ref.teamId) ||
    (ref.userAadId !== undefined && existing.user_aad_id !== aad(ref.userAadId)) ||
    (ref.userMri !== undefined && existing.user_mri !== ref.userMri);
  if (!changed) return { installation: toInstallation(existing), created: false, reactivated: false };

  const updated = await store.db
    .updateTable('teams_installations')
    .set({
      service_url: ref.serviceUrl,
      status: 'active',
      gone_reason: null,
      updated_at: at,
      ...(ref.tenantId !== undefined ? { tenant_id: ref.tenantId } : {}),
      ...(ref.botId !== undefined ? { bot_id: ref.botId } : {}),
      ...(ref.teamId !== undefined ? { team_id: ref.teamId } : {}),
      ...(ref.name !== undefined ? { name: ref.name } : {}),
      ...(ref.userAadId !== undefined ? { user_aad_id: aad(ref.userAadId) } : {}),
      ...(ref.userMri !== undefined ? { user_mri: ref.userMri } : {}),
    })
    .where('conversation_id', '=', ref.conversationId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { installation: toInstallation(updated), created: false, reactivated: existing.status !== 'active' };
}

export async function getInstallation(store: Store, conversationId: string): Promise<TeamsInstallation | undefined> {
  const r = await store.db.selectFrom('teams_installations').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
  return r ? toInstallation(r) : undefined;
}

export async function listInstallations(store: Store, filter: { status?: 'active' | 'gone'; scope?: TeamsScope } = {}): Promise<TeamsInstallation[]> {
  let q = store.db.selectFrom('teams_installations').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.scope) q = q.where('scope', '=', filter.scope);
  const rows = await q.orderBy('installed_at').orderBy('conversation_id').execute();
  return rows.map(toInstallation);
}

/**
 * Marks a conversation gone (the bot was removed: uninstall event, or 403 BotNotInConversationRoster).
 * Returns the installation only to the one caller that made the transition (everyone else, and
 * calls for an already-gone conversation, get undefined): that caller tells the admins.
 * A conversation never seen before (a configured TEAMS_ALERT_CONVERSATION) is recorded as gone
 * when `serviceUrl` is given.
 */
export async function markGone(
  store: Store,
  conversationId: string,
  reason: string,
  opts: { serviceUrl?: string; now?: Date } = {},
): Promise<TeamsInstallation | undefined> {
  const at = (opts.now ?? new Date()).toISOString();
  const updated = await store.db
    .updateTable('teams_installations')
    .set({ status: 'gone', gone_reason: reason, updated_at: at })
    .where('conversation_id', '=', conversationId)
    .where('status', '=', 'active')
    .returningAll()
    .executeTakeFirst();
  if (updated) return toInstallation(updated);
  if (!opts.serviceUrl) return undefined;
  const inserted = await store.db
    .insertInto('teams_installations')
    .values({
      conversation_id: conversationId,
      service_url: opts.serviceUrl,
      tenant_id: null,
      bot_id: null,
      scope: 'channel',
      team_id: null,
      name: null,
      user_aad_id: null,
      user_mri: null,
      status: 'gone',
      alerts: 0,
      gone_reason: reason,
      installed_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ? toInstallation(inserted) : undefined;
}

/**
 * "set alerts here": this conversation becomes the one alert destination (any other loses it).
 * Returns undefined when the conversation is not registered as active.
 */
export async function setAlertConversation(store: Store, conversationId: string, now = new Date()): Promise<TeamsInstallation | undefined> {
  const at = now.toISOString();
  return store.db.transaction().execute(async (tx) => {
    const target = await tx
      .updateTable('teams_installations')
      .set({ alerts: 1, updated_at: at })
      .where('conversation_id', '=', conversationId)
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst();
    if (!target) return undefined;
    await tx.updateTable('teams_installations').set({ alerts: 0, updated_at: at }).where('alerts', '=', 1).where('conversation_id', '<>', conversationId).execute();
    return toInstallation(target);
  });
}

/** The active conversation where "set alerts here" was said, if any. */
export async function alertInstallation(store: Store): Promise<TeamsInstallation | undefined> {
  const r = await store.db
    .selectFrom('teams_installations')
    .selectAll()
    .where('alerts', '=', 1)
    .where('status', '=', 'active')
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
  return r ? toInstallation(r) : undefined;
}

/** Active personal chats with these users (Entra object ids), e.g. to tell admins something. */
export async function personalChatsOf(store: Store, userAadIds: readonly string[]): Promise<TeamsInstallation[]> {
  const ids = [...new Set(userAadIds.map((i) => i.toLowerCase()))];
  if (ids.length === 0) return [];
  const rows = await store.db
    .selectFrom('teams_installations')
    .selectAll()
    .where('scope', '=', 'personal')
    .where('status', '=', 'active')
    .where('user_aad_id', 'in', ids)
    .orderBy('conversation_id')
    .execute();
  return rows.map(toInstallation);
}
