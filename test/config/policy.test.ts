import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import {
  ROLES,
  defaultPlaybooks,
  defaultPolicy,
  effectivePlaybook,
  hasRole,
  needsSecondApprover,
  parsePolicyText,
  rolesOf,
  validatePolicy,
  type Policy,
} from '../../src/config/policy.ts';
import { COFENSE, CWD, M365, SLACK, failure, keysOf, load, messageFor } from './helpers.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'policy');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

function parseOk(text: string, name: string): Policy {
  const r = parsePolicyText(text, name);
  expect(r.problems).toEqual([]);
  if (!r.policy) throw new Error('no policy');
  return r.policy;
}

const withPolicy = (name: string, text: string) => ({ files: { [`${CWD}/${name}`]: text } });

describe('policy files', () => {
  it('policy.example.yaml is valid', () => {
    const policy = parseOk(readFileSync(join(ROOT, 'policy.example.yaml'), 'utf8'), 'policy.example.yaml');
    expect(policy.timezone).toBe('Europe/Berlin');
    expect(policy.roles.responder.slack.users).toEqual(['U0RESPOND1']);
    expect(policy.playbooks.quarantine[0]).toEqual({ vendor: 'graph', step: 'remediate', action: 'softDelete', severity: 'high', remediateSendersCopy: false, onError: 'continue' });
  });

  it('policy.example.yaml loads through loadConfig as HOOKLINE_CONFIG', () => {
    const { policy, policySource } = loadConfig({ HOOKLINE_CONFIG: 'policy.example.yaml' }, { cwd: ROOT, readFile: (p) => (p.endsWith('.env') ? (() => { throw Object.assign(new Error('x'), { code: 'ENOENT' }); })() : readFileSync(p, 'utf8')) });
    expect(policySource).toBe(join(ROOT, 'policy.example.yaml'));
    expect(policy.alerts.slackChannel).toBe('C0PHISHALRT');
  });

  it('YAML and JSON of the same policy are the same policy', () => {
    const yaml = parseOk(fixture('minimal.yaml'), 'minimal.yaml');
    const json = parseOk(fixture('minimal.json'), 'minimal.json');
    expect(json).toEqual(yaml);
    expect(yaml.fourEyes).toEqual({ risks: ['destructive'], approverRole: 'responder', expiryMinutes: 30 });
    // Entra ids are stored lower-case.
    expect(yaml.roles.responder.teams.users).toEqual(['9b2c6e1a-7d3f-4c2b-8e5a-1f0d3c4b5a69']);
  });

  it('an empty file is the default policy', () => {
    expect(parseOk(fixture('empty.yaml'), 'empty.yaml')).toEqual(defaultPolicy());
  });

  it('unknown keys are errors, with a suggestion', () => {
    const r = parsePolicyText(fixture('typo.yaml'), 'typo.yaml');
    expect(r.policy).toBeUndefined();
    expect(r.problems).toEqual([
      { key: 'typo.yaml roles.responder.slack.user', message: 'unknown key; did you mean users? (expected one of: users, groups)' },
      {
        key: 'typo.yaml fourEye',
        message: expect.stringMatching(/^unknown key; did you mean fourEyes\? \(expected one of: version, timezone, roles, fourEyes, alerts, .*limits\)$/),
      },
    ]);
  });

  it('reports every wrong value with its path and what it expects', () => {
    const r = parsePolicyText(fixture('invalid.yaml'), 'invalid.yaml');
    const byKey = Object.fromEntries(r.problems.map((p) => [p.key.replace(/^invalid\.yaml /, ''), p.message]));
    expect(byKey).toEqual({
      timezone: 'expected an IANA time zone like Europe/Berlin or UTC, got "Mars/Olympus"',
      'roles.responder.slack.users[0]': 'expected a Slack user id like U0123ABCD (profile → ⋮ → Copy member ID), not a name, got "alice"',
      'roles.responder.teams.groups[0]': 'expected an Entra object id (a GUID like 00000000-0000-0000-0000-000000000000), got "not-a-guid"',
      'fourEyes.risks[0]': 'expected one of change, destructive, got "read"',
      'fourEyes.expiryMinutes': 'expected a whole number from 1 to 10080, got 0',
      'alerts.schedule': expect.stringMatching(/^expected a cron expression like "\*\/5 \* \* \* \*".*61.*, got "61 \* \* \* \*"$/),
      'alerts.slackChannel': expect.stringMatching(/^expected a Slack channel id like C0123ABCD.*, got "#phishing"$/),
      'ingest.order': 'expected one of oldest-first, latest-first, got "newest-first"',
      'ingest.extractUrls': 'expected true or false, got "yes"',
      'playbooks.quarantine[0].action': 'expected one of softDelete, hardDelete, moveToJunk, moveToInbox, moveToDeletedItems, got "nuke"',
      'playbooks.quarantine[1].approve': 'unknown key (expected one of: vendor, step, onError)',
      'playbooks.quarantine[2].vendor': 'expected one of graph, ews, mimecast, cofense, got "proofpoint"',
      'playbooks.approve[0].action': 'Approve releases mail: only moveToInbox belongs here, got "hardDelete"',
    });
  });

  it('names the required option of a step', () => {
    const r = parsePolicyText('playbooks:\n  block:\n    - { vendor: mimecast, step: permit-or-block-sender }\n    - { vendor: cofense, step: block }\n', 'p.yaml');
    expect(r.problems).toEqual([
      { key: 'p.yaml playbooks.block[0].action', message: 'required: expected one of block, permit' },
      { key: 'p.yaml playbooks.block[1].step', message: 'expected one of the cofense steps: quarantine, restore, update-ioc, got "block"' },
    ]);
  });

  it('refuses broken YAML, duplicate keys, broken JSON and a non-mapping document', () => {
    expect(parsePolicyText('roles: [unclosed', 'p.yaml').problems[0]?.message).toMatch(/^not valid YAML/);
    expect(parsePolicyText('undoWindowMinutes: 5\nundoWindowMinutes: 10\n', 'p.yaml').problems[0]?.message).toMatch(/^not valid YAML/);
    expect(parsePolicyText('{"roles": ', 'p.json').problems[0]?.message).toMatch(/^not valid JSON/);
    expect(parsePolicyText('- a\n- b\n', 'p.yaml').problems).toEqual([{ key: 'p.yaml', message: expect.stringMatching(/^expected a mapping/) }]);
  });

  it('treats an empty YAML value as the default', () => {
    const p = parseOk('roles:\n  admin:\n    slack:\n      users:\nfourEyes:\n', 'p.yaml');
    expect(p.roles.admin.slack.users).toEqual([]);
    expect(p.fourEyes.risks).toEqual(['destructive']);
  });
});

