// roles.*.teams.groups: a Teams user in a policy-named Entra group gets the group's role, looked up
// through Graph checkMemberGroups (simulator over TLS, real msal-node); nobody else does.
import { describe, it, expect, afterAll } from 'vitest';
import { startGraphSimulator } from '../../src/sandbox/graph-simulator.ts';
import { GraphClient } from '../../src/vendors/graph/client.ts';
import { MicrosoftTokenProvider } from '../../src/vendors/microsoft/auth.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { EntraGroups } from '../../adapters/teams/entra-groups.ts';
import { rolesOf, validatePolicy } from '../../src/config/policy.ts';
import { trustTestCa } from '../helpers/tls.ts';

const t = trustTestCa();
const CLIENT = '66666666-7777-8888-9999-000000000000';
const GROUP = 'aaaaaaaa-1111-2222-3333-444444444444';
const MEMBER = 'bbbbbbbb-1111-2222-3333-444444444444';
const OUTSIDER = 'cccccccc-1111-2222-3333-444444444444';

describe('Entra group roles for Teams', async () => {
  const sim = await startGraphSimulator({ tls: { key: t.key, cert: t.cert }, clientId: CLIENT });
  afterAll(() => sim.close());
  sim.groups.setMembers(GROUP, [MEMBER]);
  const log = silentLogger();
  const tokens = new MicrosoftTokenProvider({ tenantId: sim.tenantId, clientId: CLIENT, clientSecret: 's3cret-value', loginUrl: sim.loginUrl, log });
  const graph = new GraphClient({ baseUrl: sim.graphUrl, tokens, log });
  const { policy } = validatePolicy({ roles: { responder: { teams: { groups: [GROUP] } } } }, 'test policy');

  it('gives a member the role of the group, and an outsider nothing', async () => {
    const entra = new EntraGroups({ graph, groupIds: [GROUP], log });
    const member = await entra.actor({ platform: 'teams', id: MEMBER });
    const outsider = await entra.actor({ platform: 'teams', id: OUTSIDER });
    expect(member.groups).toEqual([GROUP]);
    expect(rolesOf(policy!, member).has('responder')).toBe(true);
    expect(outsider.groups).toBeUndefined();
    expect(rolesOf(policy!, outsider).has('viewer')).toBe(false);
    const calls = sim.requests.filter((r) => r.path.endsWith('/checkMemberGroups'));
    expect(calls.map((c) => c.json)).toEqual([{ groupIds: [GROUP] }, { groupIds: [GROUP] }]);
  });

  it('caches lookups, and prefetch makes synchronous checks group-aware', async () => {
    const entra = new EntraGroups({ graph, groupIds: [GROUP], log });
    const before = sim.requests.filter((r) => r.path.endsWith('/checkMemberGroups')).length;
    expect(entra.cached({ platform: 'teams', id: MEMBER }).groups).toBeUndefined();
    await entra.prefetch([MEMBER, OUTSIDER]);
    await entra.actor({ platform: 'teams', id: MEMBER });
    expect(sim.requests.filter((r) => r.path.endsWith('/checkMemberGroups')).length - before).toBe(2);
    expect(entra.cached({ platform: 'teams', id: MEMBER }).groups).toEqual([GROUP]);
  });

  it('grants nothing when Graph cannot answer (deny by default)', async () => {
    const failing = { checkMemberGroups: async () => Promise.reject(new Error('HTTP 403 Authorization_RequestDenied')) };
    const entra = new EntraGroups({ graph: failing, groupIds: [GROUP], log });
    const a = await entra.actor({ platform: 'teams', id: MEMBER });
    expect(a.groups).toBeUndefined();
    expect(rolesOf(policy!, a).size).toBe(0);
  });
});
