// The sandbox (shared/DESIGN.md §5, docs/decisions/0008): with no chat platform and no vendor
// configured, `npm start` runs the product against built-in simulators of Graph, Mimecast and
// Cofense on loopback, with a reporting mailbox seeded with a few reports, a policy giving the two
// console users their roles, and the console as the only chat platform.
//
// Two guarantees, both tested (test/sandbox/boot.test.ts):
// - bootSandbox() refuses to run when any real configuration is present (config.sandbox false), so
//   a simulator can never stand in for a configured vendor;
// - every vendor client it builds points at a simulator on a loopback address (checked here, not
//   assumed), so no real vendor is ever called.
//
// Graph in the sandbox: MSAL only talks https, and Node cannot mint an X.509 certificate without a
// tool. Rather than depend on openssl at runtime, the Graph client gets a sandbox TokenProvider that
// fetches its token from the simulator's token endpoint (same form, same checks) over plain http.
// The Graph client itself, the HTTP layer, the source and the playbooks are the production code.
import { isIP } from 'node:net';
import type { Logger } from '../log/logger.ts';
import type { Config } from '../config/env.ts';
import { validatePolicy, type Policy } from '../config/policy.ts';
import { HttpClient } from '../vendors/http/client.ts';
import type { TokenProvider } from '../vendors/microsoft/auth.ts';
import { GraphClient } from '../vendors/graph/client.ts';
import { MimecastClient } from '../vendors/mimecast/client.ts';
import { CofenseClient } from '../vendors/cofense/client.ts';
import type { Vendors } from '../vendors/registry.ts';
import { startGraphSimulator, type GraphSimulator } from './graph-simulator.ts';
import { startMimecastSimulator, SIM_OAUTH, type MimecastSimulator } from './mimecast-simulator.ts';
import { startCofenseSimulator, type CofenseSimulator } from './cofense-simulator.ts';
import { SANDBOX_MAILBOX, SEED_PHISH, phishMime, reportMime } from './seed-reports.ts';

/** The two people of the console; the policy below gives them their roles. */
export const SANDBOX_USERS = [
  { id: 'sam', name: 'Sam Responder', role: 'responder' },
  { id: 'alex', name: 'Alex Approver', role: 'admin' },
] as const;

export type SandboxUser = (typeof SANDBOX_USERS)[number];

/** Shown on every console page and card. */
export const SANDBOX_BANNER = 'SANDBOX — simulated vendors, nothing real is called';

/** In-memory SQLite unless HOOKLINE_DATABASE_URL is set: sandbox reports never land in a real database. */
export const SANDBOX_DATABASE_URL = 'sqlite::memory:';

export const SANDBOX_POLICY_SOURCE = 'built-in sandbox policy (src/sandbox/boot.ts)';

const TENANT = '0c0ffee0-5a4d-4b0b-8000-00000000cafe';
const CLIENT = 'hookline-sandbox-app';
const CLIENT_SECRET = 'sandbox-only-not-a-secret';

export interface Sandbox {
  graph: GraphSimulator;
  mimecast: MimecastSimulator;
  cofense: CofenseSimulator;
  vendors: Vendors;
  reportMailbox: string;
  policy: Policy;
  policySource: string;
  close(): Promise<void>;
}

export class SandboxRefused extends Error {}

/** The sandbox's policy: Sam responds, Alex (admin) can approve, four-eyes on destructive actions. */
export function sandboxPolicy(): Policy {
  const roles: Record<string, { console: { users: string[] } }> = {};
  for (const u of SANDBOX_USERS) roles[u.role] = { console: { users: [u.id] } };
  const { policy, problems } = validatePolicy({ roles, fourEyes: { risks: ['destructive'], approverRole: 'responder' }, alerts: { schedule: '* * * * *' } }, SANDBOX_POLICY_SOURCE);
  if (!policy) throw new Error(`the sandbox policy is invalid: ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`);
  return policy;
}

/** Throws unless `url` is http(s) on a loopback address: the sandbox calls nothing else. */
export function assertLoopback(url: string, what: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
  if (!loopback) throw new SandboxRefused(`the sandbox ${what} must be on loopback, not ${host}`);
}

/**
 * A TokenProvider for the Graph simulator over plain http (see the header): client credentials
 * posted to its token endpoint through the one HTTP layer, cached until a 401 drops it.
 */
export class SimulatorTokenProvider implements TokenProvider {
  readonly #http: HttpClient;
  readonly #tokens = new Map<string, Promise<string>>();
  readonly #path: string;

  constructor(opts: { loginUrl: string; tenantId: string; log: Logger }) {
    assertLoopback(opts.loginUrl, 'identity endpoint');
    this.#http = new HttpClient({ vendor: 'sandbox-identity', baseUrl: opts.loginUrl, log: opts.log, retries: 1 });
    this.#path = `/${opts.tenantId}/oauth2/v2.0/token`;
  }

