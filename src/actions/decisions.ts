// The decision state machine (shared/DESIGN.md §4): new -> executing -> done | failed, with retry
// from failed. One decision per report, keyed by an idempotency key that every click on the same
// card computes alike, so concurrent and repeated clicks execute once. Every outcome is audited
// and re-rendered on every card of the report.
import type { Logger } from '../log/logger.ts';
import { needsSecondApprover, type Policy } from '../config/policy.ts';
import type { Store } from '../store/store.ts';
import type { Actor, DecisionAction, DecisionOutcome, DecisionRecord, DecisionState } from '../store/types.ts';
import type { Vendors } from '../vendors/registry.ts';
import type { Publisher } from '../chat/publisher.ts';
import type { Catalog } from './catalog.ts';
import { authorize } from '../policy/authorize.ts';
import { playbookFor } from './report-actions.ts';

export interface DecisionDeps {
  store: Store;
  catalog: Catalog<Vendors>;
  vendors: Vendors;
  policy: Policy;
  policySource: string;
  publisher: Publisher;
  log: Logger;
  dryRun: boolean;
}

export type DecideResult =
  | { kind: 'executed'; decision: DecisionRecord }
  /** Somebody else already decided (or is deciding): nothing was called. */
  | { kind: 'duplicate'; decision: DecisionRecord }
  | { kind: 'denied'; message: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'not-found'; message: string };

/** The key every click on one report's card computes: one decision per report. */
export const decisionKey = (reportId: string) => `decide:${reportId}`;

const RETRYABLE: DecisionState[] = ['failed'];

export async function decide(
  deps: DecisionDeps,
  req: { reportId: string; action: DecisionAction; actor: Actor },
): Promise<DecideResult> {
  const { store, log } = deps;
  const def = deps.catalog.get(`report.${req.action}`);
  if (!def) return { kind: 'unavailable', message: `unknown decision ${req.action}` };

  const auth = authorize(deps.policy, deps.policySource, req.actor, def);
  if (!auth.ok) {
    await store.appendAudit({ actor: req.actor, action: def.id, params: { reportId: req.reportId }, result: 'denied', detail: { reason: auth.reason } });
    return { kind: 'denied', message: auth.reason };
  }

  if (needsSecondApprover(deps.policy, def.risk)) {
    // Fail safe until the two-person flow exists: never run a destructive action single-handed
    // when the policy asks for a second approver.
    return {
      kind: 'unavailable',
      message:
        `${def.title} needs a second approver under this policy (fourEyes.risks includes ${def.risk}), and the two-person approval flow is not available in this version. ` +
        'To allow a single responder, set fourEyes.risks to [] in the policy file.',
    };
  }

  const report = await store.getReport(req.reportId);
  if (!report) return { kind: 'not-found', message: `There is no report ${req.reportId} (it may belong to another Hookline deployment).` };

  const plan = playbookFor(req.action, deps.vendors);
  if (plan.unavailable) return { kind: 'unavailable', message: plan.unavailable };

  const claim = await store.claimDecision({
    reportId: report.id,
    action: req.action,
    idempotencyKey: decisionKey(report.id),
    requestedBy: req.actor,
    state: 'executing',
  });
  let decision: DecisionRecord | undefined = claim.decision;
  if (!claim.claimed) {
    // A failed decision may be retried (with the same or another button); anything else is final or in flight.
    if (!RETRYABLE.includes(claim.decision.state)) return { kind: 'duplicate', decision: claim.decision };
    decision = await store.transitionDecision(claim.decision.id, RETRYABLE, {
      state: 'executing',
      action: req.action,
      requestedBy: req.actor,
      incrementAttempts: true,
      error: null,
    });
    if (!decision) return { kind: 'duplicate', decision: (await store.getDecision(claim.decision.id)) ?? claim.decision };
  }

  await deps.publisher.refresh(report.id);

  let final: DecisionRecord | undefined;
  const auditOf = (vendorRequestIds: string[]) => (d: DecisionRecord) => ({
    actor: req.actor,
    action: def.id,
    params: { reportId: report.id, attempt: d.attempts },
    result: d.state === 'done' ? ('ok' as const) : ('failed' as const),
    detail: { state: d.state, outcome: d.outcome, error: d.error, ...(deps.dryRun ? { dryRun: true } : {}) },
    vendorRequestIds,
  });
  try {
    const result = await def.run({ actor: req.actor, vendors: deps.vendors, store, log, dryRun: deps.dryRun }, { reportId: report.id });
    const outcome = result.data as DecisionOutcome;
    const bad = outcome.steps.filter((s) => s.status === 'failed' || s.status === 'partial');
    // The outcome and its audit entry are committed together: nothing is half-recorded.
    final = await store.transitionDecision(
      decision.id,
      ['executing'],
      {
        state: bad.length ? 'failed' : 'done',
        outcome,
        error: bad.length ? (result.partial ? `partially failed: ${result.summary}` : result.summary) : null,
      },
      auditOf(result.vendorRequestIds ?? []),
    );
  } catch (err) {
    // A bug or an unexpected error must still leave the card retryable, never stuck in "executing".
    log.error({ reportId: report.id, err: (err as Error).message }, 'decision failed unexpectedly');
    final = await store.transitionDecision(decision.id, ['executing'], { state: 'failed', error: (err as Error).message, outcome: { steps: [] } }, auditOf([]));
  }
  final ??= (await store.getDecision(decision.id))!;

  await deps.publisher.refresh(report.id);
  return { kind: 'executed', decision: final };
}

/** The Retry button: retries a failed decision with the action it had. */
export async function retryDecision(deps: DecisionDeps, req: { decisionId: string; actor: Actor }): Promise<DecideResult> {
  const d = await deps.store.getDecision(req.decisionId);
  if (!d) return { kind: 'not-found', message: `There is no decision ${req.decisionId}.` };
  return decide(deps, { reportId: d.reportId, action: d.action, actor: req.actor });
}
