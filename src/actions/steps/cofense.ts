// Cofense Vision: Quarantine creates a quarantine job for every recipient of the message and, when
// Vision holds it for approval (PENDING_APPROVAL), approves it: the responder (and approver) already
// confirmed the preview. Approve restores the jobs that hold this message and stops auto-quarantine
// jobs still waiting for approval. Block upserts IOCs under Hookline's own IOC source (sender or
// sender domain, URLs, attachment hashes) so Vision quarantines matching mail; Undo deletes them.
// Reference: shared/reference/mimecast_cofense.md §8, §9.
import type { PlaybookStepConfig } from '../../config/policy.ts';
import { quarantineJobStatus, type CofenseClient } from '../../vendors/cofense/client.ts';
import type { IocInput, QuarantineJob } from '../../vendors/cofense/types.ts';
import { isVendorError } from '../../vendors/http/errors.ts';
import { notConfigured } from '../../vendors/registry.ts';
import { attachmentHashes, senderTarget, urlTargets } from './block-targets.ts';
import { overLimit, recipientsOf } from './recipients.ts';
import type { PlaybookStep, StepContext, StepOutcome, StepPlan, Undoer } from './types.ts';
import { outcomeOf, plural, reasonOf, statusOf } from './types.ts';

type QuarantineConfig = Extract<PlaybookStepConfig, { vendor: 'cofense'; step: 'quarantine' }>;
type RestoreConfig = Extract<PlaybookStepConfig, { vendor: 'cofense'; step: 'restore' }>;
type IocConfig = Extract<PlaybookStepConfig, { vendor: 'cofense'; step: 'update-ioc' }>;

/** How long a run waits for Vision to finish a job before reporting it as still running. */
export const JOB_WAIT_MS = 60_000;
const OK_EMAIL = new Set(['QUARANTINED', 'EXPUNGED', 'COMPLETED', 'RESTORED']);
const JOBS_SCANNED = 500;

const planOf = (config: PlaybookStepConfig, base: { vendor: string; step: string }) => (summary: string, extra: Partial<StepPlan> = {}): StepPlan => ({ config, ...base, summary, targets: [], ...extra });
const sameId = (a: string | undefined, b: string | undefined) => (a ?? '').trim().replace(/^<|>$/g, '').toLowerCase() === (b ?? '').trim().replace(/^<|>$/g, '').toLowerCase();
const bracket = (id: string) => (id.trim().startsWith('<') ? id.trim() : `<${id.trim()}>`);

function emailResults(job: QuarantineJob, imid: string): NonNullable<StepOutcome['recipients']> {
  return (job.quarantineEmails ?? [])
    .filter((e) => sameId(e.internetMessageId, imid))
    .map((e) => (OK_EMAIL.has(String(e.status)) ? { address: e.recipientAddress, status: 'ok' as const } : { address: e.recipientAddress, status: 'failed' as const, error: e.errorMessage ?? String(e.status ?? 'unknown status') }));
}

