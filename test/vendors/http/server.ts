// A real node:http server on 127.0.0.1 for the HTTP layer's tests, plus a client factory with a
// private undici Agent (no pooled sockets shared between tests) and a sleep that only records.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Agent } from 'undici';
import { HttpClient } from '../../../src/vendors/http/client.ts';
import type { HttpClientOptions } from '../../../src/vendors/http/types.ts';
import { createLogger, silentLogger } from '../../../src/log/logger.ts';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, n: number) => unknown;

export interface TestServer {
  url: string;
  seen: Seen[];
  /** Most requests the server was handling at the same time. */
  maxInFlight: number;
  close(): Promise<void>;
}

const open: Array<() => Promise<void>> = [];

export async function startServer(handler: Handler): Promise<TestServer> {
  const state = { inFlight: 0, maxInFlight: 0 };
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let done = false;
    const end = () => {
      if (!done) state.inFlight--;
      done = true;
    };
    res.on('finish', end);
    res.on('close', end);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(s);
      void Promise.resolve(handler(req, res, s, seen.length)).catch((err: unknown) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  open.push(close);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close,
  };
}

/** A port nothing listens on (ECONNREFUSED). */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const agents: Agent[] = [];

export interface TestClient {
  client: HttpClient;
  sleeps: number[];
}

export function makeClient(baseUrl: string, opts: Partial<HttpClientOptions> = {}): TestClient {
  const sleeps: number[] = [];
  const agent = new Agent();
  agents.push(agent);
  const client = new HttpClient({
    vendor: 'graph',
    baseUrl,
    log: silentLogger(),
    dispatcher: agent,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...opts,
  });
  return { client, sleeps };
}

/** A debug logger whose lines are kept in memory, to assert what is (and is not) logged. */
export function captureLogger(): { log: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ level: 'debug', destination });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, text };
}

/** Closes every server and agent the test opened. Call from afterEach. */
export async function cleanup(): Promise<void> {
  await Promise.all(open.splice(0).map((c) => c()));
  await Promise.all(agents.splice(0).map((a) => a.destroy()));
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
