// A local simulator of the Microsoft identity token endpoint and the slice of Microsoft Graph
// Hookline uses. Used by the tests (over TLS with the test CA, so the real MSAL and the real HTTP
// layer run unchanged) and by the product's sandbox mode. State lives in memory.
//
// Identity: POST /{tenant}/oauth2/v2.0/token (client_credentials with client_secret or a
//   client_assertion JWT: x5t#S256 header, iss = sub = client_id, aud = token endpoint; signature
//   and thumbprint checked when the client certificate is given), GET /{tenant}/v2.0/.well-known/openid-configuration.
// Graph (bearer token required, 401 otherwise), under /v1.0:
//   users, users/{m}, users/{m}/mailFolders[/{id|wellKnown}[/childFolders]] ($filter displayName eq),
//   users/{m}/mailFolders/{f}/messages/delta (paging by Prefer odata.maxpagesize, deltaLink with
//   only the changes since), users/{m}/messages?$filter=internetMessageId eq, messages/{id},
//   messages/{id}/$value, messages/{id}/move, DELETE messages/{id}, messages/{id}/permanentDelete,
//   users/{m}/sendMail (recorded in sentMail),
//   admin/exchange/tracing/messageTraces (messageId / sender / recipient / status filters, the
//   10-day window and 90-day rules, $top paging), security/collaboration/analyzedEmails/remediate
//   (202 + Location; recorded, and applied to the simulated mailboxes).
// Change notifications (shared/reference/microsoft.md §5): POST/GET/PATCH/DELETE /subscriptions,
//   POST /subscriptions/{id}/reauthorize. Creating one runs the validation handshake against the
//   notification (and lifecycle) URL; mail arriving in a subscribed folder is then notified to it
//   (autoNotify), and tests make it send change notifications, forged ones and lifecycle events.
// hold(): keeps one matching request unanswered until released (a fetch that hangs, for crash tests).
import { createHash, createPublicKey, randomBytes, randomUUID, verify as cryptoVerify, constants as cryptoConstants, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseFolderPath, wellKnownFolderName } from '../vendors/graph/folders.ts';
import { createMailRoutes, type SimMailApi } from './graph-mail-routes.ts';

export interface GraphSimulatorOptions {
  /** Serve HTTPS with this key/cert (tests: test/fixtures/tls); plain HTTP otherwise. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  tenantId?: string;
  port?: number;
  /** Listen address, also used in the URLs (default 127.0.0.1). */
  host?: string;
  /** When set, only this client_id gets tokens. */
  clientId?: string;
  /** When set, client_secret must equal it (else any non-empty secret is accepted). */
  clientSecret?: string;
  /** When set (PEM with the certificate), assertions must carry its SHA-256 thumbprint and a valid signature. */
  clientCertificate?: string | Buffer;
  /** Mailbox created at start and used when add() names none (default reports@contoso.com). */
  mailbox?: string;
  /** Default message trace page size when the request has no $top (Graph: 1000). */
  tracePageSize?: number;
  /** Token lifetime in seconds (default 3599). */
  tokenLifetimeSec?: number;
  /** The simulator's clock (message trace window rules, token expiry). */
  now?: () => Date;
  /** Answer 409 to a second remediation with the same displayName within 30 minutes (UNVERIFIED real behaviour). */
  duplicateRemediation409?: boolean;
  /** Notify matching subscriptions when mail arrives in a folder (add, move). Default true. */
  autoNotify?: boolean;
  /** Longest subscription lifetime accepted, in minutes (default 4230, the documented Outlook message limit). */
  maxSubscriptionMinutes?: number;
}

export interface SimSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  expirationDateTime: string;
  /** As the client sent it: kept so tests can check it is random and per subscription. */
  clientState?: string;
  mailbox: string;
  /** Undefined for a whole-mailbox subscription (`users/{id}/messages`). */
  folderId?: string;
  reauthorizations: number;
}

export interface SimDelivery {
  kind: 'validation' | 'notification' | 'lifecycle';
  url: string;
  subscriptionId?: string;
  body?: unknown;
  /** What the receiver answered; 0 when it could not be reached. */
  status: number;
  contentType: string;
  responseText: string;
  error?: string;
}

export type SimLifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface SimSubscriptionsApi {
  list(): SimSubscription[];
  get(id: string): SimSubscription | undefined;
  /** Every validation request, notification and lifecycle event sent, in order. */
  deliveries: SimDelivery[];
  /** POSTs a change notification for these messages; clientState defaults to the subscription's own (null: none). */
  notify(subscriptionId: string, messageIds: string[], opts?: { clientState?: string | null; changeType?: string }): Promise<SimDelivery>;
  /** POSTs a lifecycle event to the lifecycle URL (else the notification URL). */
  lifecycle(subscriptionId: string, event: SimLifecycleEvent, opts?: { clientState?: string | null }): Promise<SimDelivery>;
  /** Graph drops a subscription (expiry, revoked access); then sends subscriptionRemoved unless notify is false. */
  remove(subscriptionId: string, opts?: { notify?: boolean }): Promise<SimDelivery | undefined>;
  /** Resolves when every delivery the simulator started on its own (new mail) has been answered. */
  flush(): Promise<void>;
}

export interface HeldRequest {
  /** Resolves when a matching request arrives; it is then kept unanswered until release(). */
  reached: Promise<{ method: string; path: string }>;
  /** Serves the held request normally; before one arrived, it drops the hold. */
  release(): void;
}

export interface RecordedRequest {
  method: string;
  /** Decoded pathname. */
  path: string;
  query: Record<string, string>;
  /** Lower-case request headers, WITHOUT authorization. */
  headers: Record<string, string>;
  hasBearer: boolean;
  /** The bearer token value, kept apart only so tests can assert on it. */
  bearerToken?: string;
  /** Parsed JSON body (Graph routes). */
  json?: unknown;
  /** Parsed form body (token route), with client_secret / client_assertion values replaced by "[redacted]". */
  form?: Record<string, string>;
  /** Token route: what was asked and how the client authenticated. */
  tokenRequest?: { clientId: string; scope: string; grantType: string; credential: 'secret' | 'assertion' | 'none'; assertionHeader?: Record<string, unknown>; assertionClaims?: Record<string, unknown> };
  status: number;
  at: Date;
}

export interface RecordedRemediation {
  bulkId: string;
  displayName: string;
  description?: string;
  severity: string;
  action: string;
  remediateSendersCopy?: boolean;
  analyzedEmails: { networkMessageId: string; recipientEmailAddress: string }[];
  /** The request body exactly as received. */
  body: unknown;
  location: string;
  at: Date;
}

/** One POST /users/{m}/sendMail, as received. */
export interface SimSentMail {
  from: string;
  to: string[];
  subject: string;
  contentType: string;
  content: string;
  saveToSentItems: boolean;
  at: Date;
}

export interface SimMessageMeta {
  /** Target mailbox (default: the simulator's mailbox); created on first use. */
  mailbox?: string;
  id?: string;
  internetMessageId?: string;
  subject?: string;
  receivedDateTime?: string;
  networkMessageId?: string;
  from?: string;
}

export interface SimMessage {
  id: string;
  mailbox: string;
  folderId: string;
  mime: Buffer;
  internetMessageId?: string;
  subject?: string;
  receivedDateTime: string;
  networkMessageId?: string;
  from?: string;
}

