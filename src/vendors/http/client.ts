// The one HTTP layer under every vendor client (Graph, EWS, Mimecast, Cofense, Management API).
// Vendor clients only describe requests; timeouts, retries, rate-limit waits, token refresh on
// 401, per-host concurrency, decoding, error shaping and logging live here once, so every vendor
// behaves the same and none of them can leak a token into a log line or a chat card.
import { request as undiciRequest } from 'undici';
import type { Logger } from '../../log/logger.ts';
import { isSecretName, redactText, REDACTED } from '../../log/redact.ts';
import { bodyExcerpt, parseVendorErrorBody, scrubSecrets, VendorError } from './errors.ts';
import { Limiter } from './limiter.ts';
import { backoffDelayMs, MAX_SERVER_DELAY_MS, mayRetry, networkFailure, realSleep, serverDelayMs, type NetworkFailure } from './retry.ts';
import type { HttpClientOptions, HttpRequest, HttpResponse, QueryValue, VendorErrorInit } from './types.ts';

const DEFAULTS = {
  timeoutMs: 30_000,
  retries: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  maxConcurrency: 4,
};

/** Headers that carry the vendor's request id, most specific first (Graph, ARM, generic). */
const REQUEST_ID_HEADERS = ['request-id', 'x-ms-request-id', 'x-request-id', 'x-ms-correlation-request-id'];

const USER_AGENT = 'hookline/0.1';

/** What one attempt produced: a full response (body read), or a transport failure. */
type Attempt =
  | { ok: true; status: number; headers: Record<string, string>; raw: Buffer }
  | { ok: false; kind: 'timeout'; timeoutMs: number }
  | { ok: false; kind: 'aborted' }
  | { ok: false; kind: 'network'; network: NetworkFailure | undefined; message: string };

export interface PaginateOptions {
  /** Stop after this many pages (default 1000: a guard against a vendor that never stops). */
  maxPages?: number;
}

export interface CollectOptions extends PaginateOptions {
  /** Stop once this many items are gathered (the result is cut to exactly this many). */
  limit?: number;
}

export interface Collected<I> {
  items: I[];
  /** True when more items existed than were returned (limit or maxPages reached). */
  truncated: boolean;
  pages: number;
  /** Request ids of every page, for the audit log. */
  requestIds: string[];
}

export class HttpClient {
  readonly vendor: string;
  readonly baseUrl: string;
  readonly #opts: HttpClientOptions;
  readonly #log: Logger;
  readonly #baseOrigin: string;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  // One limiter per host: an absolute @odata.nextLink or a download URL on another host is
  // throttled by that host, not ours. Per client, because each client is one app identity.
  readonly #limiters = new Map<string, Limiter>();

  constructor(opts: HttpClientOptions) {
    this.vendor = opts.vendor;
    this.baseUrl = opts.baseUrl;
    this.#opts = opts;
    this.#log = opts.log;
    this.#baseOrigin = new URL(opts.baseUrl).origin; // throws early on a malformed configured URL
    this.#sleep = opts.sleep ?? realSleep;
    this.#random = opts.random ?? Math.random;
  }

  /** Sends one logical request (possibly several attempts). Resolves on 2xx; otherwise throws VendorError. */
  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const started = performance.now();
    const url = this.url(req.path, req.query);
    const operation = req.operation ?? `${req.method} ${url.pathname}`;
    const logPath = this.#logPath(url);
    const retries = this.#opts.retries ?? DEFAULTS.retries;
    const secrets = requestSecrets(req);
    const base = { vendor: this.vendor, operation, method: req.method, path: logPath };

    let attempts = 0;
    let retriesUsed = 0;
    let reauthorized = false;

