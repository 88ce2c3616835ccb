// POST /graph/notifications: Microsoft Graph change notifications and lifecycle events for the
// reporting mailbox (shared/reference/microsoft.md §5.2, §5.3, §5.5). One URL serves both (it is
// given as notificationUrl and lifecycleNotificationUrl): an item with `lifecycleEvent` is a
// lifecycle event, any other item a change notification.
//
// - Validation handshake: `?validationToken=...` is answered at once with 200, text/plain and the
//   URL-decoded token (Graph allows 10 s). The token is opaque and only echoed as plain text.
// - A notification is never trusted for its content: it only says "run the folder's delta". Even
//   so, EVERY item's clientState is compared (constant time, on SHA-256 digests) with the secret of
//   the subscription it names; an item with a wrong or missing clientState, or naming a
//   subscription we do not have, is ignored, logged (ids only) and counted. The batch is still
//   answered 202: Graph may batch several subscriptions together, a 4xx would make Graph retry the
//   genuine items, and a forger learns nothing either way (Microsoft's guidance is to ignore such
//   notifications).
// - The answer comes first (Graph wants 2xx within 3 s; slow endpoints get throttled), the work
//   after: the delta round runs asynchronously, collapsed per source by the caller. What we
//   "persist" before answering is the dedupe record of each genuine notification; if the store
//   cannot take it we answer 500 and Graph delivers again. Losing a notification loses nothing
//   anyway: the scheduled delta poll is the safety net.
// - Graph re-delivers a notification it thinks failed: the dedupe record (kept longer than Graph's
//   4-hour retry window) drops the repeats before they cost a round.
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import type { Metrics } from '../server/metrics.ts';
import { HttpError, readBody, sendText, type RouteHandler } from '../server/http-server.ts';

export const LIFECYCLE_EVENTS = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** What the route needs to know about one of our subscriptions. */
export interface KnownSubscription {
  /** The source (mailbox folder) it watches. */
  source: string;
  /** Hex SHA-256 of its clientState. */
  clientStateSha256: string;
}

export interface GraphNotificationOptions {
  store: Store;
  log: Logger;
  metrics: Metrics;
  /** Our subscription with this id, if we have one. */
  lookup(subscriptionId: string): Promise<KnownSubscription | undefined>;
  /** A genuine change in a source's folder: ask for its delta round (the callee collapses bursts). */
  onChange(source: string): void;
  /** A genuine lifecycle event; called after the answer is sent, never awaited by the route. */
  onLifecycle(event: LifecycleEvent, subscriptionId: string, source: string): void;
  /** How long a notification is remembered to drop re-deliveries (default 6 h; Graph retries for up to 4 h). */
  dedupeTtlMs?: number;
  /** Largest accepted body (default 1 MiB). */
  maxBodyBytes?: number;
}

export const METRIC = 'hookline_graph_notifications_total';
const MAX_TOKEN_CHARS = 1024;

const itemSchema = z.looseObject({
  subscriptionId: z.string().min(1),
  clientState: z.string().nullish(),
  changeType: z.string().nullish(),
  resource: z.string().nullish(),
  resourceData: z.looseObject({ id: z.string().nullish() }).nullish(),
  lifecycleEvent: z.string().nullish(),
});
const batchSchema = z.looseObject({ value: z.array(z.unknown()) });

/** Constant-time comparison of a presented clientState with the stored digest of ours. */
export function clientStateMatches(presented: string | null | undefined, expectedSha256Hex: string): boolean {
  // Hashing first gives both sides the same length (timingSafeEqual needs it) and hides the
  // secret's length; a missing clientState is compared too, so timing does not tell it apart.
  const given = createHash('sha256').update(presented ?? '', 'utf8').digest();
  const expected = Buffer.from(expectedSha256Hex, 'hex');
  return expected.length === given.length && timingSafeEqual(given, expected) && presented != null;
}

export function graphNotificationsRoute(o: GraphNotificationOptions): RouteHandler {
  const ttl = o.dedupeTtlMs ?? 6 * 3600_000;
  const maxBody = o.maxBodyBytes ?? 1024 * 1024;
  o.metrics.describe(METRIC, 'counter', 'Graph change notifications and lifecycle events received, by kind and result');
  const count = (kind: string, result: string) => o.metrics.inc(METRIC, { kind, result });

  return async (req, res, url) => {
    const token = url.searchParams.get('validationToken');
    if (token !== null) {
      req.resume();
      if (token.length > MAX_TOKEN_CHARS) throw new HttpError(400, 'validationToken is too long');
      count('validation', 'answered');
      return sendText(res, 200, token);
    }

    const body = await readBody(req, maxBody);
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'expected a JSON body {"value": [...]} (or a validationToken query parameter)');
    }
    const batch = batchSchema.safeParse(payload);
    if (!batch.success) throw new HttpError(400, 'expected a JSON body {"value": [...]}');

    const known = new Map<string, Promise<KnownSubscription | undefined>>();
    const changed = new Set<string>();
    const lifecycle: { event: LifecycleEvent; subscriptionId: string; source: string }[] = [];
    const remote = req.socket.remoteAddress;
    for (const raw of batch.data.value) {
      const parsed = itemSchema.safeParse(raw);
      if (!parsed.success) {
        count('unknown', 'malformed');
        continue;
      }
      const n = parsed.data;
      const kind = n.lifecycleEvent ? 'lifecycle' : 'change';
      if (!known.has(n.subscriptionId)) known.set(n.subscriptionId, o.lookup(n.subscriptionId));
      const sub = await known.get(n.subscriptionId);
      if (!sub) {
        count(kind, 'unknown_subscription');
        o.log.warn({ subscriptionId: n.subscriptionId, kind, remote }, 'Graph notification for a subscription we do not have; ignored');
        continue;
      }
      if (!clientStateMatches(n.clientState, sub.clientStateSha256)) {
        count(kind, 'bad_client_state');
        // Never the presented value: it may be a near-miss of the real secret.
        o.log.warn({ subscriptionId: n.subscriptionId, kind, remote, clientState: n.clientState == null ? 'missing' : 'wrong' }, 'Graph notification with a wrong clientState; ignored');
        continue;
      }
      if (n.lifecycleEvent) {
        if (!(LIFECYCLE_EVENTS as readonly string[]).includes(n.lifecycleEvent)) {
          count('lifecycle', 'unsupported');
          o.log.info({ subscriptionId: n.subscriptionId, lifecycleEvent: n.lifecycleEvent }, 'unsupported Graph lifecycle event; ignored');
          continue;
        }
        count('lifecycle', 'accepted');
        lifecycle.push({ event: n.lifecycleEvent as LifecycleEvent, subscriptionId: n.subscriptionId, source: sub.source });
        continue;
      }
      const what = n.resourceData?.id ?? n.resource ?? '';
      if (!(await o.store.firstSeen(`graph-notification:${n.subscriptionId}:${n.changeType ?? ''}:${what}`, ttl))) {
        count('change', 'duplicate');
        continue;
      }
      count('change', 'accepted');
      changed.add(sub.source);
    }

    res.writeHead(202, { 'content-length': '0' });
    res.end();
    for (const source of changed) o.onChange(source);
    for (const l of lifecycle) o.onLifecycle(l.event, l.subscriptionId, l.source);
  };
}
