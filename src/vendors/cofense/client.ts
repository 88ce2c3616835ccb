// Cofense Vision (API v4 + IOC repository v1) on the project's one HTTP layer.
// Reference: shared/reference/mimecast_cofense.md §7–8; seed 003 (Splunk SOAR connector).
//
// - OAuth2 client credentials against {base}/uaa/oauth/token; the token is cached, renewed a
//   margin before `expires_in` runs out (single-flight), and dropped + renewed once on a 401.
// - Errors: Spring `{status,message,details}` and UAA `{error,error_description}` bodies become one
//   clear VendorError message (./errors.ts).
// - Every IOC-repository call carries `X-Cofense-IOC-Source` (the caller's source, else the
//   configured one).
// - Lists use Spring paging: `page` (0-based), `size` (1..2000), repeated `sort=field,dir`.
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Logger } from '../../log/logger.ts';
import { HttpClient } from '../http/client.ts';
import { VendorError } from '../http/errors.ts';
import type { HttpClientOptions, HttpRequest, HttpResponse } from '../http/types.ts';
import { cofenseError, type ErrorHints } from './errors.ts';
import { checkIocSource, sortQuery } from './params.ts';
import {
  DEFAULT_IOC_SOURCE,
  DEFAULT_PAGE,
  DEFAULT_PAGE_SIZE,
  IOC_SOURCE_HEADER,
  MAX_PAGE_SIZE,
  headersSchema,
  healthSchema,
  iocListSchema,
  iocOneSchema,
  jobListSchema,
  jobSchema,
  messageSchema,
  searchListSchema,
  searchResultsSchema,
  searchSchema,
  tokenSchema,
} from './types.ts';
import type {
  DownloadedFile,
  HealthStatus,
  Ioc,
  IocInput,
  IocListOptions,
  MessageMetadata,
  MessageSearch,
  Page,
  PageRequest,
  QuarantineEmailRef,
  QuarantineJob,
  QuarantineJobFilter,
  SearchCriteria,
  SearchResults,
} from './types.ts';

export const TOKEN_PATH = '/uaa/oauth/token';
export const HEALTH_PATH = '/actuator/health';
/** Renew this long before the token expires (capped at half its lifetime). */
const DEFAULT_REFRESH_MARGIN_MS = 60_000;
/** Assumed lifetime when the token response has no expires_in (UAA's usual is 1799 s). */
const DEFAULT_TOKEN_LIFETIME_S = 300;
/** Vision may take minutes to answer large downloads (SP-CV uses 120 s). */
const DOWNLOAD_TIMEOUT_MS = 120_000;
const JSON_HEADERS = { accept: 'application/json' };

export interface CofenseClientOptions {
  /** COFENSE_BASE_URL: the customer's Vision server (UAA is served on the same host). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  log: Logger;
  /** undici dispatcher (tests; a private CA or "trust any certificate" for self-signed Vision). */
  dispatcher?: Dispatcher;
  /** Injected for tests so retries and job polling do not really wait. */
  sleep?: (ms: number) => Promise<void>;
  /** The IOC source used when an IOC call names none (default `hookline`). */
  iocSource?: string;
  /** The clock for token expiry (ms since epoch); tests inject one. */
  now?: () => number;
  /** Renew the token this many ms before it expires (default 60 s, at most half its lifetime). */
  tokenRefreshMarginMs?: number;
  /** Passed through to the HttpClient (retries, timeouts, concurrency...). */
  http?: Partial<Omit<HttpClientOptions, 'vendor' | 'baseUrl' | 'log' | 'dispatcher' | 'authorize' | 'onUnauthorized' | 'sleep'>>;
}

interface CachedToken {
  token: string;
  obtainedAt: number;
  expiresAt: number;
  refreshAt: number;
}

export interface TokenInfo {
  /** When the cached token expires (ms since epoch). */
  expiresAt: number;
  lifetimeSec: number;
}

export interface WaitOptions {
  /** Stop when this returns true (default: the job's last run is COMPLETED, FAILED or PENDING_APPROVAL). */
  until?: (job: QuarantineJob) => boolean;
  timeoutMs?: number;
  intervalMs?: number;
}

