// Keeps one Graph change-notification subscription per mailbox source alive, when
// HOOKLINE_PUBLIC_URL says where Graph can reach us (shared/reference/microsoft.md §5.1, §5.4, §5.5).
//
// - Created for `created` messages of the source's folder, with HOOKLINE_PUBLIC_URL +
//   /graph/notifications as both the notification and the lifecycle URL (the lifecycle URL can only
//   be set at creation). Graph validates the URL during the create call, so this runs only once
//   the HTTP server listens.
// - Lifetime: Outlook message subscriptions last at most 4,230 minutes by the docs we could read
//   (newer third-party sources say 10,080); we ask for 4,200 and renew (PATCH) once less than 48 h
//   remain, which leaves a day of hourly retries before the 24-hour mark. A subscription that is
//   gone (404 on renewal, expired, removed by Graph, or pointing at an old public URL) is recreated.
// - Each create makes a fresh random clientState (32 bytes, base64url). It goes to Graph in the
//   create call and is kept here only as its SHA-256: never logged, never stored in clear.
// - Every change for a source runs under a store lease, so replicas do not create two
//   subscriptions for one folder; if two creates race anyway, the conditional write lets exactly
//   one win and the loser deletes its own subscription at Graph.
// - After a create, a delta round is requested: mail that arrived before the subscription existed
//   (or while it was missing) is picked up at once, not at the next scheduled poll.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../server/metrics.ts';
import type { Store } from '../store/store.ts';
import {
  clientStateDigest,
  forgetSubscription,
  insertSubscription,
  listSubscriptions,
  recordRenewal,
  replaceSubscription,
  subscriptionById,
  subscriptionOfSource,
  type NewSubscriptionRecord,
  type SubscriptionRecord,
} from '../store/graph-subscriptions.ts';
import type { GraphClient } from '../vendors/graph/client.ts';
import { isVendorError } from '../vendors/http/errors.ts';
import type { KnownSubscription, LifecycleEvent } from '../ingest/graph-notifications.ts';

export const SUBSCRIPTION_JOB = 'graph-subscription';
/** Twice an hour: renewal needs far less, but a subscription Graph dropped silently comes back soon. */
export const SUBSCRIPTION_CRON = '7,37 * * * *';
export const NOTIFICATION_PATH = '/graph/notifications';
export const DEFAULT_LIFETIME_MINUTES = 4200;
export const DEFAULT_RENEW_WITHIN_MINUTES = 48 * 60;
const LEASE_MS = 2 * 60_000;

/** A mailbox folder that can be subscribed to (GraphMailboxSource). */
export interface SubscribableSource {
  readonly name: string;
  readonly mailbox: string;
  folderId(): Promise<string>;
}

export interface SubscriptionManagerOptions {
  graph: GraphClient;
  store: Store;
  log: Logger;
  metrics?: Metrics;
  /** HOOKLINE_PUBLIC_URL (no trailing slash needed). */
  publicUrl: string;
  sources: SubscribableSource[];
  /** Asks for a delta round of a source (collapsed by the caller). */
  requestRound(source: string): void;
  lifetimeMinutes?: number;
  renewWithinMinutes?: number;
  now?: () => Date;
}

export type EnsureOutcome = 'created' | 'renewed' | 'kept' | 'busy';

export class GraphSubscriptionManager {
  readonly notificationUrl: string;
  private readonly o: SubscriptionManagerOptions;
  private readonly holder = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly now: () => Date;

  constructor(o: SubscriptionManagerOptions) {
    this.o = o;
    this.now = o.now ?? (() => new Date());
    this.notificationUrl = `${o.publicUrl.replace(/\/+$/, '')}${NOTIFICATION_PATH}`;
    o.metrics?.describe('hookline_graph_subscription_changes_total', 'counter', 'Graph subscriptions created, renewed, reauthorized or lost, by source');
  }

  /** The job: every source gets a live subscription. Errors are logged per source; the first is rethrown. */
  async ensureAll(): Promise<Record<string, EnsureOutcome>> {
    const out: Record<string, EnsureOutcome> = {};
    let firstError: unknown;
    for (const src of this.o.sources) {
      try {
        out[src.name] = await this.ensure(src);
      } catch (err) {
        firstError ??= err;
        this.o.log.error({ source: src.name, notificationUrl: this.notificationUrl, err: (err as Error).message }, 'could not create or renew the Graph subscription (check that HOOKLINE_PUBLIC_URL reaches this server); the scheduled poll keeps ingesting');
      }
    }
    await this.pruneOrphans();
    if (firstError) throw firstError;
    return out;
  }

  /** For the notification route: our subscription with this id. */
  async lookup(subscriptionId: string): Promise<KnownSubscription | undefined> {
    const r = await subscriptionById(this.o.store, subscriptionId);
    return r ? { source: r.source, clientStateSha256: r.clientStateSha256 } : undefined;
  }

