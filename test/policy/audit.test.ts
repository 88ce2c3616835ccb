// The audit log as a record nobody can quietly change: `hookline audit verify` walks the hash
// chain and names the first entry that was edited, deleted or re-chained (tampering is done with
// SQL, as an attacker with database access would); `hookline audit export --since` writes JSON
// Lines with secrets removed; audit.recent shows the newest entries to analysts. Runs on SQLite
// and PostgreSQL.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Store, auditHash } from '../../src/store/store.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { verifyAuditChain } from '../../src/policy/audit-chain.ts';
import { runCli } from '../../src/cli/main.ts';
import { parseWhen } from '../../src/cli/audit.ts';
import type { CliIo } from '../../src/cli/command.ts';
import { auditRecentAction } from '../../handlers/audit-command.ts';
import { authorize } from '../../src/policy/authorize.ts';
import { validatePolicy } from '../../src/config/policy.ts';
import type { Actor } from '../../src/store/types.ts';
import { dbTargets } from '../helpers/databases.ts';

const targets = await dbTargets();
const ALICE: Actor = { platform: 'slack', id: 'UALICE01', name: 'alice' };

function io(env: Record<string, string>, cwd: string): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { out: (l) => void lines.push(l), err: (l) => void errors.push(l), cwd, env, lines, errors };
}

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`audit log on ${t.name}`, () => {
    let store: Store;
    let url: string;
    let drop: () => Promise<void>;
    let dir: string;

    beforeEach(async () => {
      const db = await t.create();
      url = db.url;
      drop = db.drop;
      dir = mkdtempSync(path.join(os.tmpdir(), 'hookline-audit-'));
      store = await Store.open(url, silentLogger());
      for (let i = 1; i <= 5; i++) {
        await store.appendAudit({
          actor: ALICE,
          action: i % 2 ? 'report.quarantine' : 'mimecast.release-message',
          params: { reportId: `r${i}`, ...(i === 2 ? { apiKey: 'k-0123456789abcdef0123' } : {}) },
          result: i === 4 ? 'failed' : 'ok',
          detail: i === 4 ? { error: 'HTTP 401: Bearer abcdefghijklmnopqrstuvwxyz0123 rejected' } : { event: 'requested', justification: `entry ${i}` },
          vendorRequestIds: [`req-${i}`],
          at: `2026-05-0${i}T10:00:00.000Z`,
        });
      }
    });
    afterEach(async () => {
      await store.close();
      await drop();
    });

    it('an intact chain verifies, from the library and from `hookline audit verify`', async () => {
      expect(await verifyAuditChain(store)).toMatchObject({ ok: true, entries: 5, head: { seq: 5 } });
      const out = io({ HOOKLINE_DATABASE_URL: url }, dir);
      expect(await runCli(['audit', 'verify'], out)).toBe(0);
      expect(out.lines.join('\n')).toMatch(/The audit log is intact: 5 entries, last #5/);
    });

    it('names the first entry whose row was changed with SQL', async () => {
      await sql`update audit_log set result = 'ok' where seq = 4`.execute(store.db);
      expect(await verifyAuditChain(store)).toMatchObject({ ok: false, entries: 3, broken: { seq: 4, reason: expect.stringContaining('does not match its hash') } });
      const out = io({ HOOKLINE_DATABASE_URL: url }, dir);
      expect(await runCli(['audit', 'verify'], out)).toBe(1);
      expect(out.errors.join('\n')).toMatch(/BROKEN at entry #4/);
    });

    it('names the entry after one that was re-hashed by the tamperer, and a deleted entry', async () => {
      const row = await store.db.selectFrom('audit_log').selectAll().where('seq', '=', 2).executeTakeFirstOrThrow();
      // Rewrite entry 2 and recompute its own hash: entry 3 no longer chains to it.
      const params = { reportId: 'r2-rewritten' };
      const hash = auditHash(row.prev_hash, { seq: 2, at: row.at, actor: JSON.parse(row.actor), action: row.action, params, result: row.result as 'ok', detail: JSON.parse(row.detail!), vendorRequestIds: JSON.parse(row.vendor_request_ids) });
      await store.db.updateTable('audit_log').set({ params: JSON.stringify(params), hash }).where('seq', '=', 2).execute();
      expect(await verifyAuditChain(store)).toMatchObject({ ok: false, broken: { seq: 3, reason: expect.stringContaining('prev_hash does not match the hash of entry 2') } });

      await store.db.deleteFrom('audit_log').where('seq', '>=', 2).where('seq', '<=', 3).execute();
      expect(await verifyAuditChain(store)).toMatchObject({ ok: false, entries: 1, broken: { seq: 4, reason: expect.stringContaining('entry 2 to 3 is missing') } });
    });

    it('exports JSON Lines since a date, with secrets removed, to stdout or a new file', async () => {
      const out = io({ HOOKLINE_DATABASE_URL: url }, dir);
      expect(await runCli(['audit', 'export', '--since', '2026-05-02'], out)).toBe(0);
      const lines = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.map((l) => l.seq)).toEqual([2, 3, 4, 5]);
      const text = out.lines.join('\n');
      expect(text).not.toContain('k-0123456789abcdef0123');
      expect(text).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
      expect((lines[0]!.params as Record<string, unknown>).apiKey).toBe('[redacted]');
      expect(lines[0]).toMatchObject({ action: 'mimecast.release-message', result: 'ok', vendorRequestIds: ['req-2'], hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

      const file = io({ HOOKLINE_DATABASE_URL: url }, dir);
      expect(await runCli(['audit', 'export', '--since', '2026-05-04T00:00:00Z', '--until', '2026-05-05', '--out', 'siem.jsonl'], file)).toBe(0);
      expect(readFileSync(path.join(dir, 'siem.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual([4]);
      // Never overwrites an earlier export.
      const again = io({ HOOKLINE_DATABASE_URL: url }, dir);
      expect(await runCli(['audit', 'export', '--since', '2026-05-04', '--out', 'siem.jsonl'], again)).toBe(1);
      expect(again.errors.join('\n')).toMatch(/Cannot write siem\.jsonl/);
    });

    it('audit.recent lists the newest entries, summarised, for analysts', async () => {
      const ctx = { actor: ALICE, vendors: {}, store, log: silentLogger(), dryRun: false };
      const r = await auditRecentAction.run(ctx, auditRecentAction.params.parse({ limit: 3 }));
      expect(r.kind).toBe('table');
      expect(r.data.rows.map((x) => x.seq)).toEqual([5, 4, 3]);
      expect(r.data.rows[1]).toMatchObject({ action: 'mimecast.release-message', result: 'failed', actor: 'slack:alice' });
      expect(String(r.data.rows[1]!.about)).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
      const filtered = await auditRecentAction.run(ctx, auditRecentAction.params.parse({ action: 'report.' }));
      expect(filtered.data.rows.map((x) => x.seq)).toEqual([5, 3, 1]);
    });
  });
}

describe('audit command arguments', () => {
  it('rejects bad input with a clear message and exit code 2, touching no database', async () => {
    const out = io({ HOOKLINE_DATABASE_URL: 'postgres://nowhere.invalid:1/x' }, os.tmpdir());
    expect(await runCli(['audit', 'export'], out)).toBe(2);
    expect(out.errors.join('\n')).toMatch(/export needs --since/);
    const bad = io({}, os.tmpdir());
    expect(await runCli(['audit', 'export', '--since', 'yesterday-ish'], bad)).toBe(2);
    expect(bad.errors.join('\n')).toMatch(/expected a date like 2026-05-01/);
    const unknown = io({}, os.tmpdir());
    expect(await runCli(['audit', 'shred'], unknown)).toBe(2);
  });

  it('reads relative ages and dates as UTC', () => {
    const now = new Date('2026-05-10T12:00:00.000Z');
    expect(parseWhen('24h', now)).toBe('2026-05-09T12:00:00.000Z');
    expect(parseWhen('7d', now)).toBe('2026-05-03T12:00:00.000Z');
    expect(parseWhen('2026-05-01', now)).toBe('2026-05-01T00:00:00.000Z');
    expect(parseWhen('2026-05-01T08:30:00+02:00', now)).toBe('2026-05-01T06:30:00.000Z');
  });

  it('audit.recent needs the analyst role: deny by default', () => {
    const policy = validatePolicy({ roles: { analyst: { slack: { users: ['UANNA001'] } }, viewer: { slack: { users: ['UVIEW001'] } } } }, 'policy.yaml').policy!;
    expect(authorize(policy, 'policy.yaml', { platform: 'slack', id: 'UANNA001' }, auditRecentAction).ok).toBe(true);
    const viewer = authorize(policy, 'policy.yaml', { platform: 'slack', id: 'UVIEW001' }, auditRecentAction);
    expect(viewer).toMatchObject({ ok: false, reason: expect.stringContaining('needs the analyst role') });
  });
});
