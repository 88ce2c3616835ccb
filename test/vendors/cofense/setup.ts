// Shared test setup: a Cofense simulator, a CofenseClient on a private undici Agent pointed at it,
// a controllable clock and a sleep that only records.
import { Agent } from 'undici';
import { silentLogger } from '../../../src/log/logger.ts';
import { startCofenseSimulator } from '../../../src/sandbox/cofense-simulator.ts';
import type { CofenseSimulator, CofenseSimulatorOptions } from '../../../src/sandbox/cofense-simulator.ts';
import { CofenseClient } from '../../../src/vendors/cofense/client.ts';
import type { CofenseClientOptions } from '../../../src/vendors/cofense/client.ts';

export interface Setup {
  sim: CofenseSimulator;
  client: CofenseClient;
  clock: { now: number };
  sleeps: number[];
  close(): Promise<void>;
}

export async function setup(simOpts: CofenseSimulatorOptions = {}, clientOpts: Partial<CofenseClientOptions> = {}): Promise<Setup> {
  const clock = { now: Date.parse('2026-11-22T10:00:00Z') };
  const sim = await startCofenseSimulator({ now: () => new Date(clock.now), ...simOpts });
  const agent = new Agent();
  const sleeps: number[] = [];
  const client = new CofenseClient({
    baseUrl: sim.url,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    log: silentLogger(),
    dispatcher: agent,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => clock.now,
    ...clientOpts,
  });
  return {
    sim,
    client,
    clock,
    sleeps,
    async close() {
      await sim.close();
      await agent.close();
    },
  };
}

/** A 32-hex IOC id that does not exist. */
export const NO_SUCH_IOC = '0123456789abcdef0123456789abcdef';
export const PHISH_ID = '<phish-1001@mail-security.example.net>';
export const INVOICE_ID = '<inv-2291@invoices.example.org>';
export const LUNCH_ID = '<lunch-1003@example.com>';