  /** A genuine lifecycle event (its clientState was checked by the route). */
  async handleLifecycle(event: LifecycleEvent, subscriptionId: string, sourceName: string): Promise<void> {
    const { log } = this.o;
    const src = this.o.sources.find((s) => s.name === sourceName);
    try {
      if (event === 'reauthorizationRequired') {
        try {
          await this.o.graph.reauthorizeSubscription(subscriptionId);
          this.count(sourceName, 'reauthorized');
          log.info({ source: sourceName, subscriptionId }, 'Graph subscription reauthorized');
        } catch (err) {
          // Renewing also reauthorizes; and if the subscription is gone, ensure() recreates it.
          log.warn({ source: sourceName, subscriptionId, err: (err as Error).message }, 'reauthorize failed; renewing instead');
          if (src) await this.ensure(src, { forceRenew: true });
        }
      } else if (event === 'subscriptionRemoved') {
        this.count(sourceName, 'removed');
        log.warn({ source: sourceName, subscriptionId }, 'Graph removed the subscription; creating a new one');
        await forgetSubscription(this.o.store, subscriptionId);
        if (src) await this.ensure(src);
      } else {
        log.warn({ source: sourceName, subscriptionId }, 'Graph missed notifications; running the delta to catch up');
      }
    } finally {
      // Every lifecycle event may mean notifications were lost or paused: the delta catches up.
      this.o.requestRound(sourceName);
    }
  }

  /** Makes sure `src` has a live subscription that points at our URL. */
  async ensure(src: SubscribableSource, opts: { forceRenew?: boolean } = {}): Promise<EnsureOutcome> {
    const { store } = this.o;
    const lock = `graph-subscription:${src.name}`;
    if (!(await store.tryLock(lock, this.holder, LEASE_MS))) return 'busy';
    try {
      const row = await subscriptionOfSource(store, src.name);
      if (!row) return await this.create(src, undefined);
      if (row.notificationUrl !== this.notificationUrl) {
        this.o.log.info({ source: src.name, subscriptionId: row.subscriptionId }, 'HOOKLINE_PUBLIC_URL changed; replacing the Graph subscription');
        return await this.create(src, row);
      }
      const remainingMs = Date.parse(row.expiresAt) - this.now().getTime();
      if (!(remainingMs > 0)) return await this.create(src, row);
      if (!opts.forceRenew && remainingMs > (this.o.renewWithinMinutes ?? DEFAULT_RENEW_WITHIN_MINUTES) * 60_000) return 'kept';
      try {
        const renewed = await this.o.graph.renewSubscription(row.subscriptionId, this.expiry());
        await recordRenewal(store, row.subscriptionId, renewed.expirationDateTime);
        this.count(src.name, 'renewed');
        this.o.log.info({ source: src.name, subscriptionId: row.subscriptionId, expiresAt: renewed.expirationDateTime }, 'Graph subscription renewed');
        return 'renewed';
      } catch (err) {
        if (!(isVendorError(err) && err.status === 404)) throw err;
        this.o.log.warn({ source: src.name, subscriptionId: row.subscriptionId }, 'Graph no longer knows the subscription; creating a new one');
        return await this.create(src, row);
      }
    } finally {
      await store.unlock(lock, this.holder).catch(() => undefined);
    }
  }

  private async create(src: SubscribableSource, previous: SubscriptionRecord | undefined): Promise<EnsureOutcome> {
    const { graph, store, log } = this.o;
    const clientState = randomBytes(32).toString('base64url');
    const resource = `/users/${encodeURIComponent(src.mailbox)}/mailFolders/${encodeURIComponent(await src.folderId())}/messages`;
    const sub = await graph.createSubscription({
      changeType: 'created',
      notificationUrl: this.notificationUrl,
      lifecycleNotificationUrl: this.notificationUrl,
      resource,
      expirationDateTime: this.expiry(),
      clientState,
    });
    const rec: NewSubscriptionRecord = {
      source: src.name,
      subscriptionId: sub.id,
      resource,
      notificationUrl: this.notificationUrl,
      clientStateSha256: clientStateDigest(clientState),
      expiresAt: sub.expirationDateTime,
    };
    const won = previous ? await replaceSubscription(store, previous.subscriptionId, rec) : await insertSubscription(store, rec);
    if (!won) {
      log.info({ source: src.name, subscriptionId: sub.id }, 'another replica subscribed first; deleting our duplicate subscription');
      await graph.deleteSubscription(sub.id).catch((err: Error) => log.warn({ subscriptionId: sub.id, err: err.message }, 'could not delete a duplicate Graph subscription; it expires on its own'));
      return 'busy';
    }
    if (previous) await graph.deleteSubscription(previous.subscriptionId).catch(() => undefined);
    this.count(src.name, 'created');
    log.info({ source: src.name, subscriptionId: sub.id, expiresAt: sub.expirationDateTime }, 'Graph change-notification subscription created');
    this.o.requestRound(src.name);
    return 'created';
  }

  /** Subscriptions of sources no longer configured (REPORT_FOLDER changed): deleted at Graph and here. */
  private async pruneOrphans(): Promise<void> {
    const names = new Set(this.o.sources.map((s) => s.name));
    for (const row of await listSubscriptions(this.o.store)) {
      if (names.has(row.source) || !row.source.startsWith('graph:')) continue;
      await this.o.graph.deleteSubscription(row.subscriptionId).catch(() => undefined);
      await forgetSubscription(this.o.store, row.subscriptionId);
      this.o.log.info({ source: row.source, subscriptionId: row.subscriptionId }, 'deleted the Graph subscription of a source that is no longer configured');
    }
  }

  private expiry(): string {
    return new Date(this.now().getTime() + (this.o.lifetimeMinutes ?? DEFAULT_LIFETIME_MINUTES) * 60_000).toISOString();
  }

  private count(source: string, change: string): void {
    this.o.metrics?.inc('hookline_graph_subscription_changes_total', { source, change });
  }
}
