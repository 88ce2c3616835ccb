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
  userGroups: Map<string, string[]>;
  /** The WebSocket URL apps.connections.open hands out (Socket Mode tests set it). */
  socketUrl?: string;
  close(): Promise<void>;
}

async function readArgs(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
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
  const userGroups = new Map<string, string[]>();
  let tsCounter = 1_700_000_000;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const args = await readArgs(req);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/response/')) {
      responses.push({ id: url.pathname.slice('/response/'.length), body: args });
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
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  return fake;
}
