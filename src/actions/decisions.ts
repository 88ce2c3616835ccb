// The decision state machine (shared/DESIGN.md §4, docs/decisions/0006):
//
//   (new) --click--> executing --------------------------------> done | failed --Retry--> executing
//     \                                                            |   \
//      --click (destructive or four-eyes)--> pending_second_approval    --Undo--> executing --> done | failed (undone)
//            | Confirm / Approve request --> executing              \
//            | Cancel / Deny --> dismissed; expiry job --> expired    -- a new click on a failed decision supersedes it (dismissed)
//
// One decision at a time per report, keyed by an idempotency key every click on the card computes
// alike (`decide:<report>`, then `decide:<report>:after:<previous decision>` once the report is
// open again), so concurrent and repeated clicks — on any replica — claim once and call each
// vendor once. Every move is a conditional UPDATE (Store.transitionDecision) and the ones that
// matter carry their audit entry in the same transaction. Cards are re-rendered after each move.
import type { Logger } from '../log/logger.ts';
import { hasRole, type Policy } from '../config/policy.ts';
import { redact } from '../log/redact.ts';
import type { NewAuditEntry, Store } from '../store/store.ts';
import type { Actor, DecisionAction, DecisionRecord, DecisionState, ReportRecord } from '../store/types.ts';
import type { Vendors } from '../vendors/registry.ts';
import type { Publisher } from '../chat/publisher.ts';
import type { Catalog } from './catalog.ts';
import type { ActionDef } from './types.ts';
import { authorize } from '../policy/authorize.ts';
import { authorizeApproval, expiryOf, justificationProblem, requestMode } from '../policy/four-eyes.ts';
import { planAll, resolvePlaybook, runAll, undoAll } from './steps/playbook.ts';
import { asOutcome, fileOf, reopened, sameActor, undoOffered, type ApprovalRequest, type DecisionFile, type Resolution } from './steps/record.ts';
import type { BlockScope, ReporterNotifier, StepContext, StepOutcome, StepPlan } from './steps/types.ts';

export interface DecisionDeps {
  store: Store;
  catalog: Catalog<Vendors>;
  vendors: Vendors;
  policy: Policy;
  policySource: string;
  publisher: Publisher;
  log: Logger;
  dryRun: boolean;
  /** Direct messages to reporters on the chat platforms (absent: email only). */
  notifier?: ReporterNotifier;
  /** The clock (tests of expiry and the undo window). */
  now?: () => Date;
}

export type DecideResult =
  /** The playbook ran (or an undo did): the decision is done or failed. */
  | { kind: 'executed'; decision: DecisionRecord }
  /** The request waits on the card: a preview to confirm, or a second approver. */
  | { kind: 'pending'; decision: DecisionRecord }
  /** A request was cancelled, denied or expired: the card says so. */
  | { kind: 'updated'; decision: DecisionRecord }
  /** Somebody else already decided (or is deciding): nothing was called. */
  | { kind: 'duplicate'; decision: DecisionRecord }
  /** Four-eyes: ask the requester for a justification (Slack opens a modal) and call decide() again with it. */
  | { kind: 'needs-justification'; message: string; reportId: string; action: DecisionAction }
  | { kind: 'denied'; message: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'not-found'; message: string };

export interface DecideRequest {
  reportId: string;
  action: DecisionAction;
  actor: Actor;
  /** Why, in the requester's words (required when four-eyes applies). */
  justification?: string;
  /** Block: the sender address or the sender domain. */
  scope?: BlockScope;
}

/** The first decision of a report; later ones (after cancel, expiry, undo) chain on the previous id. */
export const decisionKey = (reportId: string) => `decide:${reportId}`;

const SYSTEM: Actor = { platform: 'system', id: 'hookline' };
const now = (deps: DecisionDeps) => deps.now?.() ?? new Date();

function defOf(deps: DecisionDeps, action: DecisionAction): ActionDef<any, any, Vendors> | undefined {
  return deps.catalog.get(`report.${action}`);
}

