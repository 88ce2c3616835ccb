// The sources as main.ts wires them: startHookline() with HOOKLINE_PUBLIC_URL and REPORT_DIR set,
// against the Graph simulator. The subscription job subscribes (Graph validates our real route),
// a notified mail is ingested through the collapsed trigger, and the folder is polled by its job.
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHookline, type Hookline } from '../../../src/main.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { startGraphSimulator, type GraphSimulator } from '../../../src/sandbox/graph-simulator.ts';
import { dbTargets } from '../../helpers/databases.ts';
import { trustTestCa } from '../../helpers/tls.ts';
import { CLIENT_ID, CLIENT_SECRET, MAILBOX, mail } from './helpers.ts';

const targets = await dbTargets();
const TENANT = '11111111-2222-3333-4444-555555555555';

/** A port nobody listens on right now (the public URL must be known before the server starts). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`sources wired by startHookline on ${t.name}`, () => {
    let sim: GraphSimulator;
    let hook: Hookline;
    let reportDir: string;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const tls = trustTestCa();
      sim = await startGraphSimulator({ tls: { key: tls.key, cert: tls.cert }, tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, mailbox: MAILBOX });
      const db = await t.create();
      drop = db.drop;
      const cwd = mkdtempSync(path.join(os.tmpdir(), 'hookline-wiring-'));
      reportDir = path.join(cwd, 'reports');
      mkdirSync(reportDir); // the configuration checks that REPORT_DIR exists
      const port = await freePort();
      hook = await startHookline({
        cwd,
        log: silentLogger(),
        listen: { port, host: '127.0.0.1' },
        schedule: false,
        vendorHttp: { sleep: async () => undefined },
        env: {
          HOOKLINE_DATABASE_URL: db.url,
          HOOKLINE_PUBLIC_URL: `http://127.0.0.1:${port}`,
          REPORT_DIR: 'reports',
          M365_TENANT_ID: TENANT,
          M365_CLIENT_ID: CLIENT_ID,
          M365_CLIENT_SECRET: CLIENT_SECRET,
          M365_LOGIN_URL: sim.loginUrl,
          GRAPH_API_URL: sim.graphUrl,
          REPORT_MAILBOX: MAILBOX,
        },
      });
    });
    afterAll(async () => {
      await sim?.subscriptions.flush();
      await hook?.stop();
      await sim?.close();
      await drop?.();
    });

    it('subscribes through the job and ingests a notified mail', async () => {
      expect(hook.graphSubscriptions).toBeDefined();
      expect(await hook.scheduler.tick('graph-subscription')).toBe(true);
      expect(hook.metrics.get('hookline_job_runs_total', { job: 'graph-subscription', result: 'ok' })).toBe(1);
      const [sub] = sim.subscriptions.list();
      expect(sub?.notificationUrl).toBe(`${hook.url}/graph/notifications`);
      await hook.triggers.graph!.settled();

      const id = sim.mailbox.add('Inbox', mail('wired'));
      await sim.subscriptions.flush();
      await hook.triggers.graph!.settled();
      expect(await hook.store.getReportByDedupeKey(`graph:${id}`)).toBeDefined();
      expect(hook.metrics.get('hookline_reports_ingested_total', { source: 'graph' })).toBe(1);
      expect(hook.metrics.get('hookline_graph_notifications_total', { kind: 'change', result: 'accepted' })).toBe(1);
    });

    it('polls REPORT_DIR on its job', async () => {
      const file = path.join(reportDir, 'dropped.eml');
      writeFileSync(file, mail('dropped'));
      const old = new Date(Date.now() - 3600_000);
      utimesSync(file, old, old);
      expect(await hook.scheduler.tick('poll-folder')).toBe(true);
      expect(readdirSync(path.join(reportDir, 'processed'))).toEqual(['dropped.eml']);
      expect(hook.metrics.get('hookline_reports_ingested_total', { source: 'folder' })).toBe(1);
    });
  });
}