export interface SimTraceRow {
  id?: string;
  senderAddress?: string;
  recipientAddress: string;
  messageId: string;
  receivedDateTime?: string;
  subject?: string;
  size?: number;
  fromIP?: string;
  toIP?: string;
  status?: string;
}

export interface FailMatch {
  method?: string;
  /** Substring of the decoded path (or of path + query). */
  pathIncludes: string;
}

export interface FailResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON, a string as text. */
  body?: unknown;
}

export interface SimMailboxApi {
  readonly address: string;
  /** Adds a message (folders in the path are created as needed). Returns its id. */
  add(folderPath: string, mime: Buffer | string, meta?: SimMessageMeta): string;
  /** Creates the folders of a path; returns the last folder's id. */
  addFolder(folderPath: string, mailbox?: string): string;
  folderId(folderPath: string, mailbox?: string): string | undefined;
  get(id: string): SimMessage | undefined;
  list(folderPath?: string, mailbox?: string): SimMessage[];
  move(id: string, folderPath: string): void;
  /** Deletes a message outright (appears as @removed in the next delta). */
  remove(id: string): void;
}

export interface GraphSimulator {
  /** Server origin (identity and Graph share it). */
  url: string;
  /** M365_LOGIN_URL for this simulator. */
  loginUrl: string;
  /** GRAPH_API_URL for this simulator. */
  graphUrl: string;
  tenantId: string;
  mailbox: SimMailboxApi;
  requests: RecordedRequest[];
  remediations: RecordedRemediation[];
  /** Mail sent with POST /users/{m}/sendMail, in order. */
  sentMail: SimSentMail[];
  /** Entra groups: set a group's (transitive) members for checkMemberGroups. */
  groups: { setMembers(groupId: string, userIds: string[]): void };
  traces: { add(row: SimTraceRow): void; rows: SimTraceRow[] };
  /** The next `times` (default 1) matching requests get `response` instead of being served. */
  failNext(match: FailMatch, response: FailResponse, times?: number): void;
  /** Invalidates every issued token (Graph answers 401 until a new token is fetched). */
  revokeTokens(): void;
  /** Forgets every delta sync state (stored deltaLinks then get 410 syncStateNotFound). */
  expireDeltaState(): void;
  subscriptions: SimSubscriptionsApi;
  /** Keeps the next request matching `match` unanswered until released (a hanging fetch). */
  hold(match: FailMatch): HeldRequest;
  /** Search, read, copy, update, inbox rules, directory and trace detail routes (graph-mail-routes.ts). */
  mail: SimMailApi;
  /** What an issued access token was for (other simulators accept only tokens for their resource). */
  tokenInfo(token: string): { clientId: string; scope: string; expired: boolean } | undefined;
  /** Token endpoint requests only. */
  tokenRequests(): RecordedRequest[];
  close(): Promise<void>;
}

interface Folder {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnownName?: string;
}

interface Mailbox {
  address: string;
  userId: string;
  folders: Map<string, Folder>;
  wellKnown: Map<string, string>;
  messages: Map<string, SimMessage>;
  changes: { seq: number; folderId: string; id: string }[];
}

interface DeltaPaging {
  mailbox: string;
  folderId: string;
  items: Record<string, unknown>[];
  offset: number;
  snapshotSeq: number;
  pageSize: number;
}

const WELL_KNOWN_DISPLAY: Record<string, string> = {
  inbox: 'Inbox',
  junkemail: 'Junk Email',
  deleteditems: 'Deleted Items',
  sentitems: 'Sent Items',
  drafts: 'Drafts',
  archive: 'Archive',
  outbox: 'Outbox',
  recoverableitemsdeletions: 'Deletions',
};

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DAY_MS = 86_400_000;

