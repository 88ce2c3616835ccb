// Who received the reported message, for steps that act on every recipient's mailbox. Message
// trace (Graph) knows Bcc and distribution-list members the headers do not show; without Graph,
// Cofense Vision's own message search by Internet Message-ID; the original's To/Cc last.
import type { StepContext } from './types.ts';
import { reasonOf } from './types.ts';

export interface Recipients {
  addresses: string[];
  /** Where they came from, for the preview ("message trace"). */
  source: string;
  /** Why a better source was not used (a failed trace), for the preview. */
  note?: string;
}

const norm = (a: string) => a.trim().replace(/^<|>$/g, '').toLowerCase();

export function headerRecipients(ctx: StepContext): string[] {
  const o = ctx.report.original;
  return [...new Set([...(o.to ?? []), ...(o.cc ?? [])].map((a) => norm(a.address)).filter((a) => a.includes('@')))];
}

export async function recipientsOf(ctx: StepContext, opts: { cofenseSearch?: boolean } = {}): Promise<Recipients> {
  const imid = ctx.report.original.internetMessageId;
  const notes: string[] = [];
  if (imid && ctx.vendors.graph) {
    try {
      const traced = await ctx.vendors.graph.traceRecipients(imid);
      if (traced.length > 0) return { addresses: traced.map(norm), source: 'message trace' };
      notes.push('message trace found no delivery');
    } catch (err) {
      ctx.log.warn({ reportId: ctx.report.id, err: reasonOf(err) }, 'message trace failed; falling back');
      notes.push(`message trace failed (${reasonOf(err)})`);
    }
  }
  if (imid && opts.cofenseSearch && ctx.vendors.cofense) {
    try {
      const cofense = ctx.vendors.cofense;
      const search = await cofense.createMessageSearch({ internetMessageId: imid });
      const { messages } = await cofense.collectMessageSearchResults(search.id, { limit: ctx.policy.limits.maxRecipientsPerAction + 1 });
      const found = [...new Set(messages.flatMap((m) => (m.recipients ?? []).map((r) => norm(r.address))).filter((a) => a.includes('@')))].sort();
      if (found.length > 0) return { addresses: found, source: 'Cofense Vision message search', ...(notes.length ? { note: notes.join('; ') } : {}) };
      notes.push('Cofense Vision has no copy of it');
    } catch (err) {
      notes.push(`Cofense Vision search failed (${reasonOf(err)})`);
    }
  }
  return { addresses: headerRecipients(ctx), source: 'the To/Cc of the original', ...(notes.length ? { note: notes.join('; ') } : {}) };
}

/** The reason a plan over `n` mailboxes is refused, when the policy's limit is exceeded. */
export function overLimit(ctx: StepContext, n: number): string | undefined {
  const max = ctx.policy.limits.maxRecipientsPerAction;
  return n > max ? `it would touch ${n} mailboxes, more than limits.maxRecipientsPerAction (${max}) in the policy allows` : undefined;
}

/** The domain of an address, lower-case. */
export const domainOf = (address: string | undefined): string | undefined => address?.split('@')[1]?.trim().toLowerCase() || undefined;

/** The organisation's own mail domain (the reporting mailbox's), which Block must never block. */
export const ownDomain = (ctx: StepContext): string | undefined => domainOf(ctx.vendors.reportMailbox);