function stepContext(deps: DecisionDeps, report: ReportRecord, actor: Actor, action: DecisionAction, scope: BlockScope | undefined): StepContext {
  return {
    actor,
    vendors: deps.vendors,
    store: deps.store,
    log: deps.log,
    dryRun: deps.dryRun,
    policy: deps.policy,
    report,
    decision: action,
    ...(scope ? { scope } : {}),
    ...(deps.notifier ? { notifier: deps.notifier } : {}),
  };
}

/** What a click on Approve / Quarantine / Block needs before it can be made: a justification under four-eyes. */
export function requestNeeds(deps: DecisionDeps, action: DecisionAction): { justification: boolean } {
  const def = defOf(deps, action);
  return { justification: def ? requestMode(deps.policy, def).needsSecond : false };
}

/**
 * The idempotency key a new decision on this report takes, or the decision that makes a new one
 * pointless (pending, executing, done and not undone). A failed decision is superseded (moved to
 * dismissed, audited) so the new request does not race a Retry of the old one.
 */
async function openKey(deps: DecisionDeps, reportId: string, actor: Actor): Promise<{ key: string } | { current: DecisionRecord }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const latest = await deps.store.latestDecision(reportId);
    if (!latest) return { key: decisionKey(reportId) };
    if (reopened(latest)) return { key: `${decisionKey(reportId)}:after:${latest.id}` };
    if (latest.state !== 'failed') return { current: latest };
    const superseded = await deps.store.transitionDecision(latest.id, ['failed'], { state: 'dismissed', outcome: asOutcome({ ...fileOf(latest), superseded: { at: now(deps).toISOString(), by: actor } }) }, () => ({
      actor,
      action: `report.${latest.action}`,
      params: { reportId, decisionId: latest.id },
      result: 'info',
      detail: { event: 'superseded', by: 'a new request on the same report' },
    }));
    if (superseded) return { key: `${decisionKey(reportId)}:after:${latest.id}` };
  }
  const latest = (await deps.store.latestDecision(reportId)) as DecisionRecord;
  return { current: latest };
}

async function deny(deps: DecisionDeps, actor: Actor, actionId: string, params: Record<string, unknown>, reason: string): Promise<DecideResult> {
  await deps.store.appendAudit({ actor, action: actionId, params, result: 'denied', detail: { reason } });
  return { kind: 'denied', message: reason };
}

/** A click on Approve, Quarantine or Block (or the same from a command). */
export async function decide(deps: DecisionDeps, req: DecideRequest): Promise<DecideResult> {
  const { store } = deps;
  const def = defOf(deps, req.action);
  if (!def) return { kind: 'unavailable', message: `unknown decision ${req.action}` };

  const auth = authorize(deps.policy, deps.policySource, req.actor, def);
  if (!auth.ok) return deny(deps, req.actor, def.id, { reportId: req.reportId }, auth.reason);

  const report = await store.getReport(req.reportId);
  if (!report) return { kind: 'not-found', message: `There is no report ${req.reportId} (it may belong to another Hookline deployment).` };

  const playbook = resolvePlaybook(deps.policy, req.action, deps.vendors);
  if (playbook.unavailable) return { kind: 'unavailable', message: playbook.unavailable };

  const mode = requestMode(deps.policy, def);
  const justification = req.justification?.trim() || undefined;
  if (mode.needsSecond) {
    const problem = justificationProblem(justification);
    if (problem) {
      return { kind: 'needs-justification', reportId: report.id, action: req.action, message: `${def.title} needs a second approver under this policy (fourEyes.risks includes ${def.risk}). ${problem}` };
    }
  }

  const open = await openKey(deps, report.id, req.actor);
  if ('current' in open) return { kind: 'duplicate', decision: open.current };
  const claim = await store.claimDecision({
    reportId: report.id,
    action: req.action,
    idempotencyKey: open.key,
    requestedBy: req.actor,
    state: mode.waits ? 'pending_second_approval' : 'executing',
  });
  if (!claim.claimed) return { kind: 'duplicate', decision: claim.decision };

  const ctx = stepContext(deps, report, req.actor, req.action, req.scope);
  const base: DecisionFile = { steps: [], playbook: playbook.source, ...(req.scope ? { scope: req.scope } : {}), ...(deps.dryRun ? { dryRun: true } : {}) };

  if (!mode.waits) {
    const plans = await planAll(ctx, playbook.configs);
    return execute(deps, claim.decision, ctx, { ...base, plans }, [], req.actor);
  }

  // The card shows "preparing the preview" while the steps plan (message trace and other reads).
  await deps.publisher.refresh(report.id);
  const plans = await planAll(ctx, playbook.configs);
  const at = now(deps);
  const request: ApprovalRequest = {
    action: req.action,
    ...(req.scope ? { scope: req.scope } : {}),
    needsSecond: mode.needsSecond,
    approverRole: mode.approverRole,
    ...(justification ? { justification } : {}),
    requestedAt: at.toISOString(),
    expiresAt: expiryOf(deps.policy, at),
  };
  const pending = await store.transitionDecision(
    claim.decision.id,
    ['pending_second_approval'],
    { state: 'pending_second_approval', outcome: asOutcome({ ...base, plans, request }) },
    (d) => ({
      actor: req.actor,
      action: def.id,
      params: { reportId: report.id, decisionId: d.id, ...(req.scope ? { scope: req.scope } : {}) },
      result: 'info',
      detail: { event: 'requested', needsSecond: mode.needsSecond, ...(justification ? { justification } : {}), expiresAt: request.expiresAt, preview: previewOf(plans) },
    }),
  );
  await deps.publisher.refresh(report.id);
  return pending ? { kind: 'pending', decision: pending } : { kind: 'duplicate', decision: (await store.getDecision(claim.decision.id)) ?? claim.decision };
}

