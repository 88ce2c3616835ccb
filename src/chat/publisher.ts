// Keeps every posted card in step with the store: posts new reports once per platform and
// re-renders a report's cards after each change of its decision. Jobs and handlers use this; it
// talks to platforms only through ChatPort.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import type { ChatPort, ReportSnapshot } from './port.ts';

export class Publisher {
  private readonly ports = new Map<string, ChatPort>();
  /** Identifies this process in post claims, so a crashed replica's claims can be told apart. */
  readonly holder = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly notice: string | undefined;

  constructor(store: Store, log: Logger, opts: { notice?: string } = {}) {
    this.store = store;
    this.log = log;
    this.notice = opts.notice;
  }

  addPort(port: ChatPort): void {
    this.ports.set(port.platform, port);
  }

  platforms(): string[] {
    return [...this.ports.keys()];
  }

  async snapshot(reportId: string): Promise<ReportSnapshot | undefined> {
    const report = await this.store.getReport(reportId);
    if (!report) return undefined;
    const decision = await this.store.latestDecision(reportId);
    return { report, ...(decision ? { decision } : {}), ...(this.notice ? { notice: this.notice } : {}) };
  }

  /**
   * Posts reports not yet on each platform. The claim makes each report post once across replicas;
   * a failed post gives its claim back so the next tick retries it.
   */
  async postNew(limit = 20): Promise<{ posted: number; failed: number }> {
    let posted = 0;
    let failed = 0;
    for (const port of this.ports.values()) {
      for (const report of await this.store.reportsToPost(port.platform, limit)) {
        if (!(await this.store.claimPost(report.id, port.platform, this.holder))) continue;
        try {
          const snap = await this.snapshot(report.id);
          if (!snap) continue;
          const ref = await port.postReport(snap);
          await this.store.markPosted(report.id, ref);
          posted++;
        } catch (err) {
          failed++;
          await this.store.releasePost(report.id, port.platform, this.holder);
          this.log.warn({ reportId: report.id, platform: port.platform, err: (err as Error).message }, 'posting a report card failed; will retry');
        }
      }
    }
    return { posted, failed };
  }

  /** Re-renders every card of a report from the current state. Failures are logged, not thrown. */
  async refresh(reportId: string): Promise<void> {
    const snap = await this.snapshot(reportId);
    if (!snap) return;
    for (const ref of await this.store.postsOf(reportId)) {
      const port = this.ports.get(ref.platform);
      if (!port) continue;
      try {
        await port.updateReport(ref, snap);
      } catch (err) {
        this.log.warn({ reportId, platform: ref.platform, err: (err as Error).message }, 'updating a report card failed');
      }
    }
  }
}
