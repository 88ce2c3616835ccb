// Teams' send limits on a fake clock: 7 a second and 8 in two seconds per conversation, separate
// budgets per conversation, and callers served in order.
import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter, TEAMS_CONVERSATION_WINDOWS, type Clock } from '../../adapters/teams/rate-limit.ts';

function fakeClock(): Clock & { t: number; sleeps: number[] } {
  const c = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

describe('SlidingWindowLimiter', () => {
  it('lets 7 sends through in the first second, then makes the 8th wait for the window', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter(TEAMS_CONVERSATION_WINDOWS, clock);
    const start = clock.t;
    const at: number[] = [];
    for (let i = 0; i < 9; i++) {
      await limiter.acquire('19:a');
      at.push(clock.t - start);
    }
    expect(at.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    // 8th: the first send leaves the 1 s window; 9th: 8 in 2 s reached, waits for the 2 s window.
    expect(at[7]).toBe(1000);
    expect(at[8]).toBe(2000);
    // Never more than 7 in any second, never more than 8 in any two seconds.
    for (let i = 0; i < at.length; i++) {
      expect(at.filter((x) => x >= at[i]! && x < at[i]! + 1000).length).toBeLessThanOrEqual(7);
      expect(at.filter((x) => x >= at[i]! && x < at[i]! + 2000).length).toBeLessThanOrEqual(8);
    }
  });

  it('keeps a budget per conversation', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter(TEAMS_CONVERSATION_WINDOWS, clock);
    for (let i = 0; i < 7; i++) await limiter.acquire('19:a');
    expect(limiter.delayFor('19:a')).toBeGreaterThan(0);
    expect(limiter.delayFor('19:b')).toBe(0);
    expect(await limiter.acquire('19:b')).toBe(0);
  });

  it('serves concurrent callers in order, each within the limits', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter([{ count: 2, windowMs: 1000 }], clock);
    const order: number[] = [];
    const waits = await Promise.all(Array.from({ length: 5 }, (_, i) => limiter.acquire('c').then((w) => (order.push(i), w))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(waits).toEqual([0, 0, 1000, 0, 1000]);
  });

  it('forgets sends older than the longest window', async () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter([{ count: 1, windowMs: 500 }], clock);
    await limiter.acquire('c');
    clock.t += 501;
    expect(limiter.delayFor('c')).toBe(0);
  });

  it('refuses a window that could never let anything through', () => {
    expect(() => new SlidingWindowLimiter([{ count: 0, windowMs: 1000 }])).toThrow(RangeError);
    expect(() => new SlidingWindowLimiter([])).toThrow(RangeError);
  });
});
