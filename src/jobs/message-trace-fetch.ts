// Scheduled fetching of Graph message trace rows into the store (seed 002 "fetch events",
// policy ingest.messageTrace). Each tick:
// - reads from the stored high-water mark (first run: firstFetchMinutes back) minus an overlap,
//   because trace rows can appear minutes after the mail (a row later than the mark but stamped
//   before it would otherwise be missed); re-read rows are skipped by the store's key;
// - walks 10-day windows oldest first up to a minute ago (the API refuses a future end and
//   anything more than 90 days back), each window read whole through @odata.nextLink and stored
//   in time order;
// - stores at most maxEventsPerFetch NEW rows, and moves the mark to the last row stored (or to
//   the end of a window read completely). The mark only moves after the rows are stored, never
//   backwards, and a failed request leaves it at the last window read whole: the next tick retries.
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import type { GraphClient } from '../vendors/graph/client.ts';
import type { MessageTrace } from '../vendors/graph/types.ts';
import { insertTraceEvents } from '../store/trace-events.ts';
import { MAX_LOOKBACK_MS, traceWindows } from '../actions/message-trace/window.ts';

export const MESSAGE_TRACE_JOB = 'fetch-message-trace';
export const MESSAGE_TRACE_CURSOR = 'message-trace:graph';

export interface MessageTraceFetchSettings {
  /** Seed 002 "Maximum number of events per fetch": new rows stored per tick at most. */
  maxEventsPerFetch: number;
  /** How far back the first fetch reaches. */
  firstFetchMinutes: number;
  /** How far before the mark each tick re-reads (late rows). Default 15 minutes. */
  overlapMinutes?: number;
}

export interface MessageTraceFetchDeps {
  graph: GraphClient;
  store: Store;
  log: Logger;
  now?: () => Date;
}

export interface MessageTraceFetchResult {
  stored: number;
  read: number;
  /** The high-water mark after the tick (ISO). */
  cursor: string;
  /** True when the tick stopped at maxEventsPerFetch with rows left for the next one. */
  capped: boolean;
}

export async function fetchMessageTraces(deps: MessageTraceFetchDeps, settings: MessageTraceFetchSettings): Promise<MessageTraceFetchResult> {
  const now = (deps.now ?? (() => new Date()))();
  // A minute of margin: the service rejects an end after its own "now".
  const end = new Date(now.getTime() - 60_000);
  const oldest = now.getTime() - MAX_LOOKBACK_MS + 5 * 60_000;
  const stored = await deps.store.getCursor(MESSAGE_TRACE_CURSOR);
  const mark = stored ? Date.parse(stored) : now.getTime() - settings.firstFetchMinutes * 60_000;
  const from = Math.max(oldest, mark - (settings.overlapMinutes ?? 15) * 60_000);
  let cursor = Math.max(Number.isNaN(mark) ? oldest : mark, oldest);
  let storedCount = 0;
  let read = 0;
  let capped = false;
  if (from < end.getTime()) {
    for (const w of traceWindows({ start: new Date(from), end }, 'oldest-first')) {
      const rows: MessageTrace[] = await deps.graph.listMessageTraces({ start: w.start, end: w.end });
      read += rows.length;
      rows.sort((a, b) => (a.receivedDateTime ?? '').localeCompare(b.receivedDateTime ?? '') || (a.id ?? '').localeCompare(b.id ?? ''));
      const room = settings.maxEventsPerFetch - storedCount;
      const r = await insertTraceEvents(deps.store, rows, room);
      storedCount += r.inserted;
      if (storedCount >= settings.maxEventsPerFetch && r.inserted + r.skipped < rows.length) {
        // Stopped inside this window: resume from the last stored row (same-time rows dedupe).
        if (r.last?.receivedDateTime) cursor = Math.max(cursor, Date.parse(r.last.receivedDateTime));
        capped = true;
        break;
      }
      cursor = Math.max(cursor, w.end.getTime());
      // Saved per window: a later window failing does not make this one be read again.
      await deps.store.setCursor(MESSAGE_TRACE_CURSOR, new Date(cursor).toISOString());
    }
  }
  const iso = new Date(cursor).toISOString();
  if (iso !== stored) await deps.store.setCursor(MESSAGE_TRACE_CURSOR, iso);
  if (storedCount || capped) deps.log.info({ job: MESSAGE_TRACE_JOB, stored: storedCount, read, cursor: iso, capped }, 'message trace rows fetched');
  return { stored: storedCount, read, cursor: iso, capped };
}
