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
import { bearerHttpClient } from '../microsoft/bearer-http.ts';
import { odataString, parseFolderPath, wellKnownFolderName } from './folders.ts';
import { RateWindow, type RateWindowOptions } from '../http/rate-window.ts';
import { searchParameter } from './mail-query.ts';
import {
  directoryObjectPageSchema,
  groupPageSchema,
  mailFolderPageSchema,
  messageItemSchema,
  messagePageSchema,
  messageRulePageSchema,
  messageRuleSchema,
  toGroup,
  toMessageDetail,
  toMessageRule,
  toMessageSummary,
  toUser,
  traceDetailPageSchema,
  userPageSchema,
} from './mail-types.ts';
import type {
  DirectoryMember,
  GraphGroup,
  GraphUser,
  MailFolderInfo,
  MessageDetail,
  MessageRule,
  MessageSearch,
  MessageSearchResult,
  MessageSummary,
  MessageTraceDetail,
  NewMessageRule,
} from './mail-types.ts';
import {
  REMEDIATION_ACTIONS,
  deltaPageSchema,
  folderListSchema,
  folderSchema,
  messageListSchema,
  messageSchema,
  messageTraceListSchema,
  subscriptionSchema,
  userListSchema,
} from './types.ts';
import type {
  ConnectionCheck,
  DeltaMessage,
  DeltaPage,
  DeltaResult,
  GraphSubscription,
  MailMessageRef,
  MessageTrace,
  MessageTraceFilter,
  NewSubscription,
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
  /**
   * Client-side quota of the message trace API (default 100 requests per 5 minutes, the
   * documented limit): requests wait for a slot instead of earning 429s. `false`: off.
   */
  traceRateLimit?: Partial<Pick<RateWindowOptions, 'limit' | 'windowMs' | 'maxWaitMs' | 'now' | 'sleep'>> | false;
}

