// The scheduled digest (policy.digest: enabled, schedule, channels). The scheduler's lease makes a
// tick run once across replicas; each platform gets the same statistics through its DigestPort
// (adapters implement it; the Slack one posts to policy.digest.slackChannel or the alert channel).
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import { digestStats, type DigestOptions, type DigestStats } from '../reports/digest.ts';

export interface DigestPort {
  readonly platform: string;
  postDigest(stats: DigestStats): Promise<void>;
}

/** Computes the digest once and posts it to every port; one platform failing does not stop the others. */
export async function postDigests(store: Store, ports: readonly DigestPort[], log: Logger, opts: DigestOptions = {}): Promise<{ posted: number; failed: number }> {
  if (ports.length === 0) return { posted: 0, failed: 0 };
  const stats = await digestStats(store, opts);
  let posted = 0;
  let failed = 0;
  for (const port of ports) {
    try {
      await port.postDigest(stats);
      posted++;
    } catch (err) {
      failed++;
      log.warn({ platform: port.platform, err: (err as Error).message }, 'posting the digest failed');
    }
  }
  // The scheduler counts a tick as an error only when it throws: make a total failure visible.
  if (posted === 0) throw new Error(`the digest could not be posted to any platform (${failed} failed)`);
  return { posted, failed };
}
