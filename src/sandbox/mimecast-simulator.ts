// A local, stateful simulator of the Mimecast API slice Hookline uses: the API 2.0 token endpoint
// and every /api/... function of seed 001 (plus hold-reject, delete-policy, delete-managed-url), in
// the documented `{meta, data, fail}` shapes (shared/reference/mimecast_cofense.md §3-4). Used by
// the tests and by the product's sandbox mode. State lives in memory; sample data is small and
// fake (example.com / example.net / example.org, documentation IPs).
//
// Auth: POST /oauth/token (form, client_credentials) issues bearer tokens; /api/... accepts a
// valid, unexpired bearer token or a correct API 1.0 HMAC signature (x-mc-date, x-mc-req-id,
// x-mc-app-id, `Authorization: MC accessKey:signature` over the path), and answers 401 otherwise.
// Every answer carries X-RateLimit-Limit / -Remaining / -Reset (ms); an exhausted quota, or
// rateLimit(), answers 429. failNext() injects errors, including HTTP 200 `fail` envelopes.
//
// Invented where Mimecast does not document it [simulator-only]: error codes other than
// err_folder_group_member_already_exists, the 401 / 429 bodies, the shape of failHashes items,
// pagination tokens, and how remediation matches messages (mime id, archive id, sha256/md5/sha1,
// url, subject, sender).
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  MimecastAttachmentLog,
  MimecastClickLog,
  MimecastHeldMessage,
  MimecastIncident,
  MimecastManagedSender,
  MimecastManagedUrl,
  MimecastPolicy,
} from '../vendors/mimecast/types.ts';

// ------------------------------------------------------------------ public types

export interface SimV1Keys {
  appId: string;
  appKey: string;
  accessKey: string;
  /** Base64. */
  secretKey: string;
}

/** Default API 2.0 credentials the simulator accepts (sandbox and tests). */
export const SIM_OAUTH = { clientId: 'sim-mimecast-client-id', clientSecret: 'sim-mimecast-client-secret-0123' } as const;
/** Default API 1.0 keys the simulator accepts. */
export const SIM_HMAC: SimV1Keys = {
  appId: 'sim-app-0000-1111',
  appKey: 'sim-app-key-2222',
  accessKey: 'sim-access-key-3333',
  secretKey: Buffer.from('sim-secret-key-4444-not-real').toString('base64'),
};

export interface MimecastSimulatorOptions {
  port?: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** API 2.0 client credentials accepted (default SIM_OAUTH); false disables the token endpoint. */
  oauth?: { clientId: string; clientSecret: string } | false;
  /** API 1.0 keys accepted (default SIM_HMAC); false rejects HMAC requests. */
  hmac?: SimV1Keys | false;
  /** Token lifetime in seconds (default 1799, as observed). */
  tokenLifetimeSec?: number;
  /** The simulator's clock (token expiry, default date ranges, sample data times). */
  now?: () => Date;
  /** Load the small sample tenant (default true). */
  sampleData?: boolean;
  /** Domains whose addresses count as internal (default example.com). */
  internalDomains?: string[];
  /** Calls allowed per rate-limit window (default 10000). */
  rateLimitQuota?: number;
  /** Rate-limit window in ms (default 60000). */
  rateLimitWindowMs?: number;
}

export interface MimecastSimRequest {
  method: string;
  path: string;
  /** Lower-case request headers WITHOUT authorization. */
  headers: Record<string, string>;
  /** How the request authenticated: bearer token, API 1.0 signature, none, or something else. */
  auth: 'bearer' | 'hmac' | 'none' | 'other';
  /** Whether the credentials were accepted. */
  authOk: boolean;
  /** Parsed JSON body (/api routes). */
  body?: unknown;
  /** Token route form, client_secret replaced by "[redacted]". */
  form?: Record<string, string>;
  status: number;
  requestId: string;
  at: Date;
}

export interface SimGroup {
  id: string;
  description: string;
  source: 'cloud' | 'ldap';
  parentId: string;
  members: SimGroupMember[];
}

export interface SimGroupMember {
  id: string;
  emailAddress: string;
  name?: string;
  domain: string;
  type: string;
  internal: boolean;
  notes?: string;
}

export interface SimAttachment {
  id: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface SimArchiveMessage {
  /** Archive id (get-message-list / get-message-detail). */
  id: string;
  /** Internet Message-ID with <>. */
  mimeMessageId: string;
  from: string;
  fromName?: string;
  to: string[];
  cc?: string[];
  subject: string;
  received: Date;
  senderIP: string;
  route: 'inbound' | 'outbound' | 'internal';
  body: string;
  attachments: SimAttachment[];
  /** Set when a remediation incident removed it. */
  remediatedBy?: string;
}

export interface SimRejection {
  id: string;
  reasonType: string;
  message?: string;
  notify: boolean;
}

export interface MimecastSimState {
  groups: SimGroup[];
  managedUrls: MimecastManagedUrl[];
  policies: MimecastPolicy[];
  managedSenders: MimecastManagedSender[];
  held: MimecastHeldMessage[];
  released: MimecastHeldMessage[];
  rejected: SimRejection[];
  incidents: MimecastIncident[];
  archive: SimArchiveMessage[];
  urlLogs: MimecastClickLog[];
  attachmentLogs: MimecastAttachmentLog[];
  /** Rewritten (protect-*.mimecast.com) URL -> original URL, for decode-url. */
  rewrites: Map<string, string>;
  /** Extra hashes (lower-case) search-hash reports as seen. */
  knownHashes: Set<string>;
}

export interface SimMatch {
  /** Substring of the path. */
  path?: string;
  method?: string;
}

export type SimFailResponse =
  | { status?: number; headers?: Record<string, string>; body?: unknown }
  /** Shortcut: HTTP `status` (default 200) with a `fail` envelope. */
  | { fail: { code: string; message: string; retryable?: boolean }[]; status?: number; headers?: Record<string, string> };

export interface MimecastSimulator {
  url: string;
  requests: MimecastSimRequest[];
  state: MimecastSimState;
  /** The next `times` (default 1) matching requests get `response` instead of being served. */
  failNext(match: SimMatch | string, response: SimFailResponse, times?: number): void;
  /** The next `times` (default 1) matching /api calls get 429 with X-RateLimit-Reset = resetMs. */
  rateLimit(opts: { resetMs: number; times?: number; path?: string }): void;
  /** Invalidates every issued token (calls answer 401 until a new token is fetched). */
  revokeTokens(): void;
  /** Token endpoint requests only. */
  tokenRequests(): MimecastSimRequest[];
  /** /api requests only, optionally for one path. */
  apiRequests(path?: string): MimecastSimRequest[];
  close(): Promise<void>;
}

// ------------------------------------------------------------------ implementation

type Item = Record<string, unknown>;
type FailEntry = { key?: unknown; errors: { code: string; message: string; retryable: boolean }[] };
type ApiAnswer =
  | { kind: 'envelope'; data: unknown[]; fail?: FailEntry[]; pagination?: Record<string, unknown>; status?: number }
  | { kind: 'file'; bytes: Buffer; contentType: string; filename: string };
type Meta = { pagination?: { pageSize?: unknown; pageToken?: unknown } } | undefined;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 25;
const ROOT_FOLDER = 'eNoSimRootFolder';
const REJECT_REASONS = new Set([
  'MESSAGE CONTAINS UNDESIRABLE CONTENT',
  'MESSAGE CONTAINS CONFIDENTIAL INFORMATION',
  'REVIEWER DISAPPROVES OF CONTENT',
  'INAPPROPRIATE COMMUNICATION',
  'MESSAGE GOES AGAINST EMAIL POLICIES',
]);
const ADDRESS_TYPES = new Set([
  'everyone',
  'internal_addresses',
  'external_addresses',
  'email_domain',
  'profile_group',
  'individual_email_address',
  'address_attribute_value',
  'free_mail_domains',
  'header_display_name',
]);
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

function err(code: string, message: string, key?: unknown, retryable = false): FailEntry {
  return { ...(key !== undefined ? { key } : {}), errors: [{ code, message, retryable }] };
}

export async function startMimecastSimulator(opts: MimecastSimulatorOptions = {}): Promise<MimecastSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? (() => new Date());
  const oauth = opts.oauth === undefined ? SIM_OAUTH : opts.oauth;
  const hmac = opts.hmac === undefined ? SIM_HMAC : opts.hmac;
  const tokenLifetime = opts.tokenLifetimeSec ?? 1799;
  const internalDomains = (opts.internalDomains ?? ['example.com']).map((d) => d.toLowerCase());
  const quota = opts.rateLimitQuota ?? 10_000;
  const windowMs = opts.rateLimitWindowMs ?? 60_000;

