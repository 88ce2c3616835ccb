// Pending requests (a preview nobody confirmed, a four-eyes request nobody approved) expire after
// policy.fourEyes.expiryMinutes: the decision moves to `expired` with a system audit entry and the
// card says so and offers the buttons again. A request whose preview never got written (its
// process died while planning) expires by its creation time.
import type { DecisionDeps } from '../actions/decisions.ts';
import { expireRequest } from '../actions/decisions.ts';
import { fileOf } from '../actions/steps/record.ts';

const BATCH = 200;

export async function expirePendingRequests(deps: DecisionDeps): Promise<{ expired: string[] }> {
  const now = deps.now?.() ?? new Date();
  const rows = await deps.store.db
    .selectFrom('decisions')
    .select(['id'])
    .where('state', '=', 'pending_second_approval')
    .orderBy('created_at')
    .limit(BATCH)
    .execute();
  const expired: string[] = [];
  for (const { id } of rows) {
    const d = await deps.store.getDecision(id);
    if (!d || d.state !== 'pending_second_approval') continue;
    const due = fileOf(d).request?.expiresAt ?? new Date(new Date(d.createdAt).getTime() + deps.policy.fourEyes.expiryMinutes * 60_000).toISOString();
    if (now.getTime() < new Date(due).getTime()) continue;
    if (await expireRequest(deps, d, now)) expired.push(id);
  }
  return { expired };
}
