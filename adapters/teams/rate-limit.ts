// Teams' send limits, enforced before a send instead of learnt from 429s. Microsoft documents, per
// bot per conversation ("thread"): 7 messages in 1 s, 8 in 2 s, 60 in 30 s, 1800 in an hour, and
// about 30 requests a second per app per tenant overall (shared/reference/chatops.md §2.6). A
// burst of new reports would otherwise be throttled, and Teams' 429 backoff is slower than waiting.
//
// Sliding windows: a send may go when, for every window, fewer than `count` sends happened in the
// last `windowMs`. Sends to one key are serialised so concurrent callers queue in order. The limit
// is per process: several replicas each keep it, and the 429 retry in connector.ts is the backstop.
// Time and sleeping are injected so tests run on a fake clock (no timed tests).

export interface SendWindow {
  count: number;
  windowMs: number;
}

/** Per bot, per conversation. */
export const TEAMS_CONVERSATION_WINDOWS: readonly SendWindow[] = [
  { count: 7, windowMs: 1_000 },
  { count: 8, windowMs: 2_000 },
  { count: 60, windowMs: 30_000 },
  { count: 1_800, windowMs: 3_600_000 },
];

/** Per app across the tenant (the documented global limit, rounded down). */
export const TEAMS_APP_WINDOWS: readonly SendWindow[] = [{ count: 30, windowMs: 1_000 }];

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class SlidingWindowLimiter {
  readonly windows: readonly SendWindow[];
  readonly #clock: Clock;
  readonly #sent = new Map<string, number[]>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #longest: number;

  constructor(windows: readonly SendWindow[], clock: Clock = realClock) {
    if (windows.length === 0 || windows.some((w) => !(w.count >= 1) || !(w.windowMs > 0))) throw new RangeError('every window needs count >= 1 and windowMs > 0');
    this.windows = windows;
    this.#clock = clock;
    this.#longest = Math.max(...windows.map((w) => w.windowMs));
  }

  /** How long a send for `key` must wait now (0: it may go). */
  delayFor(key: string): number {
    const sent = this.#prune(key);
    const now = this.#clock.now();
    let wait = 0;
    for (const w of this.windows) {
      if (sent.length < w.count) continue;
      // The send that must leave the window before another fits in it.
      const oldest = sent[sent.length - w.count]!;
      wait = Math.max(wait, oldest + w.windowMs - now);
    }
    return Math.max(0, wait);
  }

  /** Waits until a send for `key` fits every window, records it, and returns how long it waited. */
  acquire(key: string): Promise<number> {
    const prev = this.#queues.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.#take(key));
    const tail = next.catch(() => undefined);
    this.#queues.set(key, tail);
    void tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    });
    return next;
  }

  async #take(key: string): Promise<number> {
    let waited = 0;
    for (let d = this.delayFor(key); d > 0; d = this.delayFor(key)) {
      await this.#clock.sleep(d);
      waited += d;
    }
    const sent = this.#sent.get(key) ?? [];
    sent.push(this.#clock.now());
    this.#sent.set(key, sent);
    return waited;
  }

  #prune(key: string): number[] {
    const sent = this.#sent.get(key);
    if (!sent) return [];
    const horizon = this.#clock.now() - this.#longest;
    let i = 0;
    while (i < sent.length && sent[i]! <= horizon) i++;
    if (i > 0) sent.splice(0, i);
    if (sent.length === 0) this.#sent.delete(key);
    return sent;
  }
}
