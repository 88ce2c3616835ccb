// A local Office 365 Management Activity API (shared/reference/microsoft.md §4, seed 004) for the
// tests (over TLS with the test CA, so the real client, HTTP layer and MSAL run unchanged) and the
// sandbox. State lives in memory.
//
// Under /api/v1.0/{tenant}/activity/feed:
//   POST subscriptions/start?contentType=…  (optional {webhook}; 400 AF20024 when already enabled;
//        429 AF429 for a second start within 15 minutes when `startCooldown` is on)
//   POST subscriptions/stop?contentType=…   (400 AF20022 when there is none)
//   GET  subscriptions/list
//   GET  subscriptions/content?contentType=…[&startTime=…&endTime=…]  (both or neither, ≤ 24 h
//        apart, ≤ 7 days back: 400 AF20030 / AF20055; filters on contentCreated in [start, end);
//        pages of `pageSize` linked by the NextPageUri response header)
//   GET  audit/{contentId}                  (the blob's records; 400 AF20051 once expired)
// Tokens: with `tokenInfo` (the Graph simulator's, which issues every app token in the tests), a
// bearer must exist, be unexpired and have been issued for THIS resource (`{origin}/.default`);
// without it any bearer is accepted. The tenant in the path must be the simulator's (AF20010).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export const SIM_CONTENT_TYPES = ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General', 'DLP.All'];

export interface ManagementSimulatorOptions {
  tls?: { key: string | Buffer; cert: string | Buffer };
  host?: string;
  port?: number;
  tenantId?: string;
  /** Checks bearer tokens against their issuer (GraphSimulator.tokenInfo). */
  tokenInfo?: (token: string) => { scope: string; expired: boolean } | undefined;
  /** Blobs per content page before a NextPageUri (default 100). */
  pageSize?: number;
  /** Enforce the documented 15 minutes between subscription starts. Default false. */
  startCooldown?: boolean;
  now?: () => Date;
}

export interface SimContentBlob {
  contentType: string;
  contentId: string;
  contentCreated: string;
  contentExpiration: string;
  records: Record<string, unknown>[];
}

export interface SimActivitySubscription {
  contentType: string;
  status: 'enabled' | 'disabled';
  webhook?: Record<string, unknown>;
  startedAt?: Date;
}

export interface ManagementRecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  hasBearer: boolean;
  json?: unknown;
  status: number;
}

