// When to retry and how long to wait. Pure functions, so the policy is tested without a server.
import type { HttpClientOptions, HttpRequest } from './types.ts';

/**
 * The longest wait a server may ask for and still be honoured inside one call (60 s). A Retry-After
 * above maxDelayMs is honoured (retrying earlier would only be rejected again and burns quota), but
 * above this ceiling we stop and fail with `retryAfterMs` set instead: holding an analyst's click
 * or a job tick for minutes is worse than a clear "rate limited, retry after N s" the caller can
 * reschedule.
 */
export const MAX_SERVER_DELAY_MS = 60_000;

/** Statuses retried for idempotent requests (408/5xx: the vendor may be briefly unhealthy). */
export const RETRY_STATUS = new Set([408, 500, 502, 503, 504]);

/**
 * Transport errors where the request never reached the server (safe to retry even for POST).
 * undici reports some of these on err.cause, so both are looked at (see networkErrorCode).
 */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Transport errors after which the request may or may not have been processed. */
const MAYBE_SENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export type NetworkFailure = { code: string; sent: boolean };

/** Classifies a thrown transport error; undefined when it is not a known connection error. */
export function networkFailure(err: unknown): NetworkFailure | undefined {
  const code = networkErrorCode(err);
  if (code && NOT_SENT_CODES.has(code)) return { code, sent: false };
  if (code && MAYBE_SENT_CODES.has(code)) return { code, sent: true };
  // Node's "socket hang up" has code ECONNRESET; keep the message check for wrapped variants.
  if (err instanceof Error && /socket hang up|other side closed/i.test(err.message)) return { code: code ?? 'ECONNRESET', sent: true };
  return undefined;
}

function networkErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NOT_SENT_CODES.has(code) || MAYBE_SENT_CODES.has(code))) return code;
  }
  const top = (err as { code?: unknown } | undefined)?.code;
  return typeof top === 'string' ? top : undefined;
}

/**
 * Whether a failure may be retried, given the request's `retry` flag:
 * - `retry: false` never retries (the caller wants the first answer, e.g. to reschedule itself);
 * - `retry: true` retries every retryable failure, whatever the method;
 * - default: GET/PUT/DELETE retry everything retryable; POST/PATCH only what was certainly not
 *   processed (429, connection never established), so a remediation is never sent twice.
 */
export function mayRetry(req: HttpRequest, failure: { status?: number; network?: NetworkFailure; timeout?: boolean }): boolean {
  if (req.retry === false) return false;
  const idempotent = req.retry === true || req.method === 'GET' || req.method === 'PUT' || req.method === 'DELETE';
  if (failure.status === 429) return true;
  if (failure.network && !failure.network.sent) return true;
  if (!idempotent) return false;
  if (failure.status !== undefined) return RETRY_STATUS.has(failure.status);
  return failure.network !== undefined || failure.timeout === true;
}

/**
 * Exponential backoff with "equal jitter": half the exponential step is fixed, half random. Some
 * spread stops several replicas retrying in lockstep, and the fixed half keeps a floor so a 5xx is
 * not hammered. `attempt` is the 1-based number of the attempt that just failed.
 */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const step = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** `Retry-After`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait the server asked for, from (most precise first): Graph's `x-ms-retry-after-ms`,
 * `Retry-After`, the IETF `RateLimit-Reset` (delta-seconds), and the vendor `X-RateLimit-Reset`
 * whose unit depends on the vendor (`rateLimitReset`: Mimecast sends milliseconds until reset;
 * others seconds or a Unix epoch). Header names are lower-case (as undici gives them).
 */
export function serverDelayMs(
  headers: Record<string, string>,
  rateLimitReset: HttpClientOptions['rateLimitReset'] = 'seconds',
  now = Date.now(),
): number | undefined {
  const ms = num(headers['x-ms-retry-after-ms']);
  if (ms !== undefined) return Math.round(ms);
  const retryAfter = parseRetryAfter(headers['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = num(headers['ratelimit-reset']);
  if (reset !== undefined) return Math.round(reset * 1000);
  const xReset = num(headers['x-ratelimit-reset']);
  if (xReset === undefined) return undefined;
  switch (rateLimitReset) {
    case 'milliseconds':
      return Math.round(xReset);
    case 'epoch-seconds':
      return Math.max(0, Math.round(xReset * 1000 - now));
    default:
      return Math.round(xReset * 1000);
  }
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(v)) return undefined;
  return Number(v);
}

/** The default sleep; tests inject their own to record waits instead of waiting. */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