export async function startGraphSimulator(opts: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  const tenantId = opts.tenantId ?? '11111111-2222-3333-4444-555555555555';
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? (() => new Date());
  const defaultMailbox = (opts.mailbox ?? 'reports@contoso.com').toLowerCase();
  const tokenLifetime = opts.tokenLifetimeSec ?? 3599;
  const clientCert = opts.clientCertificate ? new X509Certificate(opts.clientCertificate) : undefined;

  const requests: RecordedRequest[] = [];
  const remediations: RecordedRemediation[] = [];
  const sentMail: SimSentMail[] = [];
  /** Entra group id -> member object ids (lower-case), for checkMemberGroups. */
  const groupMembers = new Map<string, Set<string>>();
  const traceRows: SimTraceRow[] = [];
  const mailboxes = new Map<string, Mailbox>();
  const tokens = new Map<string, { clientId: string; scope: string; expiresAt: number }>();
  const deltaTokens = new Map<string, { mailbox: string; folderId: string; seq: number }>();
  const deltaPages = new Map<string, DeltaPaging>();
  const tracePages = new Map<string, { rows: SimTraceRow[]; offset: number; top: number }>();
  const failures: { match: FailMatch; response: FailResponse; remaining: number }[] = [];
  const subscriptions = new Map<string, SimSubscription>();
  const deliveries: SimDelivery[] = [];
  const inflight = new Set<Promise<unknown>>();
  const holds: { match: FailMatch; run?: () => void; reached: (r: { method: string; path: string }) => void }[] = [];
  let seq = 0;
  let origin = '';

  // ------------------------------------------------------------------ mailbox model

  const newId = (prefix: string) => `${prefix}${randomBytes(30).toString('base64url')}`;

  function mailboxFor(address: string | undefined, create: boolean): Mailbox | undefined {
    const key = (address ?? defaultMailbox).toLowerCase();
    let mb = mailboxes.get(key);
    if (!mb && create) {
      mb = { address: key, userId: randomUUID(), folders: new Map(), wellKnown: new Map(), messages: new Map(), changes: [] };
      const rootId = newId('AAMkRoot');
      mb.folders.set(rootId, { id: rootId, displayName: 'Top of Information Store', parentFolderId: '', wellKnownName: 'msgfolderroot' });
      mb.wellKnown.set('msgfolderroot', rootId);
      for (const [wk, name] of Object.entries(WELL_KNOWN_DISPLAY)) {
        const id = newId('AAMkF');
        mb.folders.set(id, { id, displayName: name, parentFolderId: rootId, wellKnownName: wk });
        mb.wellKnown.set(wk, id);
      }
      mailboxes.set(key, mb);
    }
    return mb;
  }

  function folderByIdOrName(mb: Mailbox, idOrName: string): Folder | undefined {
    const wk = mb.wellKnown.get(idOrName.toLowerCase());
    return mb.folders.get(wk ?? idOrName);
  }

  function children(mb: Mailbox, parentId: string): Folder[] {
    return [...mb.folders.values()].filter((f) => f.parentFolderId === parentId);
  }

  function resolvePath(mb: Mailbox, path: string, create: boolean): Folder | undefined {
    const segs = parseFolderPath(path);
    let cur = mb.folders.get(mb.wellKnown.get('msgfolderroot') as string) as Folder;
    let i = 0;
    const wk = segs[0] !== undefined ? wellKnownFolderName(segs[0]) : undefined;
    if (wk) {
      let f = folderByIdOrName(mb, wk);
      if (!f && create) {
        const id = newId('AAMkF');
        f = { id, displayName: segs[0] as string, parentFolderId: cur.id, wellKnownName: wk };
        mb.folders.set(id, f);
        mb.wellKnown.set(wk, id);
      }
      if (!f) return undefined;
      cur = f;
      i = 1;
    }
    for (; i < segs.length; i++) {
      const name = segs[i] as string;
      let next = children(mb, cur.id).find((f) => f.displayName.toLowerCase() === name.toLowerCase());
      if (!next) {
        if (!create) return undefined;
        const id = newId('AAMkF');
        next = { id, displayName: name, parentFolderId: cur.id };
        mb.folders.set(id, next);
      }
      cur = next;
    }
    return cur;
  }

  function findMessage(id: string): SimMessage | undefined {
    for (const mb of mailboxes.values()) {
      const m = mb.messages.get(id);
      if (m) return m;
    }
    return undefined;
  }

  function recordChange(mb: Mailbox, folderId: string, id: string): void {
    mb.changes.push({ seq: ++seq, folderId, id });
  }

  function moveTo(mb: Mailbox, msg: SimMessage, folderId: string): void {
    if (msg.folderId === folderId) return;
    const from = msg.folderId;
    msg.folderId = folderId;
    recordChange(mb, from, msg.id);
    recordChange(mb, folderId, msg.id);
    mailArrived(mb, folderId, msg.id);
  }

  function deleteMessage(mb: Mailbox, msg: SimMessage): void {
    mb.messages.delete(msg.id);
    recordChange(mb, msg.folderId, msg.id);
  }

  const mailboxApi: SimMailboxApi = {
    address: defaultMailbox,
    add(folderPath, mime, meta = {}) {
      const mb = mailboxFor(meta.mailbox, true) as Mailbox;
      const folder = resolvePath(mb, folderPath, true) as Folder;
      const buf = Buffer.isBuffer(mime) ? mime : Buffer.from(mime);
      const h = mimeHeaders(buf);
      const id = meta.id ?? newId('AAMkAGI');
      const date = h.date ? new Date(h.date) : undefined;
      const msg: SimMessage = {
        id,
        mailbox: mb.address,
        folderId: folder.id,
        mime: buf,
        receivedDateTime: meta.receivedDateTime ?? (date && !Number.isNaN(date.getTime()) ? date : now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ...optional('internetMessageId', meta.internetMessageId ?? h['message-id']),
        ...optional('subject', meta.subject ?? h.subject),
        ...optional('networkMessageId', meta.networkMessageId ?? h['x-ms-exchange-organization-network-message-id']),
        ...optional('from', meta.from ?? h.from),
      };
      mb.messages.set(id, msg);
      recordChange(mb, folder.id, id);
      mailArrived(mb, folder.id, id);
      return id;
    },
    addFolder(folderPath, mailbox) {
      return (resolvePath(mailboxFor(mailbox, true) as Mailbox, folderPath, true) as Folder).id;
    },
    folderId(folderPath, mailbox) {
      const mb = mailboxFor(mailbox, false);
      return mb ? resolvePath(mb, folderPath, false)?.id : undefined;
    },
    get: findMessage,
    list(folderPath, mailbox) {
      const mb = mailboxFor(mailbox, false);
      if (!mb) return [];
      const folder = folderPath === undefined ? undefined : resolvePath(mb, folderPath, false);
      if (folderPath !== undefined && !folder) return [];
      return [...mb.messages.values()].filter((m) => !folder || m.folderId === folder.id);
    },
    move(id, folderPath) {
      const msg = findMessage(id);
      if (!msg) throw new Error(`no message ${id}`);
      const mb = mailboxFor(msg.mailbox, false) as Mailbox;
      moveTo(mb, msg, (resolvePath(mb, folderPath, true) as Folder).id);
    },
    remove(id) {
      const msg = findMessage(id);
      if (msg) deleteMessage(mailboxFor(msg.mailbox, false) as Mailbox, msg);
    },
  };
  mailboxFor(defaultMailbox, true);
  // The o365.* catalog's routes live in their own module, on this mailbox model.
  const mailRoutes = createMailRoutes({ origin: () => origin, now, mailboxes, mailboxFor, folderByIdOrName, moveTo, newId, recordChange, mailArrived, traceRows });

  // ------------------------------------------------------------------ HTTP plumbing

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const run = () => {
        try {
          handle(req, res, Buffer.concat(chunks));
        } catch (err) {
          send(res, 500, { error: { code: 'InternalServerError', message: (err as Error).message } });
        }
      };
      const held = takeHold(req);
      if (held) held.run = run;
      else run();
    });
  };

  function takeHold(req: IncomingMessage): (typeof holds)[number] | undefined {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = (req.method ?? 'GET').toUpperCase();
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const h = holds.find((x) => !x.run && (!x.match.method || x.match.method.toUpperCase() === method) && (path.includes(x.match.pathIncludes) || `${path}${url.search}`.includes(x.match.pathIncludes)));
    h?.reached({ method, path });
    return h;
  }

  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const headers: Record<string, string> = {};
    let bearer: string | undefined;
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      const value = Array.isArray(v) ? v.join(', ') : v;
      if (k === 'authorization') {
        const m = /^Bearer\s+(.+)$/i.exec(value);
        bearer = m?.[1]?.trim();
      } else {
        headers[k] = value;
      }
    }
    const rec: RecordedRequest = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      headers,
      hasBearer: bearer !== undefined,
      ...(bearer !== undefined ? { bearerToken: bearer } : {}),
      status: 0,
      at: now(),
    };
    requests.push(rec);
    const reply = (status: number, body?: unknown, extra: Record<string, string> = {}) => {
      rec.status = status;
      send(res, status, body, extra);
    };

    // Injected failures first.
    const fi = failures.findIndex(
      (f) => f.remaining > 0 && (!f.match.method || f.match.method.toUpperCase() === method) && (path.includes(f.match.pathIncludes) || `${path}${url.search}`.includes(f.match.pathIncludes)),
    );
    if (fi >= 0) {
      const f = failures[fi] as (typeof failures)[number];
      if (--f.remaining <= 0) failures.splice(fi, 1);
      if (path.includes('/oauth2/')) rec.form = safeForm(raw);
      else rec.json = tryJson(raw);
      return reply(f.response.status, f.response.body, f.response.headers);
    }

    const segs = path.split('/').filter((s) => s !== '');

    // ---- identity
    if (segs.length === 4 && segs[1] === 'oauth2' && segs[2] === 'v2.0' && segs[3] === 'token') {
      if (method !== 'POST') return reply(405, aadError('invalid_request', 'AADSTS900561', 'The endpoint only accepts POST requests.'));
      return tokenEndpoint(segs[0] as string, raw, rec, reply);
    }
    if (segs.length === 4 && segs[1] === 'v2.0' && segs[2] === '.well-known' && segs[3] === 'openid-configuration') {
      const base = `${origin}/${segs[0]}`;
      return reply(200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        issuer: `${base}/v2.0`,
      });
    }

    // ---- Graph
    if (segs[0] !== 'v1.0') return reply(404, graphError('UnknownError', `no route ${method} ${path}`));
    rec.json = tryJson(raw);
    const tok = bearer ? tokens.get(bearer) : undefined;
    if (!tok || tok.expiresAt <= now().getTime()) {
      return reply(
        401,
        graphError('InvalidAuthenticationToken', bearer ? 'Lifetime validation failed, the token is expired.' : 'Access token is empty.'),
        { 'www-authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"' },
      );
    }
    return graph(method, segs.slice(1), url, req, rec, reply, raw);
  }

  type Reply = (status: number, body?: unknown, extra?: Record<string, string>) => void;

  function tokenEndpoint(tenant: string, raw: Buffer, rec: RecordedRequest, reply: Reply): void {
    const form = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    rec.form = safeForm(raw);
    const clientId = form.client_id ?? '';
    const scope = form.scope ?? '';
    const grantType = form.grant_type ?? '';
    const credential = form.client_secret ? 'secret' : form.client_assertion ? 'assertion' : 'none';
    rec.tokenRequest = { clientId, scope, grantType, credential };
    if (tenant.toLowerCase() !== tenantId.toLowerCase()) {
      return reply(400, aadError('invalid_request', 'AADSTS90002', `Tenant '${tenant}' not found.`));
    }
    if (grantType !== 'client_credentials') return reply(400, aadError('unsupported_grant_type', 'AADSTS70003', 'The app requested an unsupported grant type.'));
    if (!clientId || (opts.clientId && clientId !== opts.clientId)) {
      return reply(400, aadError('unauthorized_client', 'AADSTS700016', `Application with identifier '${clientId}' was not found in the directory.`));
    }
    if (!scope.endsWith('/.default')) return reply(400, aadError('invalid_scope', 'AADSTS1002012', `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`));
    if (credential === 'secret') {
      if (opts.clientSecret !== undefined && form.client_secret !== opts.clientSecret) {
        return reply(401, aadError('invalid_client', 'AADSTS7000215', 'Invalid client secret provided.'));
      }
    } else if (credential === 'assertion') {
      const tokenEndpointUrl = `${origin}/${tenant}/oauth2/v2.0/token`;
      const check = checkAssertion(form.client_assertion ?? '', form.client_assertion_type ?? '', clientId, tokenEndpointUrl);
      if (check.header) rec.tokenRequest.assertionHeader = check.header;
      if (check.claims) rec.tokenRequest.assertionClaims = check.claims;
      if (check.error) return reply(401, aadError('invalid_client', 'AADSTS700027', `Client assertion failed signature validation: ${check.error}`));
    } else {
      return reply(401, aadError('invalid_client', 'AADSTS7000218', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
    }
    const accessToken = `sim.${randomBytes(24).toString('base64url')}`;
    tokens.set(accessToken, { clientId, scope, expiresAt: now().getTime() + tokenLifetime * 1000 });
    return reply(200, { token_type: 'Bearer', expires_in: tokenLifetime, ext_expires_in: tokenLifetime, access_token: accessToken });
  }

  function checkAssertion(jwt: string, type: string, clientId: string, aud: string): { error?: string; header?: Record<string, unknown>; claims?: Record<string, unknown> } {
    if (type !== ASSERTION_TYPE) return { error: `client_assertion_type must be ${ASSERTION_TYPE}` };
    const parts = jwt.split('.');
    if (parts.length !== 3) return { error: 'not a JWT' };
    const header = tryJson(Buffer.from(parts[0] as string, 'base64url')) as Record<string, unknown> | undefined;
    const claims = tryJson(Buffer.from(parts[1] as string, 'base64url')) as Record<string, unknown> | undefined;
    if (!header || !claims) return { error: 'undecodable JWT' };
    const out = { header, claims };
    const x5tS256 = header['x5t#S256'];
    if (typeof x5tS256 !== 'string') return { ...out, error: 'x5t#S256 header missing' };
    if (claims.iss !== clientId || claims.sub !== clientId) return { ...out, error: 'iss and sub must equal client_id' };
    const audOk = Array.isArray(claims.aud) ? claims.aud.includes(aud) : claims.aud === aud;
    if (!audOk) return { ...out, error: `aud must be ${aud}` };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < now().getTime()) return { ...out, error: 'assertion expired' };
    if (clientCert) {
      const expected = createHash('sha256').update(clientCert.raw).digest('base64url');
      if (x5tS256 !== expected) return { ...out, error: 'unknown certificate thumbprint' };
      const data = Buffer.from(`${parts[0]}.${parts[1]}`);
      const sig = Buffer.from(parts[2] as string, 'base64url');
      const key = createPublicKey(clientCert.publicKey.export({ format: 'pem', type: 'spki' }));
      const ok =
        header.alg === 'PS256'
          ? cryptoVerify('sha256', data, { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
          : header.alg === 'RS256'
            ? cryptoVerify('sha256', data, key, sig)
            : false;
      if (!ok) return { ...out, error: `bad ${String(header.alg)} signature` };
    }
    return out;
  }

  function graph(method: string, segs: string[], url: URL, req: IncomingMessage, rec: RecordedRequest, reply: Reply, rawBody: Buffer): void {
    const q = url.searchParams;
    const requestId = randomUUID();
    const ok = (status: number, body?: unknown, extra: Record<string, string> = {}) => reply(status, body, { 'request-id': requestId, 'client-request-id': requestId, ...extra });
    const notFound = (what = 'The specified object was not found in the store.') => ok(404, graphError('ErrorItemNotFound', what));
    const [s0, s1, s2, s3, s4, s5] = segs;
    if (mailRoutes.handle(method, segs, q, req, rec.json, rawBody, ok)) return;

    // /admin/exchange/tracing/messageTraces
    if (s0 === 'admin' && s1 === 'exchange' && s2 === 'tracing' && s3 === 'messageTraces' && segs.length === 4 && method === 'GET') {
      return messageTraces(q, ok);
    }
    // /security/collaboration/analyzedEmails/remediate
    if (s0 === 'security' && s1 === 'collaboration' && s2 === 'analyzedEmails' && s3 === 'remediate' && segs.length === 4 && method === 'POST') {
      return remediate(rec.json, ok);
    }
    if (s0 === 'subscriptions') return subscriptionRoute(method, segs, rec.json, ok);
    // /users/{id}/checkMemberGroups: the subset of the given group ids the user belongs to.
    if (s0 === 'users' && s2 === 'checkMemberGroups' && segs.length === 3 && method === 'POST') {
      const ids = (rec.json as { groupIds?: unknown } | undefined)?.groupIds;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20) return ok(400, graphError('Request_BadRequest', 'groupIds must list 1 to 20 group ids.'));
      const user = (s1 ?? '').toLowerCase();
      return ok(200, { value: ids.filter((g) => groupMembers.get(String(g).toLowerCase())?.has(user)) });
    }
    if (s0 !== 'users') return ok(400, graphError('BadRequest', `Resource not found for the segment '${s0 ?? ''}'.`));
    if (segs.length === 1 && method === 'GET') {
      const top = Number(q.get('$top') ?? 100);
      return ok(200, { value: [...mailboxes.values()].slice(0, top).map((m) => ({ id: m.userId, userPrincipalName: m.address, mail: m.address })) });
    }
    const mb = [...mailboxes.values()].find((m) => m.address === (s1 ?? '').toLowerCase() || m.userId === s1);
    if (!mb) return ok(404, graphError('ErrorInvalidUser', `The requested user '${s1 ?? ''}' is invalid.`));
    if (segs.length === 2 && method === 'GET') return ok(200, { id: mb.userId, userPrincipalName: mb.address, mail: mb.address });

    if (s2 === 'mailFolders') {
      if (segs.length === 3 && method === 'GET') return ok(200, folderList(mb, mb.wellKnown.get('msgfolderroot') as string, q));
      const folder = folderByIdOrName(mb, s3 ?? '');
      if (!folder) return notFound();
      if (segs.length === 4 && method === 'GET') return ok(200, folderJson(folder));
      if (s4 === 'childFolders' && segs.length === 5 && method === 'GET') return ok(200, folderList(mb, folder.id, q));
      if (s4 === 'messages' && s5 === 'delta' && segs.length === 6 && method === 'GET') return delta(mb, folder, q, req, ok);
      return ok(400, graphError('BadRequest', `unsupported ${method} ${segs.join('/')}`));
    }

    if (s2 === 'sendMail' && segs.length === 3 && method === 'POST') {
      const m = (rec.json as { message?: Record<string, unknown>; saveToSentItems?: unknown } | undefined) ?? {};
      const msg = m.message ?? {};
      const body = (msg.body ?? {}) as { contentType?: unknown; content?: unknown };
      const to = Array.isArray(msg.toRecipients) ? (msg.toRecipients as { emailAddress?: { address?: unknown } }[]).map((r) => String(r.emailAddress?.address ?? '')) : [];
      if (typeof msg.subject !== 'string' || to.length === 0 || to.some((a) => !a.includes('@'))) return ok(400, graphError('ErrorInvalidRecipients', 'At least one recipient is not valid.'));
      sentMail.push({ from: mb.address, to, subject: msg.subject, contentType: String(body.contentType ?? 'Text'), content: String(body.content ?? ''), saveToSentItems: m.saveToSentItems !== false, at: now() });
      return ok(202);
    }
    if (s2 === 'messages') {
      if (segs.length === 3 && method === 'GET') {
        const filter = q.get('$filter') ?? '';
        const m = /^internetMessageId eq '((?:[^']|'')*)'$/i.exec(filter.trim());
        if (filter && !m) return ok(400, graphError('ErrorInvalidUrlQueryFilter', 'The simulator only supports $filter=internetMessageId eq \'...\'.'));
        const wanted = m ? (m[1] as string).replace(/''/g, "'") : undefined;
        const list = [...mb.messages.values()].filter((x) => wanted === undefined || x.internetMessageId === wanted);
        return ok(200, { value: list.map(messageJson) });
      }
      const msg = mb.messages.get(s3 ?? '');
      if (!msg) return notFound();
      if (segs.length === 4 && method === 'GET') return ok(200, messageJson(msg));
      if (segs.length === 4 && method === 'DELETE') {
        moveTo(mb, msg, mb.wellKnown.get('deleteditems') as string);
        return ok(204);
      }
      if (s4 === '$value' && segs.length === 5 && method === 'GET') return ok(200, msg.mime, { 'content-type': 'text/plain' });
      if (s4 === 'move' && segs.length === 5 && method === 'POST') {
        const dest = (rec.json as { destinationId?: unknown } | undefined)?.destinationId;
        const folder = typeof dest === 'string' ? folderByIdOrName(mb, dest) : undefined;
        if (!folder) return ok(400, graphError('ErrorInvalidIdMalformed', 'Id is malformed.'));
        moveTo(mb, msg, folder.id);
        return ok(201, messageJson(msg));
      }
      if (s4 === 'permanentDelete' && segs.length === 5 && method === 'POST') {
        deleteMessage(mb, msg);
        return ok(204);
      }
    }
    return ok(400, graphError('BadRequest', `unsupported ${method} /v1.0/${segs.join('/')}`));
  }

  function folderList(mb: Mailbox, parentId: string, q: URLSearchParams): unknown {
    const filter = (q.get('$filter') ?? '').trim();
    const m = /^displayName eq '((?:[^']|'')*)'$/i.exec(filter);
    const name = m ? (m[1] as string).replace(/''/g, "'").toLowerCase() : undefined;
    return { value: children(mb, parentId).filter((f) => name === undefined || f.displayName.toLowerCase() === name).map(folderJson) };
  }

  function delta(mb: Mailbox, folder: Folder, q: URLSearchParams, req: IncomingMessage, ok: Reply): void {
    const prefer = String(req.headers.prefer ?? '');
    const pageSize = Math.max(1, Math.min(1000, Number(/odata\.maxpagesize=(\d+)/i.exec(prefer)?.[1] ?? 10)));
    const applied: Record<string, string> = /odata\.maxpagesize=\d+/i.test(prefer) ? { 'preference-applied': `odata.maxpagesize=${pageSize}` } : {};
    const skip = q.get('$skiptoken');
    const dt = q.get('$deltatoken');
    let paging: DeltaPaging;
    if (skip) {
      const p = deltaPages.get(skip);
      if (!p || p.folderId !== folder.id) return ok(410, graphError('SyncStateNotFound', 'The sync state generation is not found.'));
      // Like Graph's $skiptoken, a page link can be requested again (a round that stopped at its
      // cap resumes there), so the stored paging state is copied, never consumed.
      paging = { ...p };
    } else {
      let since: number | undefined;
      if (dt) {
        const state = deltaTokens.get(dt);
        if (!state || state.folderId !== folder.id) return ok(410, graphError('SyncStateNotFound', 'The sync state generation is not found.'));
        since = state.seq;
      }
      const snapshotSeq = seq;
      let items: Record<string, unknown>[];
      if (since === undefined) {
        items = [...mb.messages.values()].filter((m) => m.folderId === folder.id).map(deltaJson);
      } else {
        const touched = new Set(mb.changes.filter((c) => c.folderId === folder.id && c.seq > (since as number) && c.seq <= snapshotSeq).map((c) => c.id));
        items = [...touched].map((id) => {
          const m = mb.messages.get(id);
          return m && m.folderId === folder.id ? deltaJson(m) : { '@odata.type': '#microsoft.graph.message', id, '@removed': { reason: m ? 'changed' : 'deleted' } };
        });
      }
      paging = { mailbox: mb.address, folderId: folder.id, items, offset: 0, snapshotSeq, pageSize };
    }
    const page = paging.items.slice(paging.offset, paging.offset + pageSize);
    paging.offset += page.length;
    const base = `${origin}/v1.0/users/${encodeURIComponent(mb.address)}/mailFolders/${encodeURIComponent(folder.id)}/messages/delta`;
    if (paging.offset < paging.items.length) {
      const token = randomBytes(16).toString('base64url');
      deltaPages.set(token, { ...paging, pageSize });
      return ok(200, { '@odata.context': `${origin}/v1.0/$metadata#Collection(message)`, '@odata.nextLink': `${base}?$skiptoken=${token}`, value: page }, applied);
    }
    const token = randomBytes(16).toString('base64url');
    deltaTokens.set(token, { mailbox: mb.address, folderId: folder.id, seq: paging.snapshotSeq });
    return ok(200, { '@odata.context': `${origin}/v1.0/$metadata#Collection(message)`, '@odata.deltaLink': `${base}?$deltatoken=${token}`, value: page }, applied);
  }

  function messageTraces(q: URLSearchParams, ok: Reply): void {
    const skip = q.get('$skiptoken');
    if (skip) {
      const p = tracePages.get(skip);
      if (!p) return ok(400, graphError('BadRequest', 'Invalid $skiptoken.'));
      tracePages.delete(skip);
      return tracePage(p.rows, p.offset, p.top, ok);
    }
    const filter = q.get('$filter') ?? '';
    const parsed = parseTraceFilter(filter);
    if ('error' in parsed) return ok(400, graphError('BadRequest', parsed.error));
    const clock = now().getTime();
    let { start, end } = parsed;
    if (start === undefined && end === undefined) {
      end = clock;
      start = clock - 2 * DAY_MS;
    }
    if (start === undefined || end === undefined) return ok(400, graphError('BadRequest', 'Both receivedDateTime ge and le must be given.'));
    if (end - start > 10 * DAY_MS) return ok(400, graphError('BadRequest', 'The date range must be 10 days or less.'));
    if (start < clock - 90 * DAY_MS) return ok(400, graphError('BadRequest', 'The start date must be within the last 90 days.'));
    if (end > clock) return ok(400, graphError('BadRequest', 'The end date cannot be in the future.'));
    const top = Math.max(1, Math.min(5000, Number(q.get('$top') ?? opts.tracePageSize ?? 1000)));
    const rows = traceRows.filter((r) => {
      const t = Date.parse(r.receivedDateTime ?? '');
      if (!(t >= (start as number) && t <= (end as number))) return false;
      for (const [k, v] of Object.entries(parsed.eq)) {
        const have = (r as unknown as Record<string, unknown>)[k];
        if (typeof have !== 'string' || have.toLowerCase() !== v.toLowerCase()) return false;
      }
      if (parsed.subject) {
        const s = (r.subject ?? '').toLowerCase();
        const v = parsed.subject.value.toLowerCase();
        if (parsed.subject.op === 'contains' ? !s.includes(v) : parsed.subject.op === 'startswith' ? !s.startsWith(v) : !s.endsWith(v)) return false;
      }
      return true;
    });
    return tracePage(rows, 0, top, ok);
  }

  function tracePage(rows: SimTraceRow[], offset: number, top: number, ok: Reply): void {
    const page = rows.slice(offset, offset + top);
    const body: Record<string, unknown> = { '@odata.context': `${origin}/v1.0/$metadata#admin/exchange/tracing/messageTraces`, value: page };
    if (offset + top < rows.length) {
      const token = randomBytes(16).toString('base64url');
      tracePages.set(token, { rows, offset: offset + top, top });
      body['@odata.nextLink'] = `${origin}/v1.0/admin/exchange/tracing/messageTraces?$skiptoken=${token}`;
    }
    return ok(200, body);
  }

  function remediate(body: unknown, ok: Reply): void {
    const b = body as Record<string, unknown> | undefined;
    const bad = (msg: string) => ok(400, graphError('BadRequest', msg));
    if (!b || typeof b !== 'object') return bad('A JSON body is required.');
    if (typeof b.displayName !== 'string' || !b.displayName) return bad('displayName is required.');
    if (!['low', 'medium', 'high'].includes(String(b.severity))) return bad('severity must be low, medium or high.');
    if (b.action === 'moveToQuarantine') return bad('moveToQuarantine is not currently supported.');
    if (!['softDelete', 'hardDelete', 'moveToJunk', 'moveToInbox', 'moveToDeletedItems'].includes(String(b.action))) return bad('Invalid action.');
    const emails = b.analyzedEmails;
    if (!Array.isArray(emails) || emails.length === 0) return bad('analyzedEmails is required.');
    for (const e of emails) {
      if (!e || typeof e.networkMessageId !== 'string' || typeof e.recipientEmailAddress !== 'string') return bad('Each analyzedEmail needs networkMessageId and recipientEmailAddress.');
    }
    const at = now();
    if (opts.duplicateRemediation409 && remediations.some((r) => r.displayName === b.displayName && at.getTime() - r.at.getTime() < 30 * 60_000)) {
      return ok(409, graphError('Conflict', 'Duplicate remediation.'));
    }
    const bulkId = randomUUID();
    const location = `https://security.microsoft.com/action-center/history?filters={"bulkId":["${bulkId}"]}&tid=${tenantId}`;
    remediations.push({
      bulkId,
      displayName: b.displayName,
      ...(typeof b.description === 'string' ? { description: b.description } : {}),
      severity: String(b.severity),
      action: String(b.action),
      ...(typeof b.remediateSendersCopy === 'boolean' ? { remediateSendersCopy: b.remediateSendersCopy } : {}),
      analyzedEmails: (emails as { networkMessageId: string; recipientEmailAddress: string }[]).map((e) => ({ networkMessageId: e.networkMessageId, recipientEmailAddress: e.recipientEmailAddress })),
      body,
      location,
      at,
    });
    applyRemediation(String(b.action), emails as { networkMessageId: string; recipientEmailAddress: string }[]);
    return ok(202, undefined, { location });
  }

  function applyRemediation(action: string, emails: { networkMessageId: string; recipientEmailAddress: string }[]): void {
    const target: Record<string, string> = { softDelete: 'recoverableitemsdeletions', moveToJunk: 'junkemail', moveToInbox: 'inbox', moveToDeletedItems: 'deleteditems' };
    for (const e of emails) {
      const mb = mailboxFor(e.recipientEmailAddress, false);
      if (!mb) continue;
      for (const msg of [...mb.messages.values()].filter((m) => m.networkMessageId === e.networkMessageId)) {
        if (action === 'hardDelete') deleteMessage(mb, msg);
        else moveTo(mb, msg, mb.wellKnown.get(target[action] as string) as string);
      }
    }
  }

  // ------------------------------------------------------------------ change notifications

  function subscriptionRoute(method: string, segs: string[], body: unknown, ok: Reply): void {
    const [, id, action] = segs;
    if (segs.length === 1 && method === 'POST') return createSubscription(body, ok);
    if (segs.length === 1 && method === 'GET') return ok(200, { value: [...subscriptions.values()].map((x) => subscriptionJson(x)) });
    const sub = id ? subscriptions.get(id) : undefined;
    if (!sub) return ok(404, graphError('ResourceNotFound', `The object was not found.`));
    if (segs.length === 2 && method === 'GET') return ok(200, subscriptionJson(sub));
    if (segs.length === 2 && method === 'DELETE') {
      subscriptions.delete(sub.id);
      return ok(204);
    }
    if (segs.length === 2 && method === 'PATCH') {
      const exp = (body as { expirationDateTime?: unknown } | undefined)?.expirationDateTime;
      const problem = expirationProblem(exp);
      if (problem) return ok(400, graphError('InvalidRequest', problem));
      sub.expirationDateTime = new Date(exp as string).toISOString();
      return ok(200, subscriptionJson(sub));
    }
    if (action === 'reauthorize' && segs.length === 3 && method === 'POST') {
      sub.reauthorizations++;
      return ok(204);
    }
    return ok(400, graphError('BadRequest', `unsupported ${method} /v1.0/${segs.join('/')}`));
  }

  function createSubscription(body: unknown, ok: Reply): void {
    const b = body as Record<string, unknown> | undefined;
    const bad = (msg: string) => ok(400, graphError('InvalidRequest', msg));
    if (!b || typeof b !== 'object') return bad('A JSON body is required.');
    const { changeType, notificationUrl, lifecycleNotificationUrl, resource, expirationDateTime, clientState } = b;
    if (typeof changeType !== 'string' || !changeType.split(',').every((c) => ['created', 'updated', 'deleted'].includes(c.trim()))) return bad('changeType must be created, updated and/or deleted.');
    if (typeof notificationUrl !== 'string' || !deliverableUrl(notificationUrl)) return bad('The notificationUrl must be an https URL.');
    if (lifecycleNotificationUrl !== undefined && (typeof lifecycleNotificationUrl !== 'string' || !deliverableUrl(lifecycleNotificationUrl))) return bad('The lifecycleNotificationUrl must be an https URL.');
    if (typeof resource !== 'string') return bad('resource is required.');
    const target = subscriptionTarget(resource);
    if ('error' in target) return bad(target.error);
    const problem = expirationProblem(expirationDateTime);
    if (problem) return bad(problem);
    if (clientState !== undefined && clientState !== null && (typeof clientState !== 'string' || clientState.length > 128)) return bad('clientState must be a string of at most 128 characters.');
    track(
      (async () => {
        // Graph validates every URL before the subscription exists (microsoft.md §5.2).
        for (const url of [notificationUrl, lifecycleNotificationUrl]) {
          if (typeof url !== 'string') continue;
          const failure = await validateEndpoint(url);
          if (failure) return ok(400, graphError('ValidationError', failure));
        }
        const sub: SimSubscription = {
          id: randomUUID(),
          resource,
          changeType,
          notificationUrl,
          ...(typeof lifecycleNotificationUrl === 'string' ? { lifecycleNotificationUrl } : {}),
          expirationDateTime: new Date(expirationDateTime as string).toISOString(),
          ...(typeof clientState === 'string' ? { clientState } : {}),
          mailbox: target.mailbox.address,
          ...(target.folderId ? { folderId: target.folderId } : {}),
          reauthorizations: 0,
        };
        subscriptions.set(sub.id, sub);
        return ok(201, subscriptionJson(sub, true));
      })(),
    );
  }

  function deliverableUrl(u: string): boolean {
    try {
      const url = new URL(u);
      // Graph only calls https; the simulator also calls plain http on loopback (tests).
      return url.protocol === 'https:' || (url.protocol === 'http:' && /^(127\.0\.0\.1|localhost|\[::1\])$/.test(url.host.replace(/:\d+$/, '')));
    } catch {
      return false;
    }
  }

  function expirationProblem(value: unknown): string | undefined {
    const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(t)) return 'expirationDateTime must be an ISO 8601 date and time.';
    const max = opts.maxSubscriptionMinutes ?? 4230;
    if (t <= now().getTime()) return 'Subscription expiration must be in the future.';
    if (t > now().getTime() + max * 60_000) return `Subscription expiration can only be ${max} minutes in the future.`;
    return undefined;
  }

  /** `users/{id|upn}/mailFolders/{id|wellKnown}/messages`, `users/{x}/mailFolders('{x}')/messages` or `users/{x}/messages`. */
  function subscriptionTarget(resource: string): { mailbox: Mailbox; folderId?: string } | { error: string } {
    const r = resource.replace(/^\/+/, '').replace(/^v1\.0\//i, '');
    const m = /^users\/([^/]+)\/(?:mailFolders(?:\/([^/(]+)|\('([^']+)'\))\/)?messages$/i.exec(r);
    if (!m) return { error: `Unsupported resource '${resource}'.` };
    let who: string;
    try {
      who = decodeURIComponent(m[1] as string).toLowerCase();
    } catch {
      return { error: `Invalid resource '${resource}'.` };
    }
    const mb = [...mailboxes.values()].find((x) => x.address === who || x.userId === who);
    if (!mb) return { error: `The requested user '${who}' is invalid.` };
    const folderRef = m[2] ?? m[3];
    if (folderRef === undefined) return { mailbox: mb };
    const folder = folderByIdOrName(mb, decodeURIComponent(folderRef));
    if (!folder) return { error: `The folder '${folderRef}' was not found.` };
    return { mailbox: mb, folderId: folder.id };
  }

  function subscriptionJson(sub: SimSubscription, withClientState = false): Record<string, unknown> {
    return {
      '@odata.context': `${origin}/v1.0/$metadata#subscriptions/$entity`,
      id: sub.id,
      resource: sub.resource,
      applicationId: opts.clientId ?? null,
      changeType: sub.changeType,
      clientState: withClientState ? (sub.clientState ?? null) : null,
      notificationUrl: sub.notificationUrl,
      lifecycleNotificationUrl: sub.lifecycleNotificationUrl ?? null,
      expirationDateTime: sub.expirationDateTime,
      latestSupportedTlsVersion: 'v1_2',
    };
  }

  function track<T>(p: Promise<T>): Promise<T> {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  }

  async function deliver(kind: SimDelivery['kind'], url: string, body: unknown, subscriptionId?: string): Promise<SimDelivery> {
    const d: SimDelivery = { kind, url, ...(subscriptionId ? { subscriptionId } : {}), ...(body !== undefined ? { body } : {}), status: 0, contentType: '', responseText: '' };
    deliveries.push(d);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': kind === 'validation' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8' },
        body: body === undefined ? '' : JSON.stringify(body),
        // Graph gives the validation handshake 10 s, and waits about as long for a notification.
        signal: AbortSignal.timeout(10_000),
      });
      d.status = res.status;
      d.contentType = res.headers.get('content-type') ?? '';
      d.responseText = await res.text();
    } catch (err) {
      d.error = (err as Error).message;
    }
    return d;
  }

  async function validateEndpoint(url: string): Promise<string | undefined> {
    // Real tokens look like this, with spaces and a colon, so the receiver must URL-decode them.
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const d = await deliver('validation', `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`, undefined);
    if (d.status === 200 && d.responseText === token && /^text\/plain/i.test(d.contentType)) return undefined;
    return `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. (${d.status ? `got ${d.status}` : d.error ?? 'no answer'})`;
  }

  function changePayload(sub: SimSubscription, ids: string[], changeType: string, clientState: string | null | undefined): unknown {
    const mb = mailboxFor(sub.mailbox, false) as Mailbox;
    return {
      value: ids.map((id) => ({
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: sub.expirationDateTime,
        changeType,
        resource: `Users/${mb.userId}/Messages/${id}`,
        resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': `Users/${mb.userId}/Messages/${id}`, '@odata.etag': `W/"${id.slice(-8)}"`, id },
        ...(clientState != null ? { clientState } : {}),
        tenantId,
      })),
    };
  }

  function lifecyclePayload(sub: SimSubscription, event: SimLifecycleEvent, clientState: string | null | undefined): unknown {
    return { value: [{ subscriptionId: sub.id, subscriptionExpirationDateTime: sub.expirationDateTime, tenantId, ...(clientState != null ? { clientState } : {}), lifecycleEvent: event }] };
  }

  function mailArrived(mb: Mailbox, folderId: string, id: string): void {
    if (opts.autoNotify === false) return;
    for (const sub of subscriptions.values()) {
      if (sub.mailbox !== mb.address || (sub.folderId && sub.folderId !== folderId) || !sub.changeType.includes('created')) continue;
      if (Date.parse(sub.expirationDateTime) <= now().getTime()) continue;
      track(deliver('notification', sub.notificationUrl, changePayload(sub, [id], 'created', sub.clientState), sub.id));
    }
  }

  const subscriptionsApi: SimSubscriptionsApi = {
    list: () => [...subscriptions.values()],
    get: (id) => subscriptions.get(id),
    deliveries,
    notify(subscriptionId, messageIds, o = {}) {
      const sub = subscriptions.get(subscriptionId);
      if (!sub) return Promise.reject(new Error(`no subscription ${subscriptionId}`));
      const cs = o.clientState === undefined ? sub.clientState : o.clientState;
      return track(deliver('notification', sub.notificationUrl, changePayload(sub, messageIds, o.changeType ?? 'created', cs), sub.id));
    },
    lifecycle(subscriptionId, event, o = {}) {
      const sub = subscriptions.get(subscriptionId);
      if (!sub) return Promise.reject(new Error(`no subscription ${subscriptionId}`));
      const cs = o.clientState === undefined ? sub.clientState : o.clientState;
      return track(deliver('lifecycle', sub.lifecycleNotificationUrl ?? sub.notificationUrl, lifecyclePayload(sub, event, cs), sub.id));
    },
    async remove(subscriptionId, o = {}) {
      const sub = subscriptions.get(subscriptionId);
      if (!sub) return undefined;
      subscriptions.delete(subscriptionId);
      if (o.notify === false) return undefined;
      return track(deliver('lifecycle', sub.lifecycleNotificationUrl ?? sub.notificationUrl, lifecyclePayload(sub, 'subscriptionRemoved', sub.clientState), sub.id));
    },
    async flush() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };

  function folderJson(f: Folder): Record<string, unknown> {
    return { id: f.id, displayName: f.displayName, parentFolderId: f.parentFolderId, childFolderCount: 0, totalItemCount: 0, unreadItemCount: 0 };
  }

  function messageJson(m: SimMessage): Record<string, unknown> {
    return {
      id: m.id,
      parentFolderId: m.folderId,
      receivedDateTime: m.receivedDateTime,
      ...optional('internetMessageId', m.internetMessageId),
      ...optional('subject', m.subject),
      ...(m.from ? { from: { emailAddress: { address: m.from } } } : {}),
    };
  }

  function deltaJson(m: SimMessage): Record<string, unknown> {
    return { '@odata.type': '#microsoft.graph.message', '@odata.etag': `W/"${m.id.slice(-8)}"`, ...messageJson(m) };
  }

  return {
    url: origin,
    loginUrl: origin,
    graphUrl: origin,
    tenantId,
    mailbox: mailboxApi,
    requests,
    remediations,
    sentMail,
    groups: {
      setMembers(groupId, userIds) {
        groupMembers.set(groupId.toLowerCase(), new Set(userIds.map((u) => u.toLowerCase())));
      },
    },
    traces: {
      rows: traceRows,
      add(row) {
        traceRows.push({
          id: row.id ?? randomUUID(),
          senderAddress: row.senderAddress ?? 'sender@example.net',
          subject: row.subject ?? '',
          size: row.size ?? 1024,
          fromIP: row.fromIP ?? '203.0.113.7',
          toIP: row.toIP ?? '',
          status: row.status ?? 'delivered',
          ...row,
          receivedDateTime: row.receivedDateTime ?? now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        });
      },
    },
    failNext(match, response, times = 1) {
      failures.push({ match, response, remaining: times });
    },
    revokeTokens() {
      tokens.clear();
    },
    expireDeltaState() {
      deltaTokens.clear();
      deltaPages.clear();
    },
    subscriptions: subscriptionsApi,
    hold(match) {
      let reached!: (r: { method: string; path: string }) => void;
      const promise = new Promise<{ method: string; path: string }>((resolve) => (reached = resolve));
      const h: (typeof holds)[number] = { match, reached };
      holds.push(h);
      return {
        reached: promise,
        release() {
          const i = holds.indexOf(h);
          if (i >= 0) holds.splice(i, 1);
          h.run?.();
        },
      };
    },
    mail: mailRoutes.api,
    tokenInfo(token) {
      const t = tokens.get(token);
      return t ? { clientId: t.clientId, scope: t.scope, expired: t.expiresAt <= now().getTime() } : undefined;
    },
    tokenRequests() {
      return requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
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

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const headers: Record<string, string> = { ...extra };
  let payload: Buffer | string | undefined;
  if (Buffer.isBuffer(body)) payload = body;
  else if (typeof body === 'string') {
    payload = body;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json; odata.metadata=minimal; charset=utf-8';
  }
  res.writeHead(status, headers);
  res.end(payload);
}

function graphError(code: string, message: string): unknown {
  return { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID() } } };
}

