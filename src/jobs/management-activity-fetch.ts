// Scheduled fetching of Office 365 Management Activity records into the store (seed 004 "fetch
// incidents", policy ingest.managementActivity). Per content type, each tick:
// - lists the blobs that became available in [mark, min(mark + 24 h, now - 1 min)) (first run:
//   firstFetchMinutes back; never more than 7 days back, the API's limit), following NextPageUri;
// - reads the blobs oldest first and stores the records that pass the record-type / workload /
//   operation filters, deduplicated by record Id (the API re-delivers records);
// - stops at maxEventsPerFetch NEW records across all content types; the mark then stays at the
//   blob it stopped in (listing is `start <= contentCreated`, so that blob is listed again and its
//   stored records are skipped), else it moves to the end of the window.
// The window is on contentCreated, when a blob became available, not on the event time (Cortex's
// integration advances on CreationTime and so misses late blobs). A content type without a
// subscription is subscribed (AF20022); its first content can take up to 12 hours.
// MailSubmission records are linked to their report (activity-events.ts); records stored before
// their report arrived are linked on a later tick.
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import { insertActivityEvents, linkSubmissions } from '../store/activity-events.ts';
import { isVendorError } from '../vendors/http/errors.ts';
import type { ContentType, ManagementActivityClient } from '../vendors/management-activity/client.ts';
import { recordFilter } from '../vendors/management-activity/filter.ts';
import { MAX_LOOKBACK_MS, MAX_WINDOW_MS } from '../vendors/management-activity/time.ts';

export const MANAGEMENT_ACTIVITY_JOB = 'fetch-management-activity';
export const managementCursor = (contentType: string) => `management-activity:${contentType}`;

export interface ManagementActivityFetchSettings {
  contentTypes: readonly ContentType[];
  recordTypes: readonly string[];
  workloads: readonly string[];
  operations: readonly string[];
  firstFetchMinutes: number;
  /** New records stored per tick at most, across content types. */
  maxEventsPerFetch: number;
  /** Per request (policy limits.httpTimeoutSeconds). */
  timeoutMs?: number;
}

export interface ManagementActivityFetchDeps {
  client: ManagementActivityClient;
  store: Store;
  log: Logger;
  now?: () => Date;
}

export interface ContentTypeResult {
  contentType: string;
  stored: number;
  blobs: number;
  cursor?: string;
  /** Why nothing was read this tick (subscription just started, ...). */
  note?: string;
}

export async function fetchManagementActivity(deps: ManagementActivityFetchDeps, s: ManagementActivityFetchSettings): Promise<{ stored: number; linked: number; capped: boolean; types: ContentTypeResult[] }> {
  const now = (deps.now ?? (() => new Date()))();
  const keep = recordFilter({ recordTypes: s.recordTypes, workloads: s.workloads, operations: s.operations });
  const timeout = s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {};
  const types: ContentTypeResult[] = [];
  let stored = 0;
  let capped = false;

  for (const contentType of s.contentTypes) {
    if (capped) break;
    const key = managementCursor(contentType);
    const mark = await deps.store.getCursor(key);
    // Seven days minus a margin: the API refuses a start further back (AF20055).
    const floor = now.getTime() - MAX_LOOKBACK_MS + 10 * 60_000;
    const start = Math.max(floor, mark ? Date.parse(mark) : now.getTime() - s.firstFetchMinutes * 60_000);
    const end = Math.min(start + MAX_WINDOW_MS, now.getTime() - 60_000);
    const result: ContentTypeResult = { contentType, stored: 0, blobs: 0 };
    types.push(result);
    if (end - start < 1000) continue;

    let blobs;
    try {
      blobs = await deps.client.listContent(contentType, { start: new Date(start), end: new Date(end) }, timeout);
    } catch (err) {
      if (isVendorError(err) && err.code === 'AF20022') {
        await deps.client.startSubscription(contentType);
        result.note = 'no subscription: started one (first content can take up to 12 hours)';
        deps.log.warn({ job: MANAGEMENT_ACTIVITY_JOB, contentType }, 'no Management Activity subscription for this content type: started one');
        continue;
      }
      throw err;
    }
    result.blobs = blobs.length;
    let next = end;
    for (const blob of blobs) {
      const kept = (await deps.client.fetchContent(blob.contentUri, timeout)).filter(keep);
      const r = await insertActivityEvents(
        deps.store,
        kept.map((record) => ({ contentType: blob.contentType, contentId: blob.contentId, record })),
        s.maxEventsPerFetch - stored,
      );
      stored += r.inserted;
      result.stored += r.inserted;
      if (r.processed < kept.length) {
        next = Math.max(start, Date.parse(blob.contentCreated));
        capped = true;
        break;
      }
    }
    result.cursor = new Date(next).toISOString();
    await deps.store.setCursor(key, result.cursor);
  }

  const linked = await linkSubmissions(deps.store);
  if (stored || linked || capped) deps.log.info({ job: MANAGEMENT_ACTIVITY_JOB, stored, linked, capped }, 'management activity records fetched');
  return { stored, linked, capped, types };
}
