// Cofense Vision's two error shapes (§7.3) turned into one clear VendorError message:
//   Spring  {"status":"NOT_FOUND","message":"Object not found","details":["Unable to find ..."]}
//   UAA     {"error":"invalid_token","error_description":"Access token expired: ..."}
// The HTTP layer already reads `message` and OAuth `error_description`; this adds Spring's
// `status` as the code, the `details` list, and a hint for what the analyst can do about it.
import { isVendorError, VendorError } from '../http/errors.ts';

export interface ErrorHints {
  /** Appended to a 404 (e.g. "the message may not be ingested yet"). */
  notFound?: string;
}

const AUTH_HINT = 'check COFENSE_CLIENT_ID and COFENSE_CLIENT_SECRET';
const ROLE_HINT = "the Vision API client lacks a role for this call (e.g. SEARCH_USER, QUARANTINE_ADMIN, QUARANTINE_APPROVER, MAIL_VIEWER)";

/** Errors already re-shaped (a token failure surfaces through the API call that needed it). */
const shaped = new WeakSet<VendorError>();

/** Re-shapes an HTTP VendorError from Vision; anything else is returned unchanged. */
export function cofenseError(err: unknown, hints: ErrorHints = {}): unknown {
  if (!isVendorError(err) || err.kind !== 'http' || err.status === undefined || shaped.has(err)) return err;
  const body = parseExcerpt(err.bodyExcerpt);
  let code = err.code;
  let message = err.detail;
  if (body && typeof body.status === 'string' && (typeof body.message === 'string' || Array.isArray(body.details))) {
    code = body.status;
    const details = Array.isArray(body.details) ? body.details.filter((d): d is string => typeof d === 'string' && d.trim() !== '') : [];
    const head = typeof body.message === 'string' ? body.message.trim() : '';
    const tail = details.filter((d) => d !== head).join('. ');
    message = [head, tail].filter(Boolean).join(': ');
  }
  const extra: string[] = [];
  if (err.status === 401) extra.push(AUTH_HINT);
  if (err.status === 403) extra.push(ROLE_HINT);
  if (err.status === 404 && hints.notFound) extra.push(hints.notFound);
  if (extra.length) message = message ? `${message} (${extra.join('; ')})` : extra.join('; ');
  if (code === err.code && message === err.detail) {
    shaped.add(err);
    return err;
  }
  const out = new VendorError({
    vendor: err.vendor,
    operation: err.operation,
    kind: err.kind,
    status: err.status,
    ...(code !== undefined ? { code } : {}),
    message,
    ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
    attempts: err.attempts,
    ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    ...(err.bodyExcerpt !== undefined ? { bodyExcerpt: err.bodyExcerpt } : {}),
  });
  shaped.add(out);
  return out;
}

function parseExcerpt(excerpt: string | undefined): Record<string, unknown> | undefined {
  if (!excerpt) return undefined;
  try {
    const v: unknown = JSON.parse(excerpt);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not JSON (an HTML error page from a proxy) or cut by the excerpt limit
  }
}
