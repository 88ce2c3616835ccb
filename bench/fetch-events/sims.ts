// The simulators of bench/fetch-events, in a process of their own so their work is not measured:
// the Graph simulator (identity + message trace, TLS with the test CA) holding TRACE_ROWS rows in
// the last 50 minutes, and the Management Activity simulator holding BLOBS content blobs of
// RECORDS records each (every fourth a MailSubmission). Prints one JSON line with the URLs, then
// serves until stdin closes.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startGraphSimulator } from '../../src/sandbox/graph-simulator.ts';
import { startManagementActivitySimulator } from '../../src/sandbox/management-activity-simulator.ts';

const [traceRows = 10_000, blobs = 100, records = 100] = process.argv.slice(2).map(Number);
const tlsDir = path.resolve(import.meta.dirname, '..', '..', 'test', 'fixtures', 'tls');
const tls = { key: readFileSync(path.join(tlsDir, 'server.key')), cert: readFileSync(path.join(tlsDir, 'server.crt')) };
const TENANT = '11111111-2222-3333-4444-555555555555';

const graph = await startGraphSimulator({ tls, tenantId: TENANT });
const now = Date.now();
for (let i = 0; i < traceRows; i++) {
  graph.traces.add({
    id: randomUUID(),
    recipientAddress: `user${i % 500}@contoso.test`,
    senderAddress: `sender${i % 97}@example.net`,
    messageId: `<bench-${i}@example.net>`,
    subject: `Bench message ${i}`,
    receivedDateTime: new Date(now - 50 * 60_000 + Math.floor((i * 48 * 60_000) / traceRows)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
}
const mgmt = await startManagementActivitySimulator({ tls, tenantId: TENANT, tokenInfo: (t) => graph.tokenInfo(t), pageSize: 50 });
mgmt.enable('Audit.General');
for (let b = 0; b < blobs; b++) {
  const at = new Date(now - 50 * 60_000 + b * Math.floor((48 * 60_000) / blobs));
  const recs = Array.from({ length: records }, (_, r) => ({
    Id: randomUUID(),
    RecordType: r % 4 === 0 ? 29 : 2,
    CreationTime: at.toISOString().replace(/\.\d{3}Z$/, ''),
    Operation: r % 4 === 0 ? 'UserSubmission' : 'MailItemsAccessed',
    Workload: r % 4 === 0 ? 'ThreatIntelligence' : 'Exchange',
    UserId: `user${r}@contoso.test`,
    ...(r % 4 === 0 ? { InternetMessageId: `<bench-${b}-${r}@example.net>` } : {}),
  }));
  mgmt.addContent('Audit.General', recs, { contentCreated: at });
}
process.stdout.write(`${JSON.stringify({ loginUrl: graph.loginUrl, graphUrl: graph.graphUrl, mgmtUrl: mgmt.url, tenantId: TENANT })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await mgmt.close();
  await graph.close();
  process.exit(0);
});
