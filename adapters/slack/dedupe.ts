// Slack delivers some things more than once: the Events API retries when it thinks we timed out
// (X-Slack-Retry-Num, even after our 200), and Socket Mode redelivers envelopes with a new
// envelope_id. The store remembers what was handled (store.firstSeen, shared by replicas) for
// DEDUPE_TTL_MS, longer than Slack's last retry (~5 min) and the reference's 10 minutes.
import type { App } from '@slack/bolt';
import type { Store } from '../../src/store/store.ts';
import type { Logger } from '../../src/log/logger.ts';

export const DEDUPE_TTL_MS = 15 * 60_000;

/** True the first time `key` is seen within the TTL. */
export function firstDelivery(store: Store, key: string): Promise<boolean> {
  return store.firstSeen(key, DEDUPE_TTL_MS);
}

/**
 * The key of an interaction (command, click, form submission): everything that tells two user acts
 * apart and stays the same in a redelivery — the trigger id, the user, and for a click its
 * action_id and action_ts (chatops.md §1.1), for a form its view id and hash.
 */
export function interactionKey(body: {
  trigger_id?: string;
  user?: { id?: string };
  user_id?: string;
  actions?: { action_id?: string; action_ts?: string }[];
  view?: { id?: string; hash?: string };
}): string | undefined {
  const user = body.user?.id ?? body.user_id ?? '';
  const a = body.actions?.[0];
  const parts = [body.trigger_id ?? '', user, a?.action_id ?? '', a?.action_ts ?? '', body.view?.id ?? '', body.view?.hash ?? ''];
  if (!body.trigger_id && !a?.action_ts && !body.view?.id) return undefined;
  return `slack:interaction:${parts.join(':')}`;
}

/**
 * Global middleware dropping repeated Events API deliveries. Bolt acknowledges events before any
 * middleware runs, so the store lookup never delays an ack; interactions are deduplicated in
 * their background work instead (their ack must not wait for the store).
 */
export function dropRepeatedEvents(store: () => Store, log: Logger): Parameters<App['use']>[0] {
  return async ({ body, context, next }) => {
    const b = body as { type?: string; event_id?: string; team_id?: string };
    if (b.type === 'event_callback' && b.event_id) {
      if (!(await firstDelivery(store(), `slack:event:${b.team_id ?? ''}:${b.event_id}`))) {
        log.debug({ eventId: b.event_id, retryNum: context.retryNum, retryReason: context.retryReason }, 'repeated Slack event ignored');
        return;
      }
    }
    await next();
  };
}
