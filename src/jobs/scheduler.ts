// Cron jobs (node-cron). Each tick first takes a lease in the store, so with several replicas on
// one PostgreSQL a job runs once per tick, not once per replica. A tick that throws is logged and
// the next tick runs as usual: a job never takes the process down.
import { randomUUID } from 'node:crypto';
import { schedule, validate, type ScheduledTask } from 'node-cron';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import type { Metrics } from '../server/metrics.ts';

export interface Job {
  name: string;
  cron: string;
  /** How long the lease is held at most (a crashed holder's lease expires after this). */
  leaseMs?: number;
  run(): Promise<unknown>;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly jobs = new Map<string, Job>();
  private readonly holder = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly metrics: Metrics | undefined;

  constructor(store: Store, log: Logger, metrics?: Metrics) {
    this.store = store;
    this.log = log;
    this.metrics = metrics;
    metrics?.describe('hookline_job_runs_total', 'counter', 'Job ticks by job and result');
  }

  add(job: Job): void {
    if (!validate(job.cron)) throw new Error(`job ${job.name}: "${job.cron}" is not a valid cron expression`);
    this.jobs.set(job.name, job);
  }

  start(): void {
    for (const job of this.jobs.values()) {
      this.tasks.push(schedule(job.cron, () => this.tick(job.name).then(() => undefined), { name: job.name, noOverlap: true }));
    }
  }

  /** Runs one tick of a job now (under the same lease); returns false when another holder has it. */
  async tick(name: string): Promise<boolean> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job ${name}`);
    const lock = `job:${name}`;
    // A crashed holder's lease blocks this job until it expires, so keep the default short; a tick
    // that overruns it may overlap another replica's, which the store's claims make harmless.
    if (!(await this.store.tryLock(lock, this.holder, job.leaseMs ?? 2 * 60_000))) {
      this.metrics?.inc('hookline_job_runs_total', { job: name, result: 'skipped' });
      return false;
    }
    try {
      await job.run();
      this.metrics?.inc('hookline_job_runs_total', { job: name, result: 'ok' });
    } catch (err) {
      this.metrics?.inc('hookline_job_runs_total', { job: name, result: 'error' });
      this.log.error({ job: name, err: (err as Error).message }, 'job tick failed');
    } finally {
      await this.store.unlock(lock, this.holder).catch(() => {});
    }
    return true;
  }

  async stop(): Promise<void> {
    for (const t of this.tasks) await t.destroy();
    this.tasks.length = 0;
  }
}