/** Graph message trace: 100 requests per 5 minutes per tenant (shared/reference/microsoft.md §3). */
export const TRACE_RATE_LIMIT = { limit: 100, windowMs: 5 * 60_000 } as const;

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
  /** The message trace quota (undefined when turned off). */
  readonly traceRate: RateWindow | undefined;

  constructor(opts: GraphClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '').replace(/\/(v1\.0|beta)$/i, '');
    const url = new URL(this.baseUrl);
    this.#origin = url.origin;
    this.scope = opts.scope ?? `${url.origin}/.default`;
    this.#log = opts.log;
    this.#deltaPageSize = opts.deltaPageSize ?? 50;
    this.traceRate =
      opts.traceRateLimit === false
        ? undefined
        : new RateWindow({ ...TRACE_RATE_LIMIT, ...(opts.sleep ? { sleep: opts.sleep } : {}), ...opts.traceRateLimit, vendor: 'graph', operation: 'graph.messageTrace' });
    this.#http = bearerHttpClient({
      vendor: 'graph',
      tokenName: 'the Graph token',
      baseUrl: this.baseUrl,
      tokens: opts.tokens,
      scope: this.scope,
      log: opts.log,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      ...(opts.http ? { http: opts.http } : {}),
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
    const initial = this.#deltaStart(mailbox, folderId);
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
      const page = await this.#deltaPage(req);
      for (const id of page.removedIds) {
        added.delete(id);
        removed.add(id);
      }
      for (const m of page.added) {
        removed.delete(m.id);
        added.set(m.id, m);
      }
      if (page.nextLink) {
        req = { method: 'GET', path: page.nextLink };
        continue;
      }
      return { added: [...added.values()], removedIds: [...removed], deltaLink: page.deltaLink as string, pages };
    }
    throw decodeError('graph.messagesDelta', `more than ${MAX_PAGES} delta pages`);
  }

  /**
   * ONE page of a message delta, for callers that must be able to stop mid-round and resume at a
   * page (ingestion with a per-round cap): the initial sync's first page when `link` is absent,
   * else the page at a nextLink or deltaLink exactly as Graph gave it. Does not catch a sync reset
   * (410 / syncStateNotFound): the caller decides how to restart (see isSyncReset).
   */
  async messagesDeltaPage(mailbox: string, folderId: string, link?: string): Promise<DeltaPage> {
    return this.#deltaPage(link ? { method: 'GET', path: this.#pageLink(link) } : this.#deltaStart(mailbox, folderId));
  }

  #deltaStart(mailbox: string, folderId: string): HttpRequest {
    return {
      method: 'GET',
      path: `/v1.0/users/${enc(mailbox)}/mailFolders/${enc(folderId)}/messages/delta`,
      query: { $select: 'id,internetMessageId,subject,receivedDateTime' },
    };
  }

  async #deltaPage(req: HttpRequest): Promise<DeltaPage> {
    const page = await this.#get(
      { ...req, headers: { prefer: `odata.maxpagesize=${this.#deltaPageSize}, ${IMMUTABLE}` }, operation: 'graph.messagesDelta' },
      deltaPageSchema,
    );
    const added: DeltaMessage[] = [];
    const removedIds: string[] = [];
    for (const item of page.value) {
      if (item['@removed']) {
        removedIds.push(item.id);
      } else {
        added.push({
          id: item.id,
          ...(item.internetMessageId ? { internetMessageId: item.internetMessageId } : {}),
          ...(item.subject !== undefined ? { subject: item.subject } : {}),
          ...(item.receivedDateTime ? { receivedDateTime: item.receivedDateTime } : {}),
        });
      }
    }
    const next = page['@odata.nextLink'];
    const delta = page['@odata.deltaLink'];
    if (next) return { added, removedIds, nextLink: this.#pageLink(next) };
    if (delta) return { added, removedIds, deltaLink: delta };
    throw decodeError('graph.messagesDelta', 'delta page has neither @odata.nextLink nor @odata.deltaLink');
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

  /**
   * Sends a plain-text mail from `mailbox` (POST /users/{m}/sendMail, 202; Mail.Send). Not retried
   * after a 5xx or timeout: a second send would be a second mail.
   */
  async sendMail(mailbox: string, mail: { to: string[]; subject: string; text: string; saveToSentItems?: boolean }): Promise<{ requestId?: string }> {
    if (mail.to.length === 0) throw new Error('sendMail: no recipient');
    const res = await this.#http.request({
      method: 'POST',
      path: `/v1.0/users/${enc(mailbox)}/sendMail`,
      json: {
        message: {
          subject: mail.subject,
          body: { contentType: 'Text', content: mail.text },
          toRecipients: mail.to.map((address) => ({ emailAddress: { address } })),
        },
        saveToSentItems: mail.saveToSentItems ?? true,
      },
      responseType: 'text',
      operation: 'graph.sendMail',
    });
    return res.requestId ? { requestId: res.requestId } : {};
  }

  /**
   * The subset of `groupIds` that the user (Entra object id) belongs to, transitively
   * (POST /users/{id}/checkMemberGroups, 20 ids per call; GroupMember.Read.All). Used to give
   * policy roles to Teams (Entra) groups.
   */
  async checkMemberGroups(userId: string, groupIds: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < groupIds.length; i += 20) {
      const res = await this.#http.request<{ value?: unknown }>({
        method: 'POST',
        path: `/v1.0/users/${enc(userId)}/checkMemberGroups`,
        json: { groupIds: groupIds.slice(i, i + 20) },
        // A read despite the POST: safe to retry.
        retry: true,
        operation: 'graph.checkMemberGroups',
      });
      const value = Array.isArray(res.body.value) ? res.body.value : [];
      for (const g of value) if (typeof g === 'string') out.push(g.toLowerCase());
    }
    return out;
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

  /**
   * `GET /admin/exchange/tracing/messageTraces` with a typed filter (or a raw OData $filter),
   * following @odata.nextLink; `opts.limit` stops once that many rows are in (no further pages are
   * fetched). Every page waits for a slot of the trace quota (traceRateLimit).
   */
  async listMessageTraces(filter: MessageTraceFilter | string, opts: { limit?: number; signal?: AbortSignal } = {}): Promise<MessageTrace[]> {
    const query: Record<string, string> = { $filter: typeof filter === 'string' ? filter : messageTraceFilter(filter) };
    if (typeof filter !== 'string' && filter.top !== undefined) query.$top = String(filter.top);
    const out: MessageTrace[] = [];
    let req: HttpRequest = { method: 'GET', path: '/v1.0/admin/exchange/tracing/messageTraces', query };
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      await this.traceRate?.acquire();
      const page = await this.#get({ ...req, operation: 'graph.messageTrace', ...(opts.signal ? { signal: opts.signal } : {}) }, messageTraceListSchema);
      for (const row of page.value) out.push(stripUndefined(row) as MessageTrace);
      if (opts.limit !== undefined && out.length >= opts.limit) return out.slice(0, opts.limit);
      const next = page['@odata.nextLink'];
      if (!next) return out;
      req = { method: 'GET', path: this.#pageLink(next) };
    }
    return out;
  }

  /**
   * The per-recipient events of one traced message:
   * `GET /admin/exchange/tracing/messageTraces/{id}/getDetailsByRecipient(recipientAddress='…')`.
   * Same quota as the trace list.
   */
  async messageTraceDetails(traceId: string, recipientAddress: string): Promise<MessageTraceDetail[]> {
    const out: MessageTraceDetail[] = [];
    let req: HttpRequest = {
      method: 'GET',
      path: `/v1.0/admin/exchange/tracing/messageTraces/${enc(traceId)}/getDetailsByRecipient(recipientAddress=${encodeURIComponent(odataString(recipientAddress))})`,
    };
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      await this.traceRate?.acquire();
      const page = await this.#get({ ...req, operation: 'graph.messageTraceDetails' }, traceDetailPageSchema);
      for (const row of page.value) out.push(stripUndefined(row) as MessageTraceDetail);
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

  // ---------------------------------------------------------------- change notifications

  /** POST /subscriptions (201). The clientState goes to Graph only; it is not part of the result. */
  async createSubscription(sub: NewSubscription): Promise<GraphSubscription> {
    const res = await this.#http.request({
      method: 'POST',
      path: '/v1.0/subscriptions',
      json: { ...sub, latestSupportedTlsVersion: 'v1_2' },
      operation: 'graph.createSubscription',
    });
    return subscriptionOut(parse(subscriptionSchema, res.body, 'graph.createSubscription'));
  }

  /** PATCH /subscriptions/{id} with a new expiration (renewal). */
  async renewSubscription(id: string, expirationDateTime: string): Promise<GraphSubscription> {
    const res = await this.#http.request({
      method: 'PATCH',
      path: `/v1.0/subscriptions/${enc(id)}`,
      json: { expirationDateTime },
      retry: true,
      operation: 'graph.renewSubscription',
    });
    return subscriptionOut(parse(subscriptionSchema, res.body, 'graph.renewSubscription'));
  }

  /** POST /subscriptions/{id}/reauthorize (answer to a reauthorizationRequired lifecycle event). */
  async reauthorizeSubscription(id: string): Promise<void> {
    await this.#http.request({ method: 'POST', path: `/v1.0/subscriptions/${enc(id)}/reauthorize`, retry: true, responseType: 'text', operation: 'graph.reauthorizeSubscription' });
  }

  /** DELETE /subscriptions/{id}; a subscription already gone (404) counts as deleted. */
  async deleteSubscription(id: string): Promise<void> {
    try {
      await this.#http.request({ method: 'DELETE', path: `/v1.0/subscriptions/${enc(id)}`, responseType: 'text', operation: 'graph.deleteSubscription' });
    } catch (err) {
      if (!(isVendorError(err) && err.status === 404)) throw err;
    }
  }

  // ---------------------------------------------------------------- mail actions (o365.* catalog)

  /**
   * Every mail folder of a mailbox (or under one folder), depth-first, with its display path. Graph
   * has no "all folders" call: childFolders is walked level by level. Stops at `maxFolders`.
   */
  async listMailFolders(mailbox: string, opts: { under?: string; underPath?: string; maxFolders?: number } = {}): Promise<MailFolderInfo[]> {
    const max = opts.maxFolders ?? 1000;
    const out: MailFolderInfo[] = [];
    const walk = async (parentId: string, parentPath: string): Promise<void> => {
      let req: HttpRequest = {
        method: 'GET',
        path: `/v1.0/users/${enc(mailbox)}/mailFolders/${enc(parentId)}/childFolders`,
        query: { $top: 100, $select: 'id,displayName,parentFolderId,totalItemCount,childFolderCount' },
      };
      for (let pages = 1; pages <= MAX_PAGES && out.length < max; pages++) {
        const page = await this.#get({ ...req, operation: 'graph.listMailFolders' }, mailFolderPageSchema);
        for (const f of page.value) {
          if (out.length >= max) return;
          const name = f.displayName ?? f.id;
          const path = `${parentPath ? `${parentPath}/` : ''}${name.replace(/\\/g, '\\\\').replace(/\//g, '\\/')}`;
          out.push({
            id: f.id,
            displayName: name,
            path,
            ...(f.parentFolderId ? { parentFolderId: f.parentFolderId } : {}),
            ...(f.totalItemCount !== undefined ? { totalItemCount: f.totalItemCount } : {}),
            ...(f.childFolderCount !== undefined ? { childFolderCount: f.childFolderCount } : {}),
          });
          if (f.childFolderCount !== 0) await walk(f.id, path);
        }
        const next = page['@odata.nextLink'];
        if (!next) return;
        req = { method: 'GET', path: this.#pageLink(next) };
      }
    };
    await walk(opts.under ?? 'msgfolderroot', opts.underPath ?? '');
    return out;
  }

  /**
   * Searches one folder (or the whole mailbox) with a $filter (newest first) or a KQL $search, and
   * returns matches `offset` .. `offset + limit - 1`. Pages are followed through @odata.nextLink
   * only as far as needed; `more` says whether matches remain.
   */
  async searchMessages(mailbox: string, q: MessageSearch): Promise<MessageSearchResult> {
    if (q.filter && q.search) throw new Error('Graph cannot combine $filter and $search in one message query');
    const want = q.offset + q.limit;
    const query: Record<string, string | number> = {
      $select: 'id,subject,from,sender,internetMessageId,receivedDateTime,sentDateTime,parentFolderId,hasAttachments,isRead,categories',
      $top: Math.min(Math.max(want, 1), 1000),
    };
    if (q.search) query.$search = searchParameter(q.search);
    else {
      if (q.filter) query.$filter = q.filter;
      query.$orderby = 'receivedDateTime desc';
    }
    const base = q.folderId ? `/v1.0/users/${enc(mailbox)}/mailFolders/${enc(q.folderId)}/messages` : `/v1.0/users/${enc(mailbox)}/messages`;
    let req: HttpRequest = { method: 'GET', path: base, query };
    const found: MessageSummary[] = [];
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      const page = await this.#get({ ...req, headers: { prefer: IMMUTABLE }, operation: 'graph.searchMessages' }, messagePageSchema);
      for (const m of page.value) found.push(toMessageSummary(m));
      const next = page['@odata.nextLink'];
      if (found.length >= want || !next) {
        return { messages: found.slice(q.offset, want), more: found.length > want || Boolean(next), pages };
      }
      req = { method: 'GET', path: this.#pageLink(next) };
    }
    return { messages: found.slice(q.offset, want), more: true, pages: MAX_PAGES };
  }

  /** One message with recipients, all parsed headers, the body as text and the attachment list. */
  async getMessage(mailbox: string, id: string): Promise<MessageDetail> {
    const m = await this.#get(
      {
        method: 'GET',
        path: `/v1.0/users/${enc(mailbox)}/messages/${enc(id)}`,
        query: {
          $select:
            'id,subject,from,sender,toRecipients,ccRecipients,bccRecipients,replyTo,internetMessageId,internetMessageHeaders,receivedDateTime,sentDateTime,createdDateTime,lastModifiedDateTime,parentFolderId,conversationId,hasAttachments,isRead,categories,body,bodyPreview,webLink',
          $expand: 'attachments($select=id,name,contentType,size,isInline)',
        },
        // A text body: the card shows it as text and never renders the sender's HTML.
        headers: { prefer: `${IMMUTABLE}, outlook.body-content-type="text"` },
        operation: 'graph.getMessage',
      },
      messageItemSchema,
    );
    return toMessageDetail(m);
  }

  /** Copies a message within its mailbox (`POST …/copy`, 201 with the copy). Graph cannot copy across mailboxes. */
  async copyMessage(mailbox: string, id: string, destinationId: string): Promise<{ id: string }> {
    const res = await this.#http.request({
      method: 'POST',
      path: `/v1.0/users/${enc(mailbox)}/messages/${enc(id)}/copy`,
      headers: { prefer: IMMUTABLE },
      json: { destinationId },
      operation: 'graph.copyMessage',
    });
    return { id: parse(messageSchema, res.body, 'graph.copyMessage').id };
  }

  /**
   * Creates a message in a folder from raw MIME (`POST /users/{m}/mailFolders/{f}/messages` with the
   * base64 MIME as text/plain): the documented way to put a copy into ANOTHER mailbox, which
   * copy/move cannot do. Graph may keep such an item flagged as a draft.
   */
  async createMessageFromMime(mailbox: string, folderId: string, mime: Buffer): Promise<{ id: string }> {
    const res = await this.#http.request({
      method: 'POST',
      path: `/v1.0/users/${enc(mailbox)}/mailFolders/${enc(folderId)}/messages`,
      headers: { prefer: IMMUTABLE, 'content-type': 'text/plain' },
      body: mime.toString('base64'),
      operation: 'graph.createMessageFromMime',
    });
    return { id: parse(messageSchema, res.body, 'graph.createMessageFromMime').id };
  }

  /** `PATCH …/messages/{id}`: subject and/or categories (the list replaces the existing one). */
  async updateMessage(mailbox: string, id: string, patch: { subject?: string; categories?: string[] }): Promise<MessageDetail> {
    const body: Record<string, unknown> = {};
    if (patch.subject !== undefined) body.subject = patch.subject;
    if (patch.categories !== undefined) body.categories = patch.categories;
    if (Object.keys(body).length === 0) throw new Error('update message: nothing to change (give a subject or categories)');
    const res = await this.#http.request({
      method: 'PATCH',
      path: `/v1.0/users/${enc(mailbox)}/messages/${enc(id)}`,
      headers: { prefer: IMMUTABLE },
      json: body,
      // Setting the same values twice gives the same message: safe to retry.
      retry: true,
      operation: 'graph.updateMessage',
    });
    return toMessageDetail(parse(messageItemSchema, res.body, 'graph.updateMessage'));
  }

  /** The inbox rules of a mailbox (`GET /users/{m}/mailFolders/inbox/messageRules`). */
  async listMessageRules(mailbox: string): Promise<MessageRule[]> {
    const out: MessageRule[] = [];
    let req: HttpRequest = { method: 'GET', path: `/v1.0/users/${enc(mailbox)}/mailFolders/inbox/messageRules` };
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      const page = await this.#get({ ...req, operation: 'graph.listMessageRules' }, messageRulePageSchema);
      out.push(...page.value.map(toMessageRule));
      const next = page['@odata.nextLink'];
      if (!next) return out;
      req = { method: 'GET', path: this.#pageLink(next) };
    }
    return out;
  }

  /** Creates an inbox rule moving mail from these senders to a folder (201 with the rule). */
  async createMessageRule(mailbox: string, rule: NewMessageRule): Promise<MessageRule> {
    const res = await this.#http.request({
      method: 'POST',
      path: `/v1.0/users/${enc(mailbox)}/mailFolders/inbox/messageRules`,
      json: {
        displayName: rule.displayName,
        sequence: rule.sequence,
        isEnabled: true,
        conditions: { fromAddresses: rule.fromAddresses.map((address) => ({ emailAddress: { address } })) },
        actions: { moveToFolder: rule.moveToFolder, stopProcessingRules: rule.stopProcessingRules },
      },
      operation: 'graph.createMessageRule',
    });
    return toMessageRule(parse(messageRuleSchema, res.body, 'graph.createMessageRule'));
  }

  /** Deletes an inbox rule; one already gone (404) counts as deleted. */
  async deleteMessageRule(mailbox: string, ruleId: string): Promise<void> {
    try {
      await this.#http.request({ method: 'DELETE', path: `/v1.0/users/${enc(mailbox)}/mailFolders/inbox/messageRules/${enc(ruleId)}`, responseType: 'text', operation: 'graph.deleteMessageRule' });
    } catch (err) {
      if (!(isVendorError(err) && err.status === 404)) throw err;
    }
  }

  /**
   * Groups whose address (mail, or an smtp proxy address) or name (displayName, mailNickname)
   * is `mailOrName`. Distribution lists and mail-enabled security groups are readable in Graph;
   * dynamic distribution groups are not (they are simply not found).
   */
  async findGroups(mailOrName: string): Promise<GraphGroup[]> {
    const v = odataString(mailOrName.trim());
    const filter = mailOrName.includes('@')
      ? `mail eq ${v} or proxyAddresses/any(p:p eq ${odataString(`smtp:${mailOrName.trim()}`)})`
      : `displayName eq ${v} or mailNickname eq ${v}`;
    const page = await this.#get(
      {
        method: 'GET',
        path: '/v1.0/groups',
        query: { $filter: filter, $select: 'id,displayName,mail,mailNickname,groupTypes,mailEnabled,securityEnabled', $count: 'true' },
        // any() on proxyAddresses is an advanced query: it needs eventual consistency and $count.
        headers: { consistencylevel: 'eventual' },
        operation: 'graph.findGroups',
      },
      groupPageSchema,
    );
    return page.value.map(toGroup);
  }

  /**
   * Members of a group: direct (`/members`) or every level (`/transitiveMembers`, expanded by
   * Graph itself, so nested groups and cycles need no client-side recursion). Stops at `max`.
   */
  async groupMembers(groupId: string, opts: { transitive: boolean; max?: number }): Promise<{ members: DirectoryMember[]; truncated: boolean }> {
    const max = opts.max ?? 10_000;
    const members: DirectoryMember[] = [];
    let req: HttpRequest = {
      method: 'GET',
      path: `/v1.0/groups/${enc(groupId)}/${opts.transitive ? 'transitiveMembers' : 'members'}`,
      query: { $select: 'id,displayName,mail,userPrincipalName', $top: 999 },
    };
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      const page = await this.#get({ ...req, operation: 'graph.groupMembers' }, directoryObjectPageSchema);
      for (const m of page.value) {
        if (members.length >= max) return { members, truncated: true };
        members.push({
          id: m.id,
          type: (m['@odata.type'] ?? '#microsoft.graph.directoryObject').replace(/^#microsoft\.graph\./i, ''),
          ...(m.displayName ? { displayName: m.displayName } : {}),
          ...(m.mail ? { mail: m.mail } : {}),
          ...(m.userPrincipalName ? { userPrincipalName: m.userPrincipalName } : {}),
        });
      }
      const next = page['@odata.nextLink'];
      if (!next) return { members, truncated: false };
      req = { method: 'GET', path: this.#pageLink(next) };
    }
    return { members, truncated: true };
  }

  /**
   * Resolves a name or address to users: an address is matched exactly on mail, userPrincipalName
   * and smtp proxy addresses (aliases); a name with a tokenized `$search` on displayName and mail.
   * Both are advanced directory queries (ConsistencyLevel: eventual, $count).
   */
  async findUsers(nameOrAddress: string, max = 25): Promise<GraphUser[]> {
    const v = nameOrAddress.trim();
    const query: Record<string, string | number> = {
      $select: 'id,displayName,mail,userPrincipalName,proxyAddresses,jobTitle,department,officeLocation,companyName,givenName,surname',
      $top: max,
      $count: 'true',
    };
    if (v.includes('@')) {
      query.$filter = `mail eq ${odataString(v)} or userPrincipalName eq ${odataString(v)} or proxyAddresses/any(p:p eq ${odataString(`smtp:${v}`)})`;
    } else {
      query.$search = `"displayName:${v.replace(/"/g, '')}" OR "mail:${v.replace(/"/g, '')}"`;
    }
    const page = await this.#get({ method: 'GET', path: '/v1.0/users', query, headers: { consistencylevel: 'eventual' }, operation: 'graph.findUsers' }, userPageSchema);
    return page.value.map(toUser);
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

/** The stored delta link is no longer valid (410 Gone, syncStateNotFound, ...): a full sync must restart. */
export function isSyncReset(err: unknown): boolean {
  if (!isVendorError(err)) return false;
  return err.status === 410 || /syncStateNotFound|syncStateInvalid|resyncRequired/i.test(err.code ?? '');
}

function subscriptionOut(s: z.output<typeof subscriptionSchema>): GraphSubscription {
  return {
    id: s.id,
    resource: s.resource,
    changeType: s.changeType,
    expirationDateTime: s.expirationDateTime,
    ...(s.notificationUrl ? { notificationUrl: s.notificationUrl } : {}),
    ...(s.lifecycleNotificationUrl ? { lifecycleNotificationUrl: s.lifecycleNotificationUrl } : {}),
  };
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