function aadError(error: string, code: string, description: string): unknown {
  const traceId = randomUUID();
  return {
    error,
    error_description: `${code}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [Number(code.replace(/\D/g, ''))],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
  };
}

function safeForm(raw: Buffer): Record<string, string> {
  const form = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  for (const k of ['client_secret', 'client_assertion']) if (form[k]) form[k] = '[redacted]';
  return form;
}

function tryJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

/** The top-level headers of a MIME message (unfolded, lower-case names, first occurrence wins). */
function mimeHeaders(mime: Buffer): Record<string, string> {
  const text = mime.subarray(0, 64 * 1024).toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, ' ');
  const out: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    if (!(k in out)) out[k] = line.slice(i + 1).trim();
  }
  return out;
}

type TraceFilter = { start?: number; end?: number; eq: Record<string, string>; subject?: { op: string; value: string } };

/** Parses the message trace $filter subset: `prop eq '…'`, `receivedDateTime ge|le <date>`, `contains|startsWith|endsWith(subject,'…')`, joined by `and`. */
function parseTraceFilter(filter: string): TraceFilter | { error: string } {
  const out: TraceFilter = { eq: {} };
  if (!filter.trim()) return out;
  const clauses: string[] = [];
  let cur = '';
  let inQuote = false;
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i] as string;
    if (ch === "'") {
      if (inQuote && filter[i + 1] === "'") {
        cur += "''";
        i++;
        continue;
      }
      inQuote = !inQuote;
    }
    if (!inQuote && /^\s+and\s+/i.test(filter.slice(i))) {
      const m = /^\s+and\s+/i.exec(filter.slice(i)) as RegExpExecArray;
      clauses.push(cur);
      cur = '';
      i += m[0].length - 1;
      continue;
    }
    cur += ch;
  }
  clauses.push(cur);
  const EQ = new Set(['fromip', 'id', 'messageid', 'recipientaddress', 'senderaddress', 'status', 'toip']);
  const CANON: Record<string, string> = { fromip: 'fromIP', id: 'id', messageid: 'messageId', recipientaddress: 'recipientAddress', senderaddress: 'senderAddress', status: 'status', toip: 'toIP' };
  for (const raw of clauses) {
    const c = raw.trim();
    let m = /^receivedDateTime\s+(ge|le)\s+'?([0-9T:.Z+-]+)'?$/i.exec(c);
    if (m) {
      const t = Date.parse(m[2] as string);
      if (Number.isNaN(t)) return { error: `Invalid date ${m[2]}` };
      if ((m[1] as string).toLowerCase() === 'ge') out.start = t;
      else out.end = t;
      continue;
    }
    m = /^(\w+)\s+eq\s+'((?:[^']|'')*)'$/i.exec(c);
    if (m && EQ.has((m[1] as string).toLowerCase())) {
      out.eq[CANON[(m[1] as string).toLowerCase()] as string] = (m[2] as string).replace(/''/g, "'");
      continue;
    }
    m = /^(contains|startswith|endswith)\(\s*subject\s*,\s*'((?:[^']|'')*)'\s*\)$/i.exec(c);
    if (m) {
      out.subject = { op: (m[1] as string).toLowerCase(), value: (m[2] as string).replace(/''/g, "'") };
      continue;
    }
    return { error: `Unsupported filter clause: ${c}` };
  }
  return out;
}
