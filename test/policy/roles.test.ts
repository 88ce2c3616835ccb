// Roles: deny by default, the hierarchy, one gate (authorize) for every catalog action whether it
// comes from a card button or a command, and the four-eyes approver rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHookline, type Hookline } from '../../src/main.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { defaultPolicy, validatePolicy, ROLES, type Policy } from '../../src/config/policy.ts';
import { DEFAULT_POLICY_SOURCE } from '../../src/config/load.ts';
import { authorize } from '../../src/policy/authorize.ts';
import { authorizeApproval, justificationProblem, requestMode } from '../../src/policy/four-eyes.ts';
import { runAction, type CommandDeps } from '../../handlers/commands/run.ts';
import type { Actor } from '../../src/store/types.ts';

const slack = (id: string, groups?: string[]): Actor => ({ platform: 'slack', id, ...(groups ? { groups } : {}) });
const policyOf = (doc: unknown): Policy => {
  const r = validatePolicy(doc, 'policy.yaml');
  if (!r.policy) throw new Error(JSON.stringify(r.problems));
  return r.policy;
};

describe('every catalog action, through the one gate', () => {
  let hook: Hookline;
  beforeAll(async () => {
    hook = await startHookline({ log: silentLogger(), listen: { port: 0, host: '127.0.0.1' }, schedule: false, env: { HOOKLINE_DATABASE_URL: 'sqlite::memory:' } });
  });
  afterAll(async () => {
    await hook?.stop();
  });

  it('names a valid role and risk on every action; destructive ones need a responder', () => {
    const defs = hook.catalog.list();
    expect(defs.length).toBeGreaterThan(20);
    for (const d of defs) {
      expect(ROLES, d.id).toContain(d.role);
      expect(['read', 'change', 'destructive'], d.id).toContain(d.risk);
      if (d.risk === 'destructive') expect(['responder', 'admin'], d.id).toContain(d.role);
    }
    expect(hook.catalog.get('audit.recent')).toMatchObject({ role: 'analyst', risk: 'read' });
    expect(hook.catalog.get('report.quarantine')).toMatchObject({ role: 'responder', risk: 'destructive', decision: 'quarantine' });
  });

  it('without a policy file nobody may run anything, and the answer says how to configure one', () => {
    const policy = defaultPolicy();
    for (const d of hook.catalog.list()) {
      const r = authorize(policy, DEFAULT_POLICY_SOURCE, slack('UALICE01'), d);
      expect(r.ok, d.id).toBe(false);
    }
    const r = authorize(policy, DEFAULT_POLICY_SOURCE, slack('UALICE01'), hook.catalog.get('report.quarantine')!);
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('Hookline has no policy file') });
    if (!r.ok) {
      expect(r.reason).toContain('copy policy.example.yaml');
      expect(r.reason).toContain('HOOKLINE_CONFIG');
      expect(r.reason).toContain('your Slack member id is UALICE01');
    }
  });

  it('a command is refused by authorize() and audited before anything runs', async () => {
    const policy = policyOf({ roles: { viewer: { slack: { users: ['UVIEW001'] } }, responder: { slack: { users: ['URESP001'] } } } });
    const deps: CommandDeps = { store: hook.store, catalog: hook.catalog, vendors: hook.vendors, policy, policySource: 'policy.yaml', publisher: hook.publisher, log: silentLogger(), dryRun: false };
    const def = hook.catalog.get('mimecast.release-message')!;
    const denied = await runAction(deps, { actor: slack('UVIEW001'), def, params: { id: 'x' } });
    expect(denied).toMatchObject({ kind: 'denied', message: expect.stringContaining(`needs the ${def.role} role`) });
    expect((await hook.store.listAudit({ order: 'desc', limit: 1 }))[0]).toMatchObject({ action: def.id, result: 'denied', actor: { id: 'UVIEW001' } });
    // A responder passes the gate (and then meets the next check: Mimecast is not configured here).
    const passed = await runAction(deps, { actor: slack('URESP001'), def, params: { id: 'x' } });
    expect(passed.kind).toBe('not-configured');
  });
});

