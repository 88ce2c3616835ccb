// Mimecast on the project's one HTTP layer. API 2.0 (OAuth2 client credentials, bearer token) or
// API 1.0 (HMAC-SHA1 signed headers); both speak the same POST `{meta?, data:[...]}` API and
// answer `{meta, data, fail}`. An HTTP 200 with a non-empty `fail` is an error; when several items
// were sent and only some failed, the call is partially successful and says which items failed.
// Rate limits (429 + X-RateLimit-Reset in milliseconds) are waited out by the HttpClient.
// Reference: shared/reference/mimecast_cofense.md §2-4, §10.
import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Logger } from '../../log/logger.ts';
import { HttpClient } from '../http/client.ts';
import { VendorError, isVendorError } from '../http/errors.ts';
import type { HttpClientOptions, HttpRequest, HttpResponse, VendorErrorInit } from '../http/types.ts';
import { OAuthTokenSource, hmacKeys, mcDate, signV1 } from './auth.ts';
import type { MimecastAuth } from './auth.ts';
import { baseUrlMismatch, resolveMimecastBaseUrl } from './regions.ts';
import { requestBody, requests } from './requests.ts';
import type {
  MimecastAttachmentLog,
  MimecastBlockedSenderPolicyInput,
  MimecastClickLog,
  MimecastDecodedUrl,
  MimecastEnvelope,
  MimecastFailItem,
  MimecastFailure,
  MimecastFile,
  MimecastGroup,
  MimecastGroupMember,
  MimecastGroupMemberChange,
  MimecastHashSearch,
  MimecastHeldMessage,
  MimecastHoldReject,
  MimecastHoldRelease,
  MimecastIncident,
  MimecastList,
  MimecastManagedSender,
  MimecastManagedUrl,
  MimecastArchiveMessage,
  MimecastArchiveSearchItem,
  MimecastMessageDetail,
  MimecastPolicy,
  MimecastRejectReason,
  MimecastRemediationInput,
  MimecastRequest,
  MimecastResult,
  MimecastTrackedEmail,
} from './types.ts';

export type { MimecastAuth } from './auth.ts';
export { DEFAULT_MIMECAST_BASE_URL, MIMECAST_API1_BASE_URLS, MIMECAST_API2_BASE_URLS } from './regions.ts';

/** Most lists take up to 100 per page (XS-MC PAGE_SIZE_MAX); group members up to 500. */
export const MAX_PAGE_SIZE = 100;
export const MAX_GROUP_MEMBERS_PAGE_SIZE = 500;
/** search-hash takes at most 100 hashes per call (MC-EP search-hash; recommended ≤ 20 for the 2 KB body limit). */
export const MAX_HASHES_PER_CALL = 100;

export interface MimecastClientOptions {
  /** MIMECAST_BASE_URL: a URL, or a region name (`global`/`uk`/`us` for API 2.0, `eu`/`de`/`us`/... for 1.0). */
  baseUrl: string;
  auth: MimecastAuth;
  log: Logger;
  dispatcher?: Dispatcher;
  /** Shortcut for http.sleep (tests record rate-limit waits instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
  /** Passed through to the HttpClient (retries, timeouts, concurrency, ...). */
  http?: Partial<Omit<HttpClientOptions, 'vendor' | 'baseUrl' | 'log' | 'dispatcher' | 'authorize' | 'onUnauthorized' | 'rateLimitReset'>>;
  /** Clock for token expiry and the API 1.0 x-mc-date (tests). */
  now?: () => Date;
  /** x-mc-req-id generator for API 1.0 (tests); a fresh UUID by default. */
  requestId?: () => string;
}

/** The last X-RateLimit-* headers seen (Mimecast sends them on every response). */
export interface MimecastRateLimit {
  limit?: number;
  remaining?: number;
  /** Milliseconds until a call is added back to the quota. */
  resetMs?: number;
  at: Date;
}

/** A Mimecast function-level failure (`fail[]`), on HTTP 200 or an error status. */
export class MimecastError extends VendorError {
  readonly failures: MimecastFailure[];
  constructor(init: VendorErrorInit, failures: MimecastFailure[]) {
    super(init);
    this.failures = failures;
  }
}

