// A local fake of the Slack Web API (SLACK_API_URL) and of response_url endpoints. It records every
// call with its parsed arguments so tests assert on exactly what Hookline sent to Slack.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
}

export interface FakeSlack {
  url: string;
  /** Base URL for SLACK_API_URL (ends with /api/). */
  apiUrl: string;
  calls: SlackCall[];
  /** Bodies POSTed to response_url endpoints (/response/<id>). */
  responses: { id: string; body: Record<string, unknown> }[];
  callsTo(method: string): SlackCall[];
  /** Makes the next `times` calls of a method answer with this status / body. */
  failNext(method: string, status: number, body: Record<string, unknown>, headers?: Record<string, string>, times?: number): void;
  /** Like failNext, but only for calls whose arguments match (e.g. one channel). */
  failWhen(method: string, match: (args: Record<string, unknown>) => boolean, status: number, body: Record<string, unknown>, headers?: Record<string, string>, times?: number): void;
  /** response_url ids that answer 404 expired_url, as Slack does after 30 minutes or 5 uses. */
  expiredResponses: Set<string>;
  /** Files received at the upload URL (files.uploadV2 step 2), by file id. */
  uploads: Map<string, { filename: string; bytes: Buffer }>;
  /** Views opened, updated and published (views.open / views.update / views.publish), in order. */
  views: { method: string; args: Record<string, unknown> }[];
  userGroups: Map<string, string[]>;
  /** The WebSocket URL apps.connections.open hands out (Socket Mode tests set it). */
  socketUrl?: string;
  close(): Promise<void>;
}

async function readRaw(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function readArgs(req: http.IncomingMessage, raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    // The WebClient form-encodes nested values (blocks, attachments) as JSON strings.
    try {
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const responses: FakeSlack['responses'] = [];
  const failures = new Map<string, { status: number; body: Record<string, unknown>; headers: Record<string, string>; times: number }>();
  const conditional: { method: string; match: (args: Record<string, unknown>) => boolean; status: number; body: Record<string, unknown>; headers: Record<string, string>; times: number }[] = [];
  const userGroups = new Map<string, string[]>();
  const expiredResponses = new Set<string>();
  const uploads = new Map<string, { filename: string; bytes: Buffer }>();
  const pendingUploads = new Map<string, string>();
  const views: FakeSlack['views'] = [];
  let tsCounter = 1_700_000_000;
  let viewCounter = 1;
  let fileCounter = 1;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = await readRaw(req);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/upload/')) {
      // files.uploadV2 step 2: the bytes arrive as multipart form data (field "body" or "file").
      const id = url.pathname.slice('/upload/'.length);
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': String(req.headers['content-type'] ?? '') } }).formData();
      const part = form.get('body') ?? form.get('file');
      if (!pendingUploads.has(id) || !(part instanceof Blob)) return reply(400, { ok: false, error: 'unknown_upload' });
      uploads.set(id, { filename: pendingUploads.get(id)!, bytes: Buffer.from(await part.arrayBuffer()) });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('OK');
    }
    const args = readArgs(req, raw);
    if (url.pathname.startsWith('/response/')) {
      const id = url.pathname.slice('/response/'.length);
      if (expiredResponses.has(id)) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('expired_url');
      }
      responses.push({ id, body: args });
      return reply(200, { ok: true });
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const auth = req.headers.authorization;
    calls.push({ method, args, ...(auth ? { token: auth.replace(/^Bearer /, '') } : {}) });
    const f = failures.get(method);
    if (f && f.times > 0) {
      f.times--;
      return reply(f.status, f.body, f.headers);
    }
    const c = conditional.find((x) => x.method === method && x.times > 0 && x.match(args));
    if (c) {
      c.times--;
      return reply(c.status, c.body, c.headers);
    }
    switch (method) {
      case 'auth.test':
        return reply(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', team: 'Test', user: 'hookline', url: 'https://test.slack.com/' });
      case 'chat.postMessage':
        return reply(200, { ok: true, channel: args.channel, ts: `${tsCounter++}.000100`, message: { text: args.text } });
      case 'chat.update':
        return reply(200, { ok: true, channel: args.channel, ts: args.ts });
      case 'chat.postEphemeral':
        return reply(200, { ok: true, message_ts: `${tsCounter++}.000200` });
      case 'usergroups.users.list':
        return reply(200, { ok: true, users: userGroups.get(String(args.usergroup)) ?? [] });
      case 'views.open':
      case 'views.update':
      case 'views.publish': {
        views.push({ method, args });
        const view = (args.view ?? {}) as Record<string, unknown>;
        const id = method === 'views.update' ? String(args.view_id) : `V${viewCounter++}`;
        return reply(200, { ok: true, view: { ...view, id, hash: `h${viewCounter}` } });
      }
      case 'files.getUploadURLExternal': {
        const id = `F${fileCounter++}`;
        pendingUploads.set(id, String(args.filename));
        return reply(200, { ok: true, file_id: id, upload_url: `${fake.url}/upload/${id}` });
      }
      case 'files.completeUploadExternal': {
        const files = (Array.isArray(args.files) ? args.files : []) as { id: string; title?: string }[];
        if (!files.every((x) => uploads.has(x.id))) return reply(200, { ok: false, error: 'file_not_uploaded' });
        return reply(200, { ok: true, files: files.map((x) => ({ id: x.id, title: x.title, name: uploads.get(x.id)!.filename })) });
      }
      case 'conversations.open':
        return reply(200, { ok: true, channel: { id: `D${String(args.users).replace(/[^A-Z0-9]/g, '')}` } });
      case 'apps.connections.open':
        return fake.socketUrl ? reply(200, { ok: true, url: fake.socketUrl }) : reply(200, { ok: false, error: 'socket_mode_not_set_up_in_fake' });
      default:
        return reply(200, { ok: true });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const fake: FakeSlack = {
    url,
    apiUrl: `${url}/api/`,
    calls,
    responses,
    userGroups,
    callsTo: (m) => calls.filter((c) => c.method === m),
    failNext: (method, status, body, headers = {}, times = 1) => failures.set(method, { status, body, headers, times }),
    failWhen: (method, match, status, body, headers = {}, times = 1) => void conditional.push({ method, match, status, body, headers, times }),
    expiredResponses,
    uploads,
    views,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  return fake;
}
