// POST /ingest: any mail system can hand Hookline a raw .eml or .msg. Bearer HOOKLINE_INGEST_TOKEN
// (compared in constant time); 401 without it, 413 over the size limit; the report is stored
// (unparseable ones too) before 202 is answered, so an accepted report is never lost.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IngestDeps } from '../ingest/pipeline.ts';
import { ingestRaw, sha256 } from '../ingest/pipeline.ts';
import { HttpError, readBody, sendJson, type RouteHandler } from './http-server.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function ingestRoute(deps: IngestDeps, opts: { token: string | undefined; maxBytes: number; onIngested?: () => void }): RouteHandler {
  const expected = opts.token ? digest(opts.token) : undefined;
  return async (req, res) => {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    // Hashing both sides gives equal lengths for timingSafeEqual and hides the token's length.
    if (!expected || !given || !timingSafeEqual(digest(given), expected)) {
      res.setHeader('www-authenticate', 'Bearer');
      throw new HttpError(401, expected ? 'missing or wrong bearer token' : 'POST /ingest is disabled: set HOOKLINE_INGEST_TOKEN');
    }
    const body = await readBody(req, opts.maxBytes);
    if (body.length === 0) throw new HttpError(400, 'empty body: send the raw .eml or .msg as the request body');
    const { report, created } = await ingestRaw(deps, { source: 'http', sourceRef: sha256(body), raw: body });
    if (created) opts.onIngested?.();
    sendJson(res, created ? 202 : 200, { id: report.id, status: report.status, duplicate: !created, ...(report.parseError ? { parseError: report.parseError } : {}) });
  };
}