/** The preview as the audit log keeps it: one line per step. */
function previewOf(plans: readonly StepPlan[]): string[] {
  return plans.map((p) => `${p.step}: ${p.blocked ? `cannot run: ${p.blocked}` : p.nothing ? p.nothing : p.summary}`);
}

/** Step outcomes as the audit log keeps them: every vendor, recipient and vendor object id, secrets removed. */
function auditSteps(steps: readonly StepOutcome[]): unknown {
  return redact(steps);
}

/**
 * Runs the plans of a decision that is now `executing` and records the outcome and its audit entry
 * in one transaction. Never leaves the decision in `executing`: an unexpected error is a failure.
 */
async function execute(deps: DecisionDeps, decision: DecisionRecord, ctx: StepContext, file: DecisionFile, previous: StepOutcome[], clicker: Actor): Promise<DecideResult> {
  const { store, log } = deps;
  const def = defOf(deps, decision.action) as ActionDef<any, any, Vendors>;
  const reportId = decision.reportId;
  await deps.publisher.refresh(reportId);
  const audit = (d: DecisionRecord): NewAuditEntry => {
    const f = fileOf(d);
    return {
      actor: clicker,
      action: def.id,
      params: { reportId, decisionId: d.id, attempt: d.attempts, ...(f.scope ? { scope: f.scope } : {}) },
      result: d.state === 'done' ? 'ok' : 'failed',
      detail: {
        state: d.state,
        steps: auditSteps(f.steps),
        ...(d.error ? { error: d.error } : {}),
        requestedBy: d.requestedBy,
        ...(d.approvedBy ? { approvedBy: d.approvedBy } : {}),
        ...(f.request?.justification ? { justification: f.request.justification } : {}),
        ...(deps.dryRun ? { dryRun: true } : {}),
      },
      vendorRequestIds: [...new Set(f.steps.flatMap((s) => s.requestIds ?? (s.requestId ? [s.requestId] : [])))],
    };
  };
  let final: DecisionRecord | undefined;
  try {
    const steps = await runAll(ctx, file.plans ?? [], previous);
    if (decision.action === 'approve') steps.push({ vendor: 'hookline', step: 'hookline.mark-benign', status: 'ok', detail: 'marked benign' });
    const bad = steps.filter((s) => s.status === 'failed' || s.status === 'partial');
    const finishedAt = now(deps);
    const window = deps.policy.undoWindowMinutes;
    const undoable = decision.action !== 'approve' && window > 0 && steps.some((s) => (s.undo?.length ?? 0) > 0);
    const outcome: DecisionFile = {
      ...file,
      steps,
      finishedAt: finishedAt.toISOString(),
      ...(undoable ? { undoUntil: new Date(finishedAt.getTime() + window * 60_000).toISOString() } : {}),
    };
    delete outcome.undo;
    const error = bad.length ? `${bad.length === steps.length ? '' : 'partially failed: '}${bad.map((s) => `${s.step}: ${s.detail}`).join('; ')}` : null;
    final = await store.transitionDecision(decision.id, ['executing'], { state: bad.length ? 'failed' : 'done', outcome, error }, audit);
  } catch (err) {
    // A bug or a lost database must still leave the card retryable, never stuck in "executing".
    log.error({ reportId, err: (err as Error).message }, 'decision failed unexpectedly');
    final = await store
      .transitionDecision(decision.id, ['executing'], { state: 'failed', error: `Hookline failed unexpectedly: ${(err as Error).message}`, outcome: { ...file, steps: previous } }, audit)
      .catch((e: unknown) => {
        log.error({ reportId, err: (e as Error).message }, 'recording the failure failed');
        return undefined;
      });
  }
  final ??= (await store.getDecision(decision.id)) ?? decision;
  await deps.publisher.refresh(reportId);
  return { kind: 'executed', decision: final };
}