export interface ConnectionCheck {
  ok: true;
  api: 'API 2.0 (OAuth2)' | 'API 1.0 (HMAC)';
  baseUrl: string;
  requestId?: string;
  rateLimit?: MimecastRateLimit;
}

export class MimecastClient {
  readonly baseUrl: string;
  readonly authKind: 'oauth' | 'hmac';
  readonly #http: HttpClient;
  readonly #log: Logger;
  readonly #oauth: OAuthTokenSource | undefined;
  #rateLimit: MimecastRateLimit | undefined;

  constructor(opts: MimecastClientOptions) {
    this.authKind = opts.auth.kind;
    this.baseUrl = resolveMimecastBaseUrl(opts.baseUrl, opts.auth.kind);
    this.#log = opts.log;
    const mismatch = baseUrlMismatch(this.baseUrl, opts.auth.kind);
    if (mismatch) opts.log.warn({ vendor: 'mimecast', baseUrl: this.baseUrl }, `mimecast base URL looks wrong: ${mismatch}`);
    const now = opts.now ?? (() => new Date());
    const sleep = opts.sleep ?? opts.http?.sleep;
    const common = {
      ...opts.http,
      ...(sleep ? { sleep } : {}),
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      vendor: 'mimecast',
      baseUrl: this.baseUrl,
      log: opts.log,
      rateLimitReset: 'milliseconds' as const,
    };

    const auth = opts.auth;
    if (auth.kind === 'oauth') {
      const tokenHttp = new HttpClient(common);
      const oauth = new OAuthTokenSource({ http: tokenHttp, clientId: auth.clientId, clientSecret: auth.clientSecret, log: opts.log, now: () => now().getTime() });
      this.#oauth = oauth;
      this.#http = new HttpClient({
        ...common,
        authorize: async () => ({ authorization: `Bearer ${await oauth.token()}` }),
        onUnauthorized: () => oauth.invalidate(),
      });
    } else {
      const keys = hmacKeys(auth);
      const nextId = opts.requestId ?? randomUUID;
      this.#oauth = undefined;
      // Signed per attempt (fresh date and request id) with the path only as the uri (MC-AUTHZ).
      this.#http = new HttpClient({ ...common, authorize: async (req) => signV1(keys, req.url.pathname, mcDate(now()), nextId()) });
    }
  }

  /** The last rate-limit headers Mimecast sent. */
  get rateLimit(): MimecastRateLimit | undefined {
    return this.#rateLimit;
  }

  /** OAuth tokens fetched so far (0 for API 1.0). */
  get tokensFetched(): number {
    return this.#oauth?.fetched ?? 0;
  }

  // ------------------------------------------------------------------ core

  /**
   * One call. Throws MimecastError when `fail` is non-empty, unless `allowPartial` is set, more than
   * one item was sent and at least one succeeded: then the failures are returned with the data.
   */
  async call<T>(r: MimecastRequest, opts: { allowPartial?: boolean; items?: number; signal?: AbortSignal } = {}): Promise<MimecastResult<T>> {
    const res = await this.#send(r, opts.signal);
    const env = this.#envelope<T>(r, res);
    const data = Array.isArray(env.data) ? env.data : [];
    const failures = flattenFailures(env.fail);
    // Logical items sent: usually the data items; hold-reject sends several ids in one item.
    const items = opts.items ?? r.data.length;
    if (failures.length > 0) {
      const partialOk = opts.allowPartial === true && items > 1 && data.length > 0;
      if (!partialOk) throw failError(r, res, failures, items);
      this.#log.warn({ vendor: 'mimecast', operation: r.operation, failed: failures.length, sent: items }, 'mimecast call partially failed');
    }
    return { data, failures, meta: env.meta?.pagination ? { pagination: env.meta.pagination } : {}, status: res.status, ...(res.requestId ? { requestId: res.requestId } : {}) };
  }

  /**
   * Follows `meta.pagination.next` until `limit` items are gathered (pages of min(limit,
   * maxPageSize)); never follows a page whose `fail` is non-empty.
   */
  async list<T, I = T>(
    r: MimecastRequest,
    opts: { limit: number; maxPageSize?: number; extract?: (data: T[]) => I[]; signal?: AbortSignal },
  ): Promise<MimecastList<I>> {
    const limit = Math.max(1, Math.floor(opts.limit));
    const pageSize = Math.min(limit, opts.maxPageSize ?? MAX_PAGE_SIZE);
    const extract = opts.extract ?? ((d: T[]) => d as unknown as I[]);
    let total: number | undefined;
    const toHttp = (pageToken?: string) => this.#httpRequest({ ...r, meta: { pagination: { pageSize, ...(pageToken ? { pageToken } : {}) } } }, opts.signal);
    const next = (res: HttpResponse<unknown>) => {
      const token = asEnvelope<T>(res.body)?.meta?.pagination?.next;
      return typeof token === 'string' && token ? toHttp(token) : undefined;
    };
    const items = (res: HttpResponse<unknown>) => {
      this.#observe(res);
      const env = this.#envelope<T>(r, res);
      const failures = flattenFailures(env.fail);
      if (failures.length) throw failError(r, res, failures, 1);
      const t = env.meta?.pagination?.totalCount;
      if (total === undefined && typeof t === 'number') total = t;
      return extract(Array.isArray(env.data) ? env.data : []);
    };
    let collected;
    try {
      collected = await this.#http.collect<unknown, I>(toHttp(), next, items, { limit });
    } catch (err) {
      throw this.#explain(err);
    }
    return { items: collected.items, truncated: collected.truncated, pages: collected.pages, requestIds: collected.requestIds, ...(total !== undefined ? { total } : {}) };
  }

  /** One page from `pageToken` (commands that expose Mimecast's page token to the analyst). */
  async page<T, I = T>(
    r: MimecastRequest,
    opts: { pageSize: number; pageToken?: string; extract?: (data: T[]) => I[]; signal?: AbortSignal },
  ): Promise<{ items: I[]; next?: string; previous?: string; total?: number; requestId?: string }> {
    const res = await this.call<T>({ ...r, meta: { pagination: { pageSize: opts.pageSize, ...(opts.pageToken ? { pageToken: opts.pageToken } : {}) } } }, { signal: opts.signal });
    const p = res.meta.pagination;
    const extract = opts.extract ?? ((d: T[]) => d as unknown as I[]);
    return {
      items: extract(res.data),
      ...(p?.next ? { next: p.next } : {}),
      ...(p?.previous ? { previous: p.previous } : {}),
      ...(typeof p?.totalCount === 'number' ? { total: p.totalCount } : {}),
      ...(res.requestId ? { requestId: res.requestId } : {}),
    };
  }

  /** A call answered with a file (get-file); a JSON answer with `fail` is thrown as MimecastError. */
  async download(r: MimecastRequest, signal?: AbortSignal): Promise<MimecastFile> {
    const res = await this.#send(r, signal, 'buffer');
    const bytes = res.body as Buffer;
    const contentType = res.headers['content-type'] ?? 'application/octet-stream';
    if (/[/+]json\b/i.test(contentType)) {
      const env = asEnvelope<unknown>(safeJson(bytes.toString('utf8')));
      const failures = flattenFailures(env?.fail);
      if (failures.length) throw failError(r, res, failures, 1);
      throw new VendorError({ vendor: 'mimecast', operation: r.operation, kind: 'decode', status: res.status, message: 'Mimecast answered JSON instead of the file', attempts: res.attempts, ...(res.requestId ? { requestId: res.requestId } : {}) });
    }
    const filename = contentDispositionFilename(res.headers['content-disposition']);
    return { bytes, contentType: contentType.split(';')[0]?.trim() || 'application/octet-stream', ...(filename ? { filename } : {}), ...(res.requestId ? { requestId: res.requestId } : {}) };
  }

  // ------------------------------------------------------------------ directory

  findGroups(f: { query?: string; source?: 'cloud' | 'ldap' }, limit: number): Promise<MimecastList<MimecastGroup>> {
    return this.list<{ folders?: MimecastGroup[] }, MimecastGroup>(requests.findGroups(f), { limit, extract: (d) => d.flatMap((x) => x.folders ?? []) });
  }

  getGroupMembers(groupId: string, opts: { pageSize: number; pageToken?: string }) {
    return this.page<{ groupMembers?: MimecastGroupMember[] }, MimecastGroupMember>(requests.getGroupMembers(groupId), {
      pageSize: Math.min(opts.pageSize, MAX_GROUP_MEMBERS_PAGE_SIZE),
      ...(opts.pageToken ? { pageToken: opts.pageToken } : {}),
      extract: (d) => d.flatMap((x) => x.groupMembers ?? []),
    });
  }

  addGroupMembers(groupId: string, emails: readonly string[]): Promise<MimecastResult<MimecastGroupMemberChange>> {
    return this.call(requests.addGroupMembers(groupId, emails), { allowPartial: true });
  }

  removeGroupMembers(groupId: string, emails: readonly string[]): Promise<MimecastResult<MimecastGroupMemberChange>> {
    return this.call(requests.removeGroupMembers(groupId, emails), { allowPartial: true });
  }

  async createGroup(name: string, parentId?: string): Promise<MimecastGroup> {
    return first(await this.call<MimecastGroup>(requests.createGroup(name, parentId)), 'create-group');
  }

  async updateGroup(id: string, name: string, parentId?: string): Promise<MimecastGroup> {
    return first(await this.call<MimecastGroup>(requests.updateGroup(id, name, parentId)), 'update-group');
  }

  // ------------------------------------------------------------------ URL protection

  async createManagedUrl(u: Parameters<typeof requests.createManagedUrl>[0]): Promise<MimecastManagedUrl> {
    return first(await this.call<MimecastManagedUrl>(requests.createManagedUrl(u)), 'create-managed-url');
  }

  getManagedUrls(f: { domainOrUrl?: readonly string[]; exactMatch?: boolean }, limit: number): Promise<MimecastList<MimecastManagedUrl>> {
    return this.list<MimecastManagedUrl>(requests.getManagedUrls(f), { limit });
  }

  async deleteManagedUrl(id: string): Promise<void> {
    await this.call(requests.deleteManagedUrl(id));
  }

  decodeUrls(urls: readonly string[]): Promise<MimecastResult<MimecastDecodedUrl>> {
    return this.call(requests.decodeUrls(urls), { allowPartial: true });
  }

  getUrlLogs(f: Parameters<typeof requests.getUrlLogs>[0], limit: number): Promise<MimecastList<MimecastClickLog>> {
    return this.list<{ clickLogs?: MimecastClickLog[] }, MimecastClickLog>(requests.getUrlLogs(f), { limit, extract: (d) => d.flatMap((x) => x.clickLogs ?? []) });
  }

  getAttachmentLogs(f: Parameters<typeof requests.getAttachmentLogs>[0], limit: number): Promise<MimecastList<MimecastAttachmentLog>> {
    return this.list<{ attachmentLogs?: MimecastAttachmentLog[] }, MimecastAttachmentLog>(requests.getAttachmentLogs(f), {
      limit,
      extract: (d) => d.flatMap((x) => x.attachmentLogs ?? []),
    });
  }

  // ------------------------------------------------------------------ policies, managed senders

  async createBlockedSenderPolicy(p: MimecastBlockedSenderPolicyInput): Promise<MimecastPolicy> {
    return first(await this.call<MimecastPolicy>(requests.createBlockedSenderPolicy(p)), 'create-policy');
  }

  getBlockedSenderPolicies(id: string | undefined, limit: number): Promise<MimecastList<MimecastPolicy>> {
    return this.list<MimecastPolicy>(requests.getBlockedSenderPolicies(id), { limit });
  }

  async deleteBlockedSenderPolicy(id: string): Promise<void> {
    await this.call(requests.deleteBlockedSenderPolicy(id));
  }

  async permitOrBlockSender(s: { sender: string; to: string; action: 'permit' | 'block' }): Promise<MimecastManagedSender> {
    return first(await this.call<MimecastManagedSender>(requests.permitOrBlockSender(s)), 'permit-or-block-sender');
  }

  // ------------------------------------------------------------------ held queue

  getHoldMessageList(f: Parameters<typeof requests.getHoldMessageList>[0], limit: number): Promise<MimecastList<MimecastHeldMessage>> {
    return this.list<MimecastHeldMessage>(requests.getHoldMessageList(f), { limit });
  }

  /** Releases a held message; throws unless Mimecast confirms `release: true`. */
  async releaseHeldMessage(id: string): Promise<MimecastHoldRelease & { requestId?: string }> {
    const r = requests.releaseHeldMessage(id);
    const res = await this.call<MimecastHoldRelease>(r);
    const item = res.data[0];
    if (!item || item.release !== true) {
      throw new VendorError({ vendor: 'mimecast', operation: r.operation, kind: 'http', status: res.status, code: 'release_failed', message: `Mimecast did not release held message ${id}`, attempts: 1, ...(res.requestId ? { requestId: res.requestId } : {}) });
    }
    return { ...item, ...(res.requestId ? { requestId: res.requestId } : {}) };
  }

  /** Rejects held messages (one call for all ids); items answered `reject: false` are reported as failures. */
  async rejectHeldMessages(r: { ids: readonly string[]; reasonType?: MimecastRejectReason; message?: string; notify?: boolean }): Promise<MimecastResult<MimecastHoldReject>> {
    const req = requests.rejectHeldMessages(r);
    const res = await this.call<MimecastHoldReject>(req, { allowPartial: true, items: r.ids.length });
    const refused = res.data.filter((d) => d.reject !== true);
    const failures = [...res.failures, ...refused.map((d) => ({ key: { id: d.id }, code: 'reject_failed', message: `Mimecast did not reject held message ${d.id ?? '?'}`, retryable: false }))];
    const ok = res.data.filter((d) => d.reject === true);
    if (ok.length === 0 && failures.length > 0) throw failError(req, { status: res.status, requestId: res.requestId, attempts: 1 }, failures, r.ids.length);
    return { ...res, failures };
  }

  // ------------------------------------------------------------------ remediation

  async createRemediationIncident(r: MimecastRemediationInput): Promise<MimecastIncident> {
    return first(await this.call<MimecastIncident>(requests.createRemediationIncident(r)), 'create-remediation-incident');
  }

  async getRemediationIncident(id: string): Promise<MimecastIncident> {
    return first(await this.call<MimecastIncident>(requests.getRemediationIncident(id)), 'get-remediation-incident');
  }

  /** Up to 100 hashes per call (throws RangeError beyond, before any request). */
  async searchFileHashes(hashes: readonly string[]): Promise<MimecastHashSearch & { requestId?: string }> {
    if (hashes.length === 0) throw new RangeError('give at least one file hash');
    if (hashes.length > MAX_HASHES_PER_CALL) throw new RangeError(tooManyHashes(hashes.length));
    const res = await this.call<MimecastHashSearch>(requests.searchFileHashes(hashes));
    return { ...(res.data[0] ?? {}), ...(res.requestId ? { requestId: res.requestId } : {}) };
  }

  // ------------------------------------------------------------------ archive, tracking

  getMessageList(f: Parameters<typeof requests.getMessageList>[0], limit: number): Promise<MimecastList<MimecastArchiveMessage>> {
    return this.list<MimecastArchiveMessage>(requests.getMessageList(f), { limit });
  }

  async getMessageDetail(id: string): Promise<MimecastMessageDetail> {
    return first(await this.call<MimecastMessageDetail>(requests.getMessageDetail(id)), 'get-message-detail');
  }

  getFile(id: string): Promise<MimecastFile> {
    return this.download(requests.getFile(id));
  }

  searchArchive(xml: string, limit: number): Promise<MimecastList<MimecastArchiveSearchItem>> {
    return this.list<{ items?: MimecastArchiveSearchItem[] }, MimecastArchiveSearchItem>(requests.searchArchive(xml), { limit, extract: (d) => d.flatMap((x) => x.items ?? []) });
  }

  async searchMessageFinder(f: Parameters<typeof requests.searchMessageFinder>[0]): Promise<{ items: MimecastTrackedEmail[]; requestId?: string }> {
    const res = await this.call<{ trackedEmails?: MimecastTrackedEmail[] }>(requests.searchMessageFinder(f));
    return { items: res.data.flatMap((d) => d.trackedEmails ?? []), ...(res.requestId ? { requestId: res.requestId } : {}) };
  }

  /** A cheap authenticated read (get-all-managed-urls, one item), as SP-MC and XS-MC do. */
  async testConnection(): Promise<ConnectionCheck> {
    const res = await this.list<MimecastManagedUrl>(requests.getManagedUrls({}), { limit: 1 });
    return {
      ok: true,
      api: this.authKind === 'oauth' ? 'API 2.0 (OAuth2)' : 'API 1.0 (HMAC)',
      baseUrl: this.baseUrl,
      ...(res.requestIds[0] ? { requestId: res.requestIds[0] } : {}),
      ...(this.#rateLimit ? { rateLimit: this.#rateLimit } : {}),
    };
  }

  // ------------------------------------------------------------------ internals

  #httpRequest(r: MimecastRequest, signal: AbortSignal | undefined, responseType: 'json' | 'buffer' = 'json'): HttpRequest {
    return {
      method: 'POST',
      path: r.path,
      json: requestBody(r),
      headers: { accept: responseType === 'json' ? 'application/json' : '*/*' },
      responseType,
      operation: r.operation,
      // Reads may be repeated after a 5xx or timeout; changes only after a 429 or an unsent request.
      ...(r.idempotent ? { retry: true } : {}),
      ...(signal ? { signal } : {}),
    };
  }

  async #send(r: MimecastRequest, signal: AbortSignal | undefined, responseType: 'json' | 'buffer' = 'json'): Promise<HttpResponse<unknown>> {
    try {
      const res = await this.#http.request<unknown>(this.#httpRequest(r, signal, responseType));
      this.#observe(res);
      return res;
    } catch (err) {
      throw this.#explain(err);
    }
  }

  #envelope<T>(r: MimecastRequest, res: HttpResponse<unknown>): MimecastEnvelope<T> {
    const env = asEnvelope<T>(res.body);
    if (!env) {
      throw new VendorError({ vendor: 'mimecast', operation: r.operation, kind: 'decode', status: res.status, message: 'the response is not a Mimecast {meta, data, fail} envelope', attempts: res.attempts, ...(res.requestId ? { requestId: res.requestId } : {}) });
    }
    return env;
  }

  #observe(res: HttpResponse<unknown>): void {
    const limit = int(res.headers['x-ratelimit-limit']);
    const remaining = int(res.headers['x-ratelimit-remaining']);
    const resetMs = int(res.headers['x-ratelimit-reset']);
    if (limit === undefined && remaining === undefined && resetMs === undefined) return;
    this.#rateLimit = { ...(limit !== undefined ? { limit } : {}), ...(remaining !== undefined ? { remaining } : {}), ...(resetMs !== undefined ? { resetMs } : {}), at: new Date() };
    if (limit !== undefined && remaining !== undefined && remaining <= Math.max(1, Math.floor(limit * 0.05))) {
      this.#log.warn({ vendor: 'mimecast', limit, remaining, resetMs }, 'mimecast call quota nearly used up');
    }
  }

  /** Clearer words for the statuses whose vendor text helps nobody (418 binding expired, 403 role). */
  #explain(err: unknown): unknown {
    if (!isVendorError(err) || err.kind !== 'http') return err;
    const base = { vendor: err.vendor, operation: err.operation, kind: err.kind, attempts: err.attempts, ...(err.status !== undefined ? { status: err.status } : {}), ...(err.code ? { code: err.code } : {}), ...(err.requestId ? { requestId: err.requestId } : {}), ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}), ...(err.bodyExcerpt ? { bodyExcerpt: err.bodyExcerpt } : {}) };
    // Mimecast sends X-RateLimit-Reset on every answer; it is a wait only on a 429 (or a 503).
    const keepWait = err.status === 429 || err.status === 503;
    if (!keepWait && err.retryAfterMs !== undefined) {
      const rest: VendorErrorInit = { ...base, message: err.detail };
      delete rest.retryAfterMs;
      return this.#explain(new VendorError(rest));
    }
    if (err.status === 418) {
      return new VendorError({ ...base, message: `the API 1.0 access key binding has expired: create new access/secret keys (and set the user's authentication profile TTL to never expire)${err.detail ? ` (${err.detail})` : ''}` });
    }
    if (err.status === 403) {
      return new VendorError({ ...base, message: `the Mimecast application role lacks the permission for this call${err.detail ? `: ${err.detail}` : ''}` });
    }
    return err;
  }
}

