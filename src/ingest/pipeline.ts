// Parse and store one raw report. The store dedupes on the source's immutable id, so ingesting the
// same message twice (a replayed delta page, a restarted poll) is harmless. Parsing never throws:
// a message nobody can read is stored as an unparseable report with its reason, never dropped.
import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import type { ReportRecord } from '../store/types.ts';
import type { RawReport } from './types.ts';
import { parseReport, type ParseOptions } from './parse/report.ts';

export interface IngestDeps {
  store: Store;
  log: Logger;
  parse?: ParseOptions;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function ingestRaw(deps: IngestDeps, raw: RawReport): Promise<{ report: ReportRecord; created: boolean }> {
  const dedupeKey = `${raw.source}:${raw.sourceRef}`;
  const existing = await deps.store.getReportByDedupeKey(dedupeKey);
  if (existing) return { report: existing, created: false };
  const parsed = await parseReport(raw.raw, deps.parse);
  const res = await deps.store.insertReport({
    dedupeKey,
    source: raw.source,
    sourceRef: raw.sourceRef,
    parsed,
    ...(raw.receivedAt ? { receivedAt: raw.receivedAt } : {}),
  });
  if (res.created) {
    // Ids and sizes only: a mail body or subject never goes to the log.
    deps.log.info(
      { reportId: res.report.id, source: raw.source, status: parsed.status, bytes: raw.raw.length, reason: parsed.parseError },
      'report ingested',
    );
  }
  return res;
}
