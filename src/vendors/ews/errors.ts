// EWS failures as one clear error. EWS reports errors three ways, and all three end up here:
// - a SOAP fault (HTTP 500): schema errors, impersonation refused, whole-request throttling;
// - a ResponseMessage with ResponseClass="Error" inside an HTTP 200 (per item: one id of a
//   batched DeleteItem can fail while the others succeed);
// - an HTTP status without SOAP (401 bad credentials, 404 wrong EWS_URL, 503 IIS queue full).
// The message names the operation and says what to do in the words of the product (EWS_URL,
// ApplicationImpersonation), never echoes a password or token (the HTTP layer scrubs those).
import { VendorError, isVendorError } from '../http/errors.ts';
import type { VendorErrorInit } from '../http/types.ts';
import { readEnvelope, type SoapFault } from './soap.ts';
import { int } from './xml.ts';

/**
 * Response codes after which the same request may succeed later: throttling budgets, a mailbox
 * being moved or briefly unavailable (Office 365 load balancing), transient store errors.
 * shared/reference/microsoft.md §7.
 */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ErrorServerBusy',
  'ErrorTooManyObjectsOpened',
  'ErrorExceededConnectionCount',
  'ErrorExceededFindCountLimit',
  'ErrorExceededSubscriptionCount',
  'ErrorMailboxStoreUnavailable',
  'ErrorMailboxMoveInProgress',
  'ErrorInternalServerTransientError',
  'ErrorConnectionFailed',
  'ErrorTimeoutExpired',
  'ErrorBatchProcessingStopped',
]);

/** What each well-known code means for the person reading the card. `{mailbox}` is filled in when known. */
const HINTS: Record<string, string> = {
  ErrorImpersonateUserDenied: 'the EWS account may not impersonate {mailbox}: give it the ApplicationImpersonation role (New-ManagementRoleAssignment -Role ApplicationImpersonation -User <EWS_USERNAME>), or run without impersonation',
  ErrorImpersonationDenied: 'the EWS account may not impersonate {mailbox}: give it the ApplicationImpersonation role, or run without impersonation',
  ErrorImpersonationFailed: 'impersonating {mailbox} failed: check that the mailbox exists and the EWS account holds the ApplicationImpersonation role',
  ErrorNonExistentMailbox: 'the mailbox {mailbox} does not exist on this Exchange organisation',
  ErrorAccessDenied: 'access denied: the EWS account has no rights on {mailbox} (grant Full Access, or use impersonation)',
  ErrorItemNotFound: 'the item was not found: it may have been deleted or moved (an EWS item id changes when the item moves)',
  ErrorFolderNotFound: 'the folder was not found',
  ErrorInvalidIdMalformed: 'the id is not a valid EWS item id',
  ErrorInvalidIdNotAnItemAttachmentId: 'the id is not a valid EWS item id',
  ErrorNameResolutionNoResults: 'no mailbox or contact matches this name',
  ErrorNameResolutionMultipleResults: 'several mailboxes match this name',
  ErrorServerBusy: 'Exchange is throttling the EWS account; try again later',
  ErrorInvalidServerVersion: 'the Exchange server does not accept the requested EWS schema version',
  ErrorSchemaValidation: 'Exchange rejected the request as invalid (a Hookline bug: please report it)',
  ErrorInvalidRequest: 'Exchange rejected the request as invalid',
  ErrorInvalidRestriction: 'Exchange cannot search with this filter',
  ErrorCannotDeleteObject: 'Exchange cannot delete this item',
  ErrorMoveCopyFailed: 'Exchange could not move or copy the item',
  ErrorCrossMailboxMoveCopy: 'Exchange cannot move or copy between these mailboxes: the impersonated account needs access to both',
  ErrorMailboxStoreUnavailable: 'the mailbox database is temporarily unavailable; try again later',
  ErrorMailboxMoveInProgress: 'the mailbox is being moved; try again later',
  ErrorExceededConnectionCount: 'too many concurrent EWS connections for this account (EWSMaxConcurrency); try again later',
  ErrorExceededFindCountLimit: 'the search returned more items than Exchange allows in one view (EWSFindCountLimit): narrow it down or use a range',
  ErrorQuotaExceeded: 'the mailbox is over its quota',
  ErrorIrresolvableConflict: 'the item changed meanwhile (change key conflict)',
  ErrorChangeKeyRequiredForWriteOperations: 'the item changed meanwhile (change key required)',
};

export interface EwsErrorInit extends Omit<VendorErrorInit, 'vendor'> {
  /** The EWS response code (ErrorItemNotFound, ErrorServerBusy, ...). */
  responseCode?: string;
  /** BackOffMilliseconds the server asked for (throttling). */
  backOffMs?: number;
}

export class EwsError extends VendorError {
  static {
    this.prototype.name = 'EwsError';
  }
  readonly responseCode: string | undefined;
  readonly backOffMs: number | undefined;

