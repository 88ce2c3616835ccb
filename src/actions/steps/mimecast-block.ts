// Block at Mimecast: an org-wide blocked-sender policy for the sender's address or domain, or
// per-recipient managed-sender blocks (permit-or-block-sender), and managed-URL blocks for the
// report's URLs. Policies and URL entries Hookline creates are remembered (their ids) so Undo
// deletes exactly those; a URL entry that already existed is left alone and never deleted.
// Reference: shared/reference/mimecast_cofense.md §4.2-4.4, §9.3.
import type { PlaybookStepConfig } from '../../config/policy.ts';
import { MimecastError } from '../../vendors/mimecast/client.ts';
import { notConfigured } from '../../vendors/registry.ts';
import { senderTarget, urlTargets } from './block-targets.ts';
import { headerRecipients, overLimit } from './recipients.ts';
import type { PlaybookStep, StepOutcome, StepPlan, Undoer } from './types.ts';
import { outcomeOf, plural, reasonOf, statusOf } from './types.ts';

type BlockSenderConfig = Extract<PlaybookStepConfig, { vendor: 'mimecast'; step: 'block-sender' }>;
type PermitOrBlockConfig = Extract<PlaybookStepConfig, { vendor: 'mimecast'; step: 'permit-or-block-sender' }>;
type BlockUrlConfig = Extract<PlaybookStepConfig, { vendor: 'mimecast'; step: 'block-url' }>;

const planOf = (config: PlaybookStepConfig, base: { vendor: string; step: string }) => (summary: string, extra: Partial<StepPlan> = {}): StepPlan => ({ config, ...base, summary, targets: [], ...extra });

/** "Already gone" answers count as done when undoing (someone removed it in the console). */
const notFound = (err: unknown) => err instanceof MimecastError && err.failures.some((f) => /not_found|invalid policy id|does not exist/i.test(`${f.code ?? ''} ${f.message}`));

export function mimecastBlockSenderStep(config: BlockSenderConfig): PlaybookStep {
  const base = { vendor: 'mimecast', step: 'mimecast.block-sender' };
  const plan = planOf(config, base);
  return {
    config,
    ...base,
    async plan(ctx) {
      if (!ctx.vendors.mimecast) return plan('would block the sender at Mimecast', { blocked: notConfigured('mimecast') });
      // The button's choice wins; the step's `match` option is the default for the plain Block button.
      const t = senderTarget({ ...ctx, scope: ctx.scope ?? (config.match === 'domain' ? 'domain' : 'sender') });
      if ('blocked' in t) return plan('would block the sender at Mimecast', { blocked: t.blocked });
      return plan(`would block ${t.kind === 'domain' ? 'the sender domain' : 'the sender'} ${t.value} for everyone (Mimecast blocked-sender policy)`, { targets: [t.value], data: { kind: t.kind } });
    },
    async run(ctx, p): Promise<StepOutcome> {
      if (p.blocked) return outcomeOf(p, 'failed', p.blocked);
      if (ctx.dryRun) return outcomeOf(p, 'dry-run', `dry run: ${p.summary}`);
      const value = p.targets[0] as string;
      try {
        const policy = await ctx.vendors.mimecast!.createBlockedSenderPolicy({
          option: 'block_sender',
          description: `Hookline: block ${value} (report ${ctx.report.id})`,
          fromPart: 'both',
          fromType: p.data?.kind === 'domain' ? 'email_domain' : 'individual_email_address',
          fromValue: value,
          toType: 'everyone',
          comment: `Hookline report ${ctx.report.id}, by ${ctx.actor.platform}:${ctx.actor.id}`,
        });
        return outcomeOf(p, 'ok', `blocked ${value} for everyone (policy ${policy.id})`, {
          recipients: [{ address: value, status: 'ok' }],
          unit: ['sender', 'senders'],
          undo: [{ kind: 'mimecast-policy', ids: [policy.id], values: [value] }],
        });
      } catch (err) {
        return outcomeOf(p, 'failed', `blocking ${value} failed: ${reasonOf(err)}`);
      }
    },
  };
}

