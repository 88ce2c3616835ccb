// Office 365 Management Activity API (shared/reference/microsoft.md §4, seed 004) on the one HTTP
// layer, with its own app token: the token's audience must be the Management API resource
// (`${O365_MANAGEMENT_API_URL}/.default`), so the shared MicrosoftTokenProvider keeps a separate
// MSAL cache for it next to Graph's (one cache per tenant and resource).
//
// Root: `{base}/api/v1.0/{tenant}/activity/feed`. Every request carries PublisherIdentifier (our
// own quota instead of the shared one). Content listings page through the NextPageUri RESPONSE
// HEADER; pages and content blobs are fetched only on the configured origin, so the token never
// goes anywhere else. "Already enabled" on start is success, as it means what was asked.
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { Logger } from '../../log/logger.ts';
import { HttpClient } from '../http/client.ts';
import { VendorError, isVendorError } from '../http/errors.ts';
import { RateWindow, type RateWindowOptions } from '../http/rate-window.ts';
import type { HttpClientOptions, HttpRequest } from '../http/types.ts';
import type { TokenProvider } from '../microsoft/auth.ts';
import { bearerHttpClient } from '../microsoft/bearer-http.ts';
import { apiTime } from './time.ts';

export const DEFAULT_MANAGEMENT_URL = 'https://manage.office.com';
export const CONTENT_TYPES = ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General', 'DLP.All'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];
/** Per tenant: 2,000 requests a minute (the documented baseline). */
export const MANAGEMENT_RATE_LIMIT = { limit: 2000, windowMs: 60_000 } as const;
/** Seed 004: "Timeout ... Default is 15 seconds". */
export const DEFAULT_CONTENT_TIMEOUT_MS = 15_000;
const MAX_PAGES = 1000;

export interface Webhook {
  address: string;
  authId?: string;
  expiration?: string;
}

export interface Subscription {
  contentType: string;
  /** enabled | disabled */
  status: string;
  webhook?: { status?: string; address?: string; authId?: string; expiration?: string };
}

export interface ContentBlob {
  contentType: string;
  contentId: string;
  contentUri: string;
  /** When the blob became available (what the listing window filters on). */
  contentCreated: string;
  contentExpiration?: string;
}

/** One audit record. Only the common fields are typed; the rest depend on the record type. */
export interface AuditRecord {
  Id: string;
  RecordType: number;
  CreationTime: string;
  Operation?: string;
  Workload?: string;
  UserId?: string;
  UserType?: number;
  UserKey?: string;
  OrganizationId?: string;
  ClientIP?: string;
  ObjectId?: string;
  ResultStatus?: string;
  [field: string]: unknown;
}

export interface ManagementActivityClientOptions {
  /** O365_MANAGEMENT_API_URL (https://manage.office.com; GCC, GCC High, DoD differ). */
  baseUrl: string;
  tenantId: string;
  tokens: TokenProvider;
  log: Logger;
  /** Sent as PublisherIdentifier on every call; default the tenant id. */
  publisherIdentifier?: string;
  /** Token scope; default `${origin of baseUrl}/.default`. */
  scope?: string;
  dispatcher?: Dispatcher;
  http?: Partial<Omit<HttpClientOptions, 'vendor' | 'baseUrl' | 'log' | 'dispatcher' | 'authorize' | 'onUnauthorized'>>;
  sleep?: (ms: number) => Promise<void>;
  /** Client-side quota (default 2,000 requests a minute); false: off. */
  rateLimit?: Partial<Pick<RateWindowOptions, 'limit' | 'windowMs' | 'maxWaitMs' | 'now' | 'sleep'>> | false;
}

const optString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

const subscriptionSchema = z.looseObject({
  contentType: z.string(),
  status: z.string(),
  webhook: z.looseObject({ status: optString, address: optString, authId: optString, expiration: optString }).nullish(),
});
const blobSchema = z.looseObject({
  contentType: z.string(),
  contentId: z.string(),
  contentUri: z.string(),
  contentCreated: z.string(),
  contentExpiration: optString,
});
const recordSchema = z.looseObject({ Id: z.string(), RecordType: z.coerce.number(), CreationTime: z.string() });

