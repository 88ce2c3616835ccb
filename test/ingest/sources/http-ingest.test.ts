// POST /ingest with an Outlook .msg body (the .eml cases, 401 and 413 are in test/e2e/slice.test.ts):
// the route on the real HTTP server and a real store, SQLite and PostgreSQL. The .msg comes from
// shared/corpus and the test skips with a message when the corpus is absent.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../helpers/databases.ts';
import { HookServer } from '../../../src/server/http-server.ts';
import { Metrics } from '../../../src/server/metrics.ts';
import { ingestRoute } from '../../../src/server/ingest-route.ts';
import { sha256 } from '../../../src/ingest/pipeline.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { Store } from '../../../src/store/store.ts';

const targets = await dbTargets();
const projectRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const CORPUS = path.resolve(projectRoot, '..', 'shared', 'corpus');
const MSG = path.join(CORPUS, 'msg', 'Attach sample eml received.msg');
const TOKEN = 'ingest-token-0123456789abcdef';
const corpusMissing = !existsSync(MSG);
if (corpusMissing) console.warn(`[skip] POST /ingest .msg test skipped: ${MSG} is absent (shared/corpus)`);

for (const t of targets) {
  describe.skipIf(Boolean(t.skip) || corpusMissing)(`POST /ingest with a .msg body on ${t.name}`, () => {
    let store: Store;
    let server: HookServer;
    let url: string;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const db = await t.create();
      drop = db.drop;
      const log = silentLogger();
      store = await Store.open(db.url, log);
      server = new HookServer({ log, metrics: new Metrics(), ready: async () => undefined });
      server.route('POST', '/ingest', ingestRoute({ store, log }, { token: TOKEN, maxBytes: 25 * 1024 * 1024 }));
      const addr = await server.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${addr.port}/ingest`;
    });
    afterAll(async () => {
      await server?.close();
      await store?.close();
      await drop?.();
    });

    it('stores the .msg as a parsed report, keyed by its SHA-256, and answers a re-send as a duplicate', async () => {
      const body = readFileSync(MSG);
      const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/vnd.ms-outlook' };
      const res = await fetch(url, { method: 'POST', body, headers });
      expect(res.status).toBe(202);
      const out = (await res.json()) as { id: string; status: string; duplicate: boolean };
      expect(out).toMatchObject({ status: 'parsed', duplicate: false });
      const report = await store.getReport(out.id);
      expect(report).toMatchObject({ source: 'http', sourceRef: sha256(body), status: 'parsed' });
      expect(report?.original.subject).toBeTruthy();

      const again = await fetch(url, { method: 'POST', body, headers });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ id: out.id, duplicate: true });
      expect(await store.countReports()).toBe(1);
    });

    it('refuses the .msg without the token and stores nothing', async () => {
      const before = await store.countReports();
      const res = await fetch(url, { method: 'POST', body: readFileSync(MSG) });
      expect(res.status).toBe(401);
      expect(await store.countReports()).toBe(before);
    });
  });
}