export const undoMimecastPolicies: Undoer = async (ctx, handles) => {
  const base = { vendor: 'mimecast', step: 'mimecast.block-sender' };
  const mc = ctx.vendors.mimecast;
  if (!mc) return outcomeOf(base, 'failed', notConfigured('mimecast'));
  const ids = handles.flatMap((h) => (h.ids as string[] | undefined) ?? []);
  if (ctx.dryRun) return outcomeOf(base, 'dry-run', `dry run: would delete ${plural(ids.length, 'blocked-sender policy', 'blocked-sender policies')}`);
  const recipients: NonNullable<StepOutcome['recipients']> = [];
  for (const id of ids) {
    try {
      await mc.deleteBlockedSenderPolicy(id);
      recipients.push({ address: id, status: 'ok' });
    } catch (err) {
      recipients.push(notFound(err) ? { address: id, status: 'ok' } : { address: id, status: 'failed', error: reasonOf(err) });
    }
  }
  const ok = recipients.filter((r) => r.status === 'ok').length;
  return outcomeOf(base, statusOf(ok, recipients.length), `deleted ${ok} of ${plural(recipients.length, 'blocked-sender policy', 'blocked-sender policies')}`, { recipients, unit: ['policy', 'policies'] });
};

export function mimecastPermitOrBlockStep(config: PermitOrBlockConfig): PlaybookStep {
  const base = { vendor: 'mimecast', step: 'mimecast.permit-or-block-sender' };
  const plan = planOf(config, base);
  return {
    config,
    ...base,
    async plan(ctx) {
      if (!ctx.vendors.mimecast) return plan(`would ${config.action} the sender at Mimecast`, { blocked: notConfigured('mimecast') });
      if (ctx.scope === 'domain') return plan(`would ${config.action} the sender at Mimecast`, { blocked: 'permit-or-block-sender takes one sender address, not a domain: use the block-sender step for domains' });
      const t = senderTarget({ ...ctx, scope: 'sender' });
      if ('blocked' in t) return plan(`would ${config.action} the sender at Mimecast`, { blocked: t.blocked });
      // Managed senders are per internal recipient: the people the message was addressed to.
      const to = headerRecipients(ctx);
      if (to.length === 0) return plan(`would ${config.action} ${t.value} at Mimecast`, { blocked: 'the reported message names no recipient to block the sender for' });
      const limit = overLimit(ctx, to.length);
      return plan(`would ${config.action} ${t.value} for ${plural(to.length, 'recipient')} (Mimecast managed senders)`, { targets: to, data: { sender: t.value }, ...(limit ? { blocked: limit } : {}) });
    },
    async run(ctx, p): Promise<StepOutcome> {
      if (p.blocked) return outcomeOf(p, 'failed', p.blocked);
      if (ctx.dryRun) return outcomeOf(p, 'dry-run', `dry run: ${p.summary}`);
      const sender = String(p.data?.sender);
      const recipients: NonNullable<StepOutcome['recipients']> = [];
      for (const to of p.targets) {
        try {
          await ctx.vendors.mimecast!.permitOrBlockSender({ sender, to, action: config.action });
          recipients.push({ address: to, status: 'ok' });
        } catch (err) {
          recipients.push({ address: to, status: 'failed', error: reasonOf(err) });
        }
      }
      const ok = recipients.filter((r) => r.status === 'ok').length;
      return outcomeOf(p, statusOf(ok, recipients.length), `${config.action === 'block' ? 'blocked' : 'permitted'} ${sender} for ${ok} of ${plural(recipients.length, 'recipient')}`, {
        recipients,
        unit: ['recipient', 'recipients'],
        irreversible: "Mimecast's API cannot remove managed-sender entries: remove them in the Administration Console (Gateway > Managed Senders)",
      });
    },
  };
}

