// Shared set-up for the source tests: a Graph simulator over TLS (real MSAL, real HTTP layer), a
// GraphClient with small delta pages (so rounds span several pages), a real store, and a logger
// whose output the tests read (to check what is, and is not, written).
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/log/logger.ts';
import { startGraphSimulator, type GraphSimulator, type GraphSimulatorOptions } from '../../../src/sandbox/graph-simulator.ts';
import { Store } from '../../../src/store/store.ts';
import { GraphClient } from '../../../src/vendors/graph/client.ts';
import { MicrosoftTokenProvider } from '../../../src/vendors/microsoft/auth.ts';
import type { IngestDeps } from '../../../src/ingest/pipeline.ts';
import { trustTestCa } from '../../helpers/tls.ts';

export const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
export const CLIENT_SECRET = 'sim-client-secret-Zq8~value';
export const MAILBOX = 'phish-reports@contoso.test';

export interface CapturedLog {
  log: Logger;
  lines: string[];
  text(): string;
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
  return { log, lines, text: () => lines.join('') };
}

export interface GraphWorld {
  sim: GraphSimulator;
  graph: GraphClient;
  store: Store;
  deps: IngestDeps;
  logs: CapturedLog;
  close(): Promise<void>;
}

export async function graphWorld(dbUrl: string, opts: { sim?: GraphSimulatorOptions; deltaPageSize?: number } = {}): Promise<GraphWorld> {
  const tls = trustTestCa();
  const sim = await startGraphSimulator({ tls: { key: tls.key, cert: tls.cert }, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, mailbox: MAILBOX, ...opts.sim });
  const logs = captureLog();
  const tokens = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: sim.loginUrl, log: logs.log });
  // Retries are real, their waits are not (the tests assert outcomes, never time).
  const graph = new GraphClient({ baseUrl: sim.graphUrl, tokens, log: logs.log, sleep: async () => undefined, deltaPageSize: opts.deltaPageSize ?? 2 });
  const store = await Store.open(dbUrl, logs.log);
  return {
    sim,
    graph,
    store,
    deps: { store, log: logs.log },
    logs,
    async close() {
      await store.close();
      await sim.close();
    },
  };
}

/** A small, distinct mail. `n` shows in the subject and Message-ID. */
export function mail(n: number | string, body = 'Please verify at https://login.evil.example/verify'): Buffer {
  return Buffer.from(
    [
      'From: Mallory <mallory@evil.example>',
      'To: alice@contoso.test',
      `Subject: Phish ${n}`,
      `Message-ID: <phish-${n}@evil.example>`,
      'Date: Mon, 2 Nov 2026 09:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `${body} (${n})`,
      '',
    ].join('\r\n'),
  );
}

/** An ISO time `minutes` after a fixed base, so tests control which message is oldest. */
export const at = (minutes: number): string => new Date(Date.UTC(2026, 10, 2, 9, 0, 0) + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** How many times the MIME of each message was fetched. */
export function mimeFetches(sim: GraphSimulator): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of sim.requests) {
    const m = /\/messages\/([^/]+)\/\$value$/.exec(r.path);
    if (m && r.status === 200) out.set(m[1] as string, (out.get(m[1] as string) ?? 0) + 1);
  }
  return out;
}
