// Persistence of Graph change-notification subscriptions (table graph_subscriptions, migration
// 0002): one row per mailbox source. Writes are race-safe across replicas: the first row is an
// INSERT .. ON CONFLICT DO NOTHING, a replacement is an UPDATE conditional on the subscription id
// it replaces, so two replicas recreating at once cannot both win (the loser deletes its own
// subscription at Graph). The clientState is kept only as its SHA-256.
import { createHash } from 'node:crypto';
import type { Store } from './store.ts';
import type { GraphSubscriptionsTable } from './schema.ts';

export interface SubscriptionRecord {
  source: string;
  subscriptionId: string;
  resource: string;
  notificationUrl: string;
  /** Hex SHA-256 of the clientState. */
  clientStateSha256: string;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

export type NewSubscriptionRecord = Omit<SubscriptionRecord, 'createdAt' | 'updatedAt'>;

export const clientStateDigest = (clientState: string): string => createHash('sha256').update(clientState, 'utf8').digest('hex');

const now = () => new Date().toISOString();

function toRecord(r: GraphSubscriptionsTable): SubscriptionRecord {
  return {
    source: r.source,
    subscriptionId: r.subscription_id,
    resource: r.resource,
    notificationUrl: r.notification_url,
    clientStateSha256: r.client_state_sha256,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRow(n: NewSubscriptionRecord, at: string): GraphSubscriptionsTable {
  return {
    source: n.source,
    subscription_id: n.subscriptionId,
    resource: n.resource,
    notification_url: n.notificationUrl,
    client_state_sha256: n.clientStateSha256,
    expires_at: n.expiresAt,
    created_at: at,
    updated_at: at,
  };
}

export async function subscriptionOfSource(store: Store, source: string): Promise<SubscriptionRecord | undefined> {
  const r = await store.db.selectFrom('graph_subscriptions').selectAll().where('source', '=', source).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

export async function subscriptionById(store: Store, subscriptionId: string): Promise<SubscriptionRecord | undefined> {
  const r = await store.db.selectFrom('graph_subscriptions').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst();
  return r ? toRecord(r) : undefined;
}

export async function listSubscriptions(store: Store): Promise<SubscriptionRecord[]> {
  const rows = await store.db.selectFrom('graph_subscriptions').selectAll().orderBy('source').execute();
  return rows.map(toRecord);
}

/** Records the first subscription of a source; false when another replica recorded one first. */
export async function insertSubscription(store: Store, n: NewSubscriptionRecord): Promise<boolean> {
  const r = await store.db
    .insertInto('graph_subscriptions')
    .values(toRow(n, now()))
    .onConflict((oc) => oc.column('source').doNothing())
    .returning('source')
    .executeTakeFirst();
  return r !== undefined;
}

/** Replaces the source's subscription `previousId` with a new one; false when the row no longer holds previousId. */
export async function replaceSubscription(store: Store, previousId: string, n: NewSubscriptionRecord): Promise<boolean> {
  const at = now();
  const r = await store.db
    .updateTable('graph_subscriptions')
    .set({
      subscription_id: n.subscriptionId,
      resource: n.resource,
      notification_url: n.notificationUrl,
      client_state_sha256: n.clientStateSha256,
      expires_at: n.expiresAt,
      created_at: at,
      updated_at: at,
    })
    .where('source', '=', n.source)
    .where('subscription_id', '=', previousId)
    .returning('source')
    .executeTakeFirst();
  return r !== undefined;
}

export async function recordRenewal(store: Store, subscriptionId: string, expiresAt: string): Promise<void> {
  await store.db.updateTable('graph_subscriptions').set({ expires_at: expiresAt, updated_at: now() }).where('subscription_id', '=', subscriptionId).execute();
}

/** Forgets a subscription (Graph removed it, or its source is gone); true when this call removed the row. */
export async function forgetSubscription(store: Store, subscriptionId: string): Promise<boolean> {
  const r = await store.db.deleteFrom('graph_subscriptions').where('subscription_id', '=', subscriptionId).returning('source').executeTakeFirst();
  return r !== undefined;
}
