// main.ts wiring of EWS: with EWS_URL / EWS_USERNAME / EWS_PASSWORD (and REPORT_MAILBOX), the bot
// has an EWS client among its vendors and a `poll-ews` job whose tick turns the reporting folder
// into reports. The whole bot runs in-process against the EWS simulator over TLS, on SQLite and
// PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHookline, type Hookline } from '../../../src/main.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { startEwsSimulator, type EwsSimulator } from '../../../src/sandbox/ews-simulator.ts';
import { dbTargets } from '../../helpers/databases.ts';
import { trustTestCa } from '../../helpers/tls.ts';
import { PASSWORD, REPORTS, USERNAME, mail } from './setup.ts';

const targets = await dbTargets();

for (const target of targets) {
  describe.skipIf(Boolean(target.skip))(`EWS wiring on ${target.name}`, () => {
    let sim: EwsSimulator;
    let hook: Hookline | undefined;
    let drop: () => Promise<void>;

    beforeEach(async () => {
      const tls = trustTestCa();
      sim = await startEwsSimulator({ tls: { key: tls.key, cert: tls.cert }, username: USERNAME, password: PASSWORD });
      const db = await target.create();
      drop = db.drop;
      hook = await startHookline({
        cwd: mkdtempSync(path.join(os.tmpdir(), 'hookline-ews-')),
        log: silentLogger(),
        listen: { port: 0, host: '127.0.0.1' },
        schedule: false,
        vendorHttp: { sleep: async () => undefined },
        env: { HOOKLINE_DATABASE_URL: db.url, EWS_URL: sim.url, EWS_USERNAME: USERNAME, EWS_PASSWORD: PASSWORD, REPORT_MAILBOX: REPORTS, REPORT_FOLDER: 'Inbox/Phish' },
      });
    });
    afterEach(async () => {
      await hook?.stop();
      await sim.close();
      await drop();
    });

    it('builds the client and the source, and a poll-ews tick stores the reporting folder as reports', async () => {
      const h = hook as Hookline;
      expect(h.vendors.ews?.url).toBe(sim.url);
      expect(h.vendors.reportMailbox).toBe(REPORTS);
      expect(h.sources.ews?.name).toBe(`ews:${REPORTS}:Inbox/Phish`);
      const a = sim.addItem(REPORTS, 'Inbox/Phish', mail({ subject: 'Reported 1' }));
      const b = sim.addItem(REPORTS, 'Inbox/Phish', mail({ subject: 'Reported 2' }));
      sim.addItem(REPORTS, 'Inbox', mail({ subject: 'Not in the reporting folder' }));
      expect(await h.scheduler.tick('poll-ews')).toBe(true);
      expect(await h.store.countReports()).toBe(2);
      expect((await h.store.getReportByDedupeKey(`ews:${a}`))?.original.subject).toBe('Reported 1');
      expect(await h.store.getReportByDedupeKey(`ews:${b}`)).toBeDefined();
      expect(await h.store.getCursor(`ews:${REPORTS}:Inbox/Phish`)).toMatch(/"syncState":"H4sI/);
      expect(sim.requests.every((r) => r.auth === 'basic' && r.impersonate === REPORTS)).toBe(true);
    });
  });
}
