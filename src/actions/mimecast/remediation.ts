// Threat remediation actions: seed 001 Create Remediation Incident, Get Remediation Incident and
// Search File Hash.
import { z } from 'zod';
import { requests } from '../../vendors/mimecast/requests.ts';
import { MAX_HASHES_PER_CALL } from '../../vendors/mimecast/client.ts';
import { endOfUtcDay, toMimecastDate } from '../../vendors/mimecast/dates.ts';
import type { MimecastIncident, MimecastRemediationInput } from '../../vendors/mimecast/types.ts';
import type { ActionResult, TableData } from '../types.ts';
import { optionalDateParam, dryRun, mimecastAction, mimecastClient, plural, requestIds, table, toMc } from './common.ts';

const HASH = /^([a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64})$/i;
const hashParam = z.string().trim().regex(HASH, 'expected an MD5, SHA-1 or SHA-256 hash in hex');
const DAY_MS = 86_400_000;

const CRITERIA = ['message_id', 'mime_message_id', 'file_hash', 'url', 'subject', 'sender', 'parent_incident_code'] as const;

const createParams = z
  .object({
    reason: z.string().trim().min(1).max(500).describe('Why the messages are remediated (shown in Mimecast, e.g. "phish reported, case 1234")'),
    message_id: z.array(z.string().trim().min(3)).max(100).optional().describe('Mimecast message ids to remediate (from mimecast get-message-list)'),
    mime_message_id: z.string().trim().min(3).max(998).optional().describe('The Internet Message-ID (<...@...>) of the message to remediate in every mailbox'),
    file_hash: hashParam.optional().describe('The MD5/SHA-1/SHA-256 of an attachment: remediate every message carrying it (image files are not supported)'),
    url: z.string().trim().min(3).max(2048).optional().describe('Remediate messages containing this URL'),
    subject: z.string().trim().min(3).max(500).optional().describe('Remediate messages whose subject contains this text (case-insensitive, at least 3 characters)'),
    sender: z.string().trim().min(3).max(320).optional().describe('Remediate messages from this sender address (case-insensitive, at least 3 characters)'),
    parent_incident_code: z.string().trim().min(3).max(100).optional().describe('Remediate the messages identified by this earlier incident (its code, e.g. TR-...)'),
    start_time: optionalDateParam('The earliest date of messages to remediate (default: one month ago)'),
    end_time: optionalDateParam('The latest date of messages to remediate (default: the end of today, UTC)'),
  })
  .superRefine((p, ctx) => {
    if (!CRITERIA.some((k) => (k === 'message_id' ? (p.message_id?.length ?? 0) > 0 : p[k] !== undefined && p[k] !== ''))) {
      ctx.addIssue({ code: 'custom', path: ['mime_message_id'], message: `set at least one of ${CRITERIA.join(', ')}` });
    }
  });

function incidentRecord(i: MimecastIncident): Record<string, unknown> {
  return {
    id: i.id,
    code: i.code,
    type: i.type,
    reason: i.reason,
    identified: i.identified,
    successful: i.successful,
    failed: i.failed,
    restored: i.restored,
    created: i.create,
    modified: i.modified,
    searchCriteria: i.searchCriteria,
  };
}

function incidentCounts(i: MimecastIncident): string {
  return `${i.identified ?? 0} identified, ${i.successful ?? 0} remediated, ${i.failed ?? 0} failed${i.restored ? `, ${i.restored} restored` : ''}`;
}

