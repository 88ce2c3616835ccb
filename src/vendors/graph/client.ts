// Microsoft Graph (v1.0), app-only, on the project's one HTTP layer. Mail calls send
// `Prefer: IdType="ImmutableId"` so ids survive moves (dedupe, correlation); every page link
// (@odata.nextLink / deltaLink) is followed whole and only on the Graph origin, so the bearer token
// never goes anywhere else. Reference: shared/reference/microsoft.md §2, §3, §5.6, §7.
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Logger } from '../../log/logger.ts';
import { HttpClient } from '../http/client.ts';
import { VendorError, isVendorError } from '../http/errors.ts';
import type { HttpClientOptions, HttpRequest, HttpResponse } from '../http/types.ts';
import type { TokenProvider } from '../microsoft/auth.ts';
import { odataString, parseFolderPath, wellKnownFolderName } from './folders.ts';
import {
  REMEDIATION_ACTIONS,
  deltaPageSchema,
  folderListSchema,
  folderSchema,
  messageListSchema,
  messageSchema,
  messageTraceListSchema,
  userListSchema,
} from './types.ts';
import type {
  ConnectionCheck,
  DeltaMessage,
  DeltaResult,
  MailMessageRef,
  MessageTrace,
  MessageTraceFilter,
  RemediateRequest,
  RemediateResult,
} from './types.ts';

export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com';
const IMMUTABLE = 'IdType="ImmutableId"';
const DAY_MS = 86_400_000;
/** Message trace: one query spans at most 10 days and starts at most 90 days back. */
export const TRACE_MAX_WINDOW_DAYS = 10;
export const TRACE_MAX_LOOKBACK_DAYS = 90;
/** Safety stop for page loops (a server that keeps sending nextLinks). */
const MAX_PAGES = 10_000;

export interface GraphClientOptions {
  /** GRAPH_API_URL (https://graph.microsoft.com; a trailing /v1.0 is accepted and ignored). */
  baseUrl: string;
  tokens: TokenProvider;
  log: Logger;
  dispatcher?: Dispatcher;
  /** Token scope; default `${origin of baseUrl}/.default` (national clouds follow the host). */
  scope?: string;
  /** Passed through to the HttpClient (retries, timeouts, concurrency...). */
  http?: Partial<Omit<HttpClientOptions, 'vendor' | 'baseUrl' | 'log' | 'dispatcher' | 'authorize' | 'onUnauthorized'>>;
  /** Shortcut for http.sleep (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Delta page size requested with `Prefer: odata.maxpagesize` (default 50). */
  deltaPageSize?: number;
}

export interface TraceOptions {
  /** How far back to look (default 10, at most 90); more than 10 days is split into 10-day windows. */
  days?: number;
  now?: Date;
  /**
   * Trace rows whose status means "no copy in this mailbox" (default: `expanded`, the row of a
   * distribution list address whose members have rows of their own, and `failed`). Pass [] for all.
   */
  excludeStatuses?: string[];
}

export class GraphClient {
  readonly baseUrl: string;
  readonly scope: string;
  readonly #origin: string;
  readonly #http: HttpClient;
  readonly #log: Logger;
  readonly #deltaPageSize: number;
  readonly #folderCache = new Map<string, string>();

