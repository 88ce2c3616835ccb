// Mimecast block steps against the simulator, one at a time: per-recipient managed-sender blocks
// (partial when a recipient is not internal), the guard rails (never the own domain, never a
// free-mail domain, addresses only for managed senders), an existing URL entry left alone by
// Undo, and dry run sending nothing that changes anything.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/config/policy.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { MimecastClient } from '../../src/vendors/mimecast/client.ts';
import { SIM_OAUTH, startMimecastSimulator, type MimecastSimulator } from '../../src/sandbox/mimecast-simulator.ts';
import { mimecastBlockSenderStep, mimecastBlockUrlStep, mimecastPermitOrBlockStep } from '../../src/actions/steps/mimecast-block.ts';
import { undoAll } from '../../src/actions/steps/playbook.ts';
import type { BlockScope, StepContext } from '../../src/actions/steps/types.ts';
import type { ReportRecord } from '../../src/store/types.ts';

let sim: MimecastSimulator;
let client: MimecastClient;
beforeEach(async () => {
  sim = await startMimecastSimulator({ internalDomains: ['contoso.test'] });
  client = new MimecastClient({ baseUrl: sim.url, auth: { kind: 'oauth', clientId: SIM_OAUTH.clientId, clientSecret: SIM_OAUTH.clientSecret }, log: silentLogger(), sleep: async () => {} });
});
afterEach(async () => {
  await sim.close();
});

function ctx(from: string, opts: { scope?: BlockScope; dryRun?: boolean; to?: string[]; urls?: string[] } = {}): StepContext {
  const report = {
    id: 'rep-mc',
    original: { subject: 's', from: { address: from }, to: (opts.to ?? ['ann@contoso.test']).map((address) => ({ address })), cc: [], internetMessageId: '<m@x>' },
    indicators: { urls: (opts.urls ?? []).map((url) => ({ url, host: new URL(url).hostname, source: 'text' })), domains: [], ips: [], hashes: [], addresses: [], attachments: [] },
  } as unknown as ReportRecord;
  return {
    actor: { platform: 'slack', id: 'U1' },
    vendors: { mimecast: client, reportMailbox: 'phish-reports@contoso.test' },
    store: {} as StepContext['store'],
    log: silentLogger(),
    dryRun: opts.dryRun ?? false,
    policy: defaultPolicy(),
    report,
    decision: 'block',
    ...(opts.scope ? { scope: opts.scope } : {}),
  };
}

describe('Mimecast block steps', () => {
  it('permit-or-block-sender blocks the sender per recipient; a recipient that is not internal fails on its own', async () => {
    const c = ctx('bad@evil.example', { to: ['ann@contoso.test', 'partner@elsewhere.example'] });
    const step = mimecastPermitOrBlockStep({ vendor: 'mimecast', step: 'permit-or-block-sender', action: 'block', onError: 'continue' });
    const plan = await step.plan(c);
    expect(plan.summary).toBe('would block bad@evil.example for 2 recipients (Mimecast managed senders)');
    const out = await step.run(c, plan);
    expect(out.status).toBe('partial');
    expect(out.recipients?.map((r) => r.status)).toEqual(['ok', 'failed']);
    expect(out.recipients?.[1]?.error).toMatch(/not a valid internal address/);
    expect(sim.state.managedSenders.filter((m) => m.sender === 'bad@evil.example').map((m) => [m.to, m.type])).toEqual([['ann@contoso.test', 'Block']]);
    expect(out.irreversible).toMatch(/remove them in the Administration Console/);
    const domain = await step.plan(ctx('bad@evil.example', { scope: 'domain' }));
    expect(domain.blocked).toMatch(/takes one sender address, not a domain/);
  });

  it('never blocks the own domain, nor a free-mail domain', async () => {
    const step = mimecastBlockSenderStep({ vendor: 'mimecast', step: 'block-sender', match: 'address', onError: 'continue' });
    const own = await step.plan(ctx('ceo@contoso.test'));
    expect(own.blocked).toMatch(/your own domain contoso\.test/);
    expect((await step.run(ctx('ceo@contoso.test'), own)).status).toBe('failed');
    const free = await step.plan(ctx('someone@outlook.com', { scope: 'domain' }));
    expect(free.blocked).toMatch(/outlook\.com is a free-mail domain/);
    const address = await step.plan(ctx('someone@outlook.com', { scope: 'sender' }));
    expect(address.blocked).toBeUndefined();
    expect(address.targets).toEqual(['someone@outlook.com']);
    expect(sim.state.policies.some((p) => p.policy?.fromValue === 'contoso.test')).toBe(false);
  });

  it('leaves an existing URL entry alone: it is not Hookline\'s, so Undo does not delete it', async () => {
    await client.createManagedUrl({ url: 'https://old.evil.example/x', action: 'block', matchType: 'explicit', comment: 'earlier' });
    const before = sim.state.managedUrls.length;
    const c = ctx('bad@evil.example', { urls: ['https://old.evil.example/x', 'https://new.evil.example/y'] });
    const step = mimecastBlockUrlStep({ vendor: 'mimecast', step: 'block-url', matchType: 'explicit', onError: 'continue' });
    const out = await step.run(c, await step.plan(c));
    expect(out).toMatchObject({ status: 'ok', detail: 'blocked 2 of 2 URLs (1 already blocked)' });
    expect(sim.state.managedUrls.length).toBe(before + 1);
    await undoAll(c, [out]);
    expect(sim.state.managedUrls.length).toBe(before);
    expect(sim.state.managedUrls.some((u) => u.domain === 'old.evil.example')).toBe(true);
  });

  it('dry run describes the block and sends nothing that changes anything', async () => {
    const c = ctx('bad@evil.example', { dryRun: true });
    const step = mimecastBlockSenderStep({ vendor: 'mimecast', step: 'block-sender', match: 'address', onError: 'continue' });
    const out = await step.run(c, await step.plan(c));
    expect(out).toMatchObject({ status: 'dry-run', detail: 'dry run: would block the sender bad@evil.example for everyone (Mimecast blocked-sender policy)' });
    expect(sim.apiRequests('/api/policy/blockedsenders/create-policy')).toHaveLength(0);
  });
});