describe('loading the policy with the environment', () => {
  it('no HOOKLINE_CONFIG: the built-in deny-all policy', () => {
    const { policy, policySource } = load({});
    expect(policySource).toBe('built-in default (deny all)');
    expect(policy).toEqual(defaultPolicy());
  });

  it('HOOKLINE_CONFIG names a file relative to cwd; YAML or JSON by extension', () => {
    const yaml = load({ HOOKLINE_CONFIG: 'policy.yaml' }, withPolicy('policy.yaml', fixture('minimal.yaml')));
    expect(yaml.policySource).toBe(`${CWD}/policy.yaml`);
    expect(yaml.config.policyPath).toBe(`${CWD}/policy.yaml`);
    const json = load({ HOOKLINE_CONFIG: 'policy.json' }, withPolicy('policy.json', fixture('minimal.json')));
    expect(json.policy).toEqual(yaml.policy);
  });

  it('a missing policy file is a problem', () => {
    expect(failure({ HOOKLINE_CONFIG: '/etc/hookline/policy.yaml' }).problems).toEqual([{ key: 'HOOKLINE_CONFIG', message: 'file not found: /etc/hookline/policy.yaml' }]);
  });

  it('environment and policy problems come in one message', () => {
    const err = failure({ HOOKLINE_PORT: 'abc', SLACK_BOT_TOKEN: SLACK.SLACK_BOT_TOKEN, HOOKLINE_CONFIG: 'policy.yaml' }, withPolicy('policy.yaml', fixture('typo.yaml')));
    expect(keysOf(err)).toEqual(['HOOKLINE_PORT', 'SLACK_SIGNING_SECRET', 'policy.yaml roles.responder.slack.user', 'policy.yaml fourEye']);
    expect(err.message).toMatch(/^Configuration is invalid \(4 problems\):\n {2}- HOOKLINE_PORT: /);
  });

  it('a playbook step for a vendor that is not configured is a problem (outside the sandbox)', () => {
    const env = { ...SLACK, ...COFENSE, HOOKLINE_CONFIG: 'policy.yaml' };
    const err = failure(env, withPolicy('policy.yaml', fixture('playbooks.yaml')));
    expect(keysOf(err)).toEqual(['policy.yaml playbooks.quarantine[0].vendor', 'policy.yaml playbooks.block[0].vendor']);
    expect(messageFor(err, 'policy.yaml playbooks.quarantine[0].vendor')).toMatch(/^graph is not configured \(set M365_TENANT_ID/);
    // With the vendors present it loads; in the sandbox the simulators stand in for every vendor.
    expect(load({ ...env, ...M365, MIMECAST_CLIENT_ID: 'id', MIMECAST_CLIENT_SECRET: 's' }, withPolicy('policy.yaml', fixture('playbooks.yaml'))).policy.playbooks.quarantine).toHaveLength(2);
    expect(load({ HOOKLINE_CONFIG: 'policy.yaml' }, withPolicy('policy.yaml', fixture('playbooks.yaml'))).config.sandbox).toBe(true);
  });

  it('notify-reporter needs the reporting mailbox', () => {
    const text = 'playbooks:\n  approve:\n    - { vendor: graph, step: notify-reporter }\n';
    const err = failure({ ...M365, HOOKLINE_CONFIG: 'p.yaml' }, withPolicy('p.yaml', text));
    expect(err.problems).toEqual([{ key: 'p.yaml playbooks.approve[0].step', message: 'notify-reporter sends from the reporting mailbox: set REPORT_MAILBOX' }]);
    expect(load({ ...M365, REPORT_MAILBOX: 'phish@contoso.com', HOOKLINE_CONFIG: 'p.yaml' }, withPolicy('p.yaml', text)).policy.playbooks.approve).toHaveLength(1);
  });

  it('warns about a deny-all policy and a missing alert channel when Slack is on', () => {
    const { warnings } = load(SLACK);
    expect(warnings).toEqual([
      expect.stringMatching(/^the policy gives no role to anybody/),
      expect.stringMatching(/^Slack has no alert channel/),
    ]);
  });
});

describe('defaults: deny by default', () => {
  it('has no role members and sensible schedules', () => {
    const p = defaultPolicy();
    for (const role of ROLES) expect(p.roles[role]).toEqual({ slack: { users: [], groups: [] }, teams: { users: [], groups: [] } });
    expect(p.fourEyes).toEqual({ risks: ['destructive'], approverRole: 'responder', expiryMinutes: 60 });
    expect(p.alerts).toEqual({ schedule: '* * * * *' });
    expect(p.digest).toEqual({ enabled: true, schedule: '0 9 * * 1-5' });
    expect(p.sla).toEqual({ minutes: 60, schedule: '*/5 * * * *' });
    expect(p.playbooks).toEqual({ approve: [], quarantine: [], block: [] });
    expect(p.ingest).toMatchObject({ schedule: '* * * * *', maxFirstRun: 50, maxPerPoll: 100, order: 'oldest-first', extractUrls: true, extractEml: true });
    expect(p.timezone).toBe('UTC');
  });

  it('nobody holds a role', () => {
    const p = defaultPolicy();
    for (const actor of [
      { platform: 'slack' as const, id: 'U0ANYBODY1', groups: ['S0ANYGROUP'] },
      { platform: 'teams' as const, id: '9b2c6e1a-7d3f-4c2b-8e5a-1f0d3c4b5a69' },
      { platform: 'console' as const, id: 'local' },
    ]) {
      expect(rolesOf(p, actor).size).toBe(0);
      expect(hasRole(p, actor, 'viewer')).toBe(false);
    }
  });

  it('four-eyes applies to destructive actions only, by default', () => {
    expect(needsSecondApprover(defaultPolicy(), 'destructive')).toBe(true);
    expect(needsSecondApprover(defaultPolicy(), 'change')).toBe(false);
    expect(needsSecondApprover(defaultPolicy(), 'read')).toBe(false);
  });
});

describe('rolesOf', () => {
  const policy = parseOk(
    [
      'roles:',
      '  viewer: { slack: { groups: [S0VIEWERS1] } }',
      '  analyst: { slack: { users: [U0ANALYST1] } }',
      '  responder: { slack: { users: [U0RESPOND1] }, teams: { groups: [3F2504E0-4F89-11D3-9A0C-0305E82C3301] } }',
      '  admin: { slack: { users: [U0ADMIN001] }, teams: { users: [9b2c6e1a-7d3f-4c2b-8e5a-1f0d3c4b5a69] } }',
    ].join('\n'),
    'roles.yaml',
  );
  const sorted = (s: Set<string>) => [...s].sort();

  it('follows the hierarchy admin ⊃ responder ⊃ analyst ⊃ viewer', () => {
    expect(sorted(rolesOf(policy, { platform: 'slack', id: 'U0ADMIN001' }))).toEqual(['admin', 'analyst', 'responder', 'viewer']);
    expect(sorted(rolesOf(policy, { platform: 'slack', id: 'U0RESPOND1' }))).toEqual(['analyst', 'responder', 'viewer']);
    expect(sorted(rolesOf(policy, { platform: 'slack', id: 'U0ANALYST1' }))).toEqual(['analyst', 'viewer']);
    expect(sorted(rolesOf(policy, { platform: 'slack', id: 'U0NOBODY01', groups: ['S0VIEWERS1'] }))).toEqual(['viewer']);
    expect(rolesOf(policy, { platform: 'slack', id: 'U0NOBODY01' }).size).toBe(0);
  });

  it('takes the highest role from user and group membership', () => {
    expect(sorted(rolesOf(policy, { platform: 'slack', id: 'U0ANALYST1', groups: ['S0VIEWERS1'] }))).toEqual(['analyst', 'viewer']);
  });

  it('matches Teams Entra ids case-insensitively, users and groups', () => {
    expect(hasRole(policy, { platform: 'teams', id: '9B2C6E1A-7D3F-4C2B-8E5A-1F0D3C4B5A69' }, 'admin')).toBe(true);
    expect(sorted(rolesOf(policy, { platform: 'teams', id: '00000000-0000-0000-0000-000000000001', groups: ['3f2504e0-4f89-11d3-9a0c-0305e82c3301'] }))).toEqual(['analyst', 'responder', 'viewer']);
  });

  it('keeps platforms apart: a Slack id listed for Slack gives nothing on Teams', () => {
    expect(rolesOf(policy, { platform: 'teams', id: 'U0ADMIN001' }).size).toBe(0);
    expect(rolesOf(policy, { platform: 'console', id: 'U0ADMIN001' }).size).toBe(0);
  });
});

describe('playbooks in effect', () => {
  it('defaults to DESIGN §4 for the configured vendors only', () => {
    const p = defaultPolicy();
    expect(effectivePlaybook(p, 'quarantine', ['graph']).steps).toEqual([{ vendor: 'graph', step: 'remediate', action: 'softDelete', severity: 'high', remediateSendersCopy: false, onError: 'continue' }]);
    expect(effectivePlaybook(p, 'block', ['cofense', 'ews']).steps.map((s) => `${s.vendor}.${s.step}`)).toEqual(['cofense.update-ioc', 'ews.mark-as-junk']);
    expect(effectivePlaybook(p, 'approve', []).steps).toEqual([]);
    expect(Object.keys(defaultPlaybooks())).toEqual(['approve', 'quarantine', 'block']);
  });

  it('uses the policy list when it names steps', () => {
    const p = parseOk(fixture('playbooks.yaml'), 'playbooks.yaml');
    const r = effectivePlaybook(p, 'quarantine', ['graph', 'cofense', 'mimecast']);
    expect(r.source).toBe('policy');
    expect(r.steps.map((s) => s.onError)).toEqual(['continue', 'stop']);
  });

  it('refuses moveToInbox on Quarantine', () => {
    const r = validatePolicy({ playbooks: { quarantine: [{ vendor: 'graph', step: 'remediate', action: 'moveToInbox' }] } }, 'p.yaml');
    expect(r.problems).toEqual([{ key: 'p.yaml playbooks.quarantine[0].action', message: 'moveToInbox releases mail and does not belong to quarantine, got "moveToInbox"' }]);
  });
});