export function cofenseQuarantineStep(config: QuarantineConfig): PlaybookStep {
  const base = { vendor: 'cofense', step: 'cofense.quarantine' };
  const plan = planOf(config, base);
  return {
    config,
    ...base,
    async plan(ctx) {
      if (!ctx.vendors.cofense) return plan('would quarantine at Cofense Vision', { blocked: notConfigured('cofense') });
      const imid = ctx.report.original.internetMessageId;
      if (!imid) return plan('would quarantine at Cofense Vision', { blocked: 'the reported message has no Message-ID, which a Vision quarantine job needs' });
      const r = await recipientsOf(ctx, { cofenseSearch: true });
      if (r.addresses.length === 0) return plan('would quarantine at Cofense Vision', { blocked: `no recipients found (${r.source} is empty${r.note ? `; ${r.note}` : ''})` });
      const limit = overLimit(ctx, r.addresses.length);
      return plan(`would create a Cofense Vision quarantine job for ${plural(r.addresses.length, 'mailbox', 'mailboxes')} (recipients from ${r.source}) and approve it if Vision holds it for approval`, {
        targets: r.addresses,
        ...(limit ? { blocked: limit } : {}),
      });
    },
    async run(ctx, p): Promise<StepOutcome> {
      if (p.blocked) return outcomeOf(p, 'failed', p.blocked);
      if (ctx.dryRun) return outcomeOf(p, 'dry-run', `dry run: ${p.summary}`);
      const cofense = ctx.vendors.cofense!;
      const imid = bracket(ctx.report.original.internetMessageId as string);
      let job: QuarantineJob;
      try {
        job = await cofense.createQuarantineJob(p.targets.map((recipientAddress) => ({ recipientAddress, internetMessageId: imid })));
      } catch (err) {
        return outcomeOf(p, 'failed', `creating the quarantine job failed: ${reasonOf(err)}`);
      }
      // From here on the job exists: whatever happens, Undo must be able to restore it.
      const undo = [{ kind: 'cofense-job', jobIds: [job.id] }];
      const notes: string[] = [];
      try {
        job = await cofense.waitForQuarantineJob(job.id, { timeoutMs: JOB_WAIT_MS });
        if (quarantineJobStatus(job) === 'PENDING_APPROVAL') {
          await cofense.approveQuarantineJob(job.id, p.targets.length);
          notes.push('approved');
          job = await cofense.waitForQuarantineJob(job.id, { timeoutMs: JOB_WAIT_MS, until: (j) => ['COMPLETED', 'FAILED'].includes(quarantineJobStatus(j)) });
        }
      } catch (err) {
        return outcomeOf(p, 'partial', `quarantine job ${job.id} created but not finished: ${reasonOf(err)}`, { undo });
      }
      const status = quarantineJobStatus(job);
      const recipients = emailResults(job, imid);
      const ok = recipients.filter((r) => r.status === 'ok').length;
      if (status === 'FAILED') return outcomeOf(p, ok ? 'partial' : 'failed', `quarantine job ${job.id} failed at Vision (${ok} of ${plural(recipients.length, 'mailbox', 'mailboxes')} done)`, { recipients, undo });
      return outcomeOf(p, statusOf(ok, recipients.length), `quarantine job ${job.id}${notes.length ? ` (${notes.join(', ')})` : ''}: quarantined in ${ok} of ${plural(recipients.length, 'mailbox', 'mailboxes')}`, { recipients, undo });
    },
  };
}

/** Undo of a quarantine: restore each job Hookline created. */
export const undoCofenseJobs: Undoer = async (ctx, handles) => {
  const base = { vendor: 'cofense', step: 'cofense.quarantine' };
  const cofense = ctx.vendors.cofense;
  if (!cofense) return outcomeOf(base, 'failed', notConfigured('cofense'));
  const ids = handles.flatMap((h) => (h.jobIds as number[] | undefined) ?? []);
  if (ctx.dryRun) return outcomeOf(base, 'dry-run', `dry run: would restore ${plural(ids.length, 'quarantine job')}`);
  return restoreJobs(ctx, cofense, ids, base);
};

async function restoreJobs(ctx: StepContext, cofense: CofenseClient, ids: number[], base: { vendor: string; step: string }): Promise<StepOutcome> {
  const imid = ctx.report.original.internetMessageId ?? '';
  const recipients: NonNullable<StepOutcome['recipients']> = [];
  const errors: string[] = [];
  const running: number[] = [];
  const restoreDone = (j: QuarantineJob) => (j.quarantineJobRuns ?? []).at(-1)?.jobRunType === 'RESTORE' && ['COMPLETED', 'FAILED'].includes(quarantineJobStatus(j));
  for (const id of ids) {
    try {
      await cofense.restoreQuarantineJob(id);
    } catch (err) {
      errors.push(`job ${id}: ${reasonOf(err)}`);
      continue;
    }
    try {
      recipients.push(...emailResults(await cofense.waitForQuarantineJob(id, { timeoutMs: JOB_WAIT_MS, until: restoreDone }), imid));
    } catch {
      // Vision accepted the restore; it is only slow. The job shows the rest.
      running.push(id);
    }
  }
  const okJobs = ids.length - errors.length;
  const status = errors.length === 0 ? 'ok' : okJobs === 0 ? 'failed' : 'partial';
  const detail =
    `restored ${okJobs} of ${plural(ids.length, 'quarantine job')}` +
    (running.length ? ` (job ${running.join(', ')} still restoring)` : '') +
    (errors.length ? `; ${errors.join('; ')}` : '');
  return outcomeOf(base, status, detail, recipients.length ? { recipients } : {});
}