export class CofenseClient {
  readonly baseUrl: string;
  /** The configured default IOC source. */
  readonly iocSource: string;
  readonly #http: HttpClient;
  /** Token and health calls: no bearer token, no 401 re-try. */
  readonly #plain: HttpClient;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #margin: number;
  readonly #log: Logger;
  #token: CachedToken | undefined;
  #pending: Promise<CachedToken> | undefined;

  constructor(opts: CofenseClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    new URL(this.baseUrl); // throws early on a malformed COFENSE_BASE_URL
    this.iocSource = checkIocSource(opts.iocSource ?? DEFAULT_IOC_SOURCE, 'iocSource');
    this.#clientId = opts.clientId;
    this.#clientSecret = opts.clientSecret;
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#margin = opts.tokenRefreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    this.#log = opts.log;
    const common = {
      ...opts.http,
      vendor: 'cofense',
      baseUrl: this.baseUrl,
      log: opts.log,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
    };
    this.#plain = new HttpClient(common);
    this.#http = new HttpClient({
      ...common,
      authorize: async () => ({ authorization: `Bearer ${(await this.#getToken()).token}` }),
      onUnauthorized: () => {
        this.#token = undefined;
      },
    });
  }

  // ---------------------------------------------------------------- auth & health

  /** GET /actuator/health (no auth): `{"status":"UP"}` when Vision is running. */
  async health(): Promise<HealthStatus> {
    const res = await this.#send({ method: 'GET', path: HEALTH_PATH, headers: JSON_HEADERS, operation: 'cofense.health' }, {}, this.#plain);
    return decode(healthSchema, res.body, 'cofense.health') as HealthStatus;
  }

  /** The seed's test connectivity: the server is up, then a fresh token is obtained. */
  async testConnectivity(): Promise<{ health: HealthStatus; token: TokenInfo }> {
    const health = await this.health();
    if (health.status.toUpperCase() !== 'UP') {
      throw new VendorError({ vendor: 'cofense', operation: 'cofense.health', kind: 'http', status: 200, message: `Cofense Vision is not healthy: status ${health.status}`, attempts: 1 });
    }
    this.#token = undefined;
    const t = await this.#getToken();
    return { health, token: { expiresAt: t.expiresAt, lifetimeSec: Math.round((t.expiresAt - t.obtainedAt) / 1000) } };
  }

  /** The cached token's expiry, if one is cached. */
  tokenInfo(): TokenInfo | undefined {
    const t = this.#token;
    return t ? { expiresAt: t.expiresAt, lifetimeSec: Math.round((t.expiresAt - t.obtainedAt) / 1000) } : undefined;
  }

  /** Forgets the cached token (the next call fetches a new one). */
  invalidateToken(): void {
    this.#token = undefined;
  }

  async #getToken(): Promise<CachedToken> {
    const cached = this.#token;
    if (cached && this.#now() < cached.refreshAt) return cached;
    if (!this.#pending) {
      this.#pending = this.#fetchToken().finally(() => {
        this.#pending = undefined;
      });
    }
    return this.#pending;
  }

  async #fetchToken(): Promise<CachedToken> {
    const res = await this.#send(
      {
        method: 'POST',
        path: TOKEN_PATH,
        headers: JSON_HEADERS,
        form: { grant_type: 'client_credentials', client_id: this.#clientId, client_secret: this.#clientSecret },
        retry: true,
        operation: 'cofense.token',
      },
      {},
      this.#plain,
    );
    const body = decode(tokenSchema, res.body, 'cofense.token');
    const obtainedAt = this.#now();
    const lifetimeMs = (body.expires_in ?? DEFAULT_TOKEN_LIFETIME_S) * 1000;
    const margin = Math.min(this.#margin, lifetimeMs / 2);
    const token: CachedToken = { token: body.access_token, obtainedAt, expiresAt: obtainedAt + lifetimeMs, refreshAt: obtainedAt + lifetimeMs - margin };
    this.#token = token;
    this.#log.debug({ vendor: 'cofense', expiresInSec: lifetimeMs / 1000 }, 'cofense token obtained');
    return token;
  }

  // ---------------------------------------------------------------- messages

  /** GET /api/v4/messages/metadata: the message one recipient got (404 when Vision has not ingested it). */
  async getMessageMetadata(internetMessageId: string, recipientAddress: string): Promise<MessageMetadata> {
    const res = await this.#send(
      { method: 'GET', path: '/api/v4/messages/metadata', query: { internetMessageId, recipientAddress }, headers: JSON_HEADERS, operation: 'cofense.getMessageMetadata' },
      { notFound: `no message ${internetMessageId} for ${recipientAddress} in Vision (not ingested yet, or a shared mailbox / distribution list)` },
    );
    return decode(messageSchema, res.body, 'cofense.getMessageMetadata') as MessageMetadata;
  }

  /**
   * The whole message as a zip: POST /api/v4/messages returns a one-time download token (as plain
   * text, whatever its Content-Type says), then GET /api/v4/messages?token= streams the zip.
   */
  async downloadMessage(args: { internetMessageId: string; recipientAddress: string; password?: string }): Promise<DownloadedFile> {
    const json: Record<string, string> = { internetMessageId: args.internetMessageId, recipientAddress: args.recipientAddress };
    if (args.password) json.password = args.password;
    const res = await this.#send<string>(
      { method: 'POST', path: '/api/v4/messages', json, headers: JSON_HEADERS, responseType: 'text', retry: true, operation: 'cofense.requestMessageDownload' },
      { notFound: `no message ${args.internetMessageId} for ${args.recipientAddress} in Vision` },
    );
    const token = downloadToken(res.body, 'cofense.requestMessageDownload');
    return this.#download({ method: 'GET', path: '/api/v4/messages', query: { token }, operation: 'cofense.downloadMessage' });
  }

  /**
   * An attachment by hash: GET /api/v4/attachment?md5=&sha256= (both when digests collide). With a
   * password, Vision zips it first: POST /api/v4/attachment then GET ?token= (Cofense's Postman
   * collection; UNVERIFIED against a live server).
   */
  async downloadAttachment(args: { md5?: string; sha256?: string; password?: string }): Promise<DownloadedFile> {
    if (!args.md5 && !args.sha256) throw new Error('an attachment needs an md5 or a sha256 hash');
    const hashes: Record<string, string> = {};
    if (args.md5) hashes.md5 = args.md5.toLowerCase();
    if (args.sha256) hashes.sha256 = args.sha256.toLowerCase();
    const notFound = `no attachment with ${Object.entries(hashes).map(([k, v]) => `${k} ${v}`).join(' / ')} in Vision`;
    if (!args.password) {
      return this.#download({ method: 'GET', path: '/api/v4/attachment', query: hashes, operation: 'cofense.downloadAttachment' }, { notFound });
    }
    const res = await this.#send<string>(
      { method: 'POST', path: '/api/v4/attachment', json: { ...hashes, password: args.password }, headers: JSON_HEADERS, responseType: 'text', retry: true, operation: 'cofense.requestAttachmentDownload' },
      { notFound },
    );
    const token = downloadToken(res.body, 'cofense.requestAttachmentDownload');
    return this.#download({ method: 'GET', path: '/api/v4/attachment', query: { token }, operation: 'cofense.downloadAttachment' });
  }

  // ---------------------------------------------------------------- quarantine jobs

  /** POST /api/v4/quarantineJobs/filter?page&size&sort&excludeQuarantineEmails with `{filterOptions}`. */
  async listQuarantineJobs(opts: PageRequest & { filter?: QuarantineJobFilter; excludeQuarantineEmails?: boolean } = {}): Promise<Page<QuarantineJob>> {
    const p = paging(opts);
    const filterOptions: Record<string, unknown> = { autoQuarantine: opts.filter?.autoQuarantine ?? false };
    const f = opts.filter ?? {};
    if (f.iocs?.length) filterOptions.iocs = f.iocs;
    if (f.sources?.length) filterOptions.sources = f.sources;
    if (f.includeStatus?.length) filterOptions.includeStatus = f.includeStatus;
    if (f.excludeStatus?.length) filterOptions.excludeStatus = f.excludeStatus;
    if (f.modifiedDateAfter) filterOptions.modifiedDateAfter = f.modifiedDateAfter;
    const res = await this.#send({
      method: 'POST',
      path: '/api/v4/quarantineJobs/filter',
      query: { ...p.query, excludeQuarantineEmails: opts.excludeQuarantineEmails ?? false },
      json: { filterOptions },
      headers: JSON_HEADERS,
      retry: true, // a read, despite the POST
      operation: 'cofense.listQuarantineJobs',
    });
    const body = decode(jobListSchema, res.body, 'cofense.listQuarantineJobs');
    return toPage(body.quarantineJobs as QuarantineJob[], p, body);
  }

  /** POST /api/v4/quarantineJobs: pull these messages from these mailboxes (async; poll the job). */
  async createQuarantineJob(emails: readonly QuarantineEmailRef[]): Promise<QuarantineJob> {
    if (emails.length === 0) throw new Error('a quarantine job needs at least one recipient and message id');
    const res = await this.#send({
      method: 'POST',
      path: '/api/v4/quarantineJobs',
      json: { quarantineEmails: emails.map((e) => ({ recipientAddress: e.recipientAddress, internetMessageId: e.internetMessageId })) },
      headers: JSON_HEADERS,
      operation: 'cofense.createQuarantineJob',
    });
    return decode(jobSchema, res.body, 'cofense.createQuarantineJob') as QuarantineJob;
  }

  async getQuarantineJob(id: number): Promise<QuarantineJob> {
    const res = await this.#send({ method: 'GET', path: `/api/v4/quarantineJobs/${jobId(id)}`, headers: JSON_HEADERS, operation: 'cofense.getQuarantineJob' }, { notFound: `no quarantine job ${id}` });
    return decode(jobSchema, res.body, 'cofense.getQuarantineJob') as QuarantineJob;
  }

  /** PUT …/{id}/approve[?messageCount=N]: approves a PENDING_APPROVAL (auto-quarantine) job. */
  async approveQuarantineJob(id: number, messageCount?: number): Promise<HttpResponse> {
    return this.#send(
      {
        method: 'PUT',
        path: `/api/v4/quarantineJobs/${jobId(id)}/approve`,
        ...(messageCount !== undefined ? { query: { messageCount } } : {}),
        headers: JSON_HEADERS,
        operation: 'cofense.approveQuarantineJob',
      },
      { notFound: `no quarantine job ${id}` },
    );
  }

  /** PUT …/{id}/restore: puts the quarantined emails back (async; a RESTORE run appears on the job). */
  async restoreQuarantineJob(id: number): Promise<HttpResponse> {
    return this.#send({ method: 'PUT', path: `/api/v4/quarantineJobs/${jobId(id)}/restore`, headers: JSON_HEADERS, operation: 'cofense.restoreQuarantineJob' }, { notFound: `no quarantine job ${id}` });
  }

  /** PUT …/{id}/stop: the job with stopRequested true. */
  async stopQuarantineJob(id: number): Promise<QuarantineJob | undefined> {
    const res = await this.#send({ method: 'PUT', path: `/api/v4/quarantineJobs/${jobId(id)}/stop`, headers: JSON_HEADERS, operation: 'cofense.stopQuarantineJob' }, { notFound: `no quarantine job ${id}` });
    return res.body === undefined || res.body === '' ? undefined : (decode(jobSchema, res.body, 'cofense.stopQuarantineJob') as QuarantineJob);
  }

  async deleteQuarantineJob(id: number): Promise<HttpResponse> {
    return this.#send({ method: 'DELETE', path: `/api/v4/quarantineJobs/${jobId(id)}`, headers: JSON_HEADERS, operation: 'cofense.deleteQuarantineJob' }, { notFound: `no quarantine job ${id}` });
  }

  /** Polls a job until `until` holds (default: its last run is COMPLETED, FAILED or PENDING_APPROVAL). */
  async waitForQuarantineJob(id: number, opts: WaitOptions = {}): Promise<QuarantineJob> {
    const until = opts.until ?? ((j: QuarantineJob) => ['COMPLETED', 'FAILED', 'PENDING_APPROVAL'].includes(quarantineJobStatus(j)));
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const interval = opts.intervalMs ?? 2_000;
    let waited = 0;
    for (;;) {
      const job = await this.getQuarantineJob(id);
      if (until(job)) return job;
      if (waited >= timeoutMs) {
        throw new Error(`quarantine job ${id} is still ${quarantineJobStatus(job)} after ${Math.round(timeoutMs / 1000)} s`);
      }
      await this.#sleep(interval);
      waited += interval;
    }
  }

  // ---------------------------------------------------------------- message searches

  async listMessageSearches(opts: PageRequest = {}): Promise<Page<MessageSearch>> {
    const p = paging(opts);
    const res = await this.#send({ method: 'GET', path: '/api/v4/searches', query: p.query, headers: JSON_HEADERS, operation: 'cofense.listMessageSearches' });
    const body = decode(searchListSchema, res.body, 'cofense.listMessageSearches');
    return toPage(body.searches as MessageSearch[], p, body);
  }

  async getMessageSearch(id: number): Promise<MessageSearch> {
    const res = await this.#send({ method: 'GET', path: `/api/v4/searches/${jobId(id)}`, headers: JSON_HEADERS, operation: 'cofense.getMessageSearch' }, { notFound: `no message search ${id}` });
    return decode(searchSchema, res.body, 'cofense.getMessageSearch') as MessageSearch;
  }

  /** POST /api/v4/searches. Vision runs it; read the matches with getMessageSearchResults(id). */
  async createMessageSearch(criteria: SearchCriteria): Promise<MessageSearch> {
    const res = await this.#send({
      method: 'POST',
      path: '/api/v4/searches',
      json: criteria,
      headers: JSON_HEADERS,
      retry: true, // creating a second identical search is harmless
      operation: 'cofense.createMessageSearch',
    });
    return decode(searchSchema, res.body, 'cofense.createMessageSearch') as MessageSearch;
  }

  async getMessageSearchResults(id: number, opts: PageRequest = {}): Promise<SearchResults> {
    const p = paging(opts);
    const res = await this.#send(
      { method: 'GET', path: `/api/v4/searches/${jobId(id)}/results`, query: p.query, headers: JSON_HEADERS, operation: 'cofense.getMessageSearchResults' },
      { notFound: `no message search ${id}` },
    );
    const body = decode(searchResultsSchema, res.body, 'cofense.getMessageSearchResults');
    return { ...(body.search ? { search: body.search as MessageSearch } : {}), page: toPage(body.messages as MessageMetadata[], p, body) };
  }

  /** Every result of a search (pages of `size`, default 2000), up to `limit`. */
  async collectMessageSearchResults(id: number, opts: { size?: number; limit?: number } = {}): Promise<{ messages: MessageMetadata[]; truncated: boolean }> {
    const p = paging({ size: opts.size ?? MAX_PAGE_SIZE });
    const first: HttpRequest = { method: 'GET', path: `/api/v4/searches/${jobId(id)}/results`, query: p.query, headers: JSON_HEADERS, operation: 'cofense.getMessageSearchResults' };
    try {
      // Pages are requested one after the other, so a counter tells which page `res` answered.
      let page = p.page;
      const got = await this.#http.collect<unknown, MessageMetadata>(
        first,
        (res) => {
          const body = decode(searchResultsSchema, res.body, 'cofense.getMessageSearchResults');
          if (!toPage(body.messages, { page, size: p.size }, body).hasMore) return undefined;
          page++;
          return { ...first, query: { ...p.query, page } };
        },
        (res) => decode(searchResultsSchema, res.body, 'cofense.getMessageSearchResults').messages as MessageMetadata[],
        opts.limit !== undefined ? { limit: opts.limit } : {},
      );
      return { messages: got.items, truncated: got.truncated };
    } catch (err) {
      throw cofenseError(err, { notFound: `no message search ${id}` });
    }
  }

  // ---------------------------------------------------------------- IOC repository

  /** GET /iocrepository/v1/iocs?page&size&includeExpired&since&sort for one source. */
  async listIocs(opts: IocListOptions & { source?: string } = {}): Promise<Page<Ioc>> {
    const p = paging(opts);
    const res = await this.#send({
      method: 'GET',
      path: '/iocrepository/v1/iocs',
      query: { ...p.query, includeExpired: opts.includeExpired ?? false, ...(opts.since ? { since: opts.since } : {}) },
      headers: this.#iocHeaders(opts.source),
      operation: 'cofense.listIocs',
    });
    const body = decode(iocListSchema, res.body, 'cofense.listIocs');
    return toPage(body.data as Ioc[], p, body);
  }

  async getIoc(id: string, source?: string): Promise<Ioc> {
    const res = await this.#send(
      { method: 'GET', path: `/iocrepository/v1/iocs/${iocId(id)}`, headers: this.#iocHeaders(source), operation: 'cofense.getIoc' },
      { notFound: `no IOC ${id} for source ${source ?? this.iocSource}` },
    );
    return decode(iocOneSchema, res.body, 'cofense.getIoc').data as Ioc;
  }

  /** GET /iocrepository/v1/iocs/last: the source's most recently updated IOC (may be expired). */
  async getLastIoc(source?: string): Promise<Ioc> {
    const res = await this.#send(
      { method: 'GET', path: '/iocrepository/v1/iocs/last', headers: this.#iocHeaders(source), operation: 'cofense.getLastIoc' },
      { notFound: `source ${source ?? this.iocSource} has no IOC yet` },
    );
    return decode(iocOneSchema, res.body, 'cofense.getLastIoc').data as Ioc;
  }

  /** PUT /iocrepository/v1/iocs: upserts IOCs for the source (they drive Vision's auto-quarantine). */
  async updateIocs(iocs: readonly IocInput[], source?: string): Promise<Ioc[]> {
    if (iocs.length === 0) throw new Error('no IOC to update');
    const data = iocs.map((i) => ({
      type: 'ioc',
      attributes: { threat_type: i.threatType, threat_value: i.threatValue },
      metadata: {
        source: {
          threat_level: i.threatLevel,
          id: i.sourceId,
          created_at: i.createdAt,
          updated_at: i.updatedAt,
          ...(i.requestedExpiration ? { requested_expiration: i.requestedExpiration } : {}),
        },
      },
    }));
    const res = await this.#send({ method: 'PUT', path: '/iocrepository/v1/iocs', json: { data }, headers: this.#iocHeaders(source), operation: 'cofense.updateIocs' });
    return decode(iocListSchema, res.body, 'cofense.updateIocs').data as Ioc[];
  }

  /** PUT /iocrepository/v1/iocs/{id}: sets the IOC's quarantine expiry (now = stop matching). */
  async updateIoc(id: string, expiresAt: string, source?: string): Promise<Ioc> {
    const res = await this.#send(
      {
        method: 'PUT',
        path: `/iocrepository/v1/iocs/${iocId(id)}`,
        json: { data: { type: 'ioc', metadata: { quarantine: { expires_at: expiresAt } } } },
        headers: this.#iocHeaders(source),
        operation: 'cofense.updateIoc',
      },
      { notFound: `no IOC ${id}` },
    );
    return decode(iocOneSchema, res.body, 'cofense.updateIoc').data as Ioc;
  }

  /** DELETE /iocrepository/v1/iocs/{id}: the deleted IOC. */
  async deleteIoc(id: string, source?: string): Promise<Ioc | undefined> {
    const res = await this.#send(
      { method: 'DELETE', path: `/iocrepository/v1/iocs/${iocId(id)}`, headers: this.#iocHeaders(source), operation: 'cofense.deleteIoc' },
      { notFound: `no IOC ${id} for source ${source ?? this.iocSource}` },
    );
    if (res.body === undefined || res.body === '') return undefined;
    return decode(iocOneSchema, res.body, 'cofense.deleteIoc').data as Ioc;
  }

  // ---------------------------------------------------------------- configuration & diagnostics

  /** GET /api/v4/config/searchableHeaders: header names usable in a search's `headers`. */
  async listSearchableHeaders(): Promise<string[]> {
    const res = await this.#send({ method: 'GET', path: '/api/v4/config/searchableHeaders', headers: JSON_HEADERS, operation: 'cofense.listSearchableHeaders' });
    return decode(headersSchema, res.body, 'cofense.listSearchableHeaders').headers;
  }

  /** GET /api/v4/download/logs: a zip of every Vision component's logs. */
  async downloadLogs(): Promise<DownloadedFile> {
    return this.#download({ method: 'GET', path: '/api/v4/download/logs', operation: 'cofense.downloadLogs', retry: true });
  }

  // ---------------------------------------------------------------- plumbing

  /** The request description a destructive action shows in dry-run mode (nothing is sent). */
  describe(req: Pick<HttpRequest, 'method' | 'path' | 'query' | 'json'>): { method: string; url: string; body?: unknown } {
    return { method: req.method, url: this.#http.url(req.path, req.query).href, ...(req.json !== undefined ? { body: req.json } : {}) };
  }

  #iocHeaders(source: string | undefined): Record<string, string> {
    return { ...JSON_HEADERS, [IOC_SOURCE_HEADER]: source === undefined ? this.iocSource : checkIocSource(source) };
  }

  async #send<T = unknown>(req: HttpRequest, hints: ErrorHints = {}, http: HttpClient = this.#http): Promise<HttpResponse<T>> {
    try {
      return await http.request<T>(req);
    } catch (err) {
      throw cofenseError(err, hints);
    }
  }

  async #download(req: HttpRequest, hints: ErrorHints = {}): Promise<DownloadedFile> {
    // A one-time token is spent by the first attempt, so token downloads are never retried.
    const retry = req.retry ?? !(req.query && 'token' in req.query);
    const res = await this.#send<Buffer>({ ...req, responseType: 'buffer', timeoutMs: DOWNLOAD_TIMEOUT_MS, retry }, hints);
    const filename = dispositionFilename(res.headers['content-disposition']);
    return {
      bytes: res.body,
      contentType: (res.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim(),
      ...(filename ? { filename } : {}),
    };
  }
}

