// The one error type vendor calls fail with. Its message is written to be shown as is on a chat
// card ("graph.remediate failed: HTTP 403 Forbidden (Authorization_RequestDenied): Insufficient
// privileges"), so it is short, names the operation, and carries no secret: everything that came
// from a vendor or a URL passes through redactText (and the caller's known secret values) first.
import { STATUS_CODES } from 'node:http';
import { redact, redactText, REDACTED } from '../../log/redact.ts';
import type { VendorErrorInit, VendorErrorKind } from './types.ts';

/** Longest vendor detail kept in a message; chat cards and log lines stay readable. */
const MAX_DETAIL = 300;
/** Longest body excerpt kept on the error (enough to see the vendor's error object). */
const MAX_EXCERPT = 500;

/** Statuses worth retrying later: the vendor did not (or may not have) processed the request. */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export class VendorError extends Error {
  // On the prototype (not a field) so the stack captured inside super() already says VendorError.
  static {
    this.prototype.name = 'VendorError';
  }
  readonly vendor: string;
  readonly operation: string;
  readonly kind: VendorErrorKind;
  readonly status: number | undefined;
  readonly code: string | undefined;
  /** The secret-free vendor / transport detail (VendorErrorInit.message); `message` is the full line. */
  readonly detail: string;
  readonly requestId: string | undefined;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;
  readonly bodyExcerpt: string | undefined;

  constructor(init: VendorErrorInit) {
    const detail = truncate(redactText(init.message), MAX_DETAIL);
    super(formatMessage({ ...init, message: detail }));
    this.vendor = init.vendor;
    this.operation = init.operation;
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code === undefined ? undefined : truncate(redactText(init.code), 100);
    this.detail = detail;
    this.requestId = init.requestId;
    this.attempts = init.attempts;
    this.retryAfterMs = init.retryAfterMs;
    this.bodyExcerpt = init.bodyExcerpt === undefined ? undefined : truncate(redactText(init.bodyExcerpt), MAX_EXCERPT);
  }

  /** Whether trying the same call again later may succeed (jobs use it to reschedule, cards to offer "retry"). */
  get retryable(): boolean {
    if (this.kind === 'timeout' || this.kind === 'network') return true;
    if (this.kind === 'http' && this.status !== undefined) return RETRYABLE_STATUS.has(this.status);
    return false;
  }

  /** What logs, the audit log and API answers see. Built from the already-redacted fields only. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      vendor: this.vendor,
      operation: this.operation,
      kind: this.kind,
      status: this.status,
      code: this.code,
      requestId: this.requestId,
      attempts: this.attempts,
      retryAfterMs: this.retryAfterMs,
      retryable: this.retryable,
      bodyExcerpt: this.bodyExcerpt,
    };
  }
}

export function isVendorError(err: unknown): err is VendorError {
  return err instanceof VendorError;
}

/**
 * `graph.remediate` stays as is; a bare `remediate` becomes `graph.remediate`; the default
 * `GET /v1.0/users/x` becomes `graph GET /v1.0/users/x`.
 */
export function operationLabel(vendor: string, operation: string): string {
  if (operation.startsWith(`${vendor}.`)) return operation;
  return /\s/.test(operation) ? `${vendor} ${operation}` : `${vendor}.${operation}`;
}

function formatMessage(init: VendorErrorInit): string {
  const parts: string[] = [];
  if (init.kind === 'http' && init.status !== undefined) {
    // A 200 carrying an error (Mimecast's fail[]) is still an error, but "HTTP 200 OK" would mislead.
    if (init.status >= 400) parts.push(`HTTP ${init.status} ${STATUS_CODES[init.status] ?? ''}`.trimEnd());
    if (init.code) parts.push(parts.length ? ` (${init.code})` : init.code);
    if (init.message) parts.push(parts.length ? `: ${init.message}` : init.message);
  } else {
    parts.push(init.message || init.kind);
  }
  if (init.retryAfterMs !== undefined && init.retryAfterMs > 0) parts.push(` (retry after ${Math.ceil(init.retryAfterMs / 1000)} s)`);
  const after = init.attempts > 1 ? ` after ${init.attempts} attempts` : '';
  return `${operationLabel(init.vendor, init.operation)} failed${after}: ${parts.join('')}`;
}

export interface ParsedVendorError {
  code?: string;
  message?: string;
}

/**
 * Reads the vendor's code and message from the common JSON error shapes:
 * Graph / OData `{error:{code,message,innerError}}`, OAuth `{error, error_description}`,
 * Mimecast `{fail:[{errors:[{code,message}]}]}` (API 1.0 and 2.0), Cofense / generic
 * `{message}`, `{code, message}`, `{errors:[{code,message}]}` and `{title, detail}` (RFC 7807).
 * Exported so clients that get errors inside a 200 (Mimecast) describe them the same way.
 */
export function parseVendorErrorBody(body: unknown): ParsedVendorError {
  if (!isObject(body)) return {};
  const err = body.error;
  if (isObject(err)) {
    const inner = isObject(err.innerError) ? err.innerError : isObject(err.innererror) ? err.innererror : undefined;
    const message = str(err.message) ?? (isObject(err.message) ? str(err.message.value) : undefined);
    return clean({ code: str(err.code) ?? (inner ? str(inner.code) : undefined), message });
  }
  if (typeof err === 'string') {
    // OAuth: error_description often starts with "AADSTS7000215: Invalid client secret ...".
    return clean({ code: err, message: str(body.error_description) ?? str(body.message) });
  }
  if (Array.isArray(body.fail) && body.fail.length > 0) {
    const first = body.fail[0];
    const errors = isObject(first) && Array.isArray(first.errors) ? first.errors : [];
    const e = errors[0];
    if (isObject(e)) return clean({ code: str(e.code), message: str(e.message) });
    if (isObject(first)) return clean({ code: str(first.code), message: str(first.message) });
  }
  if (Array.isArray(body.errors) && isObject(body.errors[0])) {
    const e = body.errors[0];
    return clean({ code: str(e.code), message: str(e.message) ?? str(e.detail) });
  }
  return clean({
    code: str(body.code) ?? str(body.errorCode),
    message: str(body.message) ?? str(body.error_message) ?? str(body.detail) ?? str(body.title),
  });
}

/**
 * A short, single-line, redacted excerpt of a response body. JSON is re-serialised through
 * redact() first so a secret-named field is hidden even when redactText's patterns miss it;
 * `secrets` are values the caller sent (tokens, keys) and must never see echoed back.
 */
export function bodyExcerpt(text: string, secrets: readonly string[] = [], max = MAX_EXCERPT): string | undefined {
  if (!text) return undefined;
  let out = text;
  try {
    out = JSON.stringify(redact(JSON.parse(text)));
  } catch {
    // not JSON: HTML error pages, XML (EWS), plain text
  }
  out = scrubSecrets(redactText(out.replace(/\s+/g, ' ').trim()), secrets);
  return out ? truncate(out, max) : undefined;
}

/** Replaces every occurrence of a known secret value (at least 4 characters, to avoid mangling text). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4 && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (typeof v === 'number') return String(v);
  return undefined;
}

function clean(p: ParsedVendorError): ParsedVendorError {
  const out: ParsedVendorError = {};
  if (p.code) out.code = p.code;
  if (p.message) out.message = p.message.replace(/\s+/g, ' ');
  return out;
}
