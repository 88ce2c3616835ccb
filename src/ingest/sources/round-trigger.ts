// Push channels (Graph change notifications, fs.watch) only say "something changed: poll soon".
// They come in bursts (one notification per message, several fs events per file), so requests are
// collapsed: while a round runs, any number of requests make exactly ONE more round after it. The
// extra round matters: a round already past its listing step would not see the new message.
import type { Logger } from '../../log/logger.ts';

export class RoundTrigger {
  private running: Promise<void> | undefined;
  private again = false;
  private rounds = 0;
  private readonly run: () => Promise<unknown>;
  private readonly log: Logger;
  private readonly name: string;

  constructor(name: string, run: () => Promise<unknown>, log: Logger) {
    this.name = name;
    this.run = run;
    this.log = log;
  }

  /** Asks for a round soon; never throws (a failed round is logged, the timer tries again). */
  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop();
  }

  /** Rounds started through this trigger so far (tests check that a burst collapsed). */
  get roundsRun(): number {
    return this.rounds;
  }

  /** Resolves when no round is running or queued. */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        this.rounds++;
        try {
          await this.run();
        } catch (err) {
          this.log.warn({ source: this.name, err: (err as Error).message }, 'triggered ingest round failed; the scheduled poll will retry');
        }
      } while (this.again);
    } finally {
      this.running = undefined;
    }
  }
}
