// The Management Activity API's time rules for listing content (shared/reference/microsoft.md §4,
// seed 004): UTC, `YYYY-MM-DDTHH:MM:SS`; start and end both or neither; start before end; at most
// 24 hours apart; start at most 7 days back (AF20030 / AF20055 otherwise). The window filters on
// contentCreated (when a blob became available), start <= contentCreated < end, so windows chain.

export const DAY_MS = 86_400_000;
export const MAX_WINDOW_MS = DAY_MS;
export const MAX_LOOKBACK_MS = 7 * DAY_MS;

/** `2026-11-22T10:05:00` (UTC, no zone: the API's own format). */
export function apiTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '');
}

/**
 * A user's time: ISO 8601 (`2026-11-22`, `2026-11-22T10:00`, `2026-11-22T10:00:00Z`; without a
 * zone it is UTC, as the API reads it). Throws a message naming the field.
 */
export function parseApiTime(value: string, field: string): Date {
  const v = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    throw new Error(`${field} must be a UTC time like 2026-11-22T10:00:00 (YYYY-MM-DDTHH:MM:SS), got ${JSON.stringify(value)}`);
  }
  const withZone = /T/.test(v) ? (/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : `${v}Z`) : `${v}T00:00:00Z`;
  const t = Date.parse(withZone);
  if (Number.isNaN(t)) throw new Error(`${field} is not a valid time: ${JSON.stringify(value)}`);
  return new Date(t);
}

/** Both or neither; start < end; ≤ 24 h apart; start ≤ 7 days back. Undefined window: the API's default (the last 24 hours). */
export function checkContentWindow(start: Date | undefined, end: Date | undefined, now: Date): { start: Date; end: Date } | undefined {
  if (!start && !end) return undefined;
  if (!start || !end) throw new Error('give start_time and end_time together (or neither: the last 24 hours)');
  if (!(start.getTime() < end.getTime())) throw new Error('start_time must be before end_time');
  if (end.getTime() - start.getTime() > MAX_WINDOW_MS) throw new Error('start_time and end_time must be at most 24 hours apart');
  // A minute of grace for clock skew between us and the service.
  if (start.getTime() < now.getTime() - MAX_LOOKBACK_MS - 60_000) throw new Error('start_time can be at most 7 days ago (the API keeps content for 7 days)');
  if (end.getTime() > now.getTime() + 5 * 60_000) throw new Error('end_time cannot be in the future');
  return { start, end };
}