    const finish = (status: number | undefined, err?: VendorError): void => {
      const ms = Math.round(performance.now() - started);
      this.#log.debug({ ...base, status, attempts, ms, ...(err ? { error: err.kind, code: err.code } : {}) }, 'vendor request');
    };
    const fail = (init: Omit<VendorErrorInit, 'vendor' | 'operation' | 'attempts'>): never => {
      const err = new VendorError({
        ...init,
        message: scrubSecrets(init.message, [...secrets]),
        ...(init.code !== undefined ? { code: scrubSecrets(init.code, [...secrets]) } : {}),
        vendor: this.vendor,
        operation,
        attempts,
      });
      finish(init.status, err);
      throw err;
    };
    /** Waits before the next attempt; false when the caller aborted meanwhile. */
    const wait = async (delayMs: number, why: Record<string, unknown>): Promise<boolean> => {
      retriesUsed++;
      this.#log.warn({ ...base, attempt: attempts, ...why, delayMs }, 'vendor request retry');
      return abortableSleep(this.#sleep, delayMs, req.signal);
    };

    if (req.signal?.aborted) fail({ kind: 'aborted', message: 'aborted by caller' });

    for (;;) {
      attempts++;
      const res = await this.#attempt(req, url, secrets);

      if (!res.ok) {
        if (res.kind === 'aborted') return fail({ kind: 'aborted', message: 'aborted by caller' });
        const failure = res.kind === 'timeout' ? { timeout: true } : { network: res.network };
        const message = res.kind === 'timeout' ? `timed out after ${res.timeoutMs} ms` : res.message;
        if (retriesUsed < retries && mayRetry(req, failure)) {
          const delay = this.#backoff(attempts);
          if (await wait(delay, { error: res.kind, code: res.kind === 'network' ? res.network?.code : undefined })) continue;
          return fail({ kind: 'aborted', message: 'aborted by caller' });
        }
        return fail({ kind: res.kind, message });
      }

      const { status, headers, raw } = res;
      const requestId = REQUEST_ID_HEADERS.map((h) => headers[h]).find((v) => v);

      if (status >= 200 && status < 300) {
        const decoded = decodeBody(raw, headers, req.responseType);
        if (!decoded.ok) {
          return fail({ kind: 'decode', status, requestId, message: decoded.message, bodyExcerpt: bodyExcerpt(raw.toString('utf8'), [...secrets]) });
        }
        finish(status);
        return { status, headers, body: decoded.body as T, requestId, attempts };
      }

      // 401: the cached token expired or was revoked. Drop it once and retry with fresh headers;
      // a second 401 is a real permission problem and is reported. Not counted against `retries`
      // and done for every method: the vendor rejected the request before processing it.
      if (status === 401 && !reauthorized && this.#opts.onUnauthorized) {
        reauthorized = true;
        this.#log.warn({ ...base, attempt: attempts, status, delayMs: 0 }, 'vendor request retry');
        await this.#opts.onUnauthorized();
        continue;
      }

      const text = raw.toString('utf8');
      const own = this.#opts.describeError?.({ status, headers, text });
      const generic = parseVendorErrorBody(tryJson(text));
      const parsed = { code: own?.code ?? generic.code, message: own?.message ?? generic.message };
      const hint = own?.retryAfterMs ?? serverDelayMs(headers, this.#opts.rateLimitReset);
      const httpFailure = {
        kind: 'http' as const,
        status,
        code: parsed.code,
        requestId,
        message: parsed.message ?? '',
        // Some vendors (Mimecast) send reset headers on every answer: a wait only means something
        // on the statuses that ask the caller to come back later.
        retryAfterMs: status === 429 || status === 503 || own?.retryAfterMs !== undefined ? hint : undefined,
        bodyExcerpt: bodyExcerpt(text, [...secrets]),
      };
      const retryable = own?.retryable ?? mayRetry(req, { status });
      if (retriesUsed < retries && req.retry !== false && retryable) {
        // A server-requested wait is honoured exactly, even above maxDelayMs, up to
        // MAX_SERVER_DELAY_MS; beyond that we give up now rather than hold the caller (see retry.ts).
        if (hint !== undefined && hint > MAX_SERVER_DELAY_MS) return fail(httpFailure);
        const delay = hint ?? this.#backoff(attempts);
        if (await wait(delay, { status, code: parsed.code })) continue;
        return fail({ kind: 'aborted', message: 'aborted by caller' });
      }
      return fail(httpFailure);
    }
  }

  /**
   * Follows pages: `next` reads the link from a page (Graph `@odata.nextLink` as an absolute
   * `path`, Mimecast `meta.pagination.pageToken` in `json`, ...) and returns undefined at the end.
   * Stops at maxPages, and if a vendor returns the same next request twice (a loop).
   */
  async *paginate<T>(
    first: HttpRequest,
    next: (res: HttpResponse<T>) => HttpRequest | undefined,
    opts: PaginateOptions = {},
  ): AsyncGenerator<HttpResponse<T>> {
    const maxPages = opts.maxPages ?? 1000;
    const seen = new Set<string>();
    let req: HttpRequest | undefined = first;
    for (let page = 0; req && page < maxPages; page++) {
      // Keyed by the resolved URL, so a relative first path and its absolute echo compare equal.
      const key = JSON.stringify([req.method, this.url(req.path, req.query).href, req.json, req.form]);
      if (seen.has(key)) {
        this.#log.warn({ vendor: this.vendor, operation: req.operation, page }, 'pagination returned the same page request twice; stopping');
        return;
      }
      seen.add(key);
      const res: HttpResponse<T> = await this.request<T>(req);
      yield res;
      req = next(res);
    }
  }

  /** Gathers items across pages up to `limit`, without fetching pages that are not needed. */
  async collect<T, I>(
    first: HttpRequest,
    next: (res: HttpResponse<T>) => HttpRequest | undefined,
    extract: (res: HttpResponse<T>) => readonly I[],
    opts: CollectOptions = {},
  ): Promise<Collected<I>> {
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    const maxPages = opts.maxPages ?? 1000;
    const items: I[] = [];
    const requestIds: string[] = [];
    // A holder, not a `let`: TypeScript does not see assignments made inside the callback.
    const last: { next: HttpRequest | undefined } = { next: undefined };
    let pages = 0;
    let truncated = false;
    for await (const res of this.paginate<T>(first, (r) => (last.next = next(r)), { maxPages })) {
      pages++;
      if (res.requestId) requestIds.push(res.requestId);
      items.push(...extract(res));
      if (items.length >= limit) {
        truncated = items.length > limit || next(res) !== undefined;
        items.length = limit;
        return { items, truncated, pages, requestIds };
      }
    }
    // Here paginate ended: either no next page, or maxPages reached with one still pending.
    truncated = last.next !== undefined;
    return { items, truncated, pages, requestIds };
  }

  /** The full URL of a request: `path` relative to baseUrl (keeping its path prefix), or absolute. */
  url(path: string, query?: Record<string, QueryValue>): URL {
    const url = /^https?:\/\//i.test(path)
      ? new URL(path)
      : new URL(`${this.baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
    const qs = buildQuery(query);
    if (qs) url.search = url.search && url.search !== '?' ? `${url.search}&${qs}` : `?${qs}`;
    return url;
  }

  #limiter(host: string): Limiter {
    let l = this.#limiters.get(host);
    if (!l) {
      l = new Limiter(this.#opts.maxConcurrency ?? DEFAULTS.maxConcurrency);
      this.#limiters.set(host, l);
    }
    return l;
  }

  #backoff(attempt: number): number {
    return backoffDelayMs(attempt, this.#opts.baseDelayMs ?? DEFAULTS.baseDelayMs, this.#opts.maxDelayMs ?? DEFAULTS.maxDelayMs, this.#random);
  }

  async #attempt(req: HttpRequest, url: URL, secrets: Set<string>): Promise<Attempt> {
    // Authorize before taking a slot: fetching a token may itself be slow and must not block
    // other requests to this host. Credentials go only to the configured origin, so an absolute
    // URL from a response (nextLink, download link) can never receive our token elsewhere.
    const auth = this.#opts.authorize && url.origin === this.#baseOrigin ? await this.#opts.authorize({ ...req, url }) : {};
    for (const v of Object.values(auth)) addSecret(secrets, v);
    const headers = buildHeaders(req, auth);
    const body = buildBody(req);

    let release: (() => void) | undefined;
    try {
      release = await this.#limiter(url.host).acquire(req.signal);
    } catch {
      return { ok: false, kind: 'aborted' };
    }

    // The timeout covers one attempt from the moment it has a slot: sending, headers and the
    // whole body. Queue time is excluded so a busy host does not turn into timeouts.
    const timeoutMs = req.timeoutMs ?? this.#opts.timeoutMs ?? DEFAULTS.timeoutMs;
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = () => ctl.abort(req.signal?.reason);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await undiciRequest(url, {
        method: req.method,
        headers,
        body,
        signal: ctl.signal,
        dispatcher: this.#opts.dispatcher,
      });
      const raw = Buffer.from(await res.body.arrayBuffer());
      return { ok: true, status: res.statusCode, headers: flattenHeaders(res.headers), raw };
    } catch (err) {
      if (timedOut) return { ok: false, kind: 'timeout', timeoutMs };
      if (req.signal?.aborted) return { ok: false, kind: 'aborted' };
      const network = networkFailure(err);
      const detail = network ? network.code : redactText(err instanceof Error ? err.message : String(err));
      return { ok: false, kind: 'network', network, message: `connection failed (${detail})` };
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      release();
    }
  }

  /** Path and query for logs: secret-named query values replaced, then redactText for the rest. */
  #logPath(url: URL): string {
    const params: string[] = [];
    for (const [k, v] of url.searchParams) params.push(`${k}=${isSecretName(k) ? REDACTED : encodeURIComponent(v)}`);
    const prefix = url.origin === this.#baseOrigin ? '' : url.origin;
    return redactText(`${prefix}${url.pathname}${params.length ? `?${params.join('&')}` : ''}`);
  }
}

/**
 * Arrays repeat the key (`id=1&id=2`), undefined/null are dropped. Values use encodeURIComponent
 * (space as %20, `+` as %2B: Graph reads a literal `+` in $filter as a space); `$` stays readable
 * in keys for OData (`$filter`, `$top`).
 */
export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    const k = encodeURIComponent(key).replace(/%24/g, '$');
    const values = Array.isArray(value) ? value : [value];
    for (const v of values as ReadonlyArray<string | number | boolean>) parts.push(`${k}=${encodeURIComponent(String(v))}`);
  }
  return parts.join('&');
}

function buildHeaders(req: HttpRequest, auth: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  else if (req.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(auth)) headers[k.toLowerCase()] = v;
  return headers;
}

function buildBody(req: HttpRequest): string | Buffer | undefined {
  if (req.json !== undefined) return JSON.stringify(req.json);
  if (req.form !== undefined) return new URLSearchParams(req.form).toString();
  return req.body;
}

/** Values this request sends that must never be echoed back into an error or log. */
function requestSecrets(req: HttpRequest): Set<string> {
  const secrets = new Set<string>();
  const scan = (obj: Record<string, unknown> | undefined) => {
    for (const [k, v] of Object.entries(obj ?? {})) {
      if (!isSecretName(k)) continue;
      for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string' || typeof s === 'number') addSecret(secrets, String(s));
    }
  };
  scan(req.headers);
  scan(req.query);
  scan(req.form);
  return secrets;
}

/** A header value and its credential parts ("Bearer <tok>", "MC <key>:<sig>", "Basic <b64>"). */
function addSecret(secrets: Set<string>, value: string): void {
  secrets.add(value);
  const cred = value.includes(' ') ? value.slice(value.indexOf(' ') + 1).trim() : value;
  secrets.add(cred);
  for (const part of cred.split(':')) if (part.length >= 8) secrets.add(part);
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

type Decoded = { ok: true; body: unknown } | { ok: false; message: string };

/**
 * json when asked, or when the response says json (application/json, problem+json, OData's
 * `application/json;odata.metadata=minimal`); else text. An empty body (204, 202) is undefined
 * unless text/buffer was asked for.
 */
function decodeBody(raw: Buffer, headers: Record<string, string>, type: HttpRequest['responseType']): Decoded {
  if (type === 'buffer') return { ok: true, body: raw };
  const text = raw.toString('utf8');
  if (type === 'text') return { ok: true, body: text };
  if (text.trim() === '') return { ok: true, body: undefined };
  const contentType = headers['content-type'] ?? '';
  if (type === 'json' || /[/+]json\b/i.test(contentType)) {
    try {
      return { ok: true, body: JSON.parse(text.replace(/^\uFEFF/, '')) };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { ok: false, message: `invalid JSON in response (${contentType || 'no content-type'}): ${why}` };
    }
  }
  return { ok: true, body: text };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Sleeps unless/until the signal aborts; resolves false when aborted. */
async function abortableSleep(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (!signal) {
    await sleep(ms);
    return true;
  }
  if (signal.aborted) return false;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([sleep(ms).then(() => !signal.aborted), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
