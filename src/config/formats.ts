// Shared formats for the environment and the policy file: identifier patterns, URL and size
// parsing, and "did you mean" suggestions. Pure functions, no I/O.

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Slack member ids: U... (W... on Enterprise Grid). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{6,}$/;
/** Slack user-group (subteam) ids. */
export const SLACK_GROUP_ID = /^S[A-Z0-9]{6,}$/;
/** Slack conversation ids: C... public, G... private (legacy), D... direct message. */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;
/** Teams conversation ids: `19:...@thread.tacv2` (channels), `19:...@thread.v2` (chats), `a:...` (personal). */
export const TEAMS_CONVERSATION_ID = /^[0-9a-z]+:\S+$/i;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const EXPECT_SLACK_USER = 'expected a Slack user id like U0123ABCD (profile → ⋮ → Copy member ID), not a name';
export const EXPECT_SLACK_GROUP = 'expected a Slack user-group id like S0123ABCD';
export const EXPECT_SLACK_CHANNEL = 'expected a Slack channel id like C0123ABCD (channel details → the id at the bottom), not a channel name';
export const EXPECT_TEAMS_CONVERSATION = 'expected a Teams conversation id like 19:abc123@thread.tacv2';
export const EXPECT_ENTRA_ID = 'expected an Entra object id (a GUID like 00000000-0000-0000-0000-000000000000)';

/** True for host names / addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * An https base URL (http only for loopback hosts, where tests run local fakes), without
 * credentials, query or fragment. Normalised: no trailing slash, unless `trailingSlash` (Slack's
 * Web API base is used as a prefix and must end with one).
 */
export function checkBaseUrl(value: string, opts: { trailingSlash?: boolean } = {}): UrlCheck {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return { ok: false, reason: 'expected an https:// URL' };
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    return { ok: false, reason: 'expected an https:// URL (http:// is accepted only for localhost)' };
  }
  if (u.username || u.password) return { ok: false, reason: 'expected a URL without user name or password in it' };
  if (u.search || u.hash) return { ok: false, reason: 'expected a URL without ?query or #fragment' };
  let path = u.pathname.replace(/\/+$/, '');
  if (opts.trailingSlash) path += '/';
  return { ok: true, url: `${u.protocol}//${u.host}${path}` };
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3 };

/** `26214400`, `25MiB`, `512 KiB`, `10MB` -> bytes; undefined when not a size. */
export function parseSize(value: string): number | undefined {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  return Number(m[1]) * unit;
}

export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return undefined;
}

/** Levenshtein distance, for "did you mean" on unknown keys and variables. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate within a small edit distance (case-insensitive), if any. */
export function closest(name: string, candidates: Iterable<string>, maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD && d <= maxDistance) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/**
 * How a wrong value is shown in an error message: quoted, escaped and truncated, unless it looks
 * like a credential (long and random-looking: a secret pasted into the wrong variable), which is
 * described by its length only.
 */
export function showValue(value: string): string {
  if (value.length > 16 && /^[A-Za-z0-9~._+/=-]+$/.test(value) && /[A-Za-z]/.test(value) && /\d/.test(value)) {
    return `a ${value.length}-character value (not shown: it may be a secret)`;
  }
  return quote(value);
}

/** A value for an error message: quoted, control characters escaped, truncated. Never pass secrets. */
export function quote(value: string, max = 60): string {
  const short = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(short);
}
