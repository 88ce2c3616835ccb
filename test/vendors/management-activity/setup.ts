// Shared setup of the Management Activity tests: the Graph simulator as the identity provider (it
// issues every app token), the Management Activity simulator accepting only tokens issued for its
// own resource, one MicrosoftTokenProvider shared by a GraphClient and the ManagementActivityClient
// (one MSAL cache per resource), and logs captured as text.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/log/logger.ts';
import { startGraphSimulator, type GraphSimulator } from '../../../src/sandbox/graph-simulator.ts';
import { startManagementActivitySimulator, type ManagementSimulator, type ManagementSimulatorOptions } from '../../../src/sandbox/management-activity-simulator.ts';
import { GraphClient } from '../../../src/vendors/graph/client.ts';
import { ManagementActivityClient, type ManagementActivityClientOptions } from '../../../src/vendors/management-activity/client.ts';
import { MicrosoftTokenProvider } from '../../../src/vendors/microsoft/auth.ts';
import { trustTestCa } from '../../helpers/tls.ts';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
export const SECRET = 'sim-client-secret-Zq8~mgmt-value';

export interface MaSetup {
  identity: GraphSimulator;
  sim: ManagementSimulator;
  client: ManagementActivityClient;
  graph: GraphClient;
  tokens: MicrosoftTokenProvider;
  log: Logger;
  logs: () => string;
  sleeps: number[];
  close(): Promise<void>;
}

export async function setupManagement(simOpts: ManagementSimulatorOptions = {}, clientOpts: Partial<ManagementActivityClientOptions> = {}): Promise<MaSetup> {
  const t = trustTestCa();
  const identity = await startGraphSimulator({ tls: { key: t.key, cert: t.cert }, tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET });
  const sim = await startManagementActivitySimulator({ tls: { key: t.key, cert: t.cert }, tenantId: TENANT, tokenInfo: (tok) => identity.tokenInfo(tok), ...simOpts });
  let text = '';
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk);
        cb();
      },
    }),
  });
  const tokens = new MicrosoftTokenProvider({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET, loginUrl: identity.loginUrl, log });
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const client = new ManagementActivityClient({ baseUrl: sim.url, tenantId: TENANT, tokens, log, sleep, ...clientOpts });
  const graph = new GraphClient({ baseUrl: identity.graphUrl, tokens, log, sleep });
  return {
    identity,
    sim,
    client,
    graph,
    tokens,
    log,
    logs: () => text,
    sleeps,
    async close() {
      await sim.close();
      await identity.close();
    },
  };
}

/** A MailSubmission audit record (record type 29) as the API sends it (CreationTime without a zone). */
export function submission(p: { id?: string; imid?: string; nmid?: string; at?: Date; user?: string; operation?: string } = {}): Record<string, unknown> {
  return {
    Id: p.id ?? crypto.randomUUID(),
    RecordType: 29,
    CreationTime: (p.at ?? new Date()).toISOString().replace(/\.\d{3}Z$/, ''),
    Operation: p.operation ?? 'UserSubmission',
    OrganizationId: TENANT,
    UserType: 0,
    UserKey: 'carol-key',
    Workload: 'ThreatIntelligence',
    UserId: p.user ?? 'carol@contoso.test',
    SubmissionId: crypto.randomUUID(),
    SubmissionType: 'Phish',
    ...(p.imid ? { InternetMessageId: p.imid } : {}),
    ...(p.nmid ? { NetworkMessageId: p.nmid } : {}),
    P1Sender: 'helpdesk@evil.example',
    Subject: 'Your mailbox is full',
  };
}

export function audit(p: { id?: string; type?: number; workload?: string; operation?: string; at?: Date } = {}): Record<string, unknown> {
  return {
    Id: p.id ?? crypto.randomUUID(),
    RecordType: p.type ?? 2,
    CreationTime: (p.at ?? new Date()).toISOString().replace(/\.\d{3}Z$/, ''),
    Operation: p.operation ?? 'MailItemsAccessed',
    Workload: p.workload ?? 'Exchange',
    UserId: 'alice@contoso.test',
    ClientIP: '198.51.100.4',
    ResultStatus: 'Succeeded',
    ObjectId: 'obj-1',
  };
}