// -------------------------------------------------------------------- helpers

export function tooManyHashes(n: number): string {
  return `Mimecast searches at most ${MAX_HASHES_PER_CALL} file hashes per call (got ${n}): split the list into batches of ${MAX_HASHES_PER_CALL} or fewer`;
}

function asEnvelope<T>(body: unknown): MimecastEnvelope<T> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (!('data' in b) && !('fail' in b) && !('meta' in b)) return undefined;
  return b as MimecastEnvelope<T>;
}

export function flattenFailures(fail: MimecastFailItem[] | undefined): MimecastFailure[] {
  if (!Array.isArray(fail)) return [];
  const out: MimecastFailure[] = [];
  for (const f of fail) {
    const errors = Array.isArray(f?.errors) && f.errors.length ? f.errors : [{}];
    const e = errors[0] as NonNullable<MimecastFailItem['errors']>[number];
    const message = errors
      .map((x) => x.message ?? x.code)
      .filter(Boolean)
      .join('; ');
    out.push({
      ...(f && 'key' in f ? { key: f.key } : {}),
      ...(e.code ? { code: e.code } : {}),
      message: message || 'Mimecast reported a failure without a message',
      retryable: e.retryable === true,
      ...(e.field ? { field: e.field } : {}),
    });
  }
  return out;
}

