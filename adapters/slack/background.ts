// Work that happens after Slack has been acknowledged. Listeners ack first and hand the rest here.
//
// Acknowledgements come first, also under load: a job does not start while Slack requests are in
// flight on our HTTP route or arrived less than `quietMs` ago, because node:sqlite queries are
// synchronous and a job's first few milliseconds would otherwise delay the next request's ack.
// Jobs start one per event-loop turn, at most `concurrency` run at once, and none waits longer
// than `maxDelayMs` after it was queued, so a sustained stream of requests cannot starve the work
// (it then shares the loop with the acks). A job's failure is logged, never thrown into Bolt.
// In Socket Mode nothing reports requests, so jobs start on the next turn.
import type { Logger } from '../../src/log/logger.ts';

export interface BackgroundOptions {
  /** Jobs running at once (each may be waiting on a vendor). */
  concurrency?: number;
  /** Quiet time after the last Slack request before work starts. */
  quietMs?: number;
  /** The longest a queued job waits for quiet. */
  maxDelayMs?: number;
}

interface Job {
  what: string;
  fn: () => Promise<unknown>;
  queuedAt: number;
}

export class Background {
  private readonly log: Logger;
  private readonly concurrency: number;
  private readonly quietMs: number;
  private readonly maxDelayMs: number;
  private readonly queue: Job[] = [];
  private active = 0;
  private inflight = 0;
  private lastRequestAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private turnPending = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(log: Logger, opts: BackgroundOptions = {}) {
    this.log = log;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.quietMs = opts.quietMs ?? 10;
    this.maxDelayMs = opts.maxDelayMs ?? 1000;
  }

  run(what: string, fn: () => Promise<unknown>): void {
    this.queue.push({ what, fn, queuedAt: performance.now() });
    this.schedule();
  }

  /** The HTTP route calls these around every Slack request. */
  requestStarted(): void {
    this.inflight++;
    this.lastRequestAt = performance.now();
  }

  requestFinished(): void {
    this.inflight = Math.max(0, this.inflight - 1);
    this.lastRequestAt = performance.now();
    this.schedule();
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Milliseconds until the next job may start (0: now). */
  private waitMs(): number {
    const first = this.queue[0];
    if (!first || this.active >= this.concurrency) return Infinity;
    const now = performance.now();
    const overdue = this.maxDelayMs - (now - first.queuedAt);
    if (overdue <= 0) return 0;
    const quiet = this.inflight > 0 ? this.quietMs : this.quietMs - (now - this.lastRequestAt);
    return quiet <= 0 ? 0 : Math.max(1, Math.min(quiet, overdue));
  }

  private schedule(): void {
    if (this.turnPending || this.timer) return;
    const wait = this.waitMs();
    if (wait === Infinity) return;
    if (wait === 0) {
      this.turnPending = true;
      setImmediate(() => {
        this.turnPending = false;
        this.startOne();
      });
    } else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, Math.ceil(wait));
    }
  }

  private startOne(): void {
    if (this.waitMs() > 0) return this.schedule();
    const job = this.queue.shift()!;
    this.active++;
    void (async () => {
      try {
        await job.fn();
      } catch (err) {
        this.log.error({ work: job.what, err: (err as Error).message }, 'Slack background work failed');
      } finally {
        this.active--;
        if (this.active === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
        this.schedule();
      }
    })();
    // One job per turn: the next starts after pending I/O (new requests) has been handled.
    this.schedule();
  }
}