/** Jobs that hold a copy of this message, scanning the newest JOBS_SCANNED jobs. */
async function jobsHolding(cofense: CofenseClient, imid: string): Promise<{ quarantined: number[]; pending: number[] }> {
  const page = await cofense.listQuarantineJobs({ size: JOBS_SCANNED, sort: [{ field: 'createdDate', direction: 'desc' }] });
  const quarantined: number[] = [];
  const pending: number[] = [];
  for (const j of page.items) {
    const mine = (j.quarantineEmails ?? []).filter((e) => sameId(e.internetMessageId, imid));
    if (mine.length === 0) continue;
    if (mine.some((e) => e.status === 'QUARANTINED')) quarantined.push(j.id);
    else if (quarantineJobStatus(j) === 'PENDING_APPROVAL' && !j.stopRequested) pending.push(j.id);
  }
  return { quarantined, pending };
}

export function cofenseRestoreStep(config: RestoreConfig): PlaybookStep {
  const base = { vendor: 'cofense', step: 'cofense.restore' };
  const plan = planOf(config, base);
  return {
    config,
    ...base,
    async plan(ctx) {
      const cofense = ctx.vendors.cofense;
      if (!cofense) return plan('would restore at Cofense Vision', { blocked: notConfigured('cofense') });
      const imid = ctx.report.original.internetMessageId;
      if (!imid) return plan('would restore at Cofense Vision', { nothing: 'the reported message has no Message-ID to find its quarantine jobs by' });
      try {
        const { quarantined, pending } = await jobsHolding(cofense, imid);
        if (quarantined.length + pending.length === 0) return plan('no Cofense Vision quarantine job holds this message', { nothing: 'no Cofense Vision quarantine job holds this message: nothing to restore' });
        const parts = [quarantined.length ? `restore ${plural(quarantined.length, 'quarantine job')}` : '', pending.length ? `stop ${plural(pending.length, 'auto-quarantine job')} waiting for approval` : ''].filter(Boolean);
        return plan(`would ${parts.join(' and ')} at Cofense Vision`, { targets: [...quarantined, ...pending].map(String), data: { quarantined, pending } });
      } catch (err) {
        return plan('would restore at Cofense Vision', { blocked: `could not list the Vision quarantine jobs: ${reasonOf(err)}` });
      }
    },
    async run(ctx, p): Promise<StepOutcome> {
      if (p.blocked) return outcomeOf(p, 'failed', p.blocked);
      if (p.nothing) return outcomeOf(p, 'skipped', p.nothing);
      if (ctx.dryRun) return outcomeOf(p, 'dry-run', `dry run: ${p.summary}`);
      const cofense = ctx.vendors.cofense!;
      const quarantined = (p.data?.quarantined as number[] | undefined) ?? [];
      const pending = (p.data?.pending as number[] | undefined) ?? [];
      const restored = quarantined.length ? await restoreJobs(ctx, cofense, quarantined, base) : undefined;
      const stopErrors: string[] = [];
      for (const id of pending) {
        try {
          await cofense.stopQuarantineJob(id);
        } catch (err) {
          stopErrors.push(`job ${id}: ${reasonOf(err)}`);
        }
      }
      const parts = [restored?.detail ?? '', pending.length ? `stopped ${pending.length - stopErrors.length} of ${plural(pending.length, 'pending job')}${stopErrors.length ? ` (${stopErrors.join('; ')})` : ''}` : ''].filter(Boolean);
      const bad = (restored && restored.status !== 'ok' ? 1 : 0) + stopErrors.length;
      const good = (restored && restored.status === 'ok' ? 1 : 0) + pending.length - stopErrors.length;
      return outcomeOf(p, bad === 0 ? 'ok' : good === 0 ? 'failed' : 'partial', parts.join('; '), {
        ...(restored?.recipients ? { recipients: restored.recipients } : {}),
        irreversible: 'restored mail is back in the mailboxes (quarantine again to remove it)',
      });
    },
  };
}