  constructor(init: EwsErrorInit) {
    const { responseCode, backOffMs, ...rest } = init;
    super({
      ...rest,
      vendor: 'ews',
      ...(responseCode && rest.code === undefined ? { code: responseCode } : {}),
      ...(backOffMs !== undefined && rest.retryAfterMs === undefined ? { retryAfterMs: backOffMs } : {}),
    });
    this.responseCode = responseCode;
    this.backOffMs = backOffMs;
  }

  /** Transient EWS codes are retryable even inside an HTTP 200; a permanent SOAP fault is not, even as HTTP 500. */
  override get retryable(): boolean {
    if (this.responseCode !== undefined) return TRANSIENT_CODES.has(this.responseCode);
    return super.retryable;
  }
}

export function isTransientCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** The words for a response code, with the mailbox filled in ("the mailbox" when unknown). */
export function describeCode(code: string, serverText: string | undefined, mailbox?: string): string {
  const hint = HINTS[code]?.replace(/\{mailbox\}/g, mailbox ?? 'the mailbox');
  if (hint && serverText && !hint.toLowerCase().includes(serverText.toLowerCase())) return `${hint} (${serverText})`;
  return hint ?? serverText ?? code;
}

/** BackOffMilliseconds from MessageXml values, when present and sane. */
export function backOffFrom(values: Record<string, string> | undefined): number | undefined {
  const ms = int(values?.BackOffMilliseconds);
  return ms !== undefined && ms >= 0 ? ms : undefined;
}

/**
 * The SOAP fault in an HTTP error body. The HTTP layer keeps only a short excerpt of error bodies,
 * which may cut a fault before its end: the envelope is read leniently, and the response code and
 * back-off are also looked for in the raw text as a last resort.
 */
export function faultFromText(textBody: string | undefined): SoapFault | undefined {
  if (!textBody || !/Fault|ResponseCode/i.test(textBody)) return undefined;
  let fault: SoapFault | undefined;
  try {
    fault = readEnvelope(textBody.replace(/…$/, '')).fault;
  } catch {
    fault = undefined;
  }
  const code = fault?.responseCode ?? /(?:ResponseCode[^>]*>|faultcode[^>]*>(?:[\w-]+:)?)(Error\w+)/.exec(textBody)?.[1];
  const backOff = fault?.messageXml.BackOffMilliseconds ?? /BackOffMilliseconds"?\s*>\s*(\d+)/.exec(textBody)?.[1];
  if (!fault && !code) return undefined;
  return {
    ...fault,
    ...(code ? { responseCode: code } : {}),
    messageXml: { ...fault?.messageXml, ...(backOff ? { BackOffMilliseconds: backOff } : {}) },
  };
}

export interface ExplainContext {
  operation: string;
  /** The mailbox the call was about (impersonated or addressed), for the hints. */
  mailbox?: string;
}

/**
 * Turns what the HTTP layer threw into an EwsError with words a responder can act on: a SOAP
 * fault is decoded, and the statuses whose raw text helps nobody get a hint naming the setting.
 */
export function explainHttpError(err: unknown, ctx: ExplainContext): unknown {
  if (!isVendorError(err) || err instanceof EwsError) return err;
  const base = {
    operation: err.operation,
    kind: err.kind,
    attempts: err.attempts,
    ...(err.status !== undefined ? { status: err.status } : {}),
    ...(err.requestId ? { requestId: err.requestId } : {}),
    ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    ...(err.bodyExcerpt ? { bodyExcerpt: err.bodyExcerpt } : {}),
  };
  if (err.kind !== 'http') return new EwsError({ ...base, message: err.detail });
  const fault = faultFromText(err.bodyExcerpt);
  if (fault?.responseCode || fault?.message) {
    const code = fault.responseCode;
    const backOffMs = backOffFrom(fault.messageXml);
    return new EwsError({
      ...base,
      ...(code ? { responseCode: code } : {}),
      ...(backOffMs !== undefined ? { backOffMs } : {}),
      message: code ? describeCode(code, fault.message, ctx.mailbox) : (fault.message ?? err.detail),
    });
  }
  switch (err.status) {
    case 401:
      return new EwsError({ ...base, code: 'Unauthorized', message: 'Exchange rejected the EWS credentials: check EWS_USERNAME and EWS_PASSWORD (a UPN or DOMAIN\\user), and that Basic authentication is enabled on the EWS virtual directory' });
    case 403:
      return new EwsError({ ...base, code: 'Forbidden', message: `Exchange refused the EWS account${err.detail ? ` (${err.detail})` : ''}: check that EWS is enabled for it (Set-CASMailbox -EwsEnabled $true)` });
    case 404:
      return new EwsError({ ...base, code: 'NotFound', message: 'no EWS endpoint at EWS_URL: it usually ends with /EWS/Exchange.asmx' });
    case 503:
      return new EwsError({ ...base, code: 'ServiceUnavailable', message: `Exchange is overloaded or throttling (HTTP 503)${err.detail ? `: ${err.detail}` : ''}; try again later` });
    default:
      return new EwsError({ ...base, message: err.detail || `HTTP ${err.status ?? '?'}` });
  }
}