/** A job's status: the status of its last run (XS-CV), NEW before any run. */
export function quarantineJobStatus(job: QuarantineJob): string {
  const runs = job.quarantineJobRuns ?? [];
  return runs[runs.length - 1]?.status ?? 'NEW';
}

/** Emails in a job (`emailCount`, the fixtures' `emailcount`, or the list's length). */
export function quarantineJobEmailCount(job: QuarantineJob): number {
  const n = job.emailCount ?? (job as { emailcount?: unknown }).emailcount;
  return typeof n === 'number' ? n : (job.quarantineEmails?.length ?? 0);
}

function paging(p: PageRequest): { page: number; size: number; query: Record<string, number | string[]> } {
  const page = p.page ?? DEFAULT_PAGE;
  const size = p.size ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(page) || page < 0) throw new Error(`page must be 0 or a positive whole number (got ${page})`);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw new Error(`size must be a whole number from 1 to ${MAX_PAGE_SIZE} (got ${size})`);
  const sort = sortQuery(p.sort);
  return { page, size, query: { page, size, ...(sort ? { sort } : {}) } };
}

function toPage<T>(items: T[], p: { page: number; size: number }, body: Record<string, unknown>): Page<T> {
  const total = typeof body.totalElements === 'number' ? body.totalElements : undefined;
  const hasMore = total !== undefined ? (p.page + 1) * p.size < total : items.length >= p.size;
  return { items, page: p.page, size: p.size, ...(total !== undefined ? { total } : {}), hasMore };
}

