// Store-backed pieces of issue #8, on SQLite and PostgreSQL: running catalog actions for a person
// (authorisation, audit, not configured, second approver, decisions), saved results for paging,
// digest statistics and the triage queue for the App Home.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Store } from '../../src/store/store.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { emptyIndicators, type ParsedReport } from '../../src/ingest/types.ts';
import type { Actor } from '../../src/store/types.ts';
import { Catalog } from '../../src/actions/catalog.ts';
import type { ActionDef } from '../../src/actions/types.ts';
import { reportActions } from '../../src/actions/report-actions.ts';
import type { Vendors } from '../../src/vendors/registry.ts';
import { policySchema } from '../../src/config/policy.ts';
import { Publisher } from '../../src/chat/publisher.ts';
import { runAction, checkAccess, type CommandDeps } from '../../handlers/commands/index.ts';
import { loadResult, saveResult } from '../../src/store/command-results.ts';
import { digestAction, digestStats, isDigestStats } from '../../src/reports/digest.ts';
import { postDigests, type DigestPort } from '../../src/jobs/digest-job.ts';
import { approvalsFor, awaitingDecision, recentDecisions } from '../../src/store/triage-queue.ts';
import { dbTargets } from '../helpers/databases.ts';

const targets = await dbTargets();

const parsed = (subject: string, from: string): ParsedReport => ({
  status: 'parsed',
  originalAttached: true,
  reportedBy: { address: 'reporter@corp.example' },
  original: { subject, from: { address: from }, to: [{ address: 'a@corp.example' }], cc: [] },
  indicators: emptyIndicators(),
});

const analyst: Actor = { platform: 'slack', id: 'UANALYST1' };
const responder: Actor = { platform: 'slack', id: 'URESPOND1' };
const stranger: Actor = { platform: 'slack', id: 'USTRANGE1' };

let runs = 0;
const lookup: ActionDef<any, any, Vendors> = {
  id: 'acme.lookup',
  vendor: 'acme',
  name: 'lookup',
  title: 'Lookup',
  summary: 'Looks something up',
  params: z.object({ q: z.string(), password: z.string().optional() }),
  risk: 'read',
  role: 'analyst',
  async run(_ctx, p) {
    runs++;
    if (p.q === 'boom') throw new Error('vendor said 500 with Bearer abcdefghijklmnopqrstuvwxyz0123');
    return { summary: `found ${p.q}`, kind: 'text', data: `result for ${p.q}`, vendorRequestIds: ['req-1'] };
  },
};
const needsVendor: ActionDef<any, any, Vendors> = { ...lookup, id: 'acme.needs', name: 'needs', requires: () => ['ACME_URL', 'ACME_KEY'] };
const purge: ActionDef<any, any, Vendors> = { ...lookup, id: 'acme.purge', name: 'purge', risk: 'destructive', role: 'responder' };

