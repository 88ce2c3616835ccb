// File results in Teams: a bot cannot upload into a channel, so Hookline offers its own short-lived
// download link. Stored by token hash, served as an attachment only, gone after expiry.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Store } from '../../src/store/store.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { saveDownload, findDownload, pruneDownloads } from '../../src/store/file-downloads.ts';
import { HookServer } from '../../src/server/http-server.ts';
import { Metrics } from '../../src/server/metrics.ts';
import { downloadRoute } from '../../src/server/download-route.ts';
import { teamsResultCard } from '../../cards/teams/command-cards.ts';
import { dbTargets } from '../helpers/databases.ts';
import { parseAdaptiveCard } from './adaptive-parser.ts';

const targets = await dbTargets();
const alice = { platform: 'teams' as const, id: 'aaaaaaaa-0000-0000-0000-000000000001' };

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`download links on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let server: HookServer;
    let base: string;

    beforeAll(async () => {
      const db = await t.create();
      drop = db.drop;
      store = await Store.open(db.url, silentLogger());
      server = new HookServer({ log: silentLogger(), metrics: new Metrics(), ready: async () => {} });
      server.route('GET', '/files', downloadRoute(store));
      const addr = await server.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${addr.port}`;
    });
    afterAll(async () => {
      await server?.close();
      await store?.close();
      await drop?.();
    });

    it('serves the bytes once saved, as an attachment that a browser will not render', async () => {
      const bytes = Buffer.from('PK\u0003\u0004 pretend zip <script>alert(1)</script>');
      const { token, expiresAt } = await saveDownload(store, { filename: 'message "x".zip', contentType: 'text/html', bytes }, alice);
      expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
      const row = await store.db.selectFrom('file_downloads').selectAll().executeTakeFirstOrThrow();
      expect(row.token_hash).not.toBe(token);
      const res = await fetch(`${base}/files?t=${token}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="message _x_\.zip"/);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    });

    it('answers 404 for an unknown, malformed or expired token, and prunes expired rows', async () => {
      expect((await fetch(`${base}/files?t=nope`)).status).toBe(404);
      expect((await fetch(`${base}/files?t=${'A'.repeat(43)}`)).status).toBe(404);
      const { token } = await saveDownload(store, { filename: 'logs.txt', contentType: 'text/plain', bytes: Buffer.from('x') }, alice, -1);
      expect(await findDownload(store, token)).toBeUndefined();
      expect((await fetch(`${base}/files?t=${token}`)).status).toBe(404);
      await pruneDownloads(store);
      const left = await store.db.selectFrom('file_downloads').select('filename').execute();
      expect(left.map((r) => r.filename)).not.toContain('logs.txt');
    });
  });
}

describe('the Teams result card of a file', () => {
  const result = { summary: 'message zip', kind: 'file' as const, data: { filename: 'msg.zip', contentType: 'application/zip', bytes: Buffer.alloc(10), comment: 'zip password: infected' } };

  it('offers the download link as a button and passes the official parser', () => {
    const card = teamsResultCard({ actionId: 'cofense.get-message', title: 'Get message', result, download: { url: 'https://hookline.example.com/files?t=abc', expiresAt: '2026-11-22T05:00:00.000Z' } });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Download', url: 'https://hookline.example.com/files?t=abc' }]);
    expect(parseAdaptiveCard(card).problems).toEqual([]);
  });

  it('says how to get a link when none can be made', () => {
    const card = teamsResultCard({ actionId: 'cofense.get-message', title: 'Get message', result });
    expect(JSON.stringify(card)).toContain('HOOKLINE_PUBLIC_URL');
    expect(card.actions ?? []).toEqual([]);
  });
});
