// Running one catalog action for a person, the same for every platform: authorise (deny by
// default), check the vendor is configured, refuse what needs a second approver, run, audit.
// Actions that are decisions (report.approve / quarantine / block) go through decide(), never
// run(), so a command and a card button share one claim, one audit entry and one card update.
// Every outcome is a value the adapter renders; nothing here throws for an expected failure.
import { needsSecondApprover } from '../../src/config/policy.ts';
import { decide, type DecideResult, type DecisionDeps } from '../../src/actions/decisions.ts';
import type { ActionDef, ActionResult } from '../../src/actions/types.ts';
import { authorize } from '../../src/policy/authorize.ts';
import { redact, redactText } from '../../src/log/redact.ts';
import type { Actor } from '../../src/store/types.ts';
import { noticeFor } from '../decision-buttons.ts';

/** What running an action needs: exactly what decisions need (store, catalog, vendors, policy, publisher, log, dryRun). */
export type CommandDeps = DecisionDeps;

type AnyDef = ActionDef<any, any, any>;

export type ActionOutcome =
  | { kind: 'result'; def: AnyDef; params: unknown; result: ActionResult }
  /** A decision action: the report's cards update themselves; `message` is for the person who asked. */
  | { kind: 'decision'; def: AnyDef; result: DecideResult; message: string }
  | { kind: 'denied'; def: AnyDef; message: string }
  | { kind: 'not-configured'; def: AnyDef; message: string; variables: string[] }
  | { kind: 'needs-second-approver'; def: AnyDef; message: string }
  | { kind: 'failed'; def: AnyDef; message: string };

/** Whether `actor` may use `def` at all right now (for deciding to open a form); no audit entry. */
export function checkAccess(deps: CommandDeps, actor: Actor, def: AnyDef): Exclude<ActionOutcome, { kind: 'result' | 'decision' | 'failed' }> | undefined {
  const auth = authorize(deps.policy, deps.policySource, actor, def);
  if (!auth.ok) return { kind: 'denied', def, message: auth.reason };
  const missing = notConfigured(deps, def);
  if (missing) return missing;
  if (!def.decision && needsSecondApprover(deps.policy, def.risk)) return secondApprover(def);
  return undefined;
}

function notConfigured(deps: CommandDeps, def: AnyDef): Extract<ActionOutcome, { kind: 'not-configured' }> | undefined {
  const variables = def.requires?.(deps.vendors);
  if (!variables || variables.length === 0) return undefined;
  return { kind: 'not-configured', def, variables, message: `${def.id} is not available: ${def.vendor} is not configured. Set ${variables.join(', ')} (see docs/configuration.md) and restart Hookline.` };
}

function secondApprover(def: AnyDef): Extract<ActionOutcome, { kind: 'needs-second-approver' }> {
  // The same fail-safe as decisions.ts: without a two-person flow, a risk the policy reserves for
  // two people is never run by one.
  return {
    kind: 'needs-second-approver',
    def,
    message:
      `${def.id} is ${def.risk} and this policy asks for a second approver (fourEyes.risks includes ${def.risk}); the two-person approval flow is not available in this version, so it was not run. ` +
      'To allow a single person, remove that risk from fourEyes.risks in the policy file.',
  };
}

/** Runs `def` with already validated `params` for `actor`. */
export async function runAction(deps: CommandDeps, req: { actor: Actor; def: AnyDef; params: unknown; signal?: AbortSignal }): Promise<ActionOutcome> {
  const { actor, def, params } = req;
  const { store, log } = deps;
  const auditParams = redact(params);

  if (def.decision) {
    const reportId = (params as { reportId?: unknown }).reportId;
    if (typeof reportId !== 'string') return { kind: 'failed', def, message: `${def.id} needs reportId` };
    // decide() authorises, claims, runs, audits and re-renders the cards.
    const result = await decide(deps, { reportId, action: def.decision, actor });
    return { kind: 'decision', def, result, message: decisionMessage(def, reportId, result) };
  }

  const auth = authorize(deps.policy, deps.policySource, actor, def);
  if (!auth.ok) {
    await store.appendAudit({ actor, action: def.id, params: auditParams, result: 'denied', detail: { reason: auth.reason } });
    return { kind: 'denied', def, message: auth.reason };
  }
  const missing = notConfigured(deps, def);
  if (missing) {
    await store.appendAudit({ actor, action: def.id, params: auditParams, result: 'failed', detail: { reason: 'not configured', variables: missing.variables } });
    return missing;
  }
  if (needsSecondApprover(deps.policy, def.risk)) {
    const out = secondApprover(def);
    await store.appendAudit({ actor, action: def.id, params: auditParams, result: 'denied', detail: { reason: 'second approver required', risk: def.risk } });
    return out;
  }

  try {
    const result: ActionResult = await def.run(
      { actor, vendors: deps.vendors, store, log, dryRun: deps.dryRun, ...(req.signal ? { signal: req.signal } : {}) },
      params,
    );
    await store.appendAudit({
      actor,
      action: def.id,
      params: auditParams,
      result: 'ok',
      detail: { summary: result.summary, kind: result.kind, ...(result.partial ? { partial: true } : {}), ...(deps.dryRun ? { dryRun: true } : {}) },
      vendorRequestIds: result.vendorRequestIds ?? [],
    });
    return { kind: 'result', def, params, result };
  } catch (err) {
    // Vendor errors are worded for people already; anything secret-looking is scrubbed.
    const message = redactText((err as Error).message || String(err));
    log.warn({ action: def.id, err: message }, 'action failed');
    await store.appendAudit({ actor, action: def.id, params: auditParams, result: 'failed', detail: { error: message } });
    return { kind: 'failed', def, message };
  }
}

const PAST: Record<string, string> = { approve: 'approved', quarantine: 'quarantined', block: 'blocked' };

function decisionMessage(def: AnyDef, reportId: string, r: DecideResult): string {
  if (r.kind === 'executed') {
    const d = r.decision;
    const verb = PAST[d.action] ?? d.action;
    if (d.state === 'done') return `Report ${reportId} ${verb}. The report card shows the details.`;
    if (d.state === 'failed') return `${def.title} of report ${reportId} failed: ${d.error ?? 'no reason recorded'}. The card has a Retry button.`;
    return `${def.title} of report ${reportId}: ${d.state.replace(/_/g, ' ')}.`;
  }
  return noticeFor(r, { actor: { platform: 'system', id: 'command' }, button: def.decision!, value: reportId }) ?? `${def.title}: nothing to do.`;
}
