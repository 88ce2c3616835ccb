// Parse and store one raw report. The store dedupes on the source's immutable id, so ingesting the
// same message twice (a replayed delta page, a restarted poll) is harmless. Parsing never throws:
// a message nobody can read is stored as an unparseable report with its reason, never dropped.
import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import type { ReportRecord } from '../store/types.ts';
import type { RawReport } from './types.ts';
import { parseReport, type ParseOptions } from './parse/report.ts';
import { countReporting, oneAtATimePerOriginal, reportOfSameOriginal } from './campaigns.ts';
import { reportOfReporting } from '../store/campaigns.ts';

export interface IngestDeps {
  store: Store;
  log: Logger;
  parse?: ParseOptions;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function ingestRaw(deps: IngestDeps, raw: RawReport): Promise<{ report: ReportRecord; created: boolean }> {
  const dedupeKey = `${raw.source}:${raw.sourceRef}`;
  const existing = await deps.store.getReportByDedupeKey(dedupeKey);
  if (existing) {
    // Idempotent: repairs the count when a crash came between storing the report and counting it.
    await countReporting(deps.store, existing, dedupeKey);
    return { report: existing, created: false };
  }
  // This source message was counted as another reporter of an existing report (below).
  const countedFor = await reportOfReporting(deps.store, dedupeKey);
  const earlier = countedFor ? await deps.store.getReport(countedFor) : undefined;
  if (earlier) return { report: earlier, created: false };
  const parsed = await parseReport(raw.raw, deps.parse);
  return oneAtATimePerOriginal(parsed, async () => {
    // The same message reported again (docs/decisions/0007) is the same report, with one more reporter.
    const same = await reportOfSameOriginal(deps.store, parsed);
    if (same) {
      await countReporting(deps.store, same, dedupeKey, { ...(parsed.reportedBy ? { reporter: parsed.reportedBy.address } : {}), ...(raw.receivedAt ? { at: raw.receivedAt } : {}) });
      deps.log.info({ reportId: same.id, source: raw.source, bytes: raw.raw.length }, 'known message reported again: counted as another reporter');
      return { report: same, created: false };
    }
    const res = await deps.store.insertReport({
      dedupeKey,
      source: raw.source,
      sourceRef: raw.sourceRef,
      parsed,
      ...(raw.receivedAt ? { receivedAt: raw.receivedAt } : {}),
    });
    await countReporting(deps.store, res.report, dedupeKey);
    if (res.created) {
      // Ids and sizes only: a mail body or subject never goes to the log.
      deps.log.info(
        { reportId: res.report.id, source: raw.source, status: parsed.status, bytes: raw.raw.length, reason: parsed.parseError },
        'report ingested',
      );
    }
    return res;
  });
}
