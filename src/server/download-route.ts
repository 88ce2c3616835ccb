// GET /files?t=<token>: serves a file result saved by src/store/file-downloads.ts. Always as an
// attachment with a generic type and nosniff: these are often suspect mail or malware samples, and
// a browser must never render them inline.
import { findDownload } from '../store/file-downloads.ts';
import type { Store } from '../store/store.ts';
import { sendJson, type RouteHandler } from './http-server.ts';

/** A filename safe for Content-Disposition (RFC 6266 with an ASCII fallback and filename*). */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\;]/g, '_').slice(0, 150) || 'download';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name.slice(0, 150))}`;
}

export function downloadRoute(store: Store): RouteHandler {
  return async (_req, res, url) => {
    const file = await findDownload(store, url.searchParams.get('t') ?? '');
    if (!file) return sendJson(res, 404, { error: 'this download link does not exist or has expired' });
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': file.bytes.length,
      'content-disposition': disposition(file.filename),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(file.bytes);
  };
}
