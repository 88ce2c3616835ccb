// Message trace times and windows (ISO 8601 or relative; 10-day windows; 90 days back), and the
// client-side quota (100 requests per 5 minutes) on a fake clock: GraphClient waits for a slot
// instead of sending request 101, and refuses to hold a caller for minutes.
import { afterEach, describe, expect, it } from 'vitest';
import { parseTraceTime, traceRange, traceWindows } from '../../../src/actions/message-trace/window.ts';
import { RateWindow } from '../../../src/vendors/http/rate-window.ts';
import { VendorError } from '../../../src/vendors/http/errors.ts';
import { setupGraph, graphCalls, type GraphSetup } from '../o365/setup.ts';

const NOW = new Date('2026-11-22T12:00:00Z');

describe('trace times and windows', () => {
  it('parses ISO 8601 and relative expressions', () => {
    expect(parseTraceTime('10 minutes ago', 'start', NOW).toISOString()).toBe('2026-11-22T11:50:00.000Z');
    expect(parseTraceTime('2 days', 'start', NOW).toISOString()).toBe('2026-11-20T12:00:00.000Z');
    expect(parseTraceTime('1h ago', 'start', NOW).toISOString()).toBe('2026-11-22T11:00:00.000Z');
    expect(parseTraceTime('now', 'end', NOW).toISOString()).toBe(NOW.toISOString());
    expect(parseTraceTime('2026-11-20T08:00:00', 'start', NOW).toISOString()).toBe('2026-11-20T08:00:00.000Z');
    expect(parseTraceTime('2026-11-20', 'start', NOW).toISOString()).toBe('2026-11-20T00:00:00.000Z');
    expect(() => parseTraceTime('3 fortnights ago', 'start', NOW)).toThrow(/unknown time unit "fortnight"/);
    expect(() => parseTraceTime('soon', 'start', NOW)).toThrow(/start must be ISO 8601/);
  });

  it('defaults to the previous 48 hours, clamps a future end, refuses > 90 days back and a start after the end', () => {
    expect(traceRange(undefined, undefined, NOW)).toEqual({ start: new Date('2026-11-20T12:00:00Z'), end: NOW });
    expect(traceRange('1 hour ago', '2027-01-01T00:00:00Z', NOW).end).toEqual(NOW);
    expect(() => traceRange('91 days ago', undefined, NOW)).toThrow(/at most 90 days/);
    expect(() => traceRange('1 hour ago', '2 hours ago', NOW)).toThrow(/before the end/);
    expect(() => traceRange('1 hour ago', undefined, NOW, { pairs: true })).toThrow(/together/);
  });

  it('splits into ≤ 10-day windows that cover the range without overlap, newest or oldest first', () => {
    const range = { start: new Date('2026-10-01T00:00:00.500Z'), end: new Date('2026-11-01T00:00:00Z') };
    const w = traceWindows(range);
    expect(w).toHaveLength(4);
    expect(w[0]!.end.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(w.at(-1)!.start.toISOString()).toBe('2026-10-01T00:00:01.000Z');
    for (let i = 0; i < w.length; i++) {
      expect(w[i]!.end.getTime() - w[i]!.start.getTime()).toBeLessThanOrEqual(10 * 86_400_000);
      if (i > 0) expect(w[i]!.end.getTime()).toBe(w[i - 1]!.start.getTime() - 1000);
    }
    expect(traceWindows(range, 'oldest-first')).toEqual([...w].reverse());
  });
});

describe('RateWindow', () => {
  it('lets `limit` requests through per window, then waits for the oldest to leave it', async () => {
    let clock = 0;
    const waits: number[] = [];
    const rw = new RateWindow({ limit: 3, windowMs: 1000, vendor: 'x', operation: 'x.op', now: () => clock, sleep: async (ms) => void waits.push(ms) });
    for (let i = 0; i < 3; i++) {
      await rw.acquire();
      clock += 100;
    }
    expect(waits).toEqual([]);
    expect(rw.available).toBe(0);
    await rw.acquire();
    // The first slot (t=0) frees at t=1000; it is t=300 now.
    expect(waits).toEqual([700]);
  });

  it('fails at once, retryable with retryAfterMs, when the wait would exceed maxWaitMs', async () => {
    let clock = 0;
    const rw = new RateWindow({ limit: 1, windowMs: 300_000, maxWaitMs: 60_000, vendor: 'graph', operation: 'graph.messageTrace', now: () => clock, sleep: async () => {} });
    await rw.acquire();
    clock += 1000;
    const err = await rw.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorError);
    expect((err as VendorError).retryable).toBe(true);
    expect((err as VendorError).retryAfterMs).toBe(299_000);
    expect((err as VendorError).message).toMatch(/at most 1 requests per 5 minutes; a slot frees in 299 s/);
  });
});

describe('GraphClient message trace quota', () => {
  let s: GraphSetup;
  afterEach(async () => {
    await s.close();
  });

  it('sends at most 100 trace requests per 5 minutes, waiting (never failing) for request 101', async () => {
    let clock = Date.parse('2026-11-22T12:00:00Z');
    const waits: number[] = [];
    s = await setupGraph({}, { traceRateLimit: { now: () => clock, sleep: async (ms) => void waits.push(ms), maxWaitMs: 10 * 60_000 } });
    const w = { start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() - 60_000) };
    for (let i = 0; i < 100; i++) {
      await s.graph.listMessageTraces(w);
      clock += 1000;
    }
    expect(waits).toEqual([]);
    await s.graph.listMessageTraces(w);
    // Request 1 went at 12:00:00; it is 12:01:40: the slot frees 200 s later.
    expect(waits).toEqual([200_000]);
    expect(graphCalls(s.sim, '/messageTraces')).toHaveLength(101);
  });
});
