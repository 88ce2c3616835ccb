// Shared test setup: the EWS simulator over TLS (test CA), an EwsClient with Basic credentials on
// a dispatcher that trusts the test CA, a sleep that only records, and logs captured as text so a
// test can check that no password or mail content was written.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/log/logger.ts';
import { startEwsSimulator, type EwsSimulator, type EwsSimulatorOptions } from '../../../src/sandbox/ews-simulator.ts';
import { EwsClient, type EwsClientOptions } from '../../../src/vendors/ews/client.ts';
import { testDispatcher, loadTestTls } from '../../helpers/tls.ts';

export const USERNAME = 'svc-hookline@contoso.test';
export const PASSWORD = 'Ews-Service-Password-0123456789';
export const REPORTS = 'phish-reports@contoso.test';
export const ALICE = 'alice@contoso.test';

export interface EwsSetup {
  sim: EwsSimulator;
  client: EwsClient;
  sleeps: number[];
  /** The logger the client writes to (tests pass it to sources too). */
  log: Logger;
  logs: () => string;
  close(): Promise<void>;
}

export async function setupEws(simOpts: EwsSimulatorOptions = {}, clientOpts: Partial<EwsClientOptions> = {}): Promise<EwsSetup> {
  const tls = loadTestTls();
  const sim = await startEwsSimulator({ tls: { key: tls.key, cert: tls.cert }, username: USERNAME, password: PASSWORD, ...simOpts });
  const dispatcher = testDispatcher();
  const sleeps: number[] = [];
  let logText = '';
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, cb) {
        logText += String(chunk);
        cb();
      },
    }),
  });
  const client = new EwsClient({
    url: sim.url,
    auth: { kind: 'basic', username: USERNAME, password: PASSWORD },
    log,
    dispatcher,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...clientOpts,
  });
  return {
    sim,
    client,
    sleeps,
    log,
    logs: () => logText,
    async close() {
      await sim.close();
      await dispatcher.close();
    },
  };
}

/** A small RFC 822 message (fake domains only). */
export function mail(p: { subject?: string; from?: string; to?: string; messageId?: string; date?: string; body?: string } = {}): string {
  return [
    `From: "Sender" <${p.from ?? 'billing@evil.example'}>`,
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