  const requests: MimecastSimRequest[] = [];
  const tokens = new Map<string, number>(); // token -> expiresAt (ms)
  const failures: { match: SimMatch; response: SimFailResponse; remaining: number }[] = [];
  const limits: { path?: string; resetMs: number; remaining: number }[] = [];
  let window = { start: now().getTime(), used: 0 };
  let seq = 0;
  const id = (prefix: string) => `${prefix}${randomBytes(12).toString('base64url')}`;

  const state: MimecastSimState = {
    groups: [],
    managedUrls: [],
    policies: [],
    managedSenders: [],
    held: [],
    released: [],
    rejected: [],
    incidents: [],
    archive: [],
    urlLogs: [],
    attachmentLogs: [],
    rewrites: new Map(),
    knownHashes: new Set(),
  };
  if (opts.sampleData !== false) loadSampleData(state, now());

  const isInternal = (addr: string) => internalDomains.includes(addr.split('@')[1]?.toLowerCase() ?? '');

  // ------------------------------------------------------------------ HTTP plumbing

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (e) {
        writeJson(res, 500, { meta: { status: 500 }, data: [], fail: [err('err_internal', (e as Error).message)] }, {});
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  function rateHeaders(): Record<string, string> {
    const t = now().getTime();
    if (t - window.start >= windowMs) window = { start: t, used: 0 };
    return {
      'x-ratelimit-limit': String(quota),
      'x-ratelimit-remaining': String(Math.max(0, quota - window.used)),
      'x-ratelimit-reset': String(Math.max(0, window.start + windowMs - t)),
    };
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const requestId = randomUUID();
    const headers: Record<string, string> = {};
    let authorization: string | undefined;
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      const value = Array.isArray(v) ? v.join(', ') : v;
      if (k === 'authorization') authorization = value;
      else headers[k] = value;
    }
    const rec: MimecastSimRequest = { method, path, headers, auth: 'none', authOk: false, status: 0, requestId, at: now() };
    requests.push(rec);
    const reply = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      rec.status = status;
      writeJson(res, status, body, { 'x-request-id': requestId, ...extra });
    };

    // ---- token endpoint
    if (path === '/oauth/token') {
      const form = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
      rec.form = { ...form, ...(form.client_secret !== undefined ? { client_secret: '[redacted]' } : {}) };
      if (method !== 'POST') return reply(405, { error: 'invalid_request', error_description: 'use POST' });
      const injected = takeFailure(method, path);
      if (injected) return replyInjected(rec, res, injected, requestId);
      if (!oauth) return reply(404, { error: 'not_found', error_description: 'API 2.0 is not enabled on this simulator' });
      if (form.grant_type !== 'client_credentials') return reply(400, { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' });
      if (form.client_id !== oauth.clientId || form.client_secret !== oauth.clientSecret) {
        return reply(401, { error: 'invalid_client', error_description: 'client authentication failed' });
      }
      rec.authOk = true;
      const token = `sim-mc-${randomBytes(24).toString('base64url')}`;
      tokens.set(token, now().getTime() + tokenLifetime * 1000);
      return reply(200, { access_token: token, token_type: 'Bearer', expires_in: tokenLifetime, scope: '' });
    }

    // ---- /api/...
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    rec.body = body ?? (raw.length ? raw.toString('utf8') : undefined);

    const auth = checkAuth(authorization, headers, path);
    rec.auth = auth.kind;
    rec.authOk = auth.ok;
    if (!auth.ok) {
      return reply(401, { meta: { status: 401 }, data: [], fail: [err('err_authentication_failed', auth.why)] }, rateHeaders());
    }

    const injected = takeFailure(method, path);
    if (injected) return replyInjected(rec, res, injected, requestId);

    const limited = limits.find((l) => l.remaining > 0 && (!l.path || path.includes(l.path)));
    const rh = rateHeaders();
    if (limited) {
      limited.remaining--;
      return reply(429, { meta: { status: 429 }, data: [], fail: [err('err_rate_limit_exceeded', 'Rate limit exceeded', undefined, true)] }, { ...rh, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(limited.resetMs) });
    }
    if (window.used >= quota) {
      return reply(429, { meta: { status: 429 }, data: [], fail: [err('err_rate_limit_exceeded', 'Rate limit exceeded', undefined, true)] }, rh);
    }
    window.used++;
    const rh2 = rateHeaders();

    if (method !== 'POST') return reply(405, { meta: { status: 405 }, data: [], fail: [err('err_method_not_allowed', 'Use POST for all API endpoints')] }, rh2);
    const route = ROUTES[path];
    if (!route) return reply(404, { meta: { status: 404 }, data: [], fail: [err('err_not_found', `no endpoint ${path}`)] }, rh2);
    if (typeof body !== 'object' || body === null || !Array.isArray((body as Item).data)) {
      return reply(200, { meta: { status: 200 }, data: [], fail: [err('err_validation_invalid_payload', 'Invalid payload.')] }, rh2);
    }
    const data = ((body as Item).data as unknown[]).map((d) => (typeof d === 'object' && d !== null ? (d as Item) : {}));
    const answer = route(data, (body as Item).meta as Meta);
    if (answer.kind === 'file') {
      rec.status = 200;
      res.writeHead(200, {
        ...rh2,
        'x-request-id': requestId,
        'content-type': answer.contentType,
        'content-disposition': `attachment; filename="${answer.filename.replace(/"/g, '')}"`,
        'content-length': String(answer.bytes.length),
      });
      res.end(answer.bytes);
      return;
    }
    const status = answer.status ?? 200;
    const meta: Item = { status };
    if (answer.pagination) meta.pagination = answer.pagination;
    reply(status, { meta, data: answer.data, fail: answer.fail ?? [] }, rh2);
  }

  function replyInjected(rec: MimecastSimRequest, res: ServerResponse, r: SimFailResponse, requestId: string): void {
    if ('fail' in r) {
      rec.status = r.status ?? 200;
      writeJson(res, rec.status, { meta: { status: rec.status }, data: [], fail: r.fail.map((f) => err(f.code, f.message, undefined, f.retryable ?? false)) }, { 'x-request-id': requestId, ...rateHeaders(), ...r.headers });
      return;
    }
    rec.status = r.status ?? 500;
    writeJson(res, rec.status, r.body, { 'x-request-id': requestId, ...r.headers });
  }

  function takeFailure(method: string, path: string): SimFailResponse | undefined {
    const f = failures.find((x) => x.remaining > 0 && (!x.match.method || x.match.method.toUpperCase() === method) && (!x.match.path || path.includes(x.match.path)));
    if (!f) return undefined;
    f.remaining--;
    return f.response;
  }

  function checkAuth(authorization: string | undefined, headers: Record<string, string>, path: string): { kind: MimecastSimRequest['auth']; ok: boolean; why: string } {
    if (!authorization) return { kind: 'none', ok: false, why: 'The request has no Authorization header' };
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (bearer) {
      const exp = tokens.get(bearer[1] as string);
      if (exp === undefined) return { kind: 'bearer', ok: false, why: 'Invalid token.' };
      if (exp <= now().getTime()) return { kind: 'bearer', ok: false, why: 'The token has expired' };
      return { kind: 'bearer', ok: true, why: '' };
    }
    const mc = /^MC\s+([^:\s]+):(\S+)$/.exec(authorization);
    if (mc) {
      if (!hmac) return { kind: 'hmac', ok: false, why: 'API 1.0 is not enabled on this simulator' };
      const date = headers['x-mc-date'];
      const reqId = headers['x-mc-req-id'];
      if (!date || !reqId) return { kind: 'hmac', ok: false, why: 'x-mc-date and x-mc-req-id are required' };
      if (headers['x-mc-app-id'] !== hmac.appId) return { kind: 'hmac', ok: false, why: `App ID is invalid: ${headers['x-mc-app-id'] ?? ''}.` };
      if (mc[1] !== hmac.accessKey) return { kind: 'hmac', ok: false, why: 'The access key is not valid' };
      const expected = createHmac('sha1', Buffer.from(hmac.secretKey, 'base64')).update(`${date}:${reqId}:${path}:${hmac.appKey}`, 'utf8').digest();
      const given = Buffer.from(mc[2] as string, 'base64');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'hmac', ok: false, why: 'The request signature is not valid' };
      return { kind: 'hmac', ok: true, why: '' };
    }
    return { kind: 'other', ok: false, why: 'Unsupported authorization scheme' };
  }

