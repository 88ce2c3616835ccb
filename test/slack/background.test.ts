// Work after the ack yields to Slack requests in flight, never waits past its limit, runs a bounded
// number of jobs at once and logs failures. Fake timers: every step is a clock position.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Background } from '../../adapters/slack/background.ts';
import { silentLogger } from '../../src/log/logger.ts';

/** Lets several event-loop turns pass (one job starts per turn), a millisecond each. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await vi.advanceTimersByTimeAsync(1);
}

describe('Background', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts work on the next turn when no request is in flight', async () => {
    const b = new Background(silentLogger());
    let ran = 0;
    b.run('job', async () => void ran++);
    expect(ran).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(ran).toBe(1);
  });

  it('holds work back while a request is in flight and for the quiet time after it', async () => {
    const b = new Background(silentLogger(), { quietMs: 10, maxDelayMs: 1000 });
    let ran = 0;
    b.requestStarted();
    b.run('job', async () => void ran++);
    await vi.advanceTimersByTimeAsync(500);
    expect(ran).toBe(0);
    b.requestFinished();
    await vi.advanceTimersByTimeAsync(5);
    expect(ran).toBe(0);
    await vi.advanceTimersByTimeAsync(10);
    expect(ran).toBe(1);
  });

  it('never holds a job longer than maxDelayMs, even under a steady stream of requests', async () => {
    const b = new Background(silentLogger(), { quietMs: 10, maxDelayMs: 1000 });
    let ran = 0;
    b.requestStarted();
    b.run('job', async () => void ran++);
    await vi.advanceTimersByTimeAsync(990);
    expect(ran).toBe(0);
    await vi.advanceTimersByTimeAsync(20);
    expect(ran).toBe(1);
  });

  it('runs at most `concurrency` jobs at once and the rest as they finish', async () => {
    const b = new Background(silentLogger(), { concurrency: 2 });
    const gates: (() => void)[] = [];
    let started = 0;
    for (let i = 0; i < 5; i++) b.run(`job ${i}`, () => new Promise<void>((r) => (started++, gates.push(r))));
    await turns();
    expect(started).toBe(2);
    gates.shift()!();
    await turns();
    expect(started).toBe(3);
  });

  it('logs a failing job, keeps going, and reports idle when everything is done', async () => {
    const errors: string[] = [];
    const log = Object.assign(silentLogger(), { error: (o: { err: string }) => void errors.push(o.err) }) as ReturnType<typeof silentLogger>;
    const b = new Background(log);
    let after = 0;
    b.run('bad', async () => {
      throw new Error('vendor down');
    });
    b.run('good', async () => void after++);
    let idle = false;
    void b.idle().then(() => (idle = true));
    await turns();
    expect(idle).toBe(true);
    expect(errors).toEqual(['vendor down']);
    expect(after).toBe(1);
  });
});