for (const t of targets) {
  describe.skipIf(Boolean(t.skip))(`commands and digests on ${t.name}`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let deps: CommandDeps;

    beforeAll(async () => {
      const db = await t.create();
      drop = db.drop;
      store = await Store.open(db.url, silentLogger());
      const policy = policySchema.parse({
        roles: { analyst: { slack: { users: ['UANALYST1'] } }, responder: { slack: { users: ['URESPOND1'] } } },
        fourEyes: { risks: ['destructive'] },
      });
      const catalog = new Catalog<Vendors>().register(...reportActions, lookup, needsVendor, purge, digestAction());
      deps = { store, catalog, vendors: {}, policy, policySource: '/etc/hookline/policy.yaml', publisher: new Publisher(store, silentLogger()), log: silentLogger(), dryRun: false };
    });
    afterAll(async () => {
      await store?.close();
      await drop?.();
    });

    it('runs an allowed action and audits it with secret parameters redacted', async () => {
      const out = await runAction(deps, { actor: analyst, def: lookup, params: { q: 'x', password: 'hunter2-secret' } });
      expect(out).toMatchObject({ kind: 'result', result: { summary: 'found x' } });
      const last = (await store.listAudit({ order: 'desc', limit: 1 }))[0]!;
      expect(last).toMatchObject({ action: 'acme.lookup', result: 'ok', actor: { id: 'UANALYST1' }, vendorRequestIds: ['req-1'] });
      expect(last.params).toEqual({ q: 'x', password: '[redacted]' });
      expect(JSON.stringify(last)).not.toContain('hunter2');
    });

    it('refuses someone without the role, says how to fix it, audits the denial and calls nothing', async () => {
      const before = runs;
      const out = await runAction(deps, { actor: stranger, def: lookup, params: { q: 'x' } });
      expect(out.kind).toBe('denied');
      expect(out.kind === 'denied' && out.message).toMatch(/needs the analyst role.*USTRANGE1/);
      expect(runs).toBe(before);
      expect((await store.listAudit({ order: 'desc', limit: 1 }))[0]).toMatchObject({ action: 'acme.lookup', result: 'denied' });
      expect(checkAccess(deps, stranger, lookup)?.kind).toBe('denied');
      expect(checkAccess(deps, analyst, lookup)).toBeUndefined();
    });

    it('answers "not configured" with the variables to set', async () => {
      const out = await runAction(deps, { actor: analyst, def: needsVendor, params: { q: 'x' } });
      expect(out).toMatchObject({ kind: 'not-configured', variables: ['ACME_URL', 'ACME_KEY'] });
      expect(out.kind === 'not-configured' && out.message).toMatch(/Set ACME_URL, ACME_KEY/);
    });

    it('does not run a destructive action single-handed when the policy asks for a second approver', async () => {
      const before = runs;
      const out = await runAction(deps, { actor: responder, def: purge, params: { q: 'x' } });
      expect(out.kind).toBe('needs-second-approver');
      expect(runs).toBe(before);
    });

    it('turns a vendor failure into a failed outcome with credentials scrubbed, and audits it', async () => {
      const out = await runAction(deps, { actor: analyst, def: lookup, params: { q: 'boom' } });
      expect(out.kind).toBe('failed');
      expect(out.kind === 'failed' && out.message).toMatch(/vendor said 500/);
      expect(out.kind === 'failed' && out.message).not.toContain('abcdefghijklmnop');
      expect((await store.listAudit({ order: 'desc', limit: 1 }))[0]).toMatchObject({ result: 'failed' });
    });

    it('runs report decisions through decide(): one claim, and a second command is a duplicate', async () => {
      const { report } = await store.insertReport({ dedupeKey: 'cmd-dec-1', source: 'test', sourceRef: 'r', parsed: parsed('Decide me', 'x@evil.example') });
      const approve = deps.catalog.get('report.approve')!;
      const first = await runAction(deps, { actor: responder, def: approve, params: { reportId: report.id } });
      expect(first).toMatchObject({ kind: 'decision', result: { kind: 'executed', decision: { state: 'done' } } });
      expect(first.kind === 'decision' && first.message).toMatch(/approved/);
      const again = await runAction(deps, { actor: responder, def: approve, params: { reportId: report.id } });
      expect(again).toMatchObject({ kind: 'decision', result: { kind: 'duplicate' } });
      expect(again.kind === 'decision' && again.message).toMatch(/already approved/);
      const denied = await runAction(deps, { actor: analyst, def: approve, params: { reportId: report.id } });
      expect(denied).toMatchObject({ kind: 'decision', result: { kind: 'denied' } });
    });

    it('saves a result for paging, without file bytes, and forgets it after it expires', async () => {
      const saved = await saveResult(store, { actionId: 'acme.lookup', actor: analyst, params: { q: 'x' }, result: { summary: 's', kind: 'table', data: { columns: [], rows: [{ a: 1 }] } } });
      const back = await loadResult(store, saved.id);
      expect(back).toMatchObject({ actionId: 'acme.lookup', actor: analyst, params: { q: 'x' }, result: { kind: 'table', data: { rows: [{ a: 1 }] } } });
      expect(await loadResult(store, saved.id, new Date(Date.now() + 25 * 3_600_000))).toBeUndefined();
      const file = await saveResult(store, { actionId: 'x.file', actor: analyst, result: { summary: 'f', kind: 'file', data: { filename: 'a.zip', contentType: 'application/zip', bytes: Buffer.from('PK') } } });
      expect((await loadResult(store, file.id))?.result.data).toBeNull();
      // Expired rows are pruned by the next save.
      const old = await saveResult(store, { actionId: 'x.old', actor: analyst, result: { summary: 'o', kind: 'text', data: '' } }, { now: new Date(Date.now() - 48 * 3_600_000) });
      await saveResult(store, { actionId: 'x.new', actor: analyst, result: { summary: 'n', kind: 'text', data: '' } });
      expect(await store.db.selectFrom('command_results').select('id').where('id', '=', old.id).executeTakeFirst()).toBeUndefined();
    });

    it('computes the digest: states, pending and their age, senders, domains, time to decision', async () => {
      const now = new Date();
      const ago = (min: number) => new Date(now.getTime() - min * 60_000).toISOString();
      const ids: string[] = [];
      const mk = async (key: string, subject: string, from: string, minutesAgo: number) => {
        const { report } = await store.insertReport({ dedupeKey: `dg-${key}`, source: 'test', sourceRef: key, parsed: parsed(subject, from) });
        await store.db.updateTable('reports').set({ created_at: ago(minutesAgo) }).where('id', '=', report.id).execute();
        ids.push(report.id);
        return report.id;
      };
      const a = await mk('a', 'Invoice 1', 'Billing@Invoices.example', 120);
      await mk('b', 'Invoice 2', 'billing@invoices.example', 90);
      await mk('c', 'Hello', 'ceo@spoof.example', 30);
      const old = await mk('d', 'Very old', 'x@old.example', 3 * 24 * 60);
      // a was decided 60 minutes after it arrived.
      const claim = await store.claimDecision({ reportId: a, action: 'quarantine', idempotencyKey: `decide:${a}`, requestedBy: responder, state: 'executing' });
      await store.transitionDecision(claim.decision.id, ['executing'], { state: 'done', outcome: { steps: [] } });
      await store.db.updateTable('decisions').set({ created_at: ago(60) }).where('id', '=', claim.decision.id).execute();

      const s = await digestStats(store, { hours: 24, now });
      expect(isDigestStats(s)).toBe(true);
      // Earlier tests in this file add reports too; count only ours where it matters.
      expect(s.reports.byState.done).toBeGreaterThanOrEqual(1);
      expect(s.reports.outcomes.quarantine).toBe(1);
      expect(s.topSenders[0]).toEqual({ address: 'billing@invoices.example', reports: 2 });
      expect(s.topDomains[0]).toEqual({ domain: 'invoices.example', reports: 2 });
      // The decision test above decided its report at once (0 min); ours waited 60.
      expect(s.timeToDecision).toMatchObject({ samples: 2, medianMinutes: 0, p90Minutes: 60, maxMinutes: 60 });
      // The three-day-old undecided report is outside the window but still pending, and the oldest.
      expect(s.pending.oldest[0]).toMatchObject({ reportId: old, state: 'new', subject: 'Very old' });
      expect(s.pending.oldestAgeMinutes).toBeGreaterThanOrEqual(3 * 24 * 60);
      expect(s.pending.oldest.map((p) => p.reportId)).not.toContain(a);
      expect(s.campaigns).toEqual({ available: false, reason: expect.stringMatching(/not enabled/) });

      const withCampaigns = await digestStats(store, { now, campaigns: async () => [{ id: 'c1', name: 'Invoice wave', reports: 2 }] });
      expect(withCampaigns.campaigns).toEqual({ available: true, top: [{ id: 'c1', name: 'Invoice wave', reports: 2 }] });
      const broken = await digestStats(store, { now, campaigns: async () => Promise.reject(new Error('no table')) });
      expect(broken.campaigns).toMatchObject({ available: false, reason: expect.stringMatching(/no table/) });
    });

    it('runs the digest as a catalog action for viewers and posts the scheduled one to every port', async () => {
      const out = await runAction(deps, { actor: analyst, def: deps.catalog.get('report.digest')!, params: { hours: 24 } });
      expect(out.kind).toBe('result');
      expect(out.kind === 'result' && isDigestStats(out.result.data)).toBe(true);
      const got: string[] = [];
      const ok: DigestPort = { platform: 'a', postDigest: async (s) => void got.push(`a:${s.hours}`) };
      const bad: DigestPort = { platform: 'b', postDigest: async () => Promise.reject(new Error('down')) };
      expect(await postDigests(store, [bad, ok], silentLogger(), { hours: 12 })).toEqual({ posted: 1, failed: 1 });
      expect(got).toEqual(['a:12']);
      await expect(postDigests(store, [bad], silentLogger())).rejects.toThrow(/could not be posted/);
    });

    it('lists the triage queue: approvals for others, what waits for a decision, recent decisions', async () => {
      const { report } = await store.insertReport({ dedupeKey: 'q-4eyes', source: 'test', sourceRef: 'q', parsed: parsed('Needs two', 'x@evil.example') });
      await store.claimDecision({ reportId: report.id, action: 'quarantine', idempotencyKey: `decide:${report.id}`, requestedBy: responder, state: 'pending_second_approval' });
      expect((await approvalsFor(store, analyst)).map((i) => i.reportId)).toContain(report.id);
      expect((await approvalsFor(store, responder)).map((i) => i.reportId)).not.toContain(report.id);
      const waiting = await awaitingDecision(store, 100);
      expect(waiting.items.map((i) => i.reportId)).toContain(report.id);
      expect(waiting.count).toBe(waiting.items.length);
      const recent = await recentDecisions(store, 3);
      expect(recent[0]).toMatchObject({ reportId: report.id, decision: { state: 'pending_second_approval', requestedBy: responder } });
    });
  });
}
