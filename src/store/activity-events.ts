// Office 365 Management Activity audit records fetched on a schedule (table activity_events,
// migration 0007), deduplicated by the record's Id (INSERT .. ON CONFLICT DO NOTHING RETURNING:
// the API re-delivers records, shared/reference/microsoft.md §8.3).
//
// MailSubmission records (record type 29: a user or admin reported a message) are linked to the
// matching report by Internet Message-ID (or network message id). Either may arrive first: the
// link is made when the record is stored if the report exists, by linkSubmissions() for reports
// stored later, and mailSubmissionsForReport() matches on the ids anyway.
import type { Store } from './store.ts';
import type { ActivityEventsTable } from './schema.ts';
import type { ReportRecord } from './types.ts';
import { imidKey } from './trace-events.ts';
import { MAIL_SUBMISSION } from '../vendors/management-activity/record-types.ts';

export interface ActivityEventRecord {
  id: string;
  contentType: string;
  contentId: string;
  recordType: number;
  workload?: string;
  operation?: string;
  userId?: string;
  creationTime: string;
  internetMessageId?: string;
  networkMessageId?: string;
  reportId?: string;
  record: Record<string, unknown>;
  fetchedAt: string;
}

export interface NewActivityEvent {
  contentType: string;
  contentId: string;
  record: { Id: string; RecordType: number; CreationTime: string; [field: string]: unknown };
}

/** Field names that carry the message's ids in submission and threat records (case-insensitive). */
const IMID_FIELDS = ['internetmessageid', 'messageid', 'internet_message_id'];
const NMID_FIELDS = ['networkmessageid', 'network_message_id'];

function field(record: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const [k, v] of Object.entries(record)) {
    if (names.includes(k.toLowerCase()) && typeof v === 'string' && v.trim()) return v.trim();
  }
  return undefined;
}

/** The Internet Message-ID and network message id a record names, if any. */
export function messageIdsOf(record: Record<string, unknown>): { internetMessageId?: string; networkMessageId?: string } {
  const imid = field(record, IMID_FIELDS);
  const nmid = field(record, NMID_FIELDS);
  return { ...(imid ? { internetMessageId: imid } : {}), ...(nmid ? { networkMessageId: nmid.toLowerCase() } : {}) };
}

/** CreationTime comes without a zone ("2025-12-05T04:00:00"): it is UTC. */
export function creationTimeIso(v: string): string {
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : `${v}Z`;
  const t = Date.parse(withZone);
  return Number.isNaN(t) ? v : new Date(t).toISOString();
}

function toRecord(r: ActivityEventsTable): ActivityEventRecord {
  const record = JSON.parse(r.record) as Record<string, unknown>;
  const ids = messageIdsOf(record);
  return {
    id: r.id,
    contentType: r.content_type,
    contentId: r.content_id,
    recordType: Number(r.record_type),
    ...(r.workload ? { workload: r.workload } : {}),
    ...(r.operation ? { operation: r.operation } : {}),
    ...(r.user_id ? { userId: r.user_id } : {}),
    creationTime: r.creation_time,
    ...(ids.internetMessageId ? { internetMessageId: ids.internetMessageId } : {}),
    ...(ids.networkMessageId ? { networkMessageId: ids.networkMessageId } : {}),
    ...(r.report_id ? { reportId: r.report_id } : {}),
    record,
    fetchedAt: r.fetched_at,
  };
}

/**
 * The reports named by a batch of records, in one indexed query: by Internet Message-ID as the
 * report stored it (with or without brackets), else by network message id. Returns record Id ->
 * report id. Message-IDs differing only in case are left to the report-side pass (linkSubmissions)
 * and to mailSubmissionsForReport, which compare normalised ids.
 */
async function reportsFor(store: Store, events: readonly NewActivityEvent[]): Promise<Map<string, string>> {
  const wanted = events.filter((e) => Number(e.record.RecordType) === MAIL_SUBMISSION).map((e) => ({ id: e.record.Id, ...messageIdsOf(e.record) }));
  const forms = [...new Set(wanted.flatMap((w) => (w.internetMessageId ? [w.internetMessageId.replace(/^<|>$/g, ''), `<${w.internetMessageId.replace(/^<|>$/g, '')}>`] : [])))];
  const nmids = [...new Set(wanted.flatMap((w) => (w.networkMessageId ? [w.networkMessageId] : [])))];
  const out = new Map<string, string>();
  if (forms.length === 0 && nmids.length === 0) return out;
  const reports = await store.db
    .selectFrom('reports')
    .select(['id', 'internet_message_id', 'network_message_id'])
    .where((eb) => eb.or([...(forms.length ? [eb('internet_message_id', 'in', forms)] : []), ...(nmids.length ? [eb('network_message_id', 'in', nmids)] : [])]))
    .orderBy('created_at')
    .execute();
  const byImid = new Map<string, string>();
  const byNmid = new Map<string, string>();
  for (const r of reports) {
    const k = imidKey(r.internet_message_id);
    if (k && !byImid.has(k)) byImid.set(k, r.id);
    const n = r.network_message_id?.toLowerCase();
    if (n && !byNmid.has(n)) byNmid.set(n, r.id);
  }
  for (const w of wanted) {
    const hit = (w.internetMessageId ? byImid.get(imidKey(w.internetMessageId) as string) : undefined) ?? (w.networkMessageId ? byNmid.get(w.networkMessageId) : undefined);
    if (hit) out.set(w.id, hit);
  }
  return out;
}

