// The policy keys this feature adds: ingest.messageTrace (off by default) and
// ingest.managementActivity.maxEventsPerFetch, and record types written as numbers (seed 004:
// "set with numerical values") or names.
import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../../src/config/policy.ts';

describe('policy: scheduled fetching of trace and activity events', () => {
  it('has safe defaults: message trace fetching off, 1000 events per fetch', () => {
    const { policy } = validatePolicy({}, 'policy.yaml');
    expect(policy!.ingest.messageTrace).toEqual({ enabled: false, schedule: '*/5 * * * *', maxEventsPerFetch: 1000, firstFetchMinutes: 60 });
    expect(policy!.ingest.managementActivity.maxEventsPerFetch).toBe(1000);
  });

  it('accepts record types as numbers or names, and refuses unknown names and bad limits by key', () => {
    const ok = validatePolicy({ ingest: { managementActivity: { contentTypes: ['Audit.General'], recordTypes: [29, 'ThreatIntelligence'] } } }, 'policy.yaml');
    expect(ok.policy!.ingest.managementActivity.recordTypes).toEqual(['29', 'ThreatIntelligence']);
    const bad = validatePolicy({ ingest: { managementActivity: { recordTypes: ['Phishy'], maxEventsPerFetch: 0 }, messageTrace: { enabled: 'yes', firstFetchMinutes: 200_000 } } }, 'policy.yaml');
    expect(bad.problems.map((p) => p.key).sort()).toEqual([
      'policy.yaml ingest.managementActivity.maxEventsPerFetch',
      'policy.yaml ingest.managementActivity.recordTypes[0]',
      'policy.yaml ingest.messageTrace.enabled',
      'policy.yaml ingest.messageTrace.firstFetchMinutes',
    ]);
    expect(bad.problems.find((p) => p.key.endsWith('recordTypes[0]'))!.message).toMatch(/expected a record type number \(e\.g\. 29\) or a known name/);
    expect(validatePolicy({ ingest: { messageTrace: { enabeld: true } } }, 'policy.yaml').problems[0]!.message).toMatch(/did you mean enabled/);
  });
});
