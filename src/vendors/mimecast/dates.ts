// Dates in and out of Mimecast. Mimecast documents `2015-11-16T14:49:18+0000` (no colon in the
// offset) and answers in that form; analysts type `2021-04-07 00:00` (UTC, as the seed's examples),
// ISO 8601, or a relative `24h` / `7d` / `30m` meaning that long ago.

const RELATIVE = /^(\d{1,5})\s*(m|min|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** `2021-04-07`, `2021-04-07 00:00`, `2021-04-07T00:00:00`, with optional seconds/fraction and zone. */
const ABSOLUTE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;

export const DATE_HINT = 'a UTC time like 2021-04-07 00:00, an ISO 8601 time, or a relative time like 24h / 7d';

/** Parses what an analyst typed; undefined when it is not a date. Times without a zone are UTC. */
export function parseUserDate(input: string, now: Date = new Date()): Date | undefined {
  const s = input.trim();
  if (!s) return undefined;
  if (/^now$/i.test(s)) return new Date(now.getTime());
  const rel = RELATIVE.exec(s);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * (UNIT_MS[(rel[2] as string).toLowerCase()] as number));
  const m = ABSOLUTE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', zone] = m;
  let offsetMin = 0;
  if (zone && /^[+-]/.test(zone)) {
    const z = zone.replace(':', '');
    offsetMin = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
  }
  if (Number(mo) < 1 || Number(mo) > 12 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  // Reject 2021-02-31 and friends instead of rolling over.
  if (Number.isNaN(local) || new Date(local).getUTCDate() !== Number(d)) return undefined;
  const date = new Date(local - offsetMin * 60_000);
  return date;
}

export function isUserDate(input: string): boolean {
  return parseUserDate(input) !== undefined;
}

/** `2021-04-07T00:00:00+0000`. */
export function toMimecastDate(d: Date): string {
  return `${d.toISOString().slice(0, 19)}+0000`;
}

/** Converts an analyst's date (or a Date) to Mimecast's form; throws with a clear hint on nonsense. */
export function mimecastDate(input: string | Date, now: Date = new Date()): string {
  if (input instanceof Date) return toMimecastDate(input);
  const d = parseUserDate(input, now);
  if (!d) throw new Error(`${JSON.stringify(input)} is not a date: expected ${DATE_HINT}`);
  return toMimecastDate(d);
}

/** Parses a date Mimecast sent (`+0000`, `+00:00` or `Z`); undefined when absent or unparseable. */
export function parseMimecastDate(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const d = parseUserDate(value);
  if (d) return d;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Start of the current UTC day. */
export function startOfUtcDay(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** End of the current UTC day (23:59:59). */
export function endOfUtcDay(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 23, 59, 59));
}