  getToken(scope: string): Promise<string> {
    let t = this.#tokens.get(scope);
    if (!t) {
      t = this.#http
        .request<{ access_token?: string }>({ method: 'POST', path: this.#path, form: { grant_type: 'client_credentials', client_id: CLIENT, client_secret: CLIENT_SECRET, scope }, operation: 'sandbox.token', retry: true })
        .then((r) => {
          if (!r.body?.access_token) throw new Error('the Graph simulator answered without an access token');
          return r.body.access_token;
        });
      t.catch(() => this.#tokens.delete(scope));
      this.#tokens.set(scope, t);
    }
    return t;
  }

  invalidate(scope: string): void {
    this.#tokens.delete(scope);
  }
}

/**
 * Puts the seed reports in the simulated reporting mailbox, with message trace rows for their
 * recipients, and the phish itself in the Cofense and Mimecast simulators (so Quarantine finds it
 * everywhere, as it would in a tenant that runs all three).
 */
export function seedMailbox(graph: GraphSimulator, now = new Date(), others: { cofense?: CofenseSimulator; mimecast?: MimecastSimulator } = {}): number {
  SEED_PHISH.forEach((p, i) => {
    const sent = new Date(now.getTime() - (SEED_PHISH.length - i) * 47 * 60_000);
    graph.mailbox.add('Inbox', reportMime(p, sent, i + 1), { receivedDateTime: new Date(sent.getTime() + 5 * 60_000).toISOString() });
    for (const to of p.to) {
      graph.traces.add({ senderAddress: p.from, recipientAddress: to, messageId: p.internetMessageId, subject: p.subject, receivedDateTime: sent.toISOString(), fromIP: p.relayIp, status: 'Delivered' });
      // The phish also sits in each recipient's inbox, so remediation visibly moves something.
      graph.mailbox.add('Inbox', phishMime(p, sent), { mailbox: to, internetMessageId: p.internetMessageId, networkMessageId: p.networkMessageId, subject: p.subject, from: p.from });
    }
    const text = p.body.contentType.startsWith('text/plain') ? { textBody: p.body.content } : { htmlBody: p.body.content };
    others.cofense?.addMessage({ internetMessageId: p.internetMessageId, subject: p.subject, from: { address: p.from, personal: p.fromName }, to: p.to, receivedOn: sent.toISOString(), ...text });
    others.mimecast?.state.archive.push({
      id: `sandbox-archive-${i + 1}`,
      mimeMessageId: p.internetMessageId,
      from: p.from,
      fromName: p.fromName,
      to: p.to,
      subject: p.subject,
      received: sent,
      senderIP: p.relayIp,
      route: 'inbound',
      body: p.body.content,
      attachments: [],
    });
  });
  return SEED_PHISH.length;
}

/**
 * Starts the simulators and builds the sandbox's vendors and policy. Only for a configuration
 * without any platform or vendor (config.sandbox); throws SandboxRefused otherwise.
 */
export async function bootSandbox(config: Pick<Config, 'sandbox'>, log: Logger, opts: { now?: Date } = {}): Promise<Sandbox> {
  if (!config.sandbox) throw new SandboxRefused('real configuration is present: the sandbox and its simulators do not start');
  const started: { close(): Promise<void> }[] = [];
  try {
    const graph = await startGraphSimulator({ tenantId: TENANT, clientId: CLIENT, clientSecret: CLIENT_SECRET, mailbox: SANDBOX_MAILBOX, autoNotify: false });
    started.push(graph);
    const mimecast = await startMimecastSimulator({ internalDomains: ['contoso.example.com'] });
    started.push(mimecast);
    const cofense = await startCofenseSimulator({});
    started.push(cofense);
    for (const [what, url] of [['Graph simulator', graph.graphUrl], ['identity simulator', graph.loginUrl], ['Mimecast simulator', mimecast.url], ['Cofense simulator', cofense.url]] as const) assertLoopback(url, what);

    seedMailbox(graph, opts.now, { cofense, mimecast });
    const tokens = new SimulatorTokenProvider({ loginUrl: graph.loginUrl, tenantId: TENANT, log });
    const vendors: Vendors = {
      graph: new GraphClient({ baseUrl: graph.graphUrl, tokens, log }),
      mimecast: new MimecastClient({ baseUrl: mimecast.url, auth: { kind: 'oauth', ...SIM_OAUTH }, log }),
      cofense: new CofenseClient({ baseUrl: cofense.url, clientId: cofense.clientId, clientSecret: cofense.clientSecret, log }),
      reportMailbox: SANDBOX_MAILBOX,
    };
    log.warn({ graph: graph.url, mimecast: mimecast.url, cofense: cofense.url }, `${SANDBOX_BANNER}: no chat platform and no vendor is configured, so Hookline runs against its built-in simulators`);
    return {
      graph,
      mimecast,
      cofense,
      vendors,
      reportMailbox: SANDBOX_MAILBOX,
      policy: sandboxPolicy(),
      policySource: SANDBOX_POLICY_SOURCE,
      async close() {
        await Promise.allSettled(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }
}