async function pendingRequest(deps: DecisionDeps, decisionId: string): Promise<{ d: DecisionRecord; def: ActionDef<any, any, Vendors>; file: DecisionFile; request?: ApprovalRequest } | DecideResult> {
  const d = await deps.store.getDecision(decisionId);
  if (!d) return { kind: 'not-found', message: `There is no decision ${decisionId}.` };
  const def = defOf(deps, d.action);
  if (!def) return { kind: 'unavailable', message: `unknown decision ${d.action}` };
  if (d.state !== 'pending_second_approval') return { kind: 'duplicate', decision: d };
  const file = fileOf(d);
  return { d, def, file, ...(file.request ? { request: file.request } : {}) };
}

/** Confirm (a previewed request) or Approve request (four-eyes): runs exactly what the preview showed. */
export async function confirmDecision(deps: DecisionDeps, req: { decisionId: string; actor: Actor }): Promise<DecideResult> {
  const p = await pendingRequest(deps, req.decisionId);
  if ('kind' in p) return p;
  const { d, def, file, request } = p;
  if (!request) return { kind: 'unavailable', message: 'The preview is still being prepared; try again in a moment.' };
  const auth = authorizeApproval(deps.policy, deps.policySource, req.actor, { requester: d.requestedBy, needsSecond: request.needsSecond, approverRole: request.approverRole, actionId: def.id });
  if (!auth.ok) return deny(deps, req.actor, def.id, { reportId: d.reportId, decisionId: d.id }, auth.reason);
  const at = now(deps);
  if (at.getTime() >= new Date(request.expiresAt).getTime()) {
    await expireRequest(deps, d, at);
    return { kind: 'unavailable', message: `This ${def.title.toLowerCase()} request expired at ${request.expiresAt.slice(0, 16).replace('T', ' ')} UTC without approval; request it again from the card.` };
  }
  const report = await deps.store.getReport(d.reportId);
  if (!report) return { kind: 'not-found', message: `There is no report ${d.reportId}.` };
  const kind: Resolution = request.needsSecond ? 'approved' : 'confirmed';
  const executing = await deps.store.transitionDecision(
    d.id,
    ['pending_second_approval'],
    {
      state: 'executing',
      incrementAttempts: true,
      ...(request.needsSecond ? { approvedBy: req.actor } : {}),
      outcome: asOutcome({ ...file, steps: [], request: { ...request, resolution: { kind, by: req.actor, at: at.toISOString() } } }),
    },
    () => ({
      actor: req.actor,
      action: def.id,
      params: { reportId: d.reportId, decisionId: d.id },
      result: 'info',
      detail: { event: kind, requestedBy: d.requestedBy, ...(request.justification ? { justification: request.justification } : {}) },
    }),
  );
  if (!executing) return { kind: 'duplicate', decision: (await deps.store.getDecision(d.id)) ?? d };
  const ctx = stepContext(deps, report, d.requestedBy, d.action, file.scope);
  return execute(deps, executing, ctx, fileOf(executing), [], req.actor);
}

