// The contract of the one HTTP layer every vendor client uses (implementation: ./client.ts).
import type { Dispatcher } from 'undici';
import type { Logger } from '../../log/logger.ts';

export type QueryValue = string | number | boolean | undefined | null | ReadonlyArray<string | number>;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to the client's baseUrl (`/v1.0/users/x`), or an absolute URL (e.g. @odata.nextLink). */
  path: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Raw body (XML for EWS, ...); set content-type in headers. */
  body?: string | Buffer;
  /** How to read the response body (default: json when the response says so, else text). */
  responseType?: 'json' | 'text' | 'buffer';
  /** Per-request timeout override (ms). */
  timeoutMs?: number;
  /**
   * Whether a failed attempt may be retried. Default: true for GET/PUT/DELETE, and for POST only
   * on 429 and on connection errors before the request was sent. Set true for POSTs the vendor
   * treats idempotently (remediate with the same display name, searches, token requests).
   */
  retry?: boolean;
  /** A short label for logs and errors instead of the path (`graph.remediate`). */
  operation?: string;
  signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
  /** The vendor's request id (request-id, x-ms-request-id, x-request-id, ...), for the audit log. */
  requestId?: string;
  attempts: number;
}

/** Adds auth headers to one attempt (called again on every retry, so a refreshed token is used). */
export type Authorizer = (req: HttpRequest & { url: URL }) => Promise<Record<string, string>>;

export interface HttpClientOptions {
  /** Vendor name for logs and errors (`graph`, `mimecast`, ...). */
  vendor: string;
  baseUrl: string;
  log: Logger;
  /** undici dispatcher (tests inject one with a test CA, or a MockAgent). */
  dispatcher?: Dispatcher;
  authorize?: Authorizer;
  /** Called once on a 401, before the single re-try with fresh headers (drops a cached token). */
  onUnauthorized?: () => void | Promise<void>;
  /**
   * Reads a vendor's own error format from a non-2xx answer (EWS SOAP faults carry the throttling
   * back-off deep in the body). Fields it returns override the generic parsing; `retryable` decides
   * whether the attempt is retried (true also allows retrying a POST the vendor did not process).
   */
  describeError?: (res: { status: number; headers: Record<string, string>; text: string }) => VendorErrorDescription | undefined;
  timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Concurrent requests per host (default 4). */
  maxConcurrency?: number;
  /** How this vendor's X-RateLimit-Reset is expressed: Mimecast uses milliseconds to wait. */
  rateLimitReset?: 'seconds' | 'milliseconds' | 'epoch-seconds';
  /** Injected for tests so retries do not really wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests: the jitter source (default Math.random). */
  random?: () => number;
}

export type VendorErrorKind = 'http' | 'timeout' | 'network' | 'aborted' | 'decode';

export interface VendorErrorInit {
  vendor: string;
  operation: string;
  kind: VendorErrorKind;
  status?: number;
  /** The vendor's error code (Graph error.code, Mimecast fail[].errors[].code, ...). */
  code?: string;
  /** Human-readable, secret-free message. */
  message: string;
  requestId?: string;
  attempts: number;
  retryAfterMs?: number;
  /** A short, redacted excerpt of the response body. */
  bodyExcerpt?: string;
}

/** What a vendor-specific error reader says about one failed answer. */
export interface VendorErrorDescription {
  code?: string;
  message?: string;
  retryAfterMs?: number;
  retryable?: boolean;
}
