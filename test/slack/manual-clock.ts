// A clock the test moves by hand: sleep() resolves only when advance() passes its deadline, so
// pacing and Retry-After are tested by counting what was sent at each step, never by waiting.
import type { Clock } from '../../adapters/slack/rate-limit.ts';

export class ManualClock implements Clock {
  t = 1_000_000;
  private timers: { at: number; resolve: () => void }[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.t + ms, resolve }));
  }

  /** Sleepers currently waiting. */
  get sleepers(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const d of due) d.resolve();
    await settle();
  }
}

/** Lets every pending promise chain run (several macrotask turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}
