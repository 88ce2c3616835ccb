// Cofense Vision quarantine jobs: list, create, get, approve, restore, stop, delete.
// Create / approve / delete are destructive (they pull mail from mailboxes or drop the record that
// lets it be restored): under HOOKLINE_DRY_RUN they answer with the request they would send.
import { z } from 'zod';
import type { RecordData } from '../types.ts';
import { quarantineJobEmailCount, quarantineJobStatus } from '../../vendors/cofense/client.ts';
import { isMd5, parseQuarantineEmails, parseSort, problemOf, splitList, toVisionDate } from '../../vendors/cofense/params.ts';
import { JOB_STATUSES, SORT_FIELDS, type JobStatus, type QuarantineJob } from '../../vendors/cofense/types.ts';
import { cell, cofense, cofenseAction, dryRun, id, listOf, optionalDate, page, pageNote, plural, size, sort, table } from './common.ts';

const statusCheck = (s: string) => (JOB_STATUSES.includes(s.toUpperCase() as JobStatus) ? undefined : `"${s}" is not a status; use ${JOB_STATUSES.join(', ')}`);
const statuses = (v: string | undefined) => splitList(v).map((s) => s.toUpperCase() as JobStatus);

/** One job as a table row. */
export function jobRow(j: QuarantineJob) {
  const emails = j.quarantineEmails ?? [];
  const failed = emails.filter((e) => e.errorMessage).length;
  return {
    id: j.id,
    status: quarantineJobStatus(j),
    emails: quarantineJobEmailCount(j),
    failed,
    autoQuarantine: cell(j.autoQuarantine ?? false),
    iocs: (j.matchingIOCs ?? []).join(', ') || null,
    createdBy: cell(j.createdBy),
    createdDate: cell(j.createdDate),
    stopRequested: cell(j.stopRequested ?? false),
  };
}

const JOB_COLUMNS: [string, string][] = [
  ['id', 'ID'],
  ['status', 'Status'],
  ['emails', 'Emails'],
  ['failed', 'Errors'],
  ['autoQuarantine', 'Auto'],
  ['iocs', 'IOCs'],
  ['createdBy', 'Created by'],
  ['createdDate', 'Created'],
  ['stopRequested', 'Stop requested'],
];

/** A job as a record: its fields plus the derived status and email count. */
function jobRecord(j: QuarantineJob): RecordData {
  return { ...j, status: quarantineJobStatus(j), emailCount: quarantineJobEmailCount(j) };
}

const listParams = z.object({
  page: page(),
  size: size(),
  sort: sort('quarantineJobs', SORT_FIELDS.quarantineJobs, 'createdDate:desc,id:asc'),
  exclude_quarantine_emails: z.boolean().default(false).describe('Whether to remove (true) or keep (false) the quarantined emails in the response'),
  include_status: listOf('include_status', statusCheck, `Only jobs with these statuses, comma-separated: ${JOB_STATUSES.join(', ')}`),
  exclude_status: listOf('exclude_status', statusCheck, `Leave out jobs with these statuses, comma-separated: ${JOB_STATUSES.join(', ')}`),
  iocs: listOf('iocs', (v) => (isMd5(v) ? undefined : `"${v}" is not an IOC MD5 id`), 'MD5 ids of one or more IOCs, comma-separated'),
  sources: z.string().optional().describe('One or more configured IOC sources, comma-separated (e.g. Triage-1,Vision-UI)'),
  modified_date_after: optionalDate('modified_date_after', 'Only jobs modified after this date and time in UTC'),
  auto_quarantine: z.boolean().default(false).describe('Whether to list only auto-quarantine jobs (true) or all jobs (false)'),
});

export const listQuarantineJobs = cofenseAction({
  name: 'list-quarantine-jobs',
  title: 'List quarantine jobs',
  summary: 'Fetches a list of matching quarantine jobs',
  params: listParams,
  risk: 'read',
  role: 'viewer',
  async run(ctx, p) {
    const include = statuses(p.include_status);
    const exclude = statuses(p.exclude_status);
    const iocs = splitList(p.iocs).map((v) => v.toLowerCase());
    const sources = splitList(p.sources);
    const res = await cofense(ctx).listQuarantineJobs({
      page: p.page,
      size: p.size,
      sort: parseSort(p.sort, 'quarantineJobs'),
      excludeQuarantineEmails: p.exclude_quarantine_emails,
      filter: {
        autoQuarantine: p.auto_quarantine,
        ...(include.length ? { includeStatus: include } : {}),
        ...(exclude.length ? { excludeStatus: exclude } : {}),
        ...(iocs.length ? { iocs } : {}),
        ...(sources.length ? { sources } : {}),
        ...(p.modified_date_after ? { modifiedDateAfter: toVisionDate(p.modified_date_after, 'modified_date_after') } : {}),
      },
    });
    return {
      summary: `${plural(res.items.length, 'quarantine job')}${pageNote(res)}`,
      kind: 'table',
      data: table(JOB_COLUMNS, res.items.map(jobRow), res),
    };
  },
});

const createParams = z.object({
  quarantine_emails: z
    .string()
    .superRefine((v, ctx) => {
      const p = problemOf(() => parseQuarantineEmails(v));
      if (p) ctx.addIssue({ code: 'custom', message: p });
    })
    .describe(
      'Comma-separated recipient:<internet-message-id> pairs; one recipient may list several ids (e.g. alice@example.com:<m1@mail.example.net>:<m2@mail.example.net>,bob@example.com:<m1@mail.example.net>)',
    ),
});

