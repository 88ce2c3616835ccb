// `/phish audit` (and the same in Teams): the newest entries of the hash-chained audit log, as a
// catalog action (audit.recent) so every chat surface gets it with parsing, help and the role check
// (analyst) for free. Parameters and details were stored with secrets removed; they are redacted
// again here and summarised to one line per entry.
import { z } from 'zod';
import type { ActionDef, TableData } from '../src/actions/types.ts';
import type { AuditEntry } from '../src/store/types.ts';
import { redact, redactText } from '../src/log/redact.ts';

export const AUDIT_RECENT_MAX = 50;

const params = z.object({
  limit: z.number().int().min(1).max(AUDIT_RECENT_MAX).default(10).describe(`How many entries, newest first (1-${AUDIT_RECENT_MAX})`),
  action: z.string().max(100).optional().describe('Only entries whose action starts with this, e.g. report.quarantine'),
});

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** One line saying what an entry was about: the event, the error, or the report. */
export function auditSummary(e: AuditEntry): string {
  const d = (redact(e.detail) ?? {}) as Record<string, unknown>;
  const p = (redact(e.params) ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof d.event === 'string') parts.push(d.event);
  if (typeof d.state === 'string') parts.push(d.state);
  if (typeof p.reportId === 'string') parts.push(`report ${p.reportId}`);
  if (typeof d.justification === 'string') parts.push(`why: ${d.justification}`);
  if (typeof d.error === 'string') parts.push(d.error);
  else if (typeof d.reason === 'string') parts.push(d.reason);
  return clip(redactText(parts.join(' · ')), 200);
}

export const auditRecentAction: ActionDef<typeof params, TableData> = {
  id: 'audit.recent',
  vendor: 'audit',
  name: 'recent',
  title: 'Recent audit entries',
  summary: 'The newest entries of the audit log: who did what, when, and the result',
  params,
  risk: 'read',
  role: 'analyst',
  async run(ctx, p) {
    // Read a little more when filtering, so a filter still fills the page from recent history.
    const entries = (await ctx.store.listAudit({ order: 'desc', limit: p.action ? 1000 : p.limit })).filter((e) => !p.action || e.action.startsWith(p.action)).slice(0, p.limit);
    const rows = entries.map((e) => ({
      seq: e.seq,
      at: e.at.slice(0, 19).replace('T', ' '),
      actor: clip(`${e.actor.platform}:${e.actor.name ?? e.actor.id}`, 60),
      action: e.action,
      result: e.result,
      about: auditSummary(e),
    }));
    return {
      summary: entries.length ? `The ${entries.length} newest audit ${entries.length === 1 ? 'entry' : 'entries'}${p.action ? ` for ${p.action}` : ''}, newest first` : 'The audit log has no matching entry',
      kind: 'table',
      data: {
        columns: [
          { key: 'seq', title: '#' },
          { key: 'at', title: 'When (UTC)' },
          { key: 'actor', title: 'Who' },
          { key: 'action', title: 'Action' },
          { key: 'result', title: 'Result' },
          { key: 'about', title: 'About' },
        ],
        rows,
      },
    };
  },
};
