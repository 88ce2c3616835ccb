// Times and windows of the Graph message trace API (shared/reference/microsoft.md §3, seed 002):
// times are ISO 8601 or relative ("10 minutes ago", "now", "2 days"); one query spans at most 10
// days, starts at most 90 days back and ends no later than now, so a longer range is split into
// 10-day windows. Shared by o365.trace-email, message-trace.get-events and the scheduled fetch.
import { TRACE_MAX_LOOKBACK_DAYS, TRACE_MAX_WINDOW_DAYS } from '../../vendors/graph/client.ts';

export const DAY_MS = 86_400_000;
export const MAX_WINDOW_MS = TRACE_MAX_WINDOW_DAYS * DAY_MS;
export const MAX_LOOKBACK_MS = TRACE_MAX_LOOKBACK_DAYS * DAY_MS;
/** With no times given the API reports the previous 48 hours (seed 000 "trace email": two days). */
export const DEFAULT_RANGE_MS = 2 * DAY_MS;

const UNITS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  d: DAY_MS,
  day: DAY_MS,
  w: 7 * DAY_MS,
  week: 7 * DAY_MS,
};

export const TIME_HELP = 'ISO 8601 (2026-11-20T08:00:00Z) or relative ("10 minutes ago", "2 days ago", "now")';

/** Parses an ISO 8601 or relative time; throws a message naming the field. */
export function parseTraceTime(value: string, field: string, now: Date): Date {
  const v = value.trim().toLowerCase();
  if (v === 'now') return new Date(now.getTime());
  const rel = /^(\d+(?:\.\d+)?)\s*([a-z]+?)s?(?:\s+ago)?$/.exec(v);
  if (rel) {
    const unit = UNITS[rel[2] as string];
    if (unit === undefined) throw new Error(`${field}: unknown time unit "${rel[2]}" in ${JSON.stringify(value)} (use seconds, minutes, hours, days or weeks)`);
    return new Date(now.getTime() - Number(rel[1]) * unit);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const iso = /t/.test(v) && !/(z|[+-]\d{2}:?\d{2})$/.test(v) ? `${value.trim()}Z` : value.trim();
    const t = Date.parse(iso);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new Error(`${field} must be ${TIME_HELP}, got ${JSON.stringify(value)}`);
}

/** A zod-friendly check: the problem with a time value, or undefined. */
export function traceTimeProblem(value: string, field: string): string | undefined {
  try {
    parseTraceTime(value, field, new Date());
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The query range for a start and end as given: both omitted -> the previous 48 hours; only a
 * start -> start .. now; only an end -> end - 48 h .. end (unless `pairs` demands both, as seed
 * 000's trace email does). The end is clamped to now (the API refuses a future end); a start more
 * than 90 days back is an error saying so.
 */
export function traceRange(start: string | undefined, end: string | undefined, now: Date, opts: { pairs?: boolean } = {}): { start: Date; end: Date } {
  if (opts.pairs && Boolean(start) !== Boolean(end)) throw new Error('give start_date and end_date together (or neither: the previous two days)');
  let e = end ? parseTraceTime(end, 'end time', now) : new Date(now.getTime());
  if (e.getTime() > now.getTime()) e = new Date(now.getTime());
  const s = start ? parseTraceTime(start, 'start time', now) : new Date(e.getTime() - DEFAULT_RANGE_MS);
  if (!(s.getTime() < e.getTime())) throw new Error('the start time must be before the end time');
  if (s.getTime() < now.getTime() - MAX_LOOKBACK_MS) throw new Error(`message trace reaches back at most ${TRACE_MAX_LOOKBACK_DAYS} days: the start time is earlier than that`);
  return { start: s, end: e };
}

/**
 * Splits a range into windows of at most 10 days, newest first (recent mail is what an analyst
 * usually wants, and a row limit then keeps the newest). Bounds are whole seconds, as the API's
 * YYYY-MM-DDThh:mm:ssZ format is; consecutive windows share no second twice.
 */
export function traceWindows(range: { start: Date; end: Date }, order: 'newest-first' | 'oldest-first' = 'newest-first'): { start: Date; end: Date }[] {
  const startS = Math.ceil(range.start.getTime() / 1000) * 1000;
  const endS = Math.floor(range.end.getTime() / 1000) * 1000;
  const out: { start: Date; end: Date }[] = [];
  for (let winEnd = endS; winEnd > startS; ) {
    const winStart = Math.max(startS, winEnd - MAX_WINDOW_MS);
    out.push({ start: new Date(winStart), end: new Date(winEnd) });
    // The next (older) window ends one second before this one starts: `ge` and `le` are inclusive.
    winEnd = winStart - 1000;
  }
  return order === 'newest-first' ? out : out.reverse();
}