export function mimecastBlockUrlStep(config: BlockUrlConfig): PlaybookStep {
  const base = { vendor: 'mimecast', step: 'mimecast.block-url' };
  const plan = planOf(config, base);
  return {
    config,
    ...base,
    async plan(ctx) {
      if (!ctx.vendors.mimecast) return plan('would block the URLs at Mimecast', { blocked: notConfigured('mimecast') });
      const { urls, omitted } = urlTargets(ctx);
      if (urls.length === 0) return plan('would block the URLs at Mimecast', { nothing: 'the report has no URL to block' });
      const more = omitted ? ` (${omitted} more left out: at most ${urls.length} per Block)` : '';
      return plan(`would block ${plural(urls.length, 'URL')} at Mimecast (managed URLs, ${config.matchType} match)${more}`, { targets: urls });
    },
    async run(ctx, p): Promise<StepOutcome> {
      if (p.blocked) return outcomeOf(p, 'failed', p.blocked);
      if (p.nothing) return outcomeOf(p, 'skipped', p.nothing);
      if (ctx.dryRun) return outcomeOf(p, 'dry-run', `dry run: ${p.summary}`);
      const mc = ctx.vendors.mimecast!;
      const recipients: NonNullable<StepOutcome['recipients']> = [];
      const created: string[] = [];
      let existed = 0;
      for (const url of p.targets) {
        try {
          // An entry that is already there is not ours: it must not be deleted by Undo.
          const host = new URL(url).hostname;
          const existing = await mc.getManagedUrls({ domainOrUrl: [config.matchType === 'domain' ? host : url], exactMatch: true }, 10);
          if (existing.items.some((e) => e.action === 'block' && (config.matchType === 'domain' ? e.matchType === 'domain' && e.domain === host : e.matchType !== 'domain'))) {
            existed++;
            recipients.push({ address: url, status: 'ok' });
            continue;
          }
          const entry = await mc.createManagedUrl({ url, action: 'block', matchType: config.matchType, comment: `Hookline report ${ctx.report.id}` });
          created.push(entry.id);
          recipients.push({ address: url, status: 'ok' });
        } catch (err) {
          recipients.push({ address: url, status: 'failed', error: reasonOf(err) });
        }
      }
      const ok = recipients.filter((r) => r.status === 'ok').length;
      return outcomeOf(p, statusOf(ok, recipients.length), `blocked ${ok} of ${plural(recipients.length, 'URL')}${existed ? ` (${existed} already blocked)` : ''}`, {
        recipients,
        unit: ['URL', 'URLs'],
        ...(created.length ? { undo: [{ kind: 'mimecast-urls', ids: created }] } : {}),
      });
    },
  };
}

export const undoMimecastUrls: Undoer = async (ctx, handles) => {
  const base = { vendor: 'mimecast', step: 'mimecast.block-url' };
  const mc = ctx.vendors.mimecast;
  if (!mc) return outcomeOf(base, 'failed', notConfigured('mimecast'));
  const ids = handles.flatMap((h) => (h.ids as string[] | undefined) ?? []);
  if (ctx.dryRun) return outcomeOf(base, 'dry-run', `dry run: would delete ${plural(ids.length, 'managed URL')}`);
  const recipients: NonNullable<StepOutcome['recipients']> = [];
  for (const id of ids) {
    try {
      await mc.deleteManagedUrl(id);
      recipients.push({ address: id, status: 'ok' });
    } catch (err) {
      recipients.push(notFound(err) ? { address: id, status: 'ok' } : { address: id, status: 'failed', error: reasonOf(err) });
    }
  }
  const ok = recipients.filter((r) => r.status === 'ok').length;
  return outcomeOf(base, statusOf(ok, recipients.length), `deleted ${ok} of ${plural(recipients.length, 'managed URL')}`, { recipients, unit: ['URL entry', 'URL entries'] });
};
