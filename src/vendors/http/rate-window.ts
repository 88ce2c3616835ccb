// A client-side sliding-window rate limiter: at most `limit` requests in any `windowMs`. Some
// vendor APIs publish a hard quota per app and tenant (Graph message trace: 100 requests per
// 5 minutes) and answer 429 once it is spent; waiting for a free slot ourselves costs nothing,
// while a 429 still counts against the quota and delays everyone. The per-host concurrency
// Limiter (./limiter.ts) bounds parallelism; this bounds volume over time. One instance per
// (app, tenant, API), in process: replicas each keep their own window, and the server's 429 +
// Retry-After (honoured by HttpClient) remains the backstop.
import { VendorError } from './errors.ts';

export interface RateWindowOptions {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  /** Vendor and operation named in the error when the wait would be too long. */
  vendor: string;
  operation: string;
  /**
   * The longest a caller waits for a slot (default 60 s). Beyond it acquire() fails at once with a
   * retryable VendorError carrying retryAfterMs: a chat click or a job tick should not hang for
   * minutes; the job retries on its next tick, the analyst is told when to try again.
   */
  maxWaitMs?: number;
  /** Injected clock and sleep (tests). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class RateWindow {
  readonly limit: number;
  readonly windowMs: number;
  readonly #opts: RateWindowOptions;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** Start times of the requests inside the current window, oldest first. */
  readonly #starts: number[] = [];
  /** Serialises acquire() so waiting callers take slots in arrival order. */
  #queue: Promise<void> = Promise.resolve();
  /** Time that sleeps were asked to take but the clock did not show (see #take). */
  #skew = 0;

  constructor(opts: RateWindowOptions) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new RangeError(`rate limit must be a positive integer, got ${opts.limit}`);
    if (!(opts.windowMs > 0)) throw new RangeError(`rate window must be positive, got ${opts.windowMs}`);
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Requests that may start right now without waiting. */
  get available(): number {
    this.#prune(this.#clock());
    return this.limit - this.#starts.length;
  }

  /** Waits for a slot and takes it; throws a retryable VendorError when the wait exceeds maxWaitMs. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#take());
    // A failed turn must not block the callers behind it.
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #take(): Promise<void> {
    for (;;) {
      const now = this.#clock();
      this.#prune(now);
      if (this.#starts.length < this.limit) {
        this.#starts.push(now);
        return;
      }
      const wait = (this.#starts[0] as number) + this.windowMs - now;
      const maxWait = this.#opts.maxWaitMs ?? 60_000;
      if (wait > maxWait) {
        throw new VendorError({
          vendor: this.#opts.vendor,
          operation: this.#opts.operation,
          kind: 'http',
          status: 429,
          code: 'ClientRateLimit',
          message: `rate limited on our side: at most ${this.limit} requests per ${formatWindow(this.windowMs)}; a slot frees in ${Math.ceil(wait / 1000)} s`,
          retryAfterMs: wait,
          attempts: 0,
        });
      }
      const before = this.#clock();
      await this.#sleep(Math.max(1, wait));
      // A sleep that returned early by the clock (an injected no-op sleep in tests, a suspended
      // laptop the other way round) still counts as the time it was asked for, so the loop
      // always makes progress and never spins.
      const after = this.#clock();
      if (after < before + wait) this.#skew += before + wait - after;
    }
  }

  #clock(): number {
    return this.#now() + this.#skew;
  }

  #prune(now: number): void {
    while (this.#starts.length && (this.#starts[0] as number) + this.windowMs <= now) this.#starts.shift();
  }
}

function formatWindow(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  return `${Math.round(ms / 1000)} s`;
}
