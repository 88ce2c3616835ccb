// Seed 004's record filters ("Record types / Workloads / Operations to fetch": content records
// not listed are not fetched; empty means all). The API cannot filter, so records are matched
// after the blob is read. Record types by number or name (29 or MailSubmission); workloads and
// operations case-insensitively.
import { recordTypeNumber } from './record-types.ts';
import type { AuditRecord } from './client.ts';

export interface RecordFilterSpec {
  recordTypes?: readonly (string | number)[];
  workloads?: readonly string[];
  operations?: readonly string[];
}

/** Throws naming the value when a record type is neither a number nor a known name. */
export function recordFilter(spec: RecordFilterSpec): (r: AuditRecord) => boolean {
  const types = new Set<number>();
  for (const t of spec.recordTypes ?? []) {
    const n = recordTypeNumber(t);
    if (n === undefined) throw new Error(`record type ${JSON.stringify(t)} is neither a number nor a known record type name (e.g. 29 or MailSubmission)`);
    types.add(n);
  }
  const workloads = new Set((spec.workloads ?? []).map((w) => w.trim().toLowerCase()).filter(Boolean));
  const operations = new Set((spec.operations ?? []).map((o) => o.trim().toLowerCase()).filter(Boolean));
  return (r) =>
    (types.size === 0 || types.has(Number(r.RecordType))) &&
    (workloads.size === 0 || workloads.has(String(r.Workload ?? '').toLowerCase())) &&
    (operations.size === 0 || operations.has(String(r.Operation ?? '').toLowerCase()));
}

/** The problem with a comma-separated record type list, for parameter validation. */
export function recordTypesProblem(values: readonly string[]): string | undefined {
  try {
    recordFilter({ recordTypes: values });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