export const createRemediationIncident = mimecastAction({
  name: 'create-remediation-incident',
  title: 'Create remediation incident',
  summary: 'Remove matching messages from every mailbox (Mimecast threat remediation)',
  params: createParams,
  risk: 'destructive',
  role: 'responder',
  async run(ctx, p): Promise<ActionResult> {
    const client = mimecastClient(ctx);
    const now = new Date();
    const input: MimecastRemediationInput = {
      reason: p.reason,
      start: toMc(p.start_time, now) ?? toMimecastDate(new Date(now.getTime() - 30 * DAY_MS)),
      end: toMc(p.end_time, now) ?? toMimecastDate(endOfUtcDay(now)),
      ...(p.message_id?.length ? { messageIds: p.message_id } : {}),
      ...(p.mime_message_id ? { messageId: p.mime_message_id } : {}),
      ...(p.file_hash ? { fileHash: p.file_hash } : {}),
      ...(p.url ? { url: p.url } : {}),
      ...(p.subject ? { subject: p.subject } : {}),
      ...(p.sender ? { from: p.sender } : {}),
      ...(p.parent_incident_code ? { parentIncidentCode: p.parent_incident_code } : {}),
    };
    const dry = dryRun(ctx, client, requests.createRemediationIncident(input), 'create a remediation incident');
    if (dry) return dry;
    const i = await client.createRemediationIncident(input);
    return { summary: `Remediation incident ${i.code ?? i.id}: ${incidentCounts(i)}`, kind: 'record', data: incidentRecord(i) };
  },
});

export const getRemediationIncident = mimecastAction({
  name: 'get-remediation-incident',
  title: 'Get remediation incident',
  summary: 'Show a remediation incident and how many messages it removed',
  params: z.object({
    incident_id: z.string().trim().min(1).describe('The id of the remediation incident (from create-remediation-incident or the incident list)'),
  }),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p): Promise<ActionResult> {
    const i = await mimecastClient(ctx).getRemediationIncident(p.incident_id);
    return { summary: `Incident ${i.code ?? i.id} (${i.type ?? 'unknown type'}): ${incidentCounts(i)}`, kind: 'record', data: incidentRecord(i) };
  },
});

export const searchFileHash = mimecastAction({
  name: 'search-file-hash',
  title: 'Search file hash',
  summary: 'Whether Mimecast has seen files with these hashes in messages over the last year',
  params: z.object({
    file_hash: z
      .array(hashParam)
      .min(1)
      .max(MAX_HASHES_PER_CALL, `Mimecast searches at most ${MAX_HASHES_PER_CALL} file hashes per call: split the list into batches of ${MAX_HASHES_PER_CALL} or fewer`)
      .describe(`The MD5, SHA-1 or SHA-256 hashes to look for (1 to ${MAX_HASHES_PER_CALL}; image files are not supported)`),
  }),
  risk: 'read',
  role: 'analyst',
  async run(ctx, p): Promise<ActionResult<TableData>> {
    const res = await mimecastClient(ctx).searchFileHashes(p.file_hash);
    const status = res.hashStatus ?? [];
    const failed = (res.failedHashes ?? []).map((f) => (typeof f === 'string' ? f : typeof f === 'object' && f !== null && typeof (f as { hash?: unknown }).hash === 'string' ? (f as { hash: string }).hash : JSON.stringify(f)));
    const rows: Record<string, unknown>[] = [
      ...status.map((s) => ({ hash: s.hash, detected: s.detected, error: null })),
      ...failed.map((h) => ({ hash: h, detected: null, error: 'Mimecast could not search this hash' })),
    ];
    const seen = status.filter((s) => s.detected);
    const partial = failed.length > 0 && status.length > 0;
    const seenText = seen.length ? `: ${seen.map((s) => s.hash.slice(0, 12)).join(', ')}` : '';
    const summary = `${seen.length} of ${plural(status.length, 'hash', 'hashes')} seen in the last year${seenText}${failed.length ? `; ${failed.length} could not be searched` : ''}`;
    const ids = requestIds(res.requestId);
    return {
      summary,
      kind: 'table',
      data: table(
        [
          ['hash', 'Hash'],
          ['detected', 'Seen'],
          ['error', 'Error'],
        ],
        rows,
      ),
      ...(partial ? { partial: true } : {}),
      ...(ids ? { vendorRequestIds: ids } : {}),
    };
  },
});

export const remediationActions = [createRemediationIncident, getRemediationIncident, searchFileHash];