  constructor(opts: GraphClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '').replace(/\/(v1\.0|beta)$/i, '');
    const url = new URL(this.baseUrl);
    this.#origin = url.origin;
    this.scope = opts.scope ?? `${url.origin}/.default`;
    this.#log = opts.log;
    this.#deltaPageSize = opts.deltaPageSize ?? 50;
    const tokens = opts.tokens;
    const scope = this.scope;
    const origin = this.#origin;
    const sleep = opts.sleep ?? opts.http?.sleep;
    this.#http = new HttpClient({
      ...opts.http,
      ...(sleep ? { sleep } : {}),
      vendor: 'graph',
      baseUrl: this.baseUrl,
      log: opts.log,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      authorize: async (req) => {
        // A page link pointing off the Graph origin never gets our token.
        if (req.url.origin !== origin) throw new Error(`refusing to send the Graph token to ${req.url.origin}`);
        return { authorization: `Bearer ${await tokens.getToken(scope)}` };
      },
      onUnauthorized: () => tokens.invalidate(scope),
    });
  }

  // ---------------------------------------------------------------- folders

  /**
   * Folder path -> folder id. `/` separates levels, `\/` escapes a slash in a name. The first
   * segment may be a well-known name (inbox, junkemail, deleteditems, ... or "Junk Email"), used
   * directly; otherwise it is looked up under the mailbox root. Each further level is looked up
   * with childFolders?$filter=displayName eq '...'. Results are cached per (mailbox, path).
   */
  async resolveFolderId(mailbox: string, path: string): Promise<string> {
    const segments = parseFolderPath(path);
    if (segments.length === 0) throw new Error(`empty folder path ${JSON.stringify(path)}`);
    const cacheKey = `${mailbox.toLowerCase()}\n${segments.join('\n')}`;
    const cached = this.#folderCache.get(cacheKey);
    if (cached) return cached;

    let start = 0;
    let parentId: string;
    const first = segments[0] as string;
    const wk = wellKnownFolderName(first);
    if (wk) {
      parentId = wk;
      start = 1;
    } else if (segments.length === 1 && looksLikeGraphId(first)) {
      return first;
    } else {
      parentId = 'msgfolderroot';
    }
    for (let i = start; i < segments.length; i++) {
      const name = segments[i] as string;
      const res = await this.#get(
        {
          method: 'GET',
          path: `/v1.0/users/${enc(mailbox)}/mailFolders/${enc(parentId)}/childFolders`,
          query: { $filter: `displayName eq ${odataString(name)}`, $select: 'id,displayName,parentFolderId', includeHiddenFolders: 'true' },
          operation: 'graph.resolveFolder',
        },
        folderListSchema,
      );
      const match = res.value.find((f) => f.displayName === name) ?? res.value.find((f) => f.displayName?.toLowerCase() === name.toLowerCase()) ?? res.value[0];
      if (!match) {
        const where = segments.slice(0, i).join('/') || 'the mailbox root';
        throw new VendorError({
          vendor: 'graph',
          operation: 'graph.resolveFolder',
          kind: 'http',
          status: 404,
          code: 'folderNotFound',
          message: `no folder named ${JSON.stringify(name)} under ${where} in ${mailbox}`,
          attempts: 1,
        });
      }
      parentId = match.id;
    }
    this.#folderCache.set(cacheKey, parentId);
    return parentId;
  }

  /** GET /users/{m}/mailFolders/{id} (id or well-known name). */
  async getFolder(mailbox: string, folderId: string): Promise<{ id: string; displayName?: string }> {
    const f = await this.#get(
      { method: 'GET', path: `/v1.0/users/${enc(mailbox)}/mailFolders/${enc(folderId)}`, query: { $select: 'id,displayName' }, operation: 'graph.getFolder' },
      folderSchema,
    );
    return { id: f.id, ...(f.displayName ? { displayName: f.displayName } : {}) };
  }

  // ---------------------------------------------------------------- delta

  /**
   * Runs a message delta on one folder: the initial sync when `deltaLink` is absent, else the
   * changes since. Follows every @odata.nextLink until @odata.deltaLink. On 410 Gone /
   * syncStateNotFound the stored link is dropped and a full sync runs (`reset: true`): callers
   * dedupe by id, so the replay is harmless.
   */
  async messagesDelta(mailbox: string, folderId: string, deltaLink?: string): Promise<DeltaResult> {
    const initial: HttpRequest = {
      method: 'GET',
      path: `/v1.0/users/${enc(mailbox)}/mailFolders/${enc(folderId)}/messages/delta`,
      query: { $select: 'id,internetMessageId,subject,receivedDateTime' },
    };
    let reset = false;
    let first: HttpRequest = deltaLink ? { method: 'GET', path: this.#pageLink(deltaLink) } : initial;
    for (;;) {
      try {
        return { ...(await this.#runDelta(first)), reset };
      } catch (err) {
        if (reset || !isSyncReset(err)) throw err;
        this.#log.warn({ vendor: 'graph', mailbox, folderId, code: (err as VendorError).code, status: (err as VendorError).status }, 'delta sync state lost; restarting a full sync');
        reset = true;
        first = initial;
      }
    }
  }

  async #runDelta(first: HttpRequest): Promise<Omit<DeltaResult, 'reset'>> {
    const added = new Map<string, DeltaMessage>();
    const removed = new Set<string>();
    let req: HttpRequest = first;
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      const page = await this.#get(
        { ...req, headers: { prefer: `odata.maxpagesize=${this.#deltaPageSize}, ${IMMUTABLE}` }, operation: 'graph.messagesDelta' },
        deltaPageSchema,
      );
      for (const item of page.value) {
        if (item['@removed']) {
          added.delete(item.id);
          removed.add(item.id);
        } else {
          removed.delete(item.id);
          added.set(item.id, {
            id: item.id,
            ...(item.internetMessageId ? { internetMessageId: item.internetMessageId } : {}),
            ...(item.subject !== undefined ? { subject: item.subject } : {}),
            ...(item.receivedDateTime ? { receivedDateTime: item.receivedDateTime } : {}),
          });
        }
      }
      const next = page['@odata.nextLink'];
      const delta = page['@odata.deltaLink'];
      if (next) {
        req = { method: 'GET', path: this.#pageLink(next) };
        continue;
      }
      if (delta) return { added: [...added.values()], removedIds: [...removed], deltaLink: delta, pages };
      throw decodeError('graph.messagesDelta', 'delta page has neither @odata.nextLink nor @odata.deltaLink');
    }
    throw decodeError('graph.messagesDelta', `more than ${MAX_PAGES} delta pages`);
  }

  // ---------------------------------------------------------------- messages

  /** The full MIME of a message (`/messages/{id}/$value`). */
  async getMessageMime(mailbox: string, id: string): Promise<Buffer> {
    const res = await this.#http.request<Buffer>({
      method: 'GET',
      path: `/v1.0/users/${enc(mailbox)}/messages/${enc(id)}/$value`,
      headers: { prefer: IMMUTABLE },
      responseType: 'buffer',
      operation: 'graph.getMessageMime',
    });
    return Buffer.isBuffer(res.body) ? res.body : Buffer.from(res.body as unknown as ArrayBuffer);
  }

  /** Ids of the messages in a mailbox with this Internet Message-ID (per-recipient containment). */
  async findMessageIds(mailbox: string, internetMessageId: string): Promise<string[]> {
    return (await this.findMessages(mailbox, internetMessageId)).map((m) => m.id);
  }

  async findMessages(mailbox: string, internetMessageId: string): Promise<MailMessageRef[]> {
    const out: MailMessageRef[] = [];
    let req: HttpRequest = {
      method: 'GET',
      path: `/v1.0/users/${enc(mailbox)}/messages`,
      query: { $filter: `internetMessageId eq ${odataString(angle(internetMessageId))}`, $select: 'id,parentFolderId,internetMessageId' },
    };
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      const page = await this.#get({ ...req, headers: { prefer: IMMUTABLE }, operation: 'graph.findMessages' }, messageListSchema);
      for (const m of page.value) {
        out.push({ id: m.id, ...(m.parentFolderId ? { parentFolderId: m.parentFolderId } : {}), ...(m.internetMessageId ? { internetMessageId: m.internetMessageId } : {}) });
      }
      const next = page['@odata.nextLink'];
      if (!next) return out;
      req = { method: 'GET', path: this.#pageLink(next) };
    }
    return out;
  }

  /** Moves a message (`destinationId`: folder id or well-known name such as deleteditems, junkemail). Returns the moved message's id. */
  async moveMessage(mailbox: string, id: string, destinationId: string): Promise<{ id: string }> {
    const res = await this.#http.request({
      method: 'POST',
      path: `/v1.0/users/${enc(mailbox)}/messages/${enc(id)}/move`,
      headers: { prefer: IMMUTABLE },
      json: { destinationId },
      operation: 'graph.moveMessage',
    });
    const body = parse(messageSchema, res.body, 'graph.moveMessage');
    return { id: body.id };
  }

  /** Permanently deletes a message (`POST /messages/{id}/permanentDelete`; global cloud only). Cannot be undone. */
  async permanentDeleteMessage(mailbox: string, id: string): Promise<void> {
    await this.#http.request({
      method: 'POST',
      path: `/v1.0/users/${enc(mailbox)}/messages/${enc(id)}/permanentDelete`,
      headers: { prefer: IMMUTABLE },
      operation: 'graph.permanentDelete',
    });
  }

  // ---------------------------------------------------------------- message trace

  /**
   * Who received this message: Graph message trace for `messageId eq '<...>'` over the last
   * `days` (default 10; >10 is split into 10-day windows; never more than 90 back). Distinct
   * recipient addresses, lower-case, sorted; distribution-list (`expanded`) and `failed` rows are
   * left out by default (see TraceOptions.excludeStatuses).
   */
  async traceRecipients(internetMessageId: string, opts: TraceOptions = {}): Promise<string[]> {
    const now = opts.now ?? new Date();
    const days = Math.min(Math.max(opts.days ?? TRACE_MAX_WINDOW_DAYS, 0.01), TRACE_MAX_LOOKBACK_DAYS);
    // A minute off both ends: the service rejects an end after its "now" and a start beyond 90 days.
    const end = new Date(Math.floor((now.getTime() - 60_000) / 1000) * 1000);
    const oldest = Math.max(now.getTime() - days * DAY_MS, now.getTime() - TRACE_MAX_LOOKBACK_DAYS * DAY_MS + 60_000);
    const excluded = new Set((opts.excludeStatuses ?? ['expanded', 'failed']).map((x) => x.toLowerCase()));
    const recipients = new Set<string>();
    for (let windowEnd = end.getTime(); windowEnd > oldest; ) {
      const windowStart = Math.max(oldest, windowEnd - TRACE_MAX_WINDOW_DAYS * DAY_MS);
      const rows = await this.listMessageTraces({ messageId: internetMessageId, start: new Date(Math.ceil(windowStart / 1000) * 1000), end: new Date(windowEnd) });
      for (const r of rows) if (r.recipientAddress && !excluded.has((r.status ?? '').toLowerCase())) recipients.add(r.recipientAddress.toLowerCase());
      windowEnd = windowStart;
    }
    return [...recipients].sort();
  }

  /** `GET /admin/exchange/tracing/messageTraces` with a typed filter (or a raw OData $filter), all pages. */
  async listMessageTraces(filter: MessageTraceFilter | string): Promise<MessageTrace[]> {
    const query: Record<string, string> = { $filter: typeof filter === 'string' ? filter : messageTraceFilter(filter) };
    if (typeof filter !== 'string' && filter.top !== undefined) query.$top = String(filter.top);
    const out: MessageTrace[] = [];
    let req: HttpRequest = { method: 'GET', path: '/v1.0/admin/exchange/tracing/messageTraces', query };
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      const page = await this.#get({ ...req, operation: 'graph.messageTrace' }, messageTraceListSchema);
      for (const row of page.value) out.push(stripUndefined(row) as MessageTrace);
      const next = page['@odata.nextLink'];
      if (!next) return out;
      req = { method: 'GET', path: this.#pageLink(next) };
    }
    return out;
  }

  // ---------------------------------------------------------------- remediation

  /**
   * Defender remediation across mailboxes: POST /security/collaboration/analyzedEmails/remediate,
   * 202 Accepted with the Action Center URL in Location. Sent with retry: the same displayName makes
   * a re-send recognisable, and a 409 (UNVERIFIED "duplicate remediation") is treated as success.
   */
  async remediate(req: RemediateRequest): Promise<RemediateResult> {
    if (!req.displayName.trim()) throw new Error('remediate: displayName is required');
    if (!REMEDIATION_ACTIONS.includes(req.action)) throw new Error(`remediate: unsupported action ${JSON.stringify(req.action)}`);
    if (req.analyzedEmails.length === 0) throw new Error('remediate: analyzedEmails is empty');
    const body = {
      displayName: req.displayName,
      ...(req.description !== undefined ? { description: req.description } : {}),
      severity: req.severity,
      action: req.action,
      remediateSendersCopy: req.remediateSendersCopy ?? false,
      analyzedEmails: req.analyzedEmails.map((e) => ({ networkMessageId: e.networkMessageId, recipientEmailAddress: e.recipientEmailAddress })),
    };
    let res: HttpResponse;
    try {
      res = await this.#http.request({
        method: 'POST',
        path: '/v1.0/security/collaboration/analyzedEmails/remediate',
        json: body,
        responseType: 'text',
        retry: true,
        operation: 'graph.remediate',
      });
    } catch (err) {
      if (isVendorError(err) && err.status === 409) {
        this.#log.warn({ vendor: 'graph', displayName: req.displayName, code: err.code, requestId: err.requestId }, 'remediation reported as duplicate (409); treating as submitted');
        return { status: 409, duplicate: true, ...(err.requestId ? { requestId: err.requestId } : {}) };
      }
      throw err;
    }
    const location = res.headers.location;
    return { status: res.status, duplicate: false, ...(location ? { location } : {}), ...(res.requestId ? { requestId: res.requestId } : {}) };
  }

  // ---------------------------------------------------------------- health

  /** Gets a token and makes one cheap read: the mailbox's Inbox when given, else one user (User.Read.All). */
  async testConnection(mailbox?: string): Promise<ConnectionCheck> {
    const checks = ['token'];
    if (mailbox) {
      await this.getFolder(mailbox, 'inbox');
      checks.push(`mailbox ${mailbox}`);
    } else {
      await this.#get({ method: 'GET', path: '/v1.0/users', query: { $top: 1, $select: 'id' }, operation: 'graph.testConnection' }, userListSchema);
      checks.push('users');
    }
    return { ok: true, checks };
  }

  // ---------------------------------------------------------------- plumbing

  async #get<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.output<S>> {
    const res = await this.#http.request(req);
    return parse(schema, res.body, req.operation ?? 'graph');
  }

  /** An absolute page link from Graph, accepted only on the Graph origin. */
  #pageLink(link: string): string {
    let url: URL;
    try {
      url = new URL(link, this.baseUrl);
    } catch {
      throw decodeError('graph.page', 'malformed page link');
    }
    if (url.origin !== this.#origin) throw decodeError('graph.page', `page link points off the Graph origin (${url.origin})`);
    return url.toString();
  }
}