export interface ManagementSimulator {
  url: string;
  tenantId: string;
  /** The token scope this resource expects. */
  scope: string;
  requests: ManagementRecordedRequest[];
  subscriptions: Map<string, SimActivitySubscription>;
  /** Adds a content blob of records (available from `contentCreated`, default now). Returns its contentId. */
  addContent(contentType: string, records: Record<string, unknown>[], opts?: { contentCreated?: Date; contentId?: string; expired?: boolean }): string;
  blobs: SimContentBlob[];
  /** Enables a subscription directly (no request recorded). */
  enable(contentType: string): void;
  failNext(match: { method?: string; pathIncludes: string }, response: { status: number; body?: unknown; headers?: Record<string, string> }, times?: number): void;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

export async function startManagementActivitySimulator(opts: ManagementSimulatorOptions = {}): Promise<ManagementSimulator> {
  const tenantId = (opts.tenantId ?? '11111111-2222-3333-4444-555555555555').toLowerCase();
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? (() => new Date());
  const pageSize = opts.pageSize ?? 100;
  const requests: ManagementRecordedRequest[] = [];
  const subscriptions = new Map<string, SimActivitySubscription>();
  const blobs: SimContentBlob[] = [];
  const pages = new Map<string, SimContentBlob[]>();
  const failures: { match: { method?: string; pathIncludes: string }; response: { status: number; body?: unknown; headers?: Record<string, string> }; remaining: number }[] = [];
  let origin = '';

  const af = (code: string, message: string) => ({ error: { code, message } });
  const canonicalType = (v: string | null) => SIM_CONTENT_TYPES.find((t) => t.toLowerCase() === (v ?? '').toLowerCase());

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (err) {
        send(res, 500, af('AF50000', (err as Error).message));
      }
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  origin = `${opts.tls ? 'https' : 'http'}://${host}:${(server.address() as AddressInfo).port}`;
  const scope = `${origin}/.default`;

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = decodeURIComponent(url.pathname);
    const headers: Record<string, string> = {};
    let bearer: string | undefined;
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      const value = Array.isArray(v) ? v.join(', ') : v;
      if (k === 'authorization') bearer = /^Bearer\s+(.+)$/i.exec(value)?.[1]?.trim();
      else headers[k] = value;
    }
    let json: unknown;
    if (raw.length) {
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const rec: ManagementRecordedRequest = { method, path, query: Object.fromEntries(url.searchParams), headers, hasBearer: bearer !== undefined, ...(json !== undefined ? { json } : {}), status: 0 };
    requests.push(rec);
    const reply = (status: number, body?: unknown, extra: Record<string, string> = {}) => {
      rec.status = status;
      send(res, status, body, extra);
    };

    const fi = failures.findIndex((f) => f.remaining > 0 && (!f.match.method || f.match.method.toUpperCase() === method) && `${path}${url.search}`.includes(f.match.pathIncludes));
    if (fi >= 0) {
      const f = failures[fi] as (typeof failures)[number];
      if (--f.remaining <= 0) failures.splice(fi, 1);
      return reply(f.response.status, f.response.body, f.response.headers);
    }

    if (!bearer) return reply(401, af('AF10001', 'Authorization has been denied for this request: no bearer token.'));
    if (opts.tokenInfo) {
      const info = opts.tokenInfo(bearer);
      if (!info || info.expired) return reply(401, af('AF10001', 'Authorization has been denied for this request: the token is invalid or expired.'));
      if (info.scope !== scope) return reply(401, af('AF10001', `Authorization has been denied for this request: the token's audience is not ${origin} (scope ${info.scope}).`));
    }

    const m = /^\/api\/v1\.0\/([^/]+)\/activity\/feed\/(.+)$/.exec(path);
    if (!m) return reply(404, af('AF404', `no route ${method} ${path}`));
    if ((m[1] as string).toLowerCase() !== tenantId) return reply(401, af('AF20010', 'The tenant ID passed in the URL does not match the tenant ID passed in the access token.'));
    const rest = m[2] as string;
    const q = url.searchParams;

    if (rest === 'subscriptions/start' && method === 'POST') {
      const ct = canonicalType(q.get('contentType'));
      if (!ct) return reply(400, af('AF20021', `The content type ${q.get('contentType') ?? ''} is not valid.`));
      const existing = subscriptions.get(ct);
      if (existing?.status === 'enabled') return reply(400, af('AF20024', 'The subscription is already enabled. No property change.'));
      if (opts.startCooldown && existing?.startedAt && now().getTime() - existing.startedAt.getTime() < 15 * 60_000) {
        return reply(429, af('AF429', 'Too many requests. Wait 15 minutes between subscription starts.'), { 'retry-after': '900' });
      }
      const webhook = (json as { webhook?: Record<string, unknown> } | undefined)?.webhook;
      const sub: SimActivitySubscription = { contentType: ct, status: 'enabled', ...(webhook ? { webhook } : {}), startedAt: now() };
      subscriptions.set(ct, sub);
      return reply(200, subscriptionJson(sub));
    }
    if (rest === 'subscriptions/stop' && method === 'POST') {
      const ct = canonicalType(q.get('contentType'));
      const sub = ct ? subscriptions.get(ct) : undefined;
      if (!ct || !sub || sub.status !== 'enabled') return reply(400, af('AF20022', 'No subscription found for the specified content type.'));
      sub.status = 'disabled';
      return reply(204);
    }
    if (rest === 'subscriptions/list' && method === 'GET') {
      return reply(200, [...subscriptions.values()].map(subscriptionJson));
    }
    if (rest === 'subscriptions/content' && method === 'GET') {
      const token = q.get('nextPage');
      if (token) {
        const remaining = pages.get(token);
        if (!remaining) return reply(400, af('AF20001', 'Invalid nextPage token.'));
        pages.delete(token);
        return contentPage(remaining, q, reply);
      }
      const ct = canonicalType(q.get('contentType'));
      if (!ct) return reply(400, af('AF20021', `The content type ${q.get('contentType') ?? ''} is not valid.`));
      if (subscriptions.get(ct)?.status !== 'enabled') return reply(400, af('AF20022', 'No subscription found for the specified content type.'));
      const st = q.get('startTime');
      const et = q.get('endTime');
      const clock = now().getTime();
      let start = clock - DAY_MS;
      let end = clock;
      if (st || et) {
        if (!st || !et) return reply(400, af('AF20030', 'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.'));
        const s = parseTime(st);
        const e = parseTime(et);
        if (s === undefined || e === undefined) return reply(400, af('AF20030', 'Start time and end time must be valid dates (YYYY-MM-DDTHH:MM:SS).'));
        if (!(s < e) || e - s > DAY_MS) return reply(400, af('AF20030', 'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.'));
        if (s < clock - 7 * DAY_MS) return reply(400, af('AF20055', 'Start time cannot be more than 7 days in the past.'));
        start = s;
        end = e;
      }
      const matching = blobs.filter((b) => b.contentType === ct && Date.parse(b.contentCreated) >= start && Date.parse(b.contentCreated) < end);
      return contentPage(matching, q, reply);
    }
    const audit = /^audit\/([^/]+)$/.exec(rest);
    if (audit && method === 'GET') {
      const blob = blobs.find((b) => b.contentId === audit[1]);
      if (!blob) return reply(404, af('AF20023', 'The specified content does not exist.'));
      if (Date.parse(blob.contentExpiration) <= now().getTime()) return reply(400, af('AF20051', 'Content requested with the key has already expired. Content older than 7 days cannot be retrieved.'));
      return reply(200, blob.records);
    }
    return reply(404, af('AF404', `no route ${method} ${path}`));
  }

