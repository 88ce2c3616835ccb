// A local fake of the Teams side of the Bot Framework, so the real Teams SDK runs offline:
//
// - the Bot Connector service (the activity's serviceUrl), over HTTP: POST/PUT activities,
//   paged members, create conversation. It records every call with its bearer token and body,
//   answers numeric activity ids, and can be told to fail (429 with Retry-After, 412, 502, 504,
//   403 BotNotInConversationRoster for a removed bot);
// - the Bot Framework OpenID keys (JWKS) at /v1/.well-known/keys, and a minter of RS256 channel
//   tokens (iss https://api.botframework.com, aud = the bot's app id, serviceurl claim), so tests
//   send activities exactly as Teams does, and forged ones with another key;
// - an Entra token endpoint over HTTPS (test CA) for the bot's own outbound token (client
//   credentials, scope https://api.botframework.com/.default): JWT-shaped access tokens, which the
//   connector then requires (`requireBotToken`).
import http from 'node:http';
import https from 'node:https';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: string;
  /** Decoded path, e.g. /v3/conversations/19:x@thread.tacv2/activities/1001. */
  path: string;
  conversationId?: string;
  activityId?: string;
  authorization?: string;
  body?: any;
  status: number;
}

export interface FailSpec {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeBotConnector {
  /** The serviceUrl to put in activities (http://127.0.0.1:P/). */
  serviceUrl: string;
  /** For the SDK's cloud override: ends with /openidconfiguration (the SDK derives /keys from it). */
  openIdMetadataUrl: string;
  /** https base URL of the Entra token endpoint (M365_LOGIN_URL / loginUrl). */
  loginUrl: string;
  appId: string;
  tenantId: string;
  calls: ConnectorCall[];
  callsTo(method: 'POST' | 'PUT' | 'GET', kind?: 'activities' | 'members' | 'conversations'): ConnectorCall[];
  /** Token requests the login endpoint saw (client id and scope; never the secret). */
  tokenRequests: { clientId: string; scope: string; tenant: string }[];
  /** When true, connector calls without a token issued by the login endpoint get 401. */
  requireBotToken: boolean;
  /** Members returned by pagedMembers / members, per conversation. */
  members: Map<string, { id: string; aadObjectId?: string; name?: string }[]>;
  /** Conversations the bot was removed from: every call answers 403 BotNotInConversationRoster. */
  gone: Set<string>;
  /** The next `times` connector calls matching method (and conversation) answer `spec`. */
  failNext(match: { method: 'POST' | 'PUT' | 'GET'; conversationId?: string }, spec: FailSpec, times?: number): void;
  /** Forgets failures not yet used up (between tests). */
  clearFailures(): void;
  /** Holds the matching calls until release() (to observe what happens while Teams is slow). */
  hold(match: { method: 'POST' | 'PUT' | 'GET'; conversationId?: string }): { release(): void };
  /** A channel token as Teams would send it (valid by default; override claims or sign with a forged key). */
  mintToken(over?: { aud?: string; iss?: string; serviceUrl?: string | null; expiresInSec?: number; forged?: boolean; kid?: string }): string;
  /** POSTs an activity to the bot as Teams does; `token: null` sends no Authorization header. */
  deliver(botUrl: string, activity: Record<string, unknown>, opts?: { token?: string | null }): Promise<{ status: number; body: any; text: string }>;
  close(): Promise<void>;
}

const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
}

async function readJson(req: http.IncomingMessage): Promise<{ text: string; json: any }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return { text, json: text ? JSON.parse(text) : undefined };
  } catch {
    return { text, json: undefined };
  }
}