export class ManagementActivityClient {
  readonly baseUrl: string;
  readonly tenantId: string;
  readonly scope: string;
  readonly publisherIdentifier: string;
  readonly #origin: string;
  readonly #root: string;
  readonly #http: HttpClient;
  readonly #log: Logger;
  readonly #rate: RateWindow | undefined;

  constructor(opts: ManagementActivityClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    const url = new URL(this.baseUrl);
    this.#origin = url.origin;
    this.tenantId = opts.tenantId;
    this.scope = opts.scope ?? `${url.origin}/.default`;
    this.publisherIdentifier = opts.publisherIdentifier ?? opts.tenantId;
    this.#root = `/api/v1.0/${encodeURIComponent(opts.tenantId)}/activity/feed`;
    this.#log = opts.log;
    this.#rate =
      opts.rateLimit === false
        ? undefined
        : new RateWindow({ ...MANAGEMENT_RATE_LIMIT, ...(opts.sleep ? { sleep: opts.sleep } : {}), ...opts.rateLimit, vendor: 'management-activity', operation: 'management-activity' });
    this.#http = bearerHttpClient({
      vendor: 'management-activity',
      tokenName: 'the Management API token',
      baseUrl: this.baseUrl,
      tokens: opts.tokens,
      scope: this.scope,
      log: opts.log,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      ...(opts.http ? { http: opts.http } : {}),
    });
  }

  /**
   * Starts a subscription to a content type (optionally with a webhook). A subscription that is
   * already enabled is success (`alreadyEnabled`). The service wants 15 minutes between starts.
   */
  async startSubscription(contentType: ContentType, webhook?: Webhook): Promise<{ subscription: Subscription; alreadyEnabled: boolean }> {
    try {
      const res = await this.#request({
        method: 'POST',
        path: `${this.#root}/subscriptions/start`,
        query: { contentType, PublisherIdentifier: this.publisherIdentifier },
        ...(webhook ? { json: { webhook: { address: webhook.address, ...(webhook.authId ? { authId: webhook.authId } : {}), expiration: webhook.expiration ?? '' } } } : {}),
        // Starting what is started changes nothing: safe to resend.
        retry: true,
        operation: 'management-activity.startSubscription',
      });
      return { subscription: toSubscription(parse(subscriptionSchema, res.body, 'management-activity.startSubscription')), alreadyEnabled: false };
    } catch (err) {
      if (isAlreadyEnabled(err)) {
        const current = (await this.listSubscriptions()).find((s) => s.contentType.toLowerCase() === contentType.toLowerCase());
        return { subscription: current ?? { contentType, status: 'enabled' }, alreadyEnabled: true };
      }
      throw err;
    }
  }

  async stopSubscription(contentType: ContentType): Promise<void> {
    await this.#request({
      method: 'POST',
      path: `${this.#root}/subscriptions/stop`,
      query: { contentType, PublisherIdentifier: this.publisherIdentifier },
      responseType: 'text',
      retry: true,
      operation: 'management-activity.stopSubscription',
    });
  }

  async listSubscriptions(): Promise<Subscription[]> {
    const res = await this.#request({ method: 'GET', path: `${this.#root}/subscriptions/list`, query: { PublisherIdentifier: this.publisherIdentifier }, operation: 'management-activity.listSubscriptions' });
    return parse(z.array(subscriptionSchema), res.body ?? [], 'management-activity.listSubscriptions').map(toSubscription);
  }

  /**
   * The content blobs of a content type that became available in [start, end) (default: the
   * API's last 24 hours), following NextPageUri until it is absent. Oldest first.
   */
  async listContent(contentType: ContentType, window?: { start: Date; end: Date }, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ContentBlob[]> {
    const out: ContentBlob[] = [];
    let req: HttpRequest = {
      method: 'GET',
      path: `${this.#root}/subscriptions/content`,
      query: { contentType, ...(window ? { startTime: apiTime(window.start), endTime: apiTime(window.end) } : {}), PublisherIdentifier: this.publisherIdentifier },
    };
    for (let pages = 1; pages <= MAX_PAGES; pages++) {
      const res = await this.#request({ ...req, operation: 'management-activity.listContent', timeoutMs: opts.timeoutMs ?? DEFAULT_CONTENT_TIMEOUT_MS, ...(opts.signal ? { signal: opts.signal } : {}) });
      out.push(...parse(z.array(blobSchema), res.body ?? [], 'management-activity.listContent').map(toBlob));
      const next = res.headers.nextpageuri;
      if (!next) return out.sort((a, b) => a.contentCreated.localeCompare(b.contentCreated));
      req = { method: 'GET', path: this.#sameOrigin(next, 'NextPageUri') };
    }
    throw decodeError('management-activity.listContent', `more than ${MAX_PAGES} pages of content`);
  }

  /** The audit records of one content blob (a contentUri from listContent or a webhook). */
  async fetchContent(contentUri: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<AuditRecord[]> {
    const url = new URL(this.#sameOrigin(contentUri, 'contentUri'));
    if (!url.searchParams.has('PublisherIdentifier')) url.searchParams.set('PublisherIdentifier', this.publisherIdentifier);
    const res = await this.#request({
      method: 'GET',
      path: url.toString(),
      operation: 'management-activity.fetchContent',
      timeoutMs: opts.timeoutMs ?? DEFAULT_CONTENT_TIMEOUT_MS,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const rows = parse(z.array(z.unknown()), res.body ?? [], 'management-activity.fetchContent');
    const records: AuditRecord[] = [];
    for (const row of rows) {
      const r = recordSchema.safeParse(row);
      // A record without Id / RecordType / CreationTime cannot be deduplicated or filtered: it is
      // reported, not silently dropped.
      if (!r.success) {
        this.#log.warn({ vendor: 'management-activity', contentUri: url.pathname }, 'audit record without Id, RecordType or CreationTime skipped');
        continue;
      }
      records.push(r.data as AuditRecord);
    }
    return records;
  }

  /** Gets a Management API token and lists the subscriptions (what the auth-test action shows). */
  async authTest(): Promise<{ subscriptions: Subscription[] }> {
    return { subscriptions: await this.listSubscriptions() };
  }

  async #request(req: HttpRequest) {
    await this.#rate?.acquire();
    return this.#http.request(req);
  }

  #sameOrigin(link: string, what: string): string {
    let url: URL;
    try {
      url = new URL(link, this.baseUrl);
    } catch {
      throw decodeError('management-activity', `malformed ${what}`);
    }
    if (url.origin !== this.#origin) throw decodeError('management-activity', `${what} points off the Management API origin (${url.origin})`);
    return url.toString();
  }
}

/** AF20024 "The subscription is already enabled. No property change." */
export function isAlreadyEnabled(err: unknown): boolean {
  return isVendorError(err) && err.status === 400 && (err.code === 'AF20024' || /already enabled/i.test(err.detail));
}

function toSubscription(s: z.output<typeof subscriptionSchema>): Subscription {
  const w = s.webhook;
  const webhook = w ? Object.fromEntries(Object.entries({ status: w.status, address: w.address, authId: w.authId, expiration: w.expiration }).filter(([, v]) => v !== undefined && v !== '')) : undefined;
  return { contentType: s.contentType, status: s.status, ...(webhook && Object.keys(webhook).length ? { webhook } : {}) };
}

function toBlob(b: z.output<typeof blobSchema>): ContentBlob {
  return { contentType: b.contentType, contentId: b.contentId, contentUri: b.contentUri, contentCreated: b.contentCreated, ...(b.contentExpiration ? { contentExpiration: b.contentExpiration } : {}) };
}

function parse<S extends z.ZodType>(schema: S, body: unknown, operation: string): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw decodeError(operation, `unexpected response shape${issue ? ` at ${issue.path.join('.') || '(root)'}: ${issue.message}` : ''}`);
}

function decodeError(operation: string, message: string): VendorError {
  return new VendorError({ vendor: 'management-activity', operation, kind: 'decode', message, attempts: 1 });
}