export const createQuarantineJob = cofenseAction({
  name: 'create-quarantine-job',
  title: 'Create quarantine job',
  summary: "Creates a quarantine job that pulls the given emails out of their recipients' mailboxes",
  params: createParams,
  risk: 'destructive',
  role: 'responder',
  async run(ctx, p) {
    const client = cofense(ctx);
    const emails = parseQuarantineEmails(p.quarantine_emails);
    if (ctx.dryRun) {
      return dryRun(client, `would create a quarantine job for ${plural(emails.length, 'email')}`, { method: 'POST', path: '/api/v4/quarantineJobs', json: { quarantineEmails: emails } });
    }
    const job = await client.createQuarantineJob(emails);
    const status = quarantineJobStatus(job);
    return {
      summary: `Created quarantine job ${job.id} for ${plural(quarantineJobEmailCount(job), 'email')} (status ${status}; follow it with get-quarantine-job id=${job.id})`,
      kind: 'record',
      data: jobRecord(job),
    };
  },
});

const idParams = (what: string) => z.object({ id: id(`quarantine job ${what}`) });

export const getQuarantineJob = cofenseAction({
  name: 'get-quarantine-job',
  title: 'Get quarantine job',
  summary: 'Retrieves the quarantine job identified by its ID',
  params: idParams('to retrieve'),
  risk: 'read',
  role: 'viewer',
  async run(ctx, p) {
    const job = await cofense(ctx).getQuarantineJob(p.id);
    const emails = job.quarantineEmails ?? [];
    const errors = emails.filter((e) => e.errorMessage).length;
    return {
      summary: `Quarantine job ${job.id}: ${quarantineJobStatus(job)}, ${plural(quarantineJobEmailCount(job), 'email')}${errors ? `, ${plural(errors, 'error')}` : ''}${job.stopRequested ? ', stop requested' : ''}`,
      kind: 'record',
      data: jobRecord(job),
    };
  },
});

const approveParams = z.object({
  id: id('quarantine job to approve'),
  message_count: z.number().int('message_count must be a whole number').min(1, 'message_count must be at least 1').optional().describe('Number of emails containing IOC matches to be quarantined'),
});

export const approveQuarantineJob = cofenseAction({
  name: 'approve-quarantine-job',
  title: 'Approve quarantine job',
  summary: 'Approves a quarantine job waiting for approval (Auto Quarantine with manual approval), so its emails are quarantined',
  params: approveParams,
  risk: 'destructive',
  role: 'responder',
  async run(ctx, p) {
    const client = cofense(ctx);
    const what = `quarantine job ${p.id}${p.message_count !== undefined ? ` for ${plural(p.message_count, 'message')}` : ''}`;
    const req = { method: 'PUT' as const, path: `/api/v4/quarantineJobs/${p.id}/approve`, ...(p.message_count !== undefined ? { query: { messageCount: p.message_count } } : {}) };
    if (ctx.dryRun) return dryRun(client, `would approve ${what}`, req);
    const res = await client.approveQuarantineJob(p.id, p.message_count);
    return {
      summary: `Approved ${what}`,
      kind: 'record',
      data: { id: p.id, approved: true, ...(p.message_count !== undefined ? { messageCount: p.message_count } : {}) },
      ...(res.requestId ? { vendorRequestIds: [res.requestId] } : {}),
    };
  },
});

export const restoreQuarantineJob = cofenseAction({
  name: 'restore-quarantine-job',
  title: 'Restore quarantine job',
  summary: 'Restores the emails quarantined by the job to their mailboxes',
  params: idParams('to restore'),
  risk: 'change',
  role: 'responder',
  async run(ctx, p) {
    const res = await cofense(ctx).restoreQuarantineJob(p.id);
    return {
      summary: `Started restoring the emails of quarantine job ${p.id} (follow it with get-quarantine-job id=${p.id})`,
      kind: 'record',
      data: { id: p.id, restoreRequested: true },
      ...(res.requestId ? { vendorRequestIds: [res.requestId] } : {}),
    };
  },
});

export const stopQuarantineJob = cofenseAction({
  name: 'stop-quarantine-job',
  title: 'Stop quarantine job',
  summary: 'Asks Vision to stop the quarantine job',
  params: idParams('to stop'),
  risk: 'change',
  role: 'responder',
  async run(ctx, p) {
    const job = await cofense(ctx).stopQuarantineJob(p.id);
    return {
      summary: `Requested a stop of quarantine job ${p.id}${job ? ` (status ${quarantineJobStatus(job)})` : ''}`,
      kind: 'record',
      data: job ? jobRecord(job) : { id: p.id, stopRequested: true },
    };
  },
});

export const deleteQuarantineJob = cofenseAction({
  name: 'delete-quarantine-job',
  title: 'Delete quarantine job',
  summary: 'Deletes the quarantine job (its emails can no longer be restored through it)',
  params: idParams('to delete'),
  risk: 'destructive',
  role: 'responder',
  async run(ctx, p) {
    const client = cofense(ctx);
    if (ctx.dryRun) return dryRun(client, `would delete quarantine job ${p.id}`, { method: 'DELETE', path: `/api/v4/quarantineJobs/${p.id}` });
    const res = await client.deleteQuarantineJob(p.id);
    return {
      summary: `Deleted quarantine job ${p.id}`,
      kind: 'record',
      data: { id: p.id, deleted: true },
      ...(res.requestId ? { vendorRequestIds: [res.requestId] } : {}),
    };
  },
});

export const quarantineActions = [listQuarantineJobs, createQuarantineJob, getQuarantineJob, approveQuarantineJob, restoreQuarantineJob, stopQuarantineJob, deleteQuarantineJob];
