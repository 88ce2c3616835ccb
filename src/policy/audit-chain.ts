// Checking and exporting the audit log. Each entry's hash covers its own fields and the previous
// entry's hash (Store.appendAudit, auditHash), so changing, deleting or inserting a row breaks
// the chain at that row: verify() walks the raw rows in order and names the first entry that does
// not hold, with the reason. export writes JSON lines for a SIEM, secrets removed once more.
import { auditHash, GENESIS_HASH, type Store } from '../store/store.ts';
import type { AuditEntry } from '../store/types.ts';
import { redact, redactText } from '../log/redact.ts';

export type VerifyResult =
  | { ok: true; entries: number; head?: { seq: number; hash: string } }
  | { ok: false; entries: number; broken: { seq: number; reason: string } };

const PAGE = 1000;

/** Parses a stored JSON column; the reason when it is not JSON (a hand-edited row). */
function json(v: string | null, column: string): { value: unknown } | { error: string } {
  if (v === null) return { value: null };
  try {
    return { value: JSON.parse(v) };
  } catch {
    return { error: `${column} is not valid JSON` };
  }
}

export async function verifyAuditChain(store: Store): Promise<VerifyResult> {
  let prevHash = GENESIS_HASH;
  let expectSeq = 1;
  let count = 0;
  let last: { seq: number; hash: string } | undefined;
  for (;;) {
    const rows = await store.db.selectFrom('audit_log').selectAll().where('seq', '>=', expectSeq).orderBy('seq').limit(PAGE).execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectSeq) {
        return { ok: false, entries: count, broken: { seq, reason: `entry ${expectSeq}${seq > expectSeq + 1 ? ` to ${seq - 1}` : ''} is missing (deleted?): the log jumps from ${expectSeq - 1} to ${seq}` } };
      }
      if (r.prev_hash !== prevHash) {
        return { ok: false, entries: count, broken: { seq, reason: `its prev_hash does not match the hash of entry ${seq - 1} (entry ${seq - 1} was changed, or this one was re-chained)` } };
      }
      const cols = { actor: json(r.actor, 'actor'), params: json(r.params, 'params'), detail: json(r.detail, 'detail'), vendorRequestIds: json(r.vendor_request_ids, 'vendor_request_ids') };
      for (const c of Object.values(cols)) if ('error' in c) return { ok: false, entries: count, broken: { seq, reason: c.error } };
      const value = (k: keyof typeof cols) => (cols[k] as { value: unknown }).value;
      const expected = auditHash(prevHash, {
        seq,
        at: r.at,
        actor: value('actor') as AuditEntry['actor'],
        action: r.action,
        params: value('params') ?? null,
        result: r.result as AuditEntry['result'],
        detail: value('detail') ?? null,
        vendorRequestIds: (value('vendorRequestIds') as string[] | null) ?? [],
      });
      if (expected !== r.hash) {
        return { ok: false, entries: count, broken: { seq, reason: 'its content does not match its hash (the row was changed after it was written)' } };
      }
      prevHash = r.hash;
      last = { seq, hash: r.hash };
      expectSeq = seq + 1;
      count++;
    }
  }
  return { ok: true, entries: count, ...(last ? { head: last } : {}) };
}

/** Secret-named fields replaced, and credentials found inside any text (an error message) removed. */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  const r = redact(value);
  if (Array.isArray(r)) return r.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(Object.entries(r as Record<string, unknown>).map(([k, v]) => [k, scrub(v, depth + 1)]));
}

/** One exported line: the entry with secrets removed (the hashes stay, so a SIEM can see the chain). */
export function exportLine(e: AuditEntry): string {
  return JSON.stringify({
    seq: e.seq,
    at: e.at,
    actor: scrub(e.actor),
    action: e.action,
    params: scrub(e.params),
    result: e.result,
    detail: scrub(e.detail ?? null),
    vendorRequestIds: e.vendorRequestIds,
    prevHash: e.prevHash,
    hash: e.hash,
  });
}

/** Every entry at or after `since` (ISO-8601), in order, a page at a time. */
export async function* auditSince(store: Store, since: string, until?: string): AsyncGenerator<AuditEntry> {
  let afterSeq: number | undefined;
  for (;;) {
    const page = await store.listAudit({ since, limit: PAGE, order: 'asc', ...(afterSeq !== undefined ? { afterSeq } : {}) });
    for (const e of page) {
      if (until && e.at >= until) return;
      yield e;
    }
    if (page.length < PAGE) return;
    afterSeq = (page.at(-1) as AuditEntry).seq;
  }
}