  function contentPage(list: SimContentBlob[], q: URLSearchParams, reply: (status: number, body?: unknown, extra?: Record<string, string>) => void): void {
    const page = list.slice(0, pageSize);
    const extra: Record<string, string> = {};
    if (list.length > pageSize) {
      const token = randomBytes(12).toString('base64url');
      pages.set(token, list.slice(pageSize));
      const next = new URL(`${origin}/api/v1.0/${tenantId}/activity/feed/subscriptions/content`);
      for (const [k, v] of q) if (k !== 'nextPage') next.searchParams.set(k, v);
      next.searchParams.set('nextPage', token);
      extra.NextPageUri = next.toString();
    }
    return reply(
      200,
      page.map((b) => ({
        contentType: b.contentType,
        contentId: b.contentId,
        contentUri: `${origin}/api/v1.0/${tenantId}/activity/feed/audit/${b.contentId}`,
        contentCreated: b.contentCreated,
        contentExpiration: b.contentExpiration,
      })),
      extra,
    );
  }

  function subscriptionJson(s: SimActivitySubscription): Record<string, unknown> {
    return { contentType: s.contentType, status: s.status, webhook: s.webhook ? { status: 'enabled', ...s.webhook } : null };
  }

  return {
    url: origin,
    tenantId,
    scope,
    requests,
    subscriptions,
    blobs,
    addContent(contentType, records, o = {}) {
      const created = o.contentCreated ?? now();
      const contentId = o.contentId ?? `${created.getTime()}$${randomUUID()}$audit_general$Audit_General$na0034`;
      blobs.push({
        contentType,
        contentId,
        contentCreated: created.toISOString(),
        contentExpiration: new Date(o.expired ? now().getTime() - 1000 : created.getTime() + 7 * DAY_MS).toISOString(),
        records,
      });
      return contentId;
    },
    enable(contentType) {
      const ct = canonicalType(contentType) ?? contentType;
      subscriptions.set(ct, { contentType: ct, status: 'enabled' });
    },
    failNext(match, response, times = 1) {
      failures.push({ match, response, remaining: times });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function parseTime(v: string): number | undefined {
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : /T/.test(v) ? `${v}Z` : `${v}T00:00:00Z`;
  const t = Date.parse(withZone);
  return Number.isNaN(t) ? undefined : t;
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const headers: Record<string, string> = { 'request-id': randomUUID(), ...extra };
  let payload: string | undefined;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  res.writeHead(status, headers);
  res.end(payload);
}