export async function startFakeBotConnector(opts: { appId: string; tenantId: string; tls: { key: string; cert: string } }): Promise<FakeBotConnector> {
  const channelKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgedKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = createHash('sha256').update(channelKey.publicKey.export({ format: 'der', type: 'spki' })).digest('base64url').slice(0, 16);
  const jwk = { ...channelKey.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256', endorsements: ['msteams'] };
  const issuedBotTokens = new Set<string>();
  const calls: ConnectorCall[] = [];
  const tokenRequests: FakeBotConnector['tokenRequests'] = [];
  const members = new Map<string, { id: string; aadObjectId?: string; name?: string }[]>();
  const gone = new Set<string>();
  const failures: { match: { method: string; conversationId?: string }; spec: FailSpec; times: number }[] = [];
  const holds: { match: { method: string; conversationId?: string }; waiters: (() => void)[]; released: boolean }[] = [];
  let nextId = 1_700_000_000_001;
  let serviceUrl = '';

  const matches = (m: { method: string; conversationId?: string }, method: string, conv?: string) => m.method === method && (!m.conversationId || m.conversationId === conv);

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (req.method === 'GET' && path === '/v1/.well-known/keys') return reply(200, { keys: [jwk] });
    if (req.method === 'GET' && path === '/v1/.well-known/openidconfiguration') {
      return reply(200, { issuer: 'https://api.botframework.com', jwks_uri: `${serviceUrl}v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] });
    }

    const { json } = await readJson(req);
    const m = /^\/v3\/conversations(?:\/([^/]+)(?:\/(activities|pagedMembers|members)(?:\/([^/]+))?)?)?$/.exec(path);
    const conversationId = m?.[1];
    const kind = m?.[2];
    const activityId = m?.[3];
    const call: ConnectorCall = {
      method: req.method ?? 'GET',
      path,
      ...(conversationId ? { conversationId } : {}),
      ...(activityId ? { activityId } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(json !== undefined ? { body: json } : {}),
      status: 0,
    };
    calls.push(call);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      reply(status, body, headers);
    };
    if (!m) return send(404, { error: { code: 'NotFound', message: `no route ${req.method} ${path}` } });

    const hold = holds.find((h) => !h.released && matches(h.match, call.method, conversationId));
    if (hold) await new Promise<void>((resolve) => hold.waiters.push(resolve));

    if (fake.requireBotToken) {
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      if (!token || !issuedBotTokens.has(token)) return send(401, { message: 'Authorization has been denied for this request.' });
    }
    const fail = failures.find((f) => f.times > 0 && matches(f.match, call.method, conversationId));
    if (fail) {
      fail.times--;
      return send(fail.spec.status, fail.spec.body ?? { error: { code: 'Failure', message: `injected ${fail.spec.status}` } }, fail.spec.headers ?? {});
    }
    if (conversationId && gone.has(conversationId)) {
      return send(403, { error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } });
    }

    if (req.method === 'POST' && kind === 'activities') return send(201, { id: String(nextId++) });
    if (req.method === 'PUT' && kind === 'activities' && activityId) return send(200, { id: activityId });
    if (req.method === 'GET' && kind === 'pagedMembers') return send(200, { members: members.get(conversationId ?? '') ?? [] });
    if (req.method === 'GET' && kind === 'members') return send(200, members.get(conversationId ?? '') ?? []);
    if (req.method === 'POST' && !conversationId) return send(201, { id: `a:${randomBytes(6).toString('hex')}` });
    return send(405, { error: { code: 'MethodNotAllowed', message: `${req.method} ${path}` } });
  });

  // The Entra token endpoint (MSAL needs https; the test CA must be trusted: trustTestCa()).
  const login = https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, async (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const segs = url.pathname.split('/').filter(Boolean);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || segs.length !== 4 || segs[1] !== 'oauth2' || segs[3] !== 'token') return reply(404, { error: 'not_found' });
    const clientId = form.get('client_id') ?? '';
    const scope = form.get('scope') ?? '';
    tokenRequests.push({ clientId, scope, tenant: segs[0]! });
    if (segs[0] !== opts.tenantId) return reply(400, { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${segs[0]}' not found.` });
    if (clientId !== opts.appId || !form.get('client_secret')) return reply(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt({ alg: 'RS256', typ: 'JWT', kid }, { aud: 'https://api.botframework.com', iss: `https://sts.windows.net/${opts.tenantId}/`, appid: clientId, tid: opts.tenantId, iat: now, nbf: now, exp: now + 3600 }, channelKey.privateKey);
    issuedBotTokens.add(token);
    return reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => login.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const loginUrl = `https://127.0.0.1:${(login.address() as AddressInfo).port}`;

  const fake: FakeBotConnector = {
    serviceUrl,
    openIdMetadataUrl: `${serviceUrl}v1/.well-known/openidconfiguration`,
    loginUrl,
    appId: opts.appId,
    tenantId: opts.tenantId,
    calls,
    callsTo(method, kind) {
      return calls.filter((c) => c.method === method && (!kind || (kind === 'conversations' ? c.path === '/v3/conversations' : c.path.includes(kind === 'members' ? 'embers' : `/${kind}`))));
    },
    tokenRequests,
    requireBotToken: false,
    members,
    gone,
    failNext(match, spec, times = 1) {
      failures.push({ match, spec, times });
    },
    clearFailures() {
      failures.length = 0;
    },
    hold(match) {
      const h = { match, waiters: [] as (() => void)[], released: false };
      holds.push(h);
      return {
        release() {
          h.released = true;
          for (const w of h.waiters.splice(0)) w();
        },
      };
    },
    mintToken(over = {}) {
      const now = Math.floor(Date.now() / 1000);
      const exp = now + (over.expiresInSec ?? 3600);
      const claims: Record<string, unknown> = {
        iss: over.iss ?? 'https://api.botframework.com',
        aud: over.aud ?? opts.appId,
        iat: Math.min(now, exp - 60),
        nbf: Math.min(now, exp - 60),
        exp,
      };
      const su = over.serviceUrl === undefined ? serviceUrl : over.serviceUrl;
      if (su !== null) claims.serviceurl = su;
      return signJwt({ alg: 'RS256', typ: 'JWT', kid: over.kid ?? kid }, claims, over.forged ? forgedKey.privateKey : channelKey.privateKey);
    },
    async deliver(botUrl, activity, o = {}) {
      const token = o.token === undefined ? fake.mintToken() : o.token;
      const res = await fetch(`${botUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(activity),
      });
      const text = await res.text();
      let body: any;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: res.status, body, text };
    },
    async close() {
      for (const h of holds) {
        h.released = true;
        for (const w of h.waiters.splice(0)) w();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => login.close(() => resolve()));
      login.closeAllConnections();
    },
  };
  return fake;
}

// ---------------------------------------------------------------------------------------------
// Activities as Teams sends them.

export interface TeamsUser {
  /** MRI (29:…). */
  id: string;
  aadObjectId: string;
  name: string;
}

export interface ConversationSpec {
  id: string;
  type: 'personal' | 'groupChat' | 'channel';
  teamId?: string;
  name?: string;
}

function base(fake: FakeBotConnector, conv: ConversationSpec, from: TeamsUser | { id: string; name?: string }) {
  return {
    channelId: 'msteams',
    serviceUrl: fake.serviceUrl,
    id: `act-${randomBytes(6).toString('hex')}`,
    timestamp: new Date().toISOString(),
    from,
    recipient: { id: `28:${fake.appId}`, name: 'Hookline' },
    conversation: { id: conv.id, conversationType: conv.type, tenantId: fake.tenantId, ...(conv.name ? { name: conv.name } : {}) },
    channelData: {
      tenant: { id: fake.tenantId },
      ...(conv.type === 'channel' ? { team: { id: conv.teamId ?? conv.id, name: conv.name ?? 'Team' }, channel: { id: conv.id } } : {}),
    },
    locale: 'en-US',
  };
}

/** A message to the bot; in channels it @mentions the bot as Teams does. */
export function messageActivity(fake: FakeBotConnector, conv: ConversationSpec, from: TeamsUser, text: string): Record<string, unknown> {
  const b = base(fake, conv, from);
  if (conv.type === 'personal') return { ...b, type: 'message', text, textFormat: 'plain' };
  const mention = '<at>Hookline</at>';
  return {
    ...b,
    type: 'message',
    text: `${mention} ${text}`,
    textFormat: 'plain',
    entities: [{ type: 'mention', text: mention, mentioned: { id: `28:${fake.appId}`, name: 'Hookline' } }],
  };
}

/** An Action.Submit click from an old client: a message whose value is the button's data. */
export function submitActivity(fake: FakeBotConnector, conv: ConversationSpec, from: TeamsUser, data: Record<string, unknown>, replyToId: string): Record<string, unknown> {
  return { ...base(fake, conv, from), type: 'message', value: data, replyToId };
}

/** An Action.Execute click (or an automatic refresh): invoke adaptiveCard/action. */
export function executeActivity(fake: FakeBotConnector, conv: ConversationSpec, from: TeamsUser, verb: string, data: Record<string, unknown>, replyToId: string, trigger: 'manual' | 'automatic' = 'manual'): Record<string, unknown> {
  return {
    ...base(fake, conv, from),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId,
    value: { action: { type: 'Action.Execute', verb, data }, trigger },
  };
}

export function installActivity(fake: FakeBotConnector, conv: ConversationSpec, from: TeamsUser, action: 'add' | 'remove'): Record<string, unknown> {
  return { ...base(fake, conv, from), type: 'installationUpdate', action };
}

/** conversationUpdate: the bot was removed from the conversation (team or group chat). */
export function botRemovedActivity(fake: FakeBotConnector, conv: ConversationSpec, from: TeamsUser): Record<string, unknown> {
  const b = base(fake, conv, from);
  return { ...b, type: 'conversationUpdate', membersRemoved: [{ id: `28:${fake.appId}` }], channelData: { ...b.channelData, eventType: 'teamMemberRemoved' } };
}