function decode<S extends z.ZodType>(schema: S, body: unknown, operation: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new VendorError({ vendor: 'cofense', operation, kind: 'decode', message: `unexpected response from Cofense Vision${where}: ${issue?.message ?? 'invalid shape'}`, attempts: 1 });
}

/** The one-time download token: plain text (Vision's quirk), a JSON string, or `{token}`. */
function downloadToken(body: string | undefined, operation: string): string {
  let t = (body ?? '').trim();
  if (t.startsWith('"') || t.startsWith('{')) {
    try {
      const v: unknown = JSON.parse(t);
      if (typeof v === 'string') t = v;
      else if (v && typeof v === 'object' && typeof (v as { token?: unknown }).token === 'string') t = (v as { token: string }).token;
    } catch {
      // keep the raw text
    }
  }
  if (!t || /\s/.test(t)) throw new VendorError({ vendor: 'cofense', operation, kind: 'decode', message: 'Cofense Vision returned no download token', attempts: 1 });
  return t;
}

function dispositionFilename(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)?''([^;]+)/.exec(header);
  if (star?.[1]) {
    try {
      return safeName(decodeURIComponent(star[1].trim()));
    } catch {
      // fall through to filename=
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain?.[1] ? safeName(plain[1].trim()) : undefined;
}

/** A server-supplied name is only a name: no directories, no control characters. */
function safeName(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop()?.replace(/[\u0000-\u001f]/g, '').trim();
  return base && base !== '.' && base !== '..' ? base : undefined;
}

function jobId(id: number): string {
  if (!Number.isInteger(id) || id < 0) throw new Error(`id must be a whole number (got ${id})`);
  return String(id);
}

function iocId(id: string): string {
  const v = id.trim();
  if (!/^[a-f0-9]{32}$/i.test(v)) throw new Error(`IOC id "${id}" is not an MD5 id (32 hex characters)`);
  return v.toLowerCase();
}