describe('roles', () => {
  const policy = policyOf({
    roles: {
      viewer: { slack: { groups: ['S0SECTEAM1'] } },
      analyst: { slack: { users: ['UANNA001'] } },
      responder: { slack: { users: ['URESP001'] }, teams: { groups: ['3f2504e0-4f89-11d3-9a0c-0305e82c3301'] } },
      admin: { slack: { users: ['UADMIN01'] } },
    },
  });
  const action = (role: 'viewer' | 'analyst' | 'responder' | 'admin') => ({ id: `x.${role}`, role, risk: 'read' as const });

  it('follows the hierarchy admin > responder > analyst > viewer, by user and by group', () => {
    expect(authorize(policy, 'p', slack('UADMIN01'), action('responder')).ok).toBe(true);
    expect(authorize(policy, 'p', slack('URESP001'), action('admin')).ok).toBe(false);
    expect(authorize(policy, 'p', slack('UANNA001'), action('viewer')).ok).toBe(true);
    expect(authorize(policy, 'p', slack('UANNA001'), action('responder')).ok).toBe(false);
    expect(authorize(policy, 'p', slack('USOMEONE', ['S0SECTEAM1']), action('viewer')).ok).toBe(true);
    expect(authorize(policy, 'p', slack('USOMEONE', ['S0SECTEAM1']), action('analyst')).ok).toBe(false);
    // Teams: Entra group ids compare case-insensitively.
    expect(authorize(policy, 'p', { platform: 'teams', id: 'abc', groups: ['3F2504E0-4F89-11D3-9A0C-0305E82C3301'] }, action('responder')).ok).toBe(true);
    expect(authorize(policy, 'p', { platform: 'console', id: 'URESP001' }, action('viewer')).ok).toBe(false);
  });

  it('tells a denied person which key of which file to be added to', () => {
    const r = authorize(policy, '/etc/hookline/policy.yaml', slack('UNOBODY1'), action('responder'));
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('roles.responder.slack.users (your Slack member id is UNOBODY1)') });
    if (!r.ok) expect(r.reason).toContain('/etc/hookline/policy.yaml');
  });
});

describe('four-eyes rules', () => {
  const policy = policyOf({ roles: { responder: { slack: { users: ['UALICE01', 'UBOB0001'] }, teams: { users: ['9b2c6e1a-7d3f-4c2b-8e5a-1f0d3c4b5a69'] } } }, fourEyes: { risks: ['destructive'], approverRole: 'responder' } });

  it('asks for a preview on destructive actions and a second approver only for the policy risks', () => {
    expect(requestMode(policy, { risk: 'destructive', role: 'responder' })).toEqual({ waits: true, needsSecond: true, approverRole: 'responder' });
    expect(requestMode(policy, { risk: 'change', role: 'responder' })).toEqual({ waits: false, needsSecond: false, approverRole: 'responder' });
    const off = policyOf({ fourEyes: { risks: [] } });
    expect(requestMode(off, { risk: 'destructive', role: 'responder' })).toEqual({ waits: true, needsSecond: false, approverRole: 'responder' });
  });

  it('requester and approver must differ (also across id case on Teams); the approver needs the role', () => {
    const req = (requester: Actor) => ({ requester, needsSecond: true, approverRole: 'responder' as const, actionId: 'report.quarantine' });
    expect(authorizeApproval(policy, 'p', slack('UALICE01'), req(slack('UALICE01')))).toMatchObject({ ok: false, reason: expect.stringContaining('You requested this report.quarantine') });
    expect(authorizeApproval(policy, 'p', slack('UBOB0001'), req(slack('UALICE01'))).ok).toBe(true);
    const teamsId = '9b2c6e1a-7d3f-4c2b-8e5a-1f0d3c4b5a69';
    expect(authorizeApproval(policy, 'p', { platform: 'teams', id: teamsId.toUpperCase() }, req({ platform: 'teams', id: teamsId })).ok).toBe(false);
    expect(authorizeApproval(policy, 'p', slack('UMALLORY'), req(slack('UALICE01')))).toMatchObject({ ok: false, reason: expect.stringContaining('needs the responder role') });
    // A plain preview: the requester may confirm it.
    expect(authorizeApproval(policy, 'p', slack('UALICE01'), { ...req(slack('UALICE01')), needsSecond: false }).ok).toBe(true);
  });

  it('wants a justification of 10 to 500 characters', () => {
    expect(justificationProblem(undefined)).toMatch(/at least 10/);
    expect(justificationProblem('   short   ')).toMatch(/at least 10/);
    expect(justificationProblem('x'.repeat(501))).toMatch(/under 500/);
    expect(justificationProblem('Confirmed phish, 3 clicks')).toBeUndefined();
  });
});
