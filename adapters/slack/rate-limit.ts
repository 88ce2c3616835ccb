// Outbound pacing for Slack (shared/reference/chatops.md §1.6): chat.postMessage allows about one
// message per second per channel with short bursts, and a 429 carries Retry-After. Every message
// and card update Hookline sends to a channel goes through that channel's lane here:
//
// - a token bucket per channel (default 1/s, burst 3), messages in order, one at a time;
// - a 429 pauses only that channel's lane for Retry-After, then retries the same message; other
//   channels keep flowing (the WebClient used with this must have rejectRateLimitedCalls: true,
//   otherwise it would pause its whole request queue, i.e. every channel);
// - sendLatest() coalesces updates of one message: while an update for a key waits in the lane, a
//   newer one replaces it (latest state wins) and every caller learns the outcome of the one sent.
//   A burst of state changes to one card therefore costs one chat.update, not one per change
//   (campaign cards updated by a stream of reports rely on this).
//
// Time is injected (Clock) so tests drive it by hand instead of waiting.
import type { Logger } from '../../src/log/logger.ts';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface OutboxOptions {
  /** Messages per second per channel (Slack: about 1). */
  perSecond?: number;
  /** Messages a quiet channel may send back to back before pacing starts. */
  burst?: number;
  /** How often one message is retried after 429s before it fails. */
  maxRateLimitRetries?: number;
  clock?: Clock;
  log?: Logger;
}

interface Waiter {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Item {
  key?: string;
  op: () => Promise<unknown>;
  waiters: Waiter[];
  rateLimited: number;
}

interface Lane {
  queue: Item[];
  tokens: number;
  refilledAt: number;
  pausedUntil: number;
  running: boolean;
}

/** Seconds to wait when `err` is Slack's rate-limit answer (WebAPIRateLimitedError), else undefined. */
export function retryAfterSeconds(err: unknown): number | undefined {
  const e = err as { code?: unknown; retryAfter?: unknown } | undefined;
  if (e && e.code === 'slack_webapi_rate_limited_error' && typeof e.retryAfter === 'number' && Number.isFinite(e.retryAfter)) return Math.max(0, e.retryAfter);
  return undefined;
}

export class SlackOutbox {
  private readonly lanes = new Map<string, Lane>();
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly maxRetries: number;
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(opts: OutboxOptions = {}) {
    this.intervalMs = 1000 / (opts.perSecond ?? 1);
    this.burst = Math.max(1, opts.burst ?? 3);
    this.maxRetries = opts.maxRateLimitRetries ?? 5;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
  }

  /** Sends through `channel`'s lane, in order; resolves with what `op` returned. */
  send<T>(channel: string, op: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.lane(channel).queue.push({ op, waiters: [{ resolve: resolve as (v: unknown) => void, reject }], rateLimited: 0 });
      this.pump(channel);
    });
  }

  /**
   * Sends an update identified by `key` (e.g. `channel:ts`). If an update with the same key is
   * still waiting, it is replaced by this one (latest wins) and both callers settle together.
   */
  sendLatest(channel: string, key: string, op: () => Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const lane = this.lane(channel);
      const waiter: Waiter = { resolve: () => resolve(), reject };
      const waiting = lane.queue.find((i) => i.key === key);
      if (waiting) {
        waiting.op = op;
        waiting.waiters.push(waiter);
      } else {
        lane.queue.push({ key, op, waiters: [waiter], rateLimited: 0 });
      }
      this.pump(channel);
    });
  }

  /** Messages waiting (not yet sent) in one channel, or in all. */
  waiting(channel?: string): number {
    if (channel !== undefined) return this.lanes.get(channel)?.queue.length ?? 0;
    let n = 0;
    for (const l of this.lanes.values()) n += l.queue.length;
    return n;
  }

  /** Resolves when every lane is empty and idle. */
  drained(): Promise<void> {
    if ([...this.lanes.values()].every((l) => !l.running && l.queue.length === 0)) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (!lane) {
      lane = { queue: [], tokens: this.burst, refilledAt: this.clock.now(), pausedUntil: 0, running: false };
      this.lanes.set(channel, lane);
    }
    return lane;
  }

  private pump(channel: string): void {
    const lane = this.lane(channel);
    if (lane.running) return;
    lane.running = true;
    void this.run(channel, lane).finally(() => {
      lane.running = false;
      if (lane.queue.length) this.pump(channel);
      else if ([...this.lanes.values()].every((l) => !l.running && l.queue.length === 0)) {
        for (const w of this.idleWaiters.splice(0)) w();
      }
    });
  }

  private async run(channel: string, lane: Lane): Promise<void> {
    while (lane.queue.length > 0) {
      const now = this.clock.now();
      if (lane.pausedUntil > now) {
        await this.clock.sleep(lane.pausedUntil - now);
        continue;
      }
      lane.tokens = Math.min(this.burst, lane.tokens + (now - lane.refilledAt) / this.intervalMs);
      lane.refilledAt = now;
      if (lane.tokens < 1) {
        await this.clock.sleep(Math.ceil((1 - lane.tokens) * this.intervalMs));
        continue;
      }
      const item = lane.queue.shift()!;
      lane.tokens -= 1;
      try {
        const value = await item.op();
        for (const w of item.waiters) w.resolve(value);
      } catch (err) {
        const wait = retryAfterSeconds(err);
        if (wait !== undefined && item.rateLimited < this.maxRetries) {
          item.rateLimited++;
          lane.pausedUntil = this.clock.now() + wait * 1000;
          lane.tokens = 0;
          // Back at the front: order in the channel is kept, and a newer update may still replace it.
          lane.queue.unshift(item);
          this.log?.warn({ channel, retryAfterSeconds: wait, attempt: item.rateLimited }, 'Slack rate limit: pausing this channel');
          continue;
        }
        for (const w of item.waiters) w.reject(err);
      }
    }
  }
}
