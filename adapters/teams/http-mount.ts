// POST /api/messages on our own node:http server (src/server/http-server.ts), never app.start():
// the Teams SDK gets an IHttpServerAdapter that only captures the handler it registers, and our
// route feeds it `{ body, headers }` (spike-teams.md §1). The SDK validates the Bot Framework JWT
// inside that handler (401 without a valid one) and returns the invoke response we write back.
//
// The body is read here with a size limit and must be one JSON activity: anything else is a 400
// (a string body would make the SDK answer 200 and silently drop it, spike §1).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRouteHandler, IHttpServerAdapter } from '@microsoft/teams.apps';
import { HttpError, readBody, sendJson } from '../../src/server/http-server.ts';

/** Teams activities are small (cards included); this stops a flood, not a real activity. */
export const MAX_ACTIVITY_BYTES = 1024 * 1024;

export const MESSAGING_ENDPOINT = '/api/messages';

export class CapturedRoute implements IHttpServerAdapter {
  handler?: HttpRouteHandler;

  registerRoute(_method: 'POST', path: string, handler: HttpRouteHandler): void {
    // Only the messaging endpoint is served; other SDK routes (functions, tabs) are not used.
    if (path === MESSAGING_ENDPOINT) this.handler = handler;
  }
}

export function messagesRoute(captured: CapturedRoute): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const handler = captured.handler;
    if (!handler) throw new HttpError(503, 'the Teams app is not initialised');
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'expected a JSON Bot Framework activity (content-type application/json)');
    const raw = await readBody(req, MAX_ACTIVITY_BYTES);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'the body is not valid JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof (body as { type?: unknown }).type !== 'string') {
      throw new HttpError(400, 'expected a Bot Framework activity (a JSON object with a "type")');
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = v;
    const out = await handler({ body, headers });
    if (out.body === undefined || out.body === null) {
      res.writeHead(out.status, { 'content-length': '0' });
      res.end();
      return;
    }
    sendJson(res, out.status, out.body);
  };
}