/** Records per INSERT: one round trip for many rows (PostgreSQL pays per statement). */
const CHUNK = 200;

function toRow(e: NewActivityEvent, reportId: string | undefined, at: string): ActivityEventsTable {
  const rec = e.record;
  const ids = messageIdsOf(rec);
  const recordType = Number(rec.RecordType);
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  return {
    id: rec.Id,
    content_type: e.contentType,
    content_id: e.contentId,
    record_type: recordType,
    workload: str(rec.Workload),
    operation: str(rec.Operation),
    user_id: str(rec.UserId),
    creation_time: creationTimeIso(rec.CreationTime),
    imid_key: imidKey(ids.internetMessageId),
    network_message_id: ids.networkMessageId ?? null,
    report_id: reportId ?? null,
    record: JSON.stringify(rec),
    fetched_at: at,
  };
}

/** Stores a record unless its Id is there; true when it was new. MailSubmissions are linked to their report. */
export async function insertActivityEvent(store: Store, e: NewActivityEvent): Promise<boolean> {
  return (await insertActivityEvents(store, [e])).inserted === 1;
}

/**
 * Stores records in order until `max` new ones are in (a chunk never holds more records than there
 * is room for, so the count cannot overshoot). `processed` says how far into `events` it got.
 */
export async function insertActivityEvents(store: Store, events: readonly NewActivityEvent[], max = Number.POSITIVE_INFINITY): Promise<{ inserted: number; processed: number }> {
  let inserted = 0;
  let processed = 0;
  const at = new Date().toISOString();
  while (processed < events.length && inserted < max) {
    const chunk = events.slice(processed, processed + Math.min(max - inserted, CHUNK));
    processed += chunk.length;
    const reports = await reportsFor(store, chunk);
    const rows = new Map<string, ActivityEventsTable>();
    for (const e of chunk) if (!rows.has(e.record.Id)) rows.set(e.record.Id, toRow(e, reports.get(e.record.Id), at));
    const r = await store.db
      .insertInto('activity_events')
      .values([...rows.values()])
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    inserted += r.length;
  }
  return { inserted, processed };
}

export const LINK_CURSOR = 'management-activity:link';

/**
 * Links stored MailSubmission records to reports stored since the last pass (a report that came
 * after its submission), driven from the reports side so each report costs one indexed update,
 * and unmatched submissions are never re-examined. Ids are compared normalised (brackets, case).
 * A conditional UPDATE (report_id IS NULL): concurrent passes cannot relink. Returns how many.
 */
export async function linkSubmissions(store: Store, limit = 500): Promise<number> {
  const since = await store.getCursor(LINK_CURSOR);
  let q = store.db.selectFrom('reports').select(['id', 'internet_message_id', 'network_message_id', 'created_at']);
  // >=: reports created in the same millisecond as the last one are looked at again (harmless).
  if (since) q = q.where('created_at', '>=', since);
  const reports = await q.orderBy('created_at').orderBy('id').limit(limit).execute();
  let linked = 0;
  for (const r of reports) {
    const key = imidKey(r.internet_message_id);
    const nmid = r.network_message_id?.trim().toLowerCase();
    if (!key && !nmid) continue;
    const u = await store.db
      .updateTable('activity_events')
      .set({ report_id: r.id })
      .where('record_type', '=', MAIL_SUBMISSION)
      .where('report_id', 'is', null)
      .where((eb) => eb.or([...(key ? [eb('imid_key', '=', key)] : []), ...(nmid ? [eb('network_message_id', '=', nmid)] : [])]))
      .returning('id')
      .execute();
    linked += u.length;
  }
  const last = reports.at(-1);
  if (last && last.created_at !== since) await store.setCursor(LINK_CURSOR, last.created_at);
  return linked;
}

/**
 * The MailSubmission records of a report (who reported it, when, as what), oldest first: linked
 * ones and any whose Internet Message-ID or network message id matches the report's.
 */
export async function mailSubmissionsForReport(store: Store, report: Pick<ReportRecord, 'id' | 'original'>): Promise<ActivityEventRecord[]> {
  const key = imidKey(report.original.internetMessageId);
  const nmid = report.original.networkMessageId?.trim().toLowerCase();
  const rows = await store.db
    .selectFrom('activity_events')
    .selectAll()
    .where('record_type', '=', MAIL_SUBMISSION)
    .where((eb) => {
      const ors = [eb('report_id', '=', report.id)];
      if (key) ors.push(eb('imid_key', '=', key));
      if (nmid) ors.push(eb('network_message_id', '=', nmid));
      return eb.or(ors);
    })
    .orderBy('creation_time')
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

export async function countActivityEvents(store: Store): Promise<number> {
  const r = await store.db.selectFrom('activity_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Stored records, newest first, optionally of one record type. */
export async function listActivityEvents(store: Store, opts: { recordType?: number; since?: string; limit?: number } = {}): Promise<ActivityEventRecord[]> {
  let q = store.db.selectFrom('activity_events').selectAll();
  if (opts.recordType !== undefined) q = q.where('record_type', '=', opts.recordType);
  if (opts.since) q = q.where('creation_time', '>=', opts.since);
  const rows = await q.orderBy('creation_time', 'desc').orderBy('id').limit(opts.limit ?? 1000).execute();
  return rows.map(toRecord);
}