  // ------------------------------------------------------------------ helpers for routes

  function paginate<T>(items: T[], meta: Meta): { page: T[]; pagination: Record<string, unknown> } | FailEntry {
    const p = meta?.pagination ?? {};
    const size = p.pageSize === undefined ? DEFAULT_PAGE_SIZE : Number(p.pageSize);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) return err('err_validation_page_size', 'The value for parameter (Page Size) is invalid.');
    let offset = 0;
    if (p.pageToken !== undefined && p.pageToken !== '') {
      const decoded = /^sim:(\d+)$/.exec(Buffer.from(String(p.pageToken), 'base64url').toString('utf8'));
      if (!decoded) return err('err_invalid_page_token', 'The page token is not valid');
      offset = Number(decoded[1]);
    }
    const page = items.slice(offset, offset + size);
    const token = (n: number) => Buffer.from(`sim:${n}`).toString('base64url');
    return {
      page,
      pagination: {
        pageSize: size,
        totalCount: items.length,
        ...(offset + size < items.length ? { next: token(offset + size) } : {}),
        ...(offset > 0 ? { previous: token(Math.max(0, offset - size)) } : {}),
      },
    };
  }

  function listAnswer<T>(items: T[], meta: Meta, wrap?: (page: T[]) => Item): ApiAnswer {
    const p = paginate(items, meta);
    if ('errors' in p) return { kind: 'envelope', data: [], fail: [p] };
    return { kind: 'envelope', data: wrap ? [wrap(p.page)] : p.page, pagination: p.pagination };
  }

  /** Items processed one by one: successes to data, failures (with the item as key) to fail. */
  function perItem(data: Item[], fn: (item: Item) => Item | FailEntry): ApiAnswer {
    const out: unknown[] = [];
    const fail: FailEntry[] = [];
    for (const item of data) {
      const r = fn(item);
      if ('errors' in r && Array.isArray(r.errors)) fail.push({ key: item, errors: (r as FailEntry).errors });
      else out.push(r);
    }
    return { kind: 'envelope', data: out, fail };
  }

  const one = (data: Item[]) => data[0] ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const date = (v: unknown, fallback: Date) => {
    const s = str(v);
    if (!s) return fallback;
    const t = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(t) ? fallback : new Date(t);
  };
  const mcDate = (d: Date) => `${d.toISOString().slice(0, 19)}+0000`;
  const inRange = (d: Date, from: Date, to: Date) => d.getTime() >= from.getTime() && d.getTime() <= to.getTime();
  const group = (gid: unknown) => state.groups.find((g) => g.id === gid);
  const groupView = (g: SimGroup) => ({
    id: g.id,
    description: g.description,
    source: g.source,
    parentId: g.parentId,
    userCount: g.members.length,
    folderCount: state.groups.filter((c) => c.parentId === g.id).length,
  });
  const hashesOf = (b: Buffer) => ['md5', 'sha1', 'sha256'].map((h) => createHash(h).update(b).digest('hex'));
  const detailOf = (m: SimArchiveMessage) => ({
    id: m.id,
    status: 'ARCHIVED',
    smash: createHash('sha1').update(m.mimeMessageId).digest('hex').slice(0, 32),
    mimeMessageId: m.mimeMessageId,
    subject: m.subject,
    headerDate: mcDate(m.received),
    size: m.body.length + m.attachments.reduce((n, a) => n + a.bytes.length, 0),
    from: { emailAddress: m.from, displayableName: m.fromName ?? '' },
    to: m.to.map((t) => ({ emailAddress: t, displayableName: '' })),
    cc: (m.cc ?? []).map((t) => ({ emailAddress: t, displayableName: '' })),
    replyTo: { emailAddress: m.from, displayableName: '' },
    envelopeFrom: { emailAddress: m.from, displayableName: '' },
    headers: [
      { name: 'Message-ID', values: [m.mimeMessageId] },
      { name: 'Subject', values: [m.subject] },
      { name: 'Received', values: [`from mail.${m.from.split('@')[1] ?? 'example.net'} ([${m.senderIP}])`] },
    ],
    attachments: m.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      extension: a.filename.includes('.') ? a.filename.slice(a.filename.lastIndexOf('.') + 1) : '',
      contentType: a.contentType,
      sha256: createHash('sha256').update(a.bytes).digest('hex'),
      size: a.bytes.length,
      bodyType: 'ATTACHMENT',
      contentId: '',
    })),
    processed: mcDate(m.received),
    hasHtmlBody: false,
  });

  function incidentMatches(criteria: { messageIds?: string[]; messageId?: string; fileHash?: string; url?: string; subject?: string; from?: string }, from: Date, to: Date): SimArchiveMessage[] {
    return state.archive.filter((m) => {
      if (m.remediatedBy || !inRange(m.received, from, to)) return false;
      if (criteria.messageId && m.mimeMessageId.toLowerCase() !== criteria.messageId.toLowerCase()) return false;
      if (criteria.messageIds?.length && !criteria.messageIds.some((x) => x === m.id || x.toLowerCase() === m.mimeMessageId.toLowerCase())) return false;
      if (criteria.fileHash && !m.attachments.some((a) => hashesOf(a.bytes).includes((criteria.fileHash as string).toLowerCase()))) return false;
      if (criteria.url && !m.body.includes(criteria.url)) return false;
      if (criteria.subject && !m.subject.toLowerCase().includes(criteria.subject.toLowerCase())) return false;
      if (criteria.from && !m.from.toLowerCase().includes(criteria.from.toLowerCase())) return false;
      return true;
    });
  }

  function createIncident(reason: string, criteria: Record<string, unknown>, matched: SimArchiveMessage[], from: Date, to: Date): MimecastIncident {
    seq++;
    const incident: MimecastIncident = {
      id: id('eNoSimIncident'),
      code: `TR-SIM1A-${String(seq).padStart(5, '0')}`,
      type: 'manual',
      reason,
      identified: matched.length,
      successful: matched.length,
      failed: 0,
      restored: 0,
      create: mcDate(now()),
      modified: mcDate(now()),
      searchCriteria: { ...criteria, start: mcDate(from), end: mcDate(to), unremediateCode: `UR-${seq}`, restoreCode: `RS-${seq}` },
    };
    for (const m of matched) m.remediatedBy = incident.id;
    state.incidents.push(incident);
    return incident;
  }

  function trackedOf(m: SimArchiveMessage) {
    return {
      id: `sim-track-${m.id}`,
      info: 'Message Hold Applied - Released',
      status: m.remediatedBy ? 'remediated' : 'delivered',
      fromEnv: { emailAddress: m.from },
      fromHdr: { emailAddress: m.from, displayableName: m.fromName ?? '' },
      to: m.to.map((t) => ({ emailAddress: t, displayableName: '' })),
      received: mcDate(m.received),
      sent: mcDate(new Date(m.received.getTime() + 2000)),
      subject: m.subject,
      senderIP: m.senderIP,
      attachments: m.attachments.length > 0,
      route: m.route,
      spamScore: 0,
      detectionLevel: 'relaxed',
    };
  }

  function parseArchiveXml(xml: string) {
    const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
    const mailboxes = [...xml.matchAll(/<mailbox[^>]*>([^<]+)<\/mailbox>/g)].map((m) => unescape(m[1] as string).toLowerCase());
    const sentFrom = /<sent select="from"\s*>([^<]*)<\/sent>/.exec(xml)?.[1];
    const sentTo = /<sent select="to"\s*>([^<]*)<\/sent>/.exec(xml)?.[1];
    const text = /<muse>\s*<text>([^<]*)<\/text>/.exec(xml)?.[1] ?? '';
    const subject = /subject:\s*(.+)$/i.exec(unescape(text))?.[1]?.trim();
    const range = /<date select="between" from="([^"]+)" to="([^"]+)"\s*\/>/.exec(xml);
    const filename = /<docs select="attached">\s*<text>([^<]*)<\/text>/.exec(xml)?.[1];
    return {
      mailboxes,
      from: sentFrom ? unescape(sentFrom).toLowerCase() : undefined,
      to: sentTo ? unescape(sentTo).toLowerCase() : undefined,
      subject,
      start: range ? new Date(range[1] as string) : new Date(now().getTime() - 365 * DAY),
      end: range ? new Date(range[2] as string) : now(),
      filename: filename ? unescape(filename).toLowerCase() : undefined,
    };
  }

  const matchAddr = (addr: string, q: string) => addr.toLowerCase() === q || addr.toLowerCase().endsWith(`@${q}`) || addr.toLowerCase().endsWith(`.${q}`);

  // ------------------------------------------------------------------ routes

  const ROUTES: Record<string, (data: Item[], meta: Meta) => ApiAnswer> = {
    // ---- directory
    '/api/directory/find-groups': (data, meta) => {
      const q = str(one(data).query).toLowerCase();
      const source = str(one(data).source);
      const found = state.groups.filter((g) => (!q || g.description.toLowerCase().includes(q)) && (!source || g.source === source)).map(groupView);
      return listAnswer(found, meta, (page) => ({ folders: page }));
    },
    '/api/directory/get-group-members': (data, meta) => {
      const g = group(one(data).id);
      if (!g) return { kind: 'envelope', data: [], fail: [err('err_folder_not_found', 'The group does not exist', one(data))] };
      const members = g.members.map((m) => ({ emailAddress: m.emailAddress, name: m.name ?? '', domain: m.domain, type: m.type, internal: m.internal, notes: m.notes ?? '' }));
      return listAnswer(members, meta, (page) => ({ group: groupView(g), groupMembers: page }));
    },
    '/api/directory/add-group-member': (data) =>
      perItem(data, (item) => {
        const g = group(item.id);
        if (!g) return err('err_folder_not_found', 'The group does not exist');
        const email = str(item.emailAddress).toLowerCase();
        const domain = str(item.domain).toLowerCase();
        if (!email && !domain) return err('err_validation_missing_member', 'emailAddress or domain is required');
        if (email && !EMAIL.test(email)) return err('err_validation_invalid_email', `${email} is not a valid email address`);
        const key = email || domain;
        if (g.members.some((m) => m.emailAddress === key)) return err('err_folder_group_member_already_exists', 'err_folder_group_member_already_exists');
        const member: SimGroupMember = { id: id('eNoSimMember'), emailAddress: key, domain: email ? (email.split('@')[1] as string) : domain, type: 'created_manually', internal: isInternal(key), ...(str(item.notes) ? { notes: str(item.notes) } : {}) };
        g.members.push(member);
        return { id: member.id, folderId: g.id, ...(email ? { emailAddress: email } : { domain }), internal: member.internal };
      }),
    '/api/directory/remove-group-member': (data) =>
      perItem(data, (item) => {
        const g = group(item.id);
        if (!g) return err('err_folder_not_found', 'The group does not exist');
        const key = (str(item.emailAddress) || str(item.domain)).toLowerCase();
        const i = g.members.findIndex((m) => m.emailAddress === key);
        if (i < 0) return err('err_folder_group_member_not_found', 'Error email address not found');
        const [m] = g.members.splice(i, 1) as [SimGroupMember];
        return { id: m.id, folderId: g.id, emailAddress: m.emailAddress, internal: m.internal };
      }),
    '/api/directory/create-group': (data) =>
      perItem(data.slice(0, 1), (item) => {
        const name = str(item.description);
        if (!name) return err('err_validation_description', 'Error occurred during group creation.');
        const parentId = str(item.parentId) || ROOT_FOLDER;
        if (parentId !== ROOT_FOLDER && !group(parentId)) return err('err_folder_not_found', 'The parent group does not exist');
        const g: SimGroup = { id: id('eNoSimGroup'), description: name, source: 'cloud', parentId, members: [] };
        state.groups.push(g);
        return groupView(g);
      }),
    '/api/directory/update-group': (data) =>
      perItem(data.slice(0, 1), (item) => {
        const g = group(item.id);
        if (!g) return err('err_folder_not_found', 'The group does not exist');
        if (str(item.description)) g.description = str(item.description);
        if (str(item.parentId)) {
          if (!group(item.parentId) && item.parentId !== ROOT_FOLDER) return err('err_folder_not_found', 'The parent group does not exist');
          g.parentId = str(item.parentId);
        }
        return groupView(g);
      }),

    // ---- URL protection
    '/api/ttp/url/create-managed-url': (data) =>
      perItem(data, (item) => {
        const raw = str(item.url);
        const action = str(item.action);
        const matchType = str(item.matchType) || 'explicit';
        if (action !== 'block' && action !== 'permit') return err('err_validation_action', 'action must be block or permit');
        if (matchType !== 'explicit' && matchType !== 'domain') return err('err_validation_match_type', 'matchType must be explicit or domain');
        let u: URL;
        try {
          u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
        } catch {
          return err('err_validation_invalid_url', 'The URL is invalid.');
        }
        if (!raw || raw.includes('#') || !u.hostname.includes('.')) return err('err_validation_invalid_url', 'The URL is invalid.');
        const entry: MimecastManagedUrl = {
          id: id('eNoSimUrl'),
          scheme: u.protocol.replace(':', ''),
          domain: u.hostname,
          port: u.port ? Number(u.port) : -1,
          path: matchType === 'domain' ? '' : u.pathname === '/' ? '' : u.pathname,
          queryString: matchType === 'domain' ? '' : u.search.replace(/^\?/, ''),
          matchType,
          action,
          comment: str(item.comment),
          disableUserAwareness: item.disableUserAwareness === true,
          disableRewrite: item.disableRewrite === true,
          disableLogClick: item.disableLogClick === true,
        };
        const existing = state.managedUrls.find((m) => m.domain === entry.domain && m.path === entry.path && m.queryString === entry.queryString && m.matchType === entry.matchType);
        if (existing) {
          Object.assign(existing, { ...entry, id: existing.id });
          return existing;
        }
        state.managedUrls.push(entry);
        return entry;
      }),
    '/api/ttp/url/get-all-managed-urls': (data, meta) => {
      const filters = data.map((d) => ({ q: str(d.domainOrUrl).toLowerCase(), exact: d.exactMatch === true })).filter((f) => f.q);
      const found = state.managedUrls.filter((m) => {
        if (filters.length === 0) return true;
        const full = `${m.scheme}://${m.domain}${m.path ?? ''}${m.queryString ? `?${m.queryString}` : ''}`.toLowerCase();
        return filters.some((f) => (f.exact ? full === f.q || (m.domain ?? '') === f.q : full.includes(f.q)));
      });
      return listAnswer(found, meta);
    },
    '/api/ttp/url/delete-managed-url': (data) =>
      perItem(data, (item) => {
        const i = state.managedUrls.findIndex((m) => m.id === item.id);
        if (i < 0) return err('err_managed_url_not_found', 'The managed URL does not exist');
        state.managedUrls.splice(i, 1);
        return { id: item.id };
      }),
    '/api/ttp/url/decode-url': (data) =>
      perItem(data, (item) => {
        const u = str(item.url);
        const decoded = state.rewrites.get(u);
        if (!decoded) return err('err_url_decode_failed', 'The URL could not be decoded');
        return { url: decoded, success: true };
      }),
    '/api/ttp/url/get-logs': (data, meta) => {
      const q = one(data);
      const from = date(q.from, startOfDay(now()));
      const to = date(q.to, now());
      const route = str(q.route) || 'all';
      const scan = str(q.scanResult) || 'all';
      let found = state.urlLogs.filter((l) => inRange(date(l.date, new Date(0)), from, to) && (route === 'all' || l.route === route) && (scan === 'all' || l.scanResult === scan));
      found = sortByDate(found, (l) => l.date, q.oldestFirst === true);
      return listAnswer(found, meta, (page) => ({ clickLogs: page }));
    },
    '/api/ttp/attachment/get-logs': (data, meta) => {
      const q = one(data);
      const from = date(q.from, startOfDay(now()));
      const to = date(q.to, now());
      const route = str(q.route) || 'all';
      const result = str(q.result) || 'all';
      let found = state.attachmentLogs.filter((l) => inRange(date(l.date, new Date(0)), from, to) && (route === 'all' || l.route === route) && (result === 'all' || l.result === result));
      found = sortByDate(found, (l) => l.date, q.oldestFirst === true);
      return listAnswer(found, meta, (page) => ({ attachmentLogs: page }));
    },

    // ---- policies, managed senders
    '/api/policy/blockedsenders/create-policy': (data) =>
      perItem(data.slice(0, 1), (item) => {
        const p = (typeof item.policy === 'object' && item.policy !== null ? item.policy : {}) as Item;
        const option = str(item.option);
        const fromType = str(p.fromType);
        const toType = str(p.toType);
        if (!option || !str(p.description) || !fromType || !toType) return err('err_validation_required', 'Option and Description and FromType and ToType is required.');
        if (option !== 'block_sender' && option !== 'no_action') return err('err_validation_option', `Invalid option: ${option}`);
        if (!ADDRESS_TYPES.has(fromType) || !ADDRESS_TYPES.has(toType)) return err('err_validation_type', 'Invalid fromType or toType');
        const policy: MimecastPolicy = {
          id: id('eNoSimPolicy'),
          option,
          policy: {
            description: str(p.description),
            fromPart: str(p.fromPart) || 'both',
            from: { type: fromType, ...addressValue(fromType, str(p.fromValue)) },
            to: { type: toType, ...addressValue(toType, str(p.toValue)) },
            fromType,
            ...(str(p.fromValue) ? { fromValue: str(p.fromValue) } : {}),
            toType,
            ...(str(p.toValue) ? { toValue: str(p.toValue) } : {}),
            fromEternal: p.fromEternal !== false,
            toEternal: p.toEternal !== false,
            fromDate: '1900-01-01T00:00:00+0000',
            toDate: '2100-01-01T23:59:59+0000',
            override: p.override === true,
            bidirectional: p.bidirectional === true,
            conditions: {},
            enabled: true,
            enforced: false,
            ...(str(p.comment) ? { comment: str(p.comment) } : {}),
            createTime: mcDate(now()),
            lastUpdated: mcDate(now()),
          },
        };
        state.policies.push(policy);
        return policy;
      }),
    '/api/policy/blockedsenders/get-policy': (data, meta) => {
      const pid = str(one(data).id);
      if (pid) {
        const p = state.policies.find((x) => x.id === pid);
        return p ? { kind: 'envelope', data: [p] } : { kind: 'envelope', data: [], fail: [err('err_policy_not_found', 'Invalid policy ID.', one(data))] };
      }
      return listAnswer(state.policies, meta);
    },
    '/api/policy/blockedsenders/delete-policy': (data) =>
      perItem(data, (item) => {
        const i = state.policies.findIndex((p) => p.id === item.id);
        if (i < 0) return err('err_policy_not_found', 'Invalid policy ID.');
        state.policies.splice(i, 1);
        return { id: item.id };
      }),
    '/api/managedsender/permit-or-block-sender': (data) =>
      perItem(data, (item) => {
        const sender = str(item.sender).toLowerCase();
        const to = str(item.to).toLowerCase();
        const action = str(item.action);
        if (!EMAIL.test(sender)) return err('err_validation_sender', 'The sender is not a valid email address.');
        if (!EMAIL.test(to) || !isInternal(to)) return err('err_validation_to', 'To address is not a valid internal address.');
        if (action !== 'permit' && action !== 'block') return err('err_validation_action', 'action must be permit or block');
        const type = action === 'permit' ? 'Permit' : 'Block';
        const existing = state.managedSenders.find((m) => m.sender === sender && m.to === to);
        if (existing) {
          existing.type = type;
          return existing;
        }
        const entry: MimecastManagedSender = { id: `MTOKEN:${randomBytes(18).toString('base64url')}`, sender, to, type };
        state.managedSenders.push(entry);
        return entry;
      }),

    // ---- held queue
    '/api/gateway/get-hold-message-list': (data, meta) => {
      const q = one(data);
      const from = date(q.start, new Date(0));
      const to = date(q.end, new Date(now().getTime() + DAY));
      const sb = (typeof q.searchBy === 'object' && q.searchBy !== null ? q.searchBy : {}) as Item;
      const field = str(sb.fieldName) || 'all';
      const value = str(sb.value).toLowerCase();
      if (!['all', 'subject', 'sender', 'recipient', 'reason_code', 'reasonCode'].includes(field)) return { kind: 'envelope', data: [], fail: [err('err_validation_field_name', 'Invalid payload.')] };
      const found = state.held.filter((h) => {
        // admin:false = only the authenticated user's own holds; the simulated API user has none.
        if (q.admin !== true) return false;
        if (!inRange(date(h.dateReceived, new Date(0)), from, to)) return false;
        if (!value) return true;
        const subject = (h.subject ?? '').toLowerCase();
        const sender = (h.from?.emailAddress ?? '').toLowerCase();
        const rcpt = (h.to?.emailAddress ?? '').toLowerCase();
        const reason = (h.reasonCode ?? '').toLowerCase();
        switch (field) {
          case 'subject':
            return subject.includes(value);
          case 'sender':
            return sender.includes(value);
          case 'recipient':
            return rcpt.includes(value);
          case 'reason_code':
          case 'reasonCode':
            return reason === value;
          default:
            return [subject, sender, rcpt, reason].some((s) => s.includes(value));
        }
      });
      return listAnswer(sortByDate(found, (h) => h.dateReceived, false), meta);
    },
    '/api/gateway/hold-release': (data) =>
      perItem(data, (item) => {
        const i = state.held.findIndex((h) => h.id === item.id);
        if (i < 0) return err('err_hold_message_not_found', 'The held message does not exist or was already processed');
        const [h] = state.held.splice(i, 1) as [MimecastHeldMessage];
        state.released.push(h);
        return { id: h.id, release: true };
      }),
    '/api/gateway/hold-reject': (data) => {
      const q = one(data);
      const ids = Array.isArray(q.ids) ? q.ids.map(String) : [];
      const reasonType = str(q.reasonType) || 'MESSAGE CONTAINS UNDESIRABLE CONTENT';
      if (ids.length === 0) return { kind: 'envelope', data: [], fail: [err('err_validation_ids', 'ids is required', q)] };
      if (!REJECT_REASONS.has(reasonType)) return { kind: 'envelope', data: [], fail: [err('err_validation_reason_type', `Invalid reasonType: ${reasonType}`, q)] };
      const out: Item[] = [];
      const fail: FailEntry[] = [];
      for (const hid of ids) {
        const i = state.held.findIndex((h) => h.id === hid);
        if (i < 0) {
          fail.push(err('err_hold_message_not_found', 'The held message does not exist or was already processed', { id: hid }));
          continue;
        }
        state.held.splice(i, 1);
        state.rejected.push({ id: hid, reasonType, ...(str(q.message) ? { message: str(q.message) } : {}), notify: q.notify === true });
        out.push({ id: hid, reject: true });
      }
      return { kind: 'envelope', data: out, fail };
    },

    // ---- remediation
    '/api/ttp/remediation/create': (data) =>
      perItem(data.slice(0, 1), (item) => {
        const reason = str(item.reason);
        if (!reason) return err('err_validation_reason', 'reason is required');
        const searchBy = str(item.searchBy) || 'hash';
        const value = str(item.hashOrMessageId);
        const from = date(item.start, new Date(now().getTime() - 30 * DAY));
        const to = date(item.end, endOfDay(now()));
        let criteria: Record<string, string>;
        if (searchBy === 'messageId') {
          if (!/^<.+>$/.test(value)) return err('err_validation_message_id', 'The message ID must be enclosed in < >');
          criteria = { messageId: value };
        } else if (searchBy === 'hash') {
          if (!/^([a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64})$/i.test(value)) return err('err_validation_hash', 'The file hash is not valid');
          criteria = { fileHash: value.toLowerCase() };
        } else if (searchBy === 'url') {
          if (!str(item.url)) return err('err_validation_url', 'url is required when searchBy is url');
          criteria = { url: str(item.url) };
        } else {
          return err('err_validation_search_by', `Invalid searchBy: ${searchBy}`);
        }
        return createIncident(reason, criteria, incidentMatches(criteria, from, to), from, to);
      }),
    '/api/ttp/remediation/v2/create': (data) =>
      perItem(data.slice(0, 1), (item) => {
        const reason = str(item.reason);
        if (!reason) return err('err_validation_reason', 'reason is required');
        const messageIds = Array.isArray(item.messageIds) ? item.messageIds.map(String) : undefined;
        const criteria = Object.fromEntries(
          Object.entries({ fileHash: str(item.fileHash), messageId: str(item.messageId), subject: str(item.subject), parentIncidentCode: str(item.parentIncidentCode), from: str(item.from), url: str(item.url) }).filter(([, v]) => v),
        ) as Record<string, string>;
        if (Object.keys(criteria).length === 0 && !messageIds?.length) {
          return err('err_validation_criteria', 'At least one of [fileHash, messageId, messageIds, subject, parentIncidentCode, from, url] must be not null.');
        }
        const from = date(item.start, new Date(now().getTime() - 30 * DAY));
        const to = date(item.end, endOfDay(now()));
        let matched: SimArchiveMessage[];
        if (criteria.parentIncidentCode) {
          const parent = state.incidents.find((i) => i.code === criteria.parentIncidentCode);
          if (!parent || !parent.identified) return err('err_parent_incident', 'The parent incident does not exist or has no identified messages');
          matched = state.archive.filter((m) => m.remediatedBy === parent.id);
        } else {
          matched = incidentMatches({ ...criteria, ...(messageIds ? { messageIds } : {}) }, from, to);
        }
        return createIncident(reason, { ...criteria, ...(messageIds ? { messageIds } : {}) }, matched, from, to);
      }),
    '/api/ttp/remediation/get-incident': (data) =>
      perItem(data.slice(0, 1), (item) => state.incidents.find((i) => i.id === item.id) ?? err('err_incident_not_found', 'The incident does not exist')),
    '/api/ttp/remediation/search-hash': (data) => {
      const hashes = Array.isArray(one(data).hashes) ? (one(data).hashes as unknown[]).map(String) : [];
      if (hashes.length === 0) return { kind: 'envelope', data: [], fail: [err('err_validation_hashes', 'hashes is required', one(data))] };
      if (hashes.length > 100) return { kind: 'envelope', data: [], fail: [err('err_validation_max_hashes', 'A maximum of 100 hashes can be submitted in a single call', undefined)] };
      const seen = new Set<string>(state.knownHashes);
      for (const m of state.archive) for (const a of m.attachments) for (const h of hashesOf(a.bytes)) seen.add(h);
      const hashStatus: Item[] = [];
      const failedHashes: Item[] = [];
      for (const h of hashes) {
        const lower = h.toLowerCase();
        if (!/^([a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64})$/.test(lower)) failedHashes.push({ hash: h, code: 'err_validation_hash', message: 'Not an MD5, SHA-1 or SHA-256 hash' });
        else hashStatus.push({ hash: h, detected: seen.has(lower) });
      }
      return { kind: 'envelope', data: [{ hashStatus, failedHashes }] };
    },

    // ---- archive, tracking
    '/api/archive/get-message-list': (data, meta) => {
      const q = one(data);
      const view = str(q.view).toUpperCase();
      const mailbox = str(q.mailbox).toLowerCase();
      if ((view !== 'INBOX' && view !== 'SENT') || !mailbox) return { kind: 'envelope', data: [], fail: [err('err_validation_view_mailbox', 'view (INBOX or SENT) and mailbox are required', q)] };
      const from = date(q.start, new Date(0));
      const to = date(q.end, new Date(now().getTime() + DAY));
      const found = state.archive
        .filter((m) => (view === 'INBOX' ? m.to.includes(mailbox) || (m.cc ?? []).includes(mailbox) : m.from === mailbox) && inRange(m.received, from, to))
        .sort((a, b) => b.received.getTime() - a.received.getTime())
        .map((m) => ({
          id: m.id,
          status: 'ARCHIVED',
          received: mcDate(m.received),
          from: { emailAddress: m.from, displayableName: m.fromName ?? '' },
          to: m.to.map((t) => ({ emailAddress: t, displayableName: '' })),
          subject: m.subject,
          smash: createHash('sha1').update(m.mimeMessageId).digest('hex').slice(0, 32),
          attachmentCount: m.attachments.length,
          size: m.body.length,
          read: false,
          ccm: false,
          recalled: false,
          expired: false,
        }));
      return listAnswer(found, meta);
    },
    '/api/archive/get-message-detail': (data) =>
      perItem(data.slice(0, 1), (item) => {
        const m = state.archive.find((x) => x.id === item.id);
        return m ? detailOf(m) : err('err_message_not_found', 'The message does not exist');
      }),
    '/api/archive/get-file': (data) => {
      const fid = str(one(data).id);
      for (const m of state.archive) {
        const a = m.attachments.find((x) => x.id === fid);
        if (a) return { kind: 'file', bytes: a.bytes, contentType: a.contentType, filename: a.filename };
      }
      return { kind: 'envelope', data: [], fail: [err('err_file_not_found', 'The file does not exist', one(data))] };
    },
    '/api/archive/search': (data, meta) => {
      const q = one(data);
      const xml = str(q.query);
      if (!xml.startsWith('<')) return { kind: 'envelope', data: [], fail: [err('err_invalid_search_xml', 'The search query is not valid XML', q)] };
      const c = parseArchiveXml(xml);
      // Without admin:true Mimecast answers an empty result, not an error.
      const found =
        q.admin !== true
          ? []
          : state.archive
              .filter(
                (m) =>
                  inRange(m.received, c.start, c.end) &&
                  (c.mailboxes.length === 0 || c.mailboxes.some((mb) => m.to.includes(mb) || m.from === mb)) &&
                  (!c.from || matchAddr(m.from, c.from)) &&
                  (!c.to || m.to.some((t) => matchAddr(t, c.to as string))) &&
                  (!c.subject || m.subject.toLowerCase().includes(c.subject.toLowerCase())) &&
                  (!c.filename || m.attachments.some((a) => a.filename.toLowerCase().includes(c.filename as string))),
              )
              .sort((a, b) => b.received.getTime() - a.received.getTime())
              .map((m) => ({
                id: m.id,
                subject: m.subject,
                displayfrom: m.fromName ? `${m.fromName} <${m.from}>` : m.from,
                displayfromaddress: m.from,
                displayto: m.to.join(', '),
                displaytoaddresslist: m.to.map((t) => ({ emailAddress: t })),
                receiveddate: mcDate(m.received),
                size: m.body.length,
                attachmentcount: m.attachments.length,
                status: 'ARCHIVED',
                smash: createHash('sha1').update(m.mimeMessageId).digest('hex').slice(0, 32),
              }));
      return listAnswer(found, meta, (page) => ({ items: page }));
    },
    '/api/message-finder/search': (data) => {
      const q = one(data);
      const adv = (typeof q.advancedTrackAndTraceOptions === 'object' && q.advancedTrackAndTraceOptions !== null ? q.advancedTrackAndTraceOptions : undefined) as Item | undefined;
      const messageId = str(q.messageId);
      if (messageId && adv) return { kind: 'envelope', data: [], fail: [err('err_validation_search', 'Use either messageId or advancedTrackAndTraceOptions, not both', q)] };
      if (!str(q.searchReason)) return { kind: 'envelope', data: [], fail: [err('err_validation_search_reason', 'searchReason is required', q)] };
      const from = date(q.start, new Date(now().getTime() - DAY));
      const to = date(q.end, now());
      const f = str(adv?.from).toLowerCase();
      const t = str(adv?.to).toLowerCase();
      const subject = str(adv?.subject).toLowerCase();
      const ip = str(adv?.senderIP);
      const tracked = state.archive
        .filter(
          (m) =>
            inRange(m.received, from, to) &&
            (!messageId || m.mimeMessageId.toLowerCase() === messageId.toLowerCase()) &&
            (!f || matchAddr(m.from, f)) &&
            (!t || m.to.some((x) => matchAddr(x, t))) &&
            (!subject || m.subject.toLowerCase().includes(subject)) &&
            (!ip || m.senderIP === ip),
        )
        .sort((a, b) => b.received.getTime() - a.received.getTime())
        .map(trackedOf);
      return { kind: 'envelope', data: [{ trackedEmails: tracked }] };
    },
  };

  return {
    url: origin,
    requests,
    state,
    failNext(match, response, times = 1) {
      failures.push({ match: typeof match === 'string' ? { path: match } : match, response, remaining: times });
    },
    rateLimit({ resetMs, times = 1, path }) {
      limits.push({ resetMs, remaining: times, ...(path ? { path } : {}) });
    },
    revokeTokens() {
      tokens.clear();
    },
    tokenRequests() {
      return requests.filter((r) => r.path === '/oauth/token');
    },
    apiRequests(path) {
      return requests.filter((r) => r.path.startsWith('/api/') && (!path || r.path === path));
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// ------------------------------------------------------------------ helpers

function writeJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string>): void {
  const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...extra });
  res.end(payload);
}

function startOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

function endOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 23, 59, 59));
}

function sortByDate<T>(items: T[], get: (t: T) => string | undefined, oldestFirst: boolean): T[] {
  const t = (x: T) => Date.parse((get(x) ?? '').replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) || 0;
  return [...items].sort((a, b) => (oldestFirst ? t(a) - t(b) : t(b) - t(a)));
}

function addressValue(type: string, value: string): Record<string, string> {
  if (!value) return {};
  switch (type) {
    case 'individual_email_address':
      return { emailAddress: value };
    case 'email_domain':
      return { emailDomain: value };
    case 'profile_group':
      return { groupId: value };
    case 'header_display_name':
      return { headerDisplayName: value };
    case 'address_attribute_value':
      return { attribute: value };
    default:
      return {};
  }
}

/** The sample tenant: example.com users, a small phishing campaign, held mail, groups, logs. */
function loadSampleData(state: MimecastSimState, now: Date): void {
  const t = (msAgo: number) => new Date(now.getTime() - msAgo);
  const mc = (d: Date) => `${d.toISOString().slice(0, 19)}+0000`;
  const invoicePdf = Buffer.from('%PDF-1.4\n% Hookline simulator sample: not a real invoice\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  const payUrl = 'https://invoices.example.net/pay?ref=4471';

  state.groups.push(
    { id: 'eNoSimGroupBlockedSenders', description: 'Blocked Senders', source: 'cloud', parentId: ROOT_FOLDER, members: [{ id: 'eNoSimMember1', emailAddress: 'spammer@evil.example.org', domain: 'evil.example.org', type: 'created_manually', internal: false }] },
    {
      id: 'eNoSimGroupVip',
      description: 'VIP Users',
      source: 'cloud',
      parentId: ROOT_FOLDER,
      members: [
        { id: 'eNoSimMember2', emailAddress: 'alice@example.com', name: 'Alice Example', domain: 'example.com', type: 'created_manually', internal: true },
        { id: 'eNoSimMember3', emailAddress: 'bob@example.com', name: 'Bob Example', domain: 'example.com', type: 'created_manually', internal: true },
      ],
    },
    { id: 'eNoSimGroupFinance', description: 'Finance', source: 'ldap', parentId: ROOT_FOLDER, members: [] },
  );

  state.managedUrls.push(
    { id: 'eNoSimUrlBlockEvil', scheme: 'http', domain: 'evil.example.org', port: -1, path: '', queryString: '', matchType: 'domain', action: 'block', comment: 'known phishing domain', disableUserAwareness: false, disableRewrite: false, disableLogClick: false },
    { id: 'eNoSimUrlPermitIntranet', scheme: 'https', domain: 'intranet.example.com', port: -1, path: '/portal', queryString: '', matchType: 'explicit', action: 'permit', comment: 'intranet', disableUserAwareness: true, disableRewrite: false, disableLogClick: false },
  );

  state.policies.push({
    id: 'eNoSimPolicyBulk',
    option: 'block_sender',
    policy: {
      description: 'Block bulk spammer',
      fromPart: 'both',
      from: { type: 'individual_email_address', emailAddress: 'bulk@spam.example.net' },
      to: { type: 'everyone' },
      fromType: 'individual_email_address',
      fromValue: 'bulk@spam.example.net',
      toType: 'everyone',
      fromEternal: true,
      toEternal: true,
      fromDate: '1900-01-01T00:00:00+0000',
      toDate: '2100-01-01T23:59:59+0000',
      override: false,
      bidirectional: false,
      conditions: {},
      enabled: true,
      enforced: false,
      createTime: mc(t(30 * DAY)),
      lastUpdated: mc(t(30 * DAY)),
    },
  });

  const held = (n: number, from: string, to: string, subject: string, reason: string, reasonCode: string, policyInfo: string, ago: number, hasAttachments: boolean): MimecastHeldMessage => ({
    id: `eNoSimHeld${n}`,
    reason,
    reasonId: `MESSAGE_HOLD_APPLIED_${reasonCode.toUpperCase()}`,
    reasonCode,
    from: { emailAddress: from, displayableName: '' },
    fromHeader: { emailAddress: from, displayableName: '' },
    to: { emailAddress: to, displayableName: '' },
    subject,
    route: 'INBOUND',
    hasAttachments,
    size: 2048 * n,
    dateReceived: mc(t(ago)),
    policyInfo,
  });
  state.held.push(
    held(1, 'ceo@lookalike.example.org', 'alice@example.com', 'Urgent wire transfer', 'Spam Signature', 'spam_signature_policy', 'Spam Hold', 1 * HOUR, false),
    held(2, 'hr@benefits.example.net', 'bob@example.com', 'Update your benefits', 'Attachment Hold on Size', 'attachment_size', 'Attachment Hold on Size', 2 * HOUR, true),
    held(3, 'news@digest.example.net', 'carol@example.com', 'Weekly digest', 'Default Inbound Policy', 'default_inbound', 'Default Hold', 5 * HOUR, false),
  );

  const campaign = (n: number, to: string, ago: number): SimArchiveMessage => ({
    id: `eNoSimArchive${n}`,
    mimeMessageId: '<inv-4471@invoices.example.net>',
    from: 'billing@invoices.example.net',
    fromName: 'Billing Department',
    to: [to],
    subject: 'Invoice 4471 overdue',
    received: t(ago),
    senderIP: '203.0.113.7',
    route: 'inbound',
    body: `Your invoice is overdue. Pay now: ${payUrl}`,
    attachments: [{ id: `eNoSimAttachment${n}`, filename: 'invoice-4471.pdf', contentType: 'application/pdf', bytes: invoicePdf }],
  });
  state.archive.push(campaign(1, 'alice@example.com', 3 * HOUR), campaign(2, 'bob@example.com', 3 * HOUR - 60_000), {
    id: 'eNoSimArchive3',
    mimeMessageId: '<lunch-1@example.com>',
    from: 'carol@example.com',
    fromName: 'Carol Example',
    to: ['alice@example.com'],
    subject: 'Lunch on Friday?',
    received: t(26 * HOUR),
    senderIP: '198.51.100.20',
    route: 'internal',
    body: 'Shall we try the new place?',
    attachments: [],
  });

  state.rewrites.set('https://protect-eu.mimecast.com/s/SimAbc123', payUrl);
  state.rewrites.set('https://protect-eu.mimecast.com/s/SimDef456', 'https://intranet.example.com/portal');

  state.urlLogs.push(
    { userEmailAddress: 'alice@example.com', url: payUrl, ttpDefinition: 'Default URL Protection', action: 'block', adminOverride: 'N/A', userOverride: 'None', scanResult: 'malicious', category: 'Phishing & Fraud', userAwarenessAction: 'n/a', date: mc(t(2 * HOUR)), route: 'inbound' },
    { userEmailAddress: 'bob@example.com', url: 'https://intranet.example.com/portal', ttpDefinition: 'Default URL Protection', action: 'allow', adminOverride: 'N/A', userOverride: 'None', scanResult: 'clean', category: 'Business', userAwarenessAction: 'n/a', date: mc(t(30 * 60_000)), route: 'internal' },
  );
  state.attachmentLogs.push(
    { result: 'malicious', date: mc(t(3 * HOUR)), senderAddress: 'billing@invoices.example.net', recipientAddress: 'alice@example.com', fileName: 'invoice-4471.pdf', fileType: 'application/pdf', actionTriggered: 'message held for review', route: 'inbound', details: 'Sandbox verdict: malicious' },
    { result: 'safe', date: mc(t(90 * 60_000)), senderAddress: 'carol@example.com', recipientAddress: 'alice@example.com', fileName: 'menu.txt', fileType: 'text/plain', actionTriggered: 'none', route: 'internal', details: '' },
  );
}