/** Cancel (the requester, or anyone who may confirm) or Deny (a four-eyes approver). */
export async function cancelDecision(deps: DecisionDeps, req: { decisionId: string; actor: Actor }): Promise<DecideResult> {
  const p = await pendingRequest(deps, req.decisionId);
  if ('kind' in p) return p;
  const { d, def, file, request } = p;
  const own = sameActor(req.actor, d.requestedBy);
  const role = request?.approverRole ?? def.role;
  if (!own && !hasRole(deps.policy, req.actor, role)) {
    return deny(deps, req.actor, def.id, { reportId: d.reportId, decisionId: d.id }, `Only the requester or someone with the ${role} role can cancel or deny this request.`);
  }
  const kind: Resolution = !own && request?.needsSecond ? 'denied' : 'cancelled';
  const at = now(deps).toISOString();
  const done = await deps.store.transitionDecision(
    d.id,
    ['pending_second_approval'],
    { state: 'dismissed', outcome: asOutcome({ ...file, ...(request ? { request: { ...request, resolution: { kind, by: req.actor, at } } } : {}) }) },
    () => ({ actor: req.actor, action: def.id, params: { reportId: d.reportId, decisionId: d.id }, result: 'info', detail: { event: kind, requestedBy: d.requestedBy } }),
  );
  if (!done) return { kind: 'duplicate', decision: (await deps.store.getDecision(d.id)) ?? d };
  await deps.publisher.refresh(d.reportId);
  return { kind: 'updated', decision: done };
}

/** Expires a pending request (the approval-expiry job, or a late click); the card says so. */
export async function expireRequest(deps: DecisionDeps, d: DecisionRecord, at: Date): Promise<DecisionRecord | undefined> {
  const file = fileOf(d);
  const expired = await deps.store.transitionDecision(
    d.id,
    ['pending_second_approval'],
    { state: 'expired', outcome: asOutcome({ ...file, ...(file.request ? { request: { ...file.request, resolution: { kind: 'expired', at: at.toISOString() } } } : {}) }) },
    () => ({
      actor: SYSTEM,
      action: `report.${d.action}`,
      params: { reportId: d.reportId, decisionId: d.id },
      result: 'info',
      detail: { event: 'expired', requestedBy: d.requestedBy, expiresAt: file.request?.expiresAt ?? null },
    }),
  );
  if (expired) await deps.publisher.refresh(d.reportId);
  return expired;
}

/** The Retry button: runs the failed steps of a failed decision again (the ones that succeeded are kept). */
export async function retryDecision(deps: DecisionDeps, req: { decisionId: string; actor: Actor }): Promise<DecideResult> {
  const d = await deps.store.getDecision(req.decisionId);
  if (!d) return { kind: 'not-found', message: `There is no decision ${req.decisionId}.` };
  const def = defOf(deps, d.action);
  if (!def) return { kind: 'unavailable', message: `unknown decision ${d.action}` };
  const auth = authorize(deps.policy, deps.policySource, req.actor, def);
  if (!auth.ok) return deny(deps, req.actor, def.id, { reportId: d.reportId, decisionId: d.id }, auth.reason);
  if (d.state !== 'failed' || fileOf(d).undo) return { kind: 'duplicate', decision: d };
  const report = await deps.store.getReport(d.reportId);
  if (!report) return { kind: 'not-found', message: `There is no report ${d.reportId}.` };
  const file = fileOf(d);
  const ctx = stepContext(deps, report, d.requestedBy, d.action, file.scope);
  // Older rows (or a crash before planning) have no plans: plan again with the playbook in force.
  const plans = file.plans ?? (await planAll(ctx, resolvePlaybook(deps.policy, d.action, deps.vendors).configs));
  const previous = file.steps.filter((s) => s.step !== 'hookline.mark-benign');
  const executing = await deps.store.transitionDecision(d.id, ['failed'], { state: 'executing', incrementAttempts: true, error: null, outcome: asOutcome({ ...file, plans }) });
  if (!executing) return { kind: 'duplicate', decision: (await deps.store.getDecision(d.id)) ?? d };
  return execute(deps, executing, ctx, { ...file, plans }, previous, req.actor);
}

