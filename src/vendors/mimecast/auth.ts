// Mimecast authentication: API 2.0 OAuth2 client credentials (a cached bearer token) and API 1.0
// HMAC-SHA1 request signing. Reference: shared/reference/mimecast_cofense.md §2.2, §2.3.
import { createHmac, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../log/logger.ts';
import type { HttpClient } from '../http/client.ts';
import { VendorError } from '../http/errors.ts';

/** API 2.0: MIMECAST_CLIENT_ID / MIMECAST_CLIENT_SECRET. */
export interface MimecastOAuthCredentials {
  kind: 'oauth';
  clientId: string;
  clientSecret: string;
}

/**
 * API 1.0: application id + key and the access / secret key pair of a service user. The secret key
 * is the base64 string Mimecast shows; `secret` is accepted as another name for it (the config
 * module names it so, because log redaction recognises `secret`).
 */
export type MimecastHmacCredentials = {
  kind: 'hmac';
  appId: string;
  appKey: string;
  accessKey: string;
} & ({ secretKey: string; secret?: undefined } | { secret: string; secretKey?: undefined });

export type MimecastAuth = MimecastOAuthCredentials | MimecastHmacCredentials;

export interface MimecastV1Keys {
  appId: string;
  appKey: string;
  accessKey: string;
  /** Base64, as issued; decoded before use as the HMAC key. */
  secretKey: string;
}

export function hmacKeys(auth: MimecastHmacCredentials): MimecastV1Keys {
  const secretKey = auth.secretKey ?? auth.secret;
  if (!secretKey) throw new Error('Mimecast API 1.0 needs the secret key (MIMECAST_SECRET_KEY)');
  return { appId: auth.appId, appKey: auth.appKey, accessKey: auth.accessKey, secretKey };
}

/** `x-mc-date`: `Tue, 24 Nov 2015 12:50:11 UTC` (RFC 1123 in UTC, with the zone spelled UTC). */
export function mcDate(d: Date = new Date()): string {
  return d.toUTCString().replace(/GMT$/, 'UTC');
}

/** The string API 1.0 signs: `date:requestId:uri:appKey` (uri = the request path, e.g. /api/gateway/hold-release). */
export function v1DataToSign(date: string, requestId: string, uri: string, appKey: string): string {
  return `${date}:${requestId}:${uri}:${appKey}`;
}

/** base64(HMAC-SHA1(key = base64decode(secretKey), msg = dataToSign)). */
export function v1Signature(secretKey: string, dataToSign: string): string {
  return createHmac('sha1', Buffer.from(secretKey, 'base64')).update(dataToSign, 'utf8').digest('base64');
}

/**
 * The API 1.0 headers for one request. `uri` is the path only (MC-AUTHZ); date and request id are
 * fresh per attempt unless given (tests).
 */
export function signV1(keys: MimecastV1Keys, uri: string, date: string = mcDate(), requestId: string = randomUUID()): Record<string, string> {
  const signature = v1Signature(keys.secretKey, v1DataToSign(date, requestId, uri, keys.appKey));
  return {
    authorization: `MC ${keys.accessKey}:${signature}`,
    'x-mc-app-id': keys.appId,
    'x-mc-date': date,
    'x-mc-req-id': requestId,
  };
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
});

/** When Mimecast omits expires_in (SP-MC assumes 3600; tokens observed live ~30 min): be conservative. */
const DEFAULT_LIFETIME_S = 1800;
/** Refresh this long before expiry (NODE-MC uses 2 min; never more than a quarter of the lifetime). */
const REFRESH_BEFORE_MS = 120_000;

export interface OAuthTokenSourceOptions {
  /** An HttpClient on the Mimecast base URL without an authorizer (the token call is unauthenticated). */
  http: HttpClient;
  clientId: string;
  clientSecret: string;
  log: Logger;
  now?: () => number;
}

/**
 * POST /oauth/token (form: grant_type=client_credentials, client_id, client_secret). The token is
 * cached until shortly before `expires_in`, fetched once for concurrent callers, and dropped by
 * invalidate() (the client calls it on a 401 before its single retry).
 */
export class OAuthTokenSource {
  readonly #opts: OAuthTokenSourceOptions;
  readonly #now: () => number;
  #cached: { token: string; refreshAt: number } | undefined;
  #inflight: Promise<string> | undefined;
  /** Tokens fetched so far (tests, metrics). */
  fetched = 0;

  constructor(opts: OAuthTokenSourceOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  async token(): Promise<string> {
    const c = this.#cached;
    if (c && this.#now() < c.refreshAt) return c.token;
    if (!this.#inflight) {
      this.#inflight = this.#fetch().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  invalidate(): void {
    this.#cached = undefined;
  }

  async #fetch(): Promise<string> {
    const res = await this.#opts.http.request<unknown>({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'client_credentials', client_id: this.#opts.clientId, client_secret: this.#opts.clientSecret },
      headers: { accept: 'application/json' },
      responseType: 'json',
      retry: true,
      operation: 'mimecast.oauth-token',
    });
    const parsed = tokenResponse.safeParse(res.body);
    if (!parsed.success) {
      throw new VendorError({
        vendor: 'mimecast',
        operation: 'mimecast.oauth-token',
        kind: 'decode',
        status: res.status,
        message: 'the token response has no access_token',
        attempts: res.attempts,
      });
    }
    const lifetimeMs = (parsed.data.expires_in ?? DEFAULT_LIFETIME_S) * 1000;
    const margin = Math.min(REFRESH_BEFORE_MS, lifetimeMs / 4);
    this.#cached = { token: parsed.data.access_token, refreshAt: this.#now() + lifetimeMs - margin };
    this.fetched++;
    this.#opts.log.debug({ vendor: 'mimecast', expiresInS: lifetimeMs / 1000 }, 'mimecast token fetched');
    return parsed.data.access_token;
  }
}
