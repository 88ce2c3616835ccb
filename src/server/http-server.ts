// The one HTTP server. It owns /healthz, /readyz and /metrics; everything else (Slack, Teams, Graph
// notifications, /ingest) is registered by main.ts. There is deliberately no global body parser:
// Slack and Teams verify signatures over the raw body, so each route reads its own body.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from './metrics.ts';

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | Promise<void>;

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: http.ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a request body up to `limit` bytes; past that it stops reading and throws HttpError 413. */
export async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new HttpError(413, `body exceeds the limit of ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface ServerOptions {
  log: Logger;
  metrics: Metrics;
  /** Checks that dependencies (the store) answer, for /readyz. */
  ready: () => Promise<void>;
}

export class HookServer {
  readonly server: http.Server;
  private readonly routes = new Map<string, RouteHandler>();
  private readonly opts: ServerOptions;

  constructor(opts: ServerOptions) {
    this.opts = opts;
    opts.metrics.describe('hookline_http_requests_total', 'counter', 'HTTP requests by route and status');
    this.route('GET', '/healthz', (_req, res) => sendJson(res, 200, { ok: true }));
    this.route('GET', '/readyz', async (_req, res) => {
      try {
        await opts.ready();
        sendJson(res, 200, { ok: true });
      } catch (err) {
        sendJson(res, 503, { ok: false, error: (err as Error).message });
      }
    });
    this.route('GET', '/metrics', (_req, res) => sendText(res, 200, opts.metrics.render(), 'text/plain; version=0.0.4'));
    this.server = http.createServer((req, res) => void this.dispatch(req, res));
    // Slow-loris protection without cutting long uploads short.
    this.server.headersTimeout = 20_000;
    this.server.requestTimeout = 120_000;
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = this.routes.get(`${req.method} ${url.pathname}`);
    res.on('finish', () => this.opts.metrics.inc('hookline_http_requests_total', { route: handler ? url.pathname : 'unmatched', status: String(res.statusCode) }));
    if (!handler) {
      const known = [...this.routes.keys()].some((k) => k.endsWith(` ${url.pathname}`));
      return sendJson(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
    }
    try {
      await handler(req, res, url);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      if (status >= 500) this.opts.log.error({ path: url.pathname, err: (err as Error).message }, 'request failed');
      if (!res.headersSent) sendJson(res, status, { error: status >= 500 ? 'internal error' : (err as Error).message });
      else res.end();
    }
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
  }
}
