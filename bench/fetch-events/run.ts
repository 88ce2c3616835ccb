// bench/fetch-events: how fast the scheduled fetches store events (issue #5).
//
//   npx node bench/fetch-events/run.ts                 # 10000 trace rows; 100 blobs x 100 records
//   npx node bench/fetch-events/run.ts 2000 20 100     # quicker
//
// The simulators run in a child process (sims.ts); this process runs the real fetch jobs (real
// MSAL, HttpClient, GraphClient / ManagementActivityClient) into a fresh SQLite store, and, when
// HOOKLINE_TEST_POSTGRES_URL (or the local default) answers, into a fresh PostgreSQL database.
// Every event is new, so every one costs an INSERT .. ON CONFLICT DO NOTHING RETURNING (the
// dedupe) and, for MailSubmissions, a report lookup. Reported: events stored per second, per job
// and database. Target: at least 500 events/s on SQLite for both jobs on 2 shared cores.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { silentLogger } from '../../src/log/logger.ts';
import { Store } from '../../src/store/store.ts';
import { GraphClient } from '../../src/vendors/graph/client.ts';
import { ManagementActivityClient } from '../../src/vendors/management-activity/client.ts';
import { MicrosoftTokenProvider } from '../../src/vendors/microsoft/auth.ts';
import { fetchMessageTraces } from '../../src/jobs/message-trace-fetch.ts';
import { fetchManagementActivity } from '../../src/jobs/management-activity-fetch.ts';
import { freshPostgres, postgresUnavailable } from '../../test/helpers/databases.ts';
import { trustTestCa } from '../../test/helpers/tls.ts';

const TARGET_PER_SECOND = 500;
const args = process.argv.slice(2);
const [traceRows = 10_000, blobs = 100, records = 100] = args.map(Number);

trustTestCa();
const child = spawn(process.execPath, [path.join(import.meta.dirname, 'sims.ts'), String(traceRows), String(blobs), String(records)], { stdio: ['pipe', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
const urls = JSON.parse(line) as { loginUrl: string; graphUrl: string; mgmtUrl: string; tenantId: string };

interface Row {
  job: string;
  db: string;
  events: number;
  ms: number;
  perSecond: number;
}
const rows: Row[] = [];
const log = silentLogger();

async function run(dbName: string, url: string): Promise<void> {
  const store = await Store.open(url, log);
  try {
    const tokens = new MicrosoftTokenProvider({ tenantId: urls.tenantId, clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', clientSecret: 'bench-secret-value', loginUrl: urls.loginUrl, log });
    const graph = new GraphClient({ baseUrl: urls.graphUrl, tokens, log });
    const mgmt = new ManagementActivityClient({ baseUrl: urls.mgmtUrl, tenantId: urls.tenantId, tokens, log });
    // Tokens first: the measurement is the fetch, not the token endpoint.
    await tokens.getToken(graph.scope);
    await tokens.getToken(mgmt.scope);

    let t0 = performance.now();
    const trace = await fetchMessageTraces({ graph, store, log }, { maxEventsPerFetch: traceRows, firstFetchMinutes: 60 });
    let ms = performance.now() - t0;
    rows.push({ job: 'message trace', db: dbName, events: trace.stored, ms, perSecond: trace.stored / (ms / 1000) });

    t0 = performance.now();
    const ma = await fetchManagementActivity({ client: mgmt, store, log }, { contentTypes: ['Audit.General'], recordTypes: [], workloads: [], operations: [], firstFetchMinutes: 60, maxEventsPerFetch: blobs * records });
    ms = performance.now() - t0;
    rows.push({ job: 'management activity', db: dbName, events: ma.stored, ms, perSecond: ma.stored / (ms / 1000) });
  } finally {
    await store.close();
  }
}

try {
  await run('sqlite', `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'hookline-bench-')), 'bench.db')}`);
  const pgReason = await postgresUnavailable();
  if (pgReason) console.log(`PostgreSQL skipped: ${pgReason}`);
  else {
    const pg = await freshPostgres();
    try {
      await run('postgres', pg.url);
    } finally {
      await pg.drop();
    }
  }
} finally {
  child.stdin!.end();
  await once(child, 'exit');
}

const load = loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`\nload average ${load}\n`);
console.log('| job | database | events | ms | events/s |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.job} | ${r.db} | ${r.events} | ${r.ms.toFixed(0)} | ${r.perSecond.toFixed(0)} |`);
const sqlite = rows.filter((r) => r.db === 'sqlite');
const expected = { 'message trace': traceRows, 'management activity': blobs * records };
const ok = sqlite.every((r) => r.perSecond >= TARGET_PER_SECOND && r.events === expected[r.job as keyof typeof expected]);
console.log(JSON.stringify({ bench: 'fetch-events', load, rows, target: TARGET_PER_SECOND, ok }));
process.exit(ok ? 0 : 1);