export function cofenseIocStep(config: IocConfig): PlaybookStep {
  const base = { vendor: 'cofense', step: 'cofense.update-ioc' };
  const plan = planOf(config, base);
  return {
    config,
    ...base,
    async plan(ctx) {
      if (!ctx.vendors.cofense) return plan('would add IOCs at Cofense Vision', { blocked: notConfigured('cofense') });
      const iocs: string[] = [];
      const sender = senderTarget(ctx);
      const notes: string[] = [];
      if ('blocked' in sender) notes.push(`no sender IOC: ${sender.blocked}`);
      else iocs.push(`${sender.kind === 'domain' ? 'DOMAIN' : 'SENDER'}:${sender.value}`);
      const { urls, omitted } = urlTargets(ctx);
      iocs.push(...urls.map((u) => `URL:${u}`));
      if (omitted) notes.push(`${omitted} more URLs left out`);
      iocs.push(...attachmentHashes(ctx).map((h) => `SHA256:${h}`));
      if (iocs.length === 0) return plan('would add IOCs at Cofense Vision', { nothing: `nothing to add as an IOC${notes.length ? ` (${notes.join('; ')})` : ''}` });
      const count = (t: string) => iocs.filter((i) => i.startsWith(`${t}:`)).length;
      const what = [count('SENDER') ? 'the sender' : '', count('DOMAIN') ? 'the sender domain' : '', count('URL') ? plural(count('URL'), 'URL') : '', count('SHA256') ? plural(count('SHA256'), 'attachment hash', 'attachment hashes') : ''].filter(Boolean);
      return plan(`would add ${plural(iocs.length, 'IOC')} to Cofense Vision (${what.join(', ')}; source ${config.source}, ${config.threatLevel ?? 'Malicious'})${notes.length ? `; ${notes.join('; ')}` : ''}`, { targets: iocs });
    },
    async run(ctx, p): Promise<StepOutcome> {
      if (p.blocked) return outcomeOf(p, 'failed', p.blocked);
      if (p.nothing) return outcomeOf(p, 'skipped', p.nothing);
      if (ctx.dryRun) return outcomeOf(p, 'dry-run', `dry run: ${p.summary}`);
      const now = new Date();
      const expires = config.expiresInDays ? new Date(now.getTime() + config.expiresInDays * 86_400_000).toISOString() : undefined;
      const inputs: IocInput[] = p.targets.map((t) => {
        const i = t.indexOf(':');
        return {
          threatType: t.slice(0, i) as IocInput['threatType'],
          threatValue: t.slice(i + 1),
          threatLevel: config.threatLevel ?? 'Malicious',
          sourceId: `hookline-${ctx.report.id}`,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
          ...(expires ? { requestedExpiration: expires } : {}),
        };
      });
      try {
        const iocs = await ctx.vendors.cofense!.updateIocs(inputs, config.source);
        return outcomeOf(p, 'ok', `added ${plural(iocs.length, 'IOC')} to Cofense Vision (source ${config.source})`, {
          recipients: p.targets.map((address) => ({ address, status: 'ok' as const })),
          unit: ['IOC', 'IOCs'],
          undo: [{ kind: 'cofense-iocs', ids: iocs.map((i) => i.id), source: config.source }],
        });
      } catch (err) {
        return outcomeOf(p, 'failed', `adding IOCs failed: ${reasonOf(err)}`);
      }
    },
  };
}

/** Undo of a Block at Vision: delete the IOCs Hookline upserted (an IOC already gone counts as done). */
export const undoCofenseIocs: Undoer = async (ctx, handles) => {
  const base = { vendor: 'cofense', step: 'cofense.update-ioc' };
  const cofense = ctx.vendors.cofense;
  if (!cofense) return outcomeOf(base, 'failed', notConfigured('cofense'));
  const items = handles.flatMap((h) => ((h.ids as string[] | undefined) ?? []).map((id) => ({ id, source: String(h.source ?? '') || undefined })));
  if (ctx.dryRun) return outcomeOf(base, 'dry-run', `dry run: would delete ${plural(items.length, 'IOC')}`);
  const recipients: NonNullable<StepOutcome['recipients']> = [];
  for (const it of items) {
    try {
      await cofense.deleteIoc(it.id, it.source);
      recipients.push({ address: it.id, status: 'ok' });
    } catch (err) {
      recipients.push(isVendorError(err) && err.status === 404 ? { address: it.id, status: 'ok' } : { address: it.id, status: 'failed', error: reasonOf(err) });
    }
  }
  const ok = recipients.filter((r) => r.status === 'ok').length;
  return outcomeOf(base, statusOf(ok, recipients.length), `deleted ${ok} of ${plural(recipients.length, 'IOC')}`, { recipients, unit: ['IOC', 'IOCs'] });
};