/** Builds the message trace $filter (dates as YYYY-MM-DDThh:mm:ssZ; window ≤ 10 days). */
export function messageTraceFilter(f: MessageTraceFilter): string {
  if (!(f.start < f.end)) throw new Error('message trace: start must be before end');
  if (f.end.getTime() - f.start.getTime() > TRACE_MAX_WINDOW_DAYS * DAY_MS) throw new Error('message trace: the window must be 10 days or less');
  const parts: string[] = [];
  if (f.messageId) parts.push(`messageId eq ${odataString(angle(f.messageId))}`);
  if (f.senderAddress) parts.push(`senderAddress eq ${odataString(f.senderAddress)}`);
  if (f.recipientAddress) parts.push(`recipientAddress eq ${odataString(f.recipientAddress)}`);
  if (f.status) parts.push(`status eq ${odataString(f.status)}`);
  if (f.fromIP) parts.push(`fromIP eq ${odataString(f.fromIP)}`);
  if (f.toIP) parts.push(`toIP eq ${odataString(f.toIP)}`);
  if (f.subject) parts.push(`${f.subject.op}(subject,${odataString(f.subject.value)})`);
  parts.push(`receivedDateTime ge ${isoSeconds(f.start)}`, `receivedDateTime le ${isoSeconds(f.end)}`);
  return parts.join(' and ');
}

export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function angle(messageId: string): string {
  const id = messageId.trim();
  return id.startsWith('<') ? id : `<${id}>`;
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** A Graph/EWS-style opaque folder id (so `REPORT_FOLDER` may be an id instead of a path). */
function looksLikeGraphId(s: string): boolean {
  return /^AA[A-Za-z0-9_-]{40,}={0,2}$/.test(s);
}

function isSyncReset(err: unknown): boolean {
  if (!isVendorError(err)) return false;
  return err.status === 410 || /syncStateNotFound|syncStateInvalid|resyncRequired/i.test(err.code ?? '');
}

function parse<S extends z.ZodType>(schema: S, body: unknown, operation: string): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw decodeError(operation, `unexpected response shape${issue ? ` at ${issue.path.join('.') || '(root)'}: ${issue.message}` : ''}`);
}

function decodeError(operation: string, message: string): VendorError {
  return new VendorError({ vendor: 'graph', operation, kind: 'decode', message, attempts: 1 });
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