/** The Undo button: reverses what a Quarantine or Block changed, within policy.undoWindowMinutes. */
export async function undoDecision(deps: DecisionDeps, req: { decisionId: string; actor: Actor }): Promise<DecideResult> {
  const { store } = deps;
  const d = await store.getDecision(req.decisionId);
  if (!d) return { kind: 'not-found', message: `There is no decision ${req.decisionId}.` };
  const def = defOf(deps, d.action);
  if (!def) return { kind: 'unavailable', message: `unknown decision ${d.action}` };
  const auth = authorize(deps.policy, deps.policySource, req.actor, def);
  if (!auth.ok) return deny(deps, req.actor, `report.undo`, { reportId: d.reportId, decisionId: d.id }, auth.reason);
  const at = now(deps);
  const file = fileOf(d);
  if (file.undo?.state === 'done' || file.undo?.state === 'executing' || d.state === 'executing') return { kind: 'duplicate', decision: d };
  if (!undoOffered(d, at)) {
    await deps.publisher.refresh(d.reportId);
    const why = file.undoUntil && at.getTime() >= new Date(file.undoUntil).getTime() ? `the undo window closed at ${file.undoUntil.slice(0, 16).replace('T', ' ')} UTC (policy undoWindowMinutes)` : 'it has nothing Hookline can reverse';
    return { kind: 'unavailable', message: `This ${def.title.toLowerCase()} cannot be undone: ${why}.` };
  }
  const report = await store.getReport(d.reportId);
  if (!report) return { kind: 'not-found', message: `There is no report ${d.reportId}.` };
  const from = d.state as 'done' | 'failed';
  const previous = file.undo?.steps ?? [];
  const attempts = (file.undo?.attempts ?? 0) + 1;
  const claimed = await store.transitionDecision(d.id, [from], {
    state: 'executing',
    outcome: asOutcome({ ...file, undo: { state: 'executing', from, by: req.actor, at: at.toISOString(), attempts, steps: previous } }),
  });
  if (!claimed) return { kind: 'duplicate', decision: (await store.getDecision(d.id)) ?? d };
  await deps.publisher.refresh(d.reportId);

  const ctx = stepContext(deps, report, req.actor, d.action, file.scope);
  let steps: StepOutcome[];
  try {
    steps = await undoAll(ctx, file.steps, previous);
  } catch (err) {
    steps = [{ vendor: 'hookline', step: 'hookline.undo', status: 'failed', detail: `undo failed unexpectedly: ${(err as Error).message}` }];
  }
  const bad = steps.filter((s) => s.status === 'failed' || s.status === 'partial');
  const error = bad.length ? bad.map((s) => `${s.step}: ${s.detail}`).join('; ') : undefined;
  const undo = { state: bad.length ? ('failed' as const) : ('done' as const), from, by: req.actor, at: now(deps).toISOString(), attempts, steps, ...(error ? { error } : {}) };
  const final = await store.transitionDecision(d.id, ['executing'], { state: from as DecisionState, outcome: asOutcome({ ...file, undo }) }, () => ({
    actor: req.actor,
    action: 'report.undo',
    params: { reportId: d.reportId, decisionId: d.id, of: def.id, attempt: attempts },
    result: bad.length ? 'failed' : 'ok',
    detail: { steps: auditSteps(steps), ...(error ? { error } : {}), ...(deps.dryRun ? { dryRun: true } : {}) },
    vendorRequestIds: [...new Set(steps.flatMap((s) => s.requestIds ?? (s.requestId ? [s.requestId] : [])))],
  }));
  await deps.publisher.refresh(d.reportId);
  return { kind: 'executed', decision: final ?? (await store.getDecision(d.id)) ?? d };
}

