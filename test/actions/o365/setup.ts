// Shared setup of the o365.* action tests: the Graph simulator over TLS with the real MSAL token
// provider and GraphClient, the EWS simulator with the real EwsClient, and a way to run an action
// the way a handler does (params.parse, then run) with logs captured as text.
import { Writable } from 'node:stream';
import type { z } from 'zod';
import { createLogger, type Logger } from '../../../src/log/logger.ts';
import type { ActionContext, ActionDef, ActionResult } from '../../../src/actions/types.ts';
import { startGraphSimulator, type GraphSimulator, type GraphSimulatorOptions } from '../../../src/sandbox/graph-simulator.ts';
import { GraphClient, type GraphClientOptions } from '../../../src/vendors/graph/client.ts';
import { MicrosoftTokenProvider } from '../../../src/vendors/microsoft/auth.ts';
import type { Store } from '../../../src/store/store.ts';
import type { Vendors } from '../../../src/vendors/registry.ts';
import { trustTestCa } from '../../helpers/tls.ts';

export const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
export const SECRET = 'sim-client-secret-Zq8~o365-value';
export const REPORTS = 'phish-reports@contoso.test';
export const ALICE = 'alice@contoso.test';
export const BOB = 'bob@contoso.test';

export interface Captured {
  log: Logger;
  text: () => string;
}

export function capturedLog(): Captured {
  let out = '';
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk);
        cb();
      },
    }),
  });
  return { log, text: () => out };
}

export interface GraphSetup {
  sim: GraphSimulator;
  graph: GraphClient;
  tokens: MicrosoftTokenProvider;
  logs: Captured;
  sleeps: number[];
  close(): Promise<void>;
}

export async function setupGraph(simOpts: GraphSimulatorOptions = {}, clientOpts: Partial<GraphClientOptions> = {}): Promise<GraphSetup> {
  const t = trustTestCa();
  const sim = await startGraphSimulator({ tls: { key: t.key, cert: t.cert }, clientId: CLIENT_ID, clientSecret: SECRET, mailbox: REPORTS, ...simOpts });
  const logs = capturedLog();
  const tokens = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT_ID, clientSecret: SECRET, loginUrl: sim.loginUrl, log: logs.log });
  const sleeps: number[] = [];
  const graph = new GraphClient({
    baseUrl: sim.graphUrl,
    tokens,
    log: logs.log,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...clientOpts,
  });
  return { sim, graph, tokens, logs, sleeps, close: () => sim.close() };
}

export function ctxFor(vendors: Vendors, opts: { dryRun?: boolean; store?: Store; log?: Logger } = {}): ActionContext<Vendors> {
  return {
    actor: { platform: 'console', id: 'U1', name: 'Ana Analyst' },
    vendors,
    store: opts.store ?? ({} as Store),
    log: opts.log ?? capturedLog().log,
    dryRun: opts.dryRun ?? false,
  };
}

/** Parses like a handler does, then runs. */
export async function runAction<T = unknown>(def: ActionDef<any, any, Vendors>, vendors: Vendors, params: Record<string, unknown> = {}, opts: { dryRun?: boolean; store?: Store; log?: Logger } = {}): Promise<ActionResult<T>> {
  const parsed = (def.params as z.ZodType).parse(params);
  return (await def.run(ctxFor(vendors, opts), parsed)) as ActionResult<T>;
}

/** The messages a handler would show for invalid parameters. */
export function paramError(def: ActionDef<any, any, Vendors>, params: Record<string, unknown>): string {
  const r = (def.params as z.ZodType).safeParse(params);
  if (r.success) throw new Error(`expected ${def.id} to reject ${JSON.stringify(params)}`);
  return r.error.issues.map((i) => i.message).join('; ');
}

/** A small RFC 822 message (fake domains only). */
export function eml(p: { subject?: string; from?: string; to?: string; messageId?: string; date?: string; body?: string } = {}): string {
  return [
    `From: "Billing Team" <${p.from ?? 'billing@evil.example'}>`,
    `To: ${p.to ?? ALICE}`,
    `Subject: ${p.subject ?? 'Invoice overdue'}`,
    `Date: ${p.date ?? 'Mon, 2 Nov 2026 09:00:00 +0000'}`,
    `Message-ID: ${p.messageId ?? `<${Math.random().toString(36).slice(2)}@mail.evil.example>`}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    p.body ?? 'Pay now at https://pay.evil.example/invoice',
    '',
  ].join('\r\n');
}

/** Graph requests (not token requests) whose path includes `part`. */
export const graphCalls = (sim: GraphSimulator, part: string, method?: string) => sim.requests.filter((r) => r.path.startsWith('/v1.0') && r.path.includes(part) && (!method || r.method === method));
