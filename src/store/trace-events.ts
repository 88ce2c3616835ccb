// Message trace rows fetched on a schedule (table trace_events, migration 0007). One row per
// (trace id, recipient): inserts are INSERT .. ON CONFLICT DO NOTHING RETURNING, so the overlap
// the fetch re-reads on purpose (late rows) and a second replica's tick are skipped, and only rows
// really stored count towards "maximum number of events per fetch".
import type { Store } from './store.ts';
import type { TraceEventsTable } from './schema.ts';
import type { MessageTrace } from '../vendors/graph/types.ts';

export interface TraceEventRecord {
  key: string;
  traceId: string;
  recipient: string;
  sender?: string;
  messageId?: string;
  subject?: string;
  status?: string;
  receivedAt: string;
  size?: number;
  fromIp?: string;
  toIp?: string;
  fetchedAt: string;
}

/** `<abc@x>` / `ABC@x` -> `abc@x`: how Internet Message-IDs are compared across sources. */
export function imidKey(id: string | undefined | null): string | null {
  const v = (id ?? '').trim().replace(/^<|>$/g, '').trim().toLowerCase();
  return v || null;
}

/** The dedupe key of a trace row; undefined when the row lacks an id, recipient or time (not storable). */
export function traceEventKey(row: MessageTrace): string | undefined {
  if (!row.id || !row.recipientAddress || !row.receivedDateTime) return undefined;
  return `${row.id.toLowerCase()}|${row.recipientAddress.toLowerCase()}`;
}

function toRow(row: MessageTrace, key: string, at: string): TraceEventsTable {
  return {
    key,
    trace_id: row.id as string,
    recipient: (row.recipientAddress as string).toLowerCase(),
    sender: row.senderAddress?.toLowerCase() ?? null,
    message_id: row.messageId ?? null,
    imid_key: imidKey(row.messageId),
    subject: row.subject ?? null,
    status: row.status ?? null,
    received_at: new Date(row.receivedDateTime as string).toISOString(),
    size: row.size ?? null,
    from_ip: row.fromIP ?? null,
    to_ip: row.toIP ?? null,
    fetched_at: at,
  };
}

function toRecord(r: TraceEventsTable): TraceEventRecord {
  return {
    key: r.key,
    traceId: r.trace_id,
    recipient: r.recipient,
    ...(r.sender ? { sender: r.sender } : {}),
    ...(r.message_id ? { messageId: r.message_id } : {}),
    ...(r.subject !== null ? { subject: r.subject } : {}),
    ...(r.status ? { status: r.status } : {}),
    receivedAt: r.received_at,
    ...(r.size !== null ? { size: Number(r.size) } : {}),
    ...(r.from_ip ? { fromIp: r.from_ip } : {}),
    ...(r.to_ip ? { toIp: r.to_ip } : {}),
    fetchedAt: r.fetched_at,
  };
}

/** Rows per INSERT: one round trip for many rows (PostgreSQL pays per statement). */
const CHUNK = 200;

/** Stores one row unless its key is there; true when it was new. Rows that cannot be keyed are refused (false). */
export async function insertTraceEvent(store: Store, row: MessageTrace): Promise<boolean> {
  return (await insertTraceEvents(store, [row])).inserted === 1;
}

/**
 * Stores rows in order until `max` new ones are in (a chunk never holds more rows than there is
 * room for, so the count cannot overshoot); returns how many were new, how many were already
 * there or not storable, and the last one stored.
 */
export async function insertTraceEvents(store: Store, rows: readonly MessageTrace[], max = Number.POSITIVE_INFINITY): Promise<{ inserted: number; last?: MessageTrace; skipped: number }> {
  let inserted = 0;
  let skipped = 0;
  let last: MessageTrace | undefined;
  const at = new Date().toISOString();
  for (let i = 0; i < rows.length && inserted < max; ) {
    const chunk = rows.slice(i, i + Math.min(max - inserted, CHUNK));
    i += chunk.length;
    const values = new Map<string, TraceEventsTable>();
    for (const row of chunk) {
      const key = traceEventKey(row);
      if (key && !values.has(key) && !Number.isNaN(Date.parse(row.receivedDateTime as string))) values.set(key, toRow(row, key, at));
    }
    const fresh = new Set<string>();
    if (values.size) {
      const r = await store.db
        .insertInto('trace_events')
        .values([...values.values()])
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .execute();
      for (const x of r) fresh.add(x.key);
    }
    for (const row of chunk) {
      const key = traceEventKey(row);
      if (key && fresh.delete(key)) {
        inserted++;
        last = row;
      } else skipped++;
    }
  }
  return { inserted, skipped, ...(last ? { last } : {}) };
}

export async function countTraceEvents(store: Store): Promise<number> {
  const r = await store.db.selectFrom('trace_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Stored rows, newest first; `messageId` narrows to one message (brackets and case ignored). */
export async function listTraceEvents(store: Store, opts: { messageId?: string; since?: string; limit?: number } = {}): Promise<TraceEventRecord[]> {
  let q = store.db.selectFrom('trace_events').selectAll();
  const key = opts.messageId ? imidKey(opts.messageId) : null;
  if (key) q = q.where('imid_key', '=', key);
  if (opts.since) q = q.where('received_at', '>=', opts.since);
  const rows = await q.orderBy('received_at', 'desc').orderBy('key').limit(opts.limit ?? 1000).execute();
  return rows.map(toRecord);
}