/** A short label for the item a failure belongs to (`bad@example.com`, `id abc`). */
export function failureLabel(f: MimecastFailure): string | undefined {
  const k = f.key;
  if (typeof k === 'string') return k;
  if (typeof k !== 'object' || k === null) return undefined;
  const o = k as Record<string, unknown>;
  for (const name of ['emailAddress', 'url', 'domainOrUrl', 'sender', 'hash', 'domain', 'id']) {
    const v = o[name];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

function failError(r: MimecastRequest, res: { status: number; requestId?: string | undefined; attempts: number }, failures: MimecastFailure[], sent: number): MimecastError {
  const f = failures[0] as MimecastFailure;
  const label = sent > 1 ? failureLabel(f) : undefined;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more failed item${failures.length > 2 ? 's' : ''})` : '';
  return new MimecastError(
    {
      vendor: 'mimecast',
      operation: r.operation,
      kind: 'http',
      status: res.status,
      ...(f.code ? { code: f.code } : {}),
      // Mimecast sometimes repeats the code as the message (err_folder_group_member_already_exists).
      message: ([label, f.message === f.code ? '' : f.message].filter(Boolean).join(': ') + more).trim(),
      attempts: res.attempts,
      ...(res.requestId ? { requestId: res.requestId } : {}),
    },
    failures,
  );
}

function first<T>(res: MimecastResult<T>, name: string): T {
  const item = res.data[0];
  if (item === undefined) throw new VendorError({ vendor: 'mimecast', operation: `mimecast.${name}`, kind: 'decode', status: res.status, message: 'Mimecast answered without data', attempts: 1, ...(res.requestId ? { requestId: res.requestId } : {}) });
  return item;
}

function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(v)) return undefined;
  return Math.round(Number(v));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `attachment; filename="a b.pdf"` or RFC 5987 `filename*=UTF-8''a%20b.pdf`. */
export function contentDispositionFilename(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:[\w-]+)?'[^']*'([^;]+)/i.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  const v = plain?.[2] ?? plain?.[1];
  return v ? v.trim() : undefined;
}
